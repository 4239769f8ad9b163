"""A local ZKBioTime 8.x REST server: the attendance system hrhub syncs with.

It speaks what the dossier (§4.1, §4.4) records of the real API, so the connector written
against it works against a real BioTime: JWT and static-token auth with DRF error bodies,
DRF page-number paging with an absolute `next`, naive local ("Asia/Shanghai") date-times,
integer ids, unique `emp_code`, and punches that arrive late and twice (the same punch
relayed by a second terminal, or re-sent by its own). The attendance module (shifts, groups,
schedules, leave) is not in the dossier: sim_att.py serves hrhub's reading of it. The data is
seeded deterministically from `seed` and `as_of`, so tests can rely on it.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import math
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, ClassVar

from connectors._core.simulator import (
    Abort,
    BadJSON,
    FaultSpec,
    Request,
    Response,
    SimulatorServer,
    route,
)
from connectors.attendance.sim_att import AttendanceModule
from connectors.attendance.sim_drf import (
    BAD_CHOICE,
    DATE_FMT,
    TIME_FMT,
    char_field,
    invalid,
    is_date,
    ordering,
    page_link,
    page_size,
    parse_filter_time,
    request_data,
    unauthorized,
)

__all__ = ["AttendanceSimulator"]

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
JWT_LIFETIME_S = 3600.0

PUNCH_STATES = {
    "0": "Check In",
    "1": "Check Out",
    "2": "Break Out",
    "3": "Break In",
    "4": "Overtime In",
    "5": "Overtime Out",
}
VERIFY_TYPES = {0: "Password", 1: "Fingerprint", 4: "Card", 15: "Face"}

DEPARTMENTS = [
    ("SALES", "销售部"),
    ("RND", "研发部"),
    ("HR", "人力资源部"),
    ("FIN", "财务部"),
    ("ADMIN", "行政部"),
]
AREAS = [("SH", "上海总部"), ("BJ", "北京分公司")]
POSITIONS = [
    ("SALESREP", "销售代表"),
    ("ENG", "软件工程师"),
    ("SENG", "高级工程师"),
    ("HRBP", "人力资源业务伙伴"),
    ("ACCT", "会计"),
    ("MGR", "部门经理"),
]
# Positions a department staffs; an empty tuple leaves position null (it is optional).
DEPT_POSITIONS = {
    "SALES": ("SALESREP", "SALESREP", "MGR"),
    "RND": ("ENG", "ENG", "SENG", "MGR"),
    "HR": ("HRBP", "MGR"),
    "FIN": ("ACCT", "MGR"),
    "ADMIN": (),
}
# (sn, alias, area_code, ip): two terminals per site, so one punch can be recorded twice.
TERMINALS = [
    ("CJDE203360011", "上海-大堂A", "SH", "192.168.10.201"),
    ("CJDE203360012", "上海-大堂B", "SH", "192.168.10.202"),
    ("CJDE203360021", "北京-前台A", "BJ", "192.168.20.201"),
    ("CJDE203360022", "北京-前台B", "BJ", "192.168.20.202"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN_NAMES = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
    "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "浩然", "子涵", "雨萱", "思远", "嘉怡",
]  # fmt: skip
ENGLISH_NAMES = [("David", "Miller"), ("Emily", "Clark"), ("Michael", "Brown"), ("Sarah", "Lee")]

LATE_UPLOAD_RATE = 0.08  # share of punches a terminal uploads hours later
TWIN_PUNCH_RATE = 0.06  # share of punches the neighbouring terminal relays too
RESEND_RATE = 0.02  # share of punches their own terminal uploads a second time


@dataclass(frozen=True)
class _Catalog:
    """A code/name resource (departments, positions, areas) and its DRF wording."""

    code: str
    name: str
    parent: str
    verbose: str


CATALOGS = {
    "departments": _Catalog("dept_code", "dept_name", "parent_dept", "department"),
    "positions": _Catalog("position_code", "position_name", "parent_position", "position"),
    "areas": _Catalog("area_code", "area_name", "parent_area", "area"),
}


def now_local() -> datetime:
    """Wall-clock time as BioTime stores it: naive, China Standard Time, whole seconds."""
    return datetime.now(CHINA).replace(tzinfo=None, microsecond=0)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _as_naive(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.strptime(value, TIME_FMT)


class AttendanceSimulator(AttendanceModule, SimulatorServer):
    """ZKBioTime 8.x: personnel (employees, departments, areas, positions), iclock
    (transactions, terminals) and the attendance module (shifts, groups, schedules, leave;
    sim_att.py, hrhub's reading) over DRF, on 127.0.0.1.

    `as_of` is the simulator's "now" for the seed data (default: the current China time):
    punches cover the `days` calendar days before it, weekdays only, and no seeded upload is
    later than it.
    """

    system: ClassVar[str] = "attendance"

    def __init__(
        self,
        faults: FaultSpec | str | None = None,
        *,
        username: str = "admin",
        password: str = "admin123",
        seed: int = 0,
        employees: int = 30,
        days: int = 14,
        as_of: datetime | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(faults, host=host, port=port)
        self.username = username
        self.password = password
        self.as_of = (as_of or now_local()).replace(microsecond=0)
        data_rng = random.Random(seed)
        self._secret = data_rng.randbytes(32)
        self._static_tokens: dict[str, float | None] = {}  # key -> expires at (epoch s)
        self.tables: dict[str, dict[int, dict[str, Any]]] = {
            name: {} for name in ("departments", "positions", "areas", "employees")
        }
        self.tables["terminals"] = {}
        self.tables["transactions"] = {}
        self._next_ids: dict[str, int] = {}
        self._seed_catalogs()
        self._seed_employees(data_rng, employees)
        self._seed_punches(data_rng, days)
        self._seed_attendance(data_rng, days)

    def count_stream(self, stream: str) -> int:
        """How many rows a stream holds now (what a full read returns, twins included)."""
        if stream != "transactions":
            raise KeyError(f"attendance simulator has no stream {stream!r}")
        with self.lock:
            return len(self.tables["transactions"])

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Copies of one stored table in id order, for reconciliations and tests (read-only):
        "employees", "schedules", "transactions", "shifts", "groups", "leaves", ..."""
        with self.lock:
            if table not in self.tables:
                known = ", ".join(sorted(self.tables))
                raise KeyError(f"attendance simulator has no table {table!r} (known: {known})")
            return [copy.deepcopy(self.tables[table][pk]) for pk in sorted(self.tables[table])]

    def count_entities(self, stream: str) -> int:
        """How many distinct punches the stream holds: rows of one (emp_code, punch_time,
        punch_state) count once, as the hub stages them. The source side of a reconciliation.
        """
        if stream != "transactions":
            raise KeyError(f"attendance simulator has no stream {stream!r}")
        with self.lock:
            rows = self.tables["transactions"].values()
            return len({(r["emp_code"], r["punch_time"], r["punch_state"]) for r in rows})

    # -- seed data ---------------------------------------------------------------------------

    def _insert(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """Give `row` the next id of `table` (ids are never reused, like a DB sequence)."""
        rows = self.tables[table]
        new_id = self._next_ids.get(table, max(rows, default=0) + 1)
        self._next_ids[table] = new_id + 1
        row = {"id": new_id, **row}
        rows[new_id] = row
        return row

    def _by_code(self, table: str, code: str) -> dict[str, Any]:
        field = CATALOGS[table].code
        return next(r for r in self.tables[table].values() if r[field] == code)

    def _seed_catalogs(self) -> None:
        for table, rows in (("departments", DEPARTMENTS), ("positions", POSITIONS)):
            cat = CATALOGS[table]
            for code, name in rows:
                self._insert(table, {cat.code: code, cat.name: name, cat.parent: None})
        for code, name in AREAS:
            self._insert("areas", {"area_code": code, "area_name": name, "parent_area": None})
        for sn, alias, area_code, ip in TERMINALS:
            area_id = self._by_code("areas", area_code)["id"]
            self._insert("terminals", {"sn": sn, "alias": alias, "ip": ip, "area_id": area_id})

    def _seed_employees(self, rng: random.Random, count: int) -> None:
        depts = list(self.tables["departments"].values())
        shanghai, beijing = (self._by_code("areas", c)["id"] for c in ("SH", "BJ"))
        for i in range(count):
            if i % 8 == 7:
                first, last = ENGLISH_NAMES[(i // 8) % len(ENGLISH_NAMES)]
                email = f"{first}.{last}@example.com".lower()
            else:
                first, last = rng.choice(GIVEN_NAMES), rng.choice(SURNAMES)
                email = f"emp{1001 + i}@example.cn"
            dept = depts[i % len(depts)]
            choices = DEPT_POSITIONS[dept["dept_code"]]
            position = self._by_code("positions", rng.choice(choices))["id"] if choices else None
            roll = rng.random()
            areas = [shanghai] if roll < 0.65 else [beijing]
            if i % 12 == 5:  # a few people work at both sites (BioTime "multi_area")
                areas = [shanghai, beijing]
            hire = self.as_of.date() - timedelta(days=rng.randint(60, 3000))
            birthday = date(rng.randint(1970, 2000), rng.randint(1, 12), rng.randint(1, 28))
            updated = self.as_of - timedelta(days=rng.randint(1, 50), seconds=rng.randint(0, 86399))
            self._insert(
                "employees",
                {
                    "emp_code": str(1001 + i),
                    "first_name": first,
                    "last_name": last,
                    "nickname": "",
                    "department_id": dept["id"],
                    "position_id": position,
                    "area_ids": areas,
                    "hire_date": hire.strftime(DATE_FMT),
                    "birthday": birthday.strftime(DATE_FMT),
                    "gender": rng.choice("MF"),
                    "email": email,
                    "mobile": f"13{rng.randint(0, 999_999_999):09d}",
                    "card_no": str(rng.randint(10**9, 10**10 - 1)) if rng.random() < 0.7 else "",
                    "attemployee": {
                        "enable_attendance": True,
                        "enable_schedule": True,
                        "enable_overtime": rng.random() < 0.5,
                        "enable_holiday": True,
                    },
                    "update_time": updated.strftime(TIME_FMT),
                },
            )

    def _seed_punches(self, rng: random.Random, days: int) -> None:
        """Two punches per employee and weekday; some late uploads, some twice.

        A twin is the same punch (emp_code, punch_time, punch_state) stored a second time under
        a new id: relayed by the other terminal of the site, or re-sent by its own terminal.
        `count_entities` counts them once, `count_stream` twice.

        Ids follow upload order, as a database assigns them, so a late punch has a higher id
        than punches made after it.
        """
        terminals_by_area: dict[int, list[dict[str, Any]]] = {}
        for term in self.tables["terminals"].values():
            terminals_by_area.setdefault(term["area_id"], []).append(term)
        raw: list[tuple[datetime, datetime, str, dict[str, Any], dict[str, Any], int]] = []
        first_day = self.as_of.date() - timedelta(days=days)
        workdays = [first_day + timedelta(days=i) for i in range(days)]
        workdays = [d for d in workdays if d.weekday() < 5]
        for day_index, day in enumerate(workdays):
            midnight = datetime.combine(day, datetime.min.time())
            for n, emp in enumerate(self.tables["employees"].values()):
                forced = day_index == 0 and n < 2  # guarantee each pattern appears once
                if not forced and rng.random() < 0.04:
                    continue  # on leave
                check_in = 8 * 60 + 40 + min(max(rng.gauss(15, 12), -60), 90)
                check_out = 17 * 60 + 55 + min(rng.expovariate(1 / 30), 210)
                for state, minutes in (("0", check_in), ("1", check_out)):
                    if state == "1" and not forced and rng.random() < 0.03:
                        continue  # forgot to punch out
                    when = midnight + timedelta(minutes=minutes, seconds=rng.randint(0, 59))
                    when = when.replace(microsecond=0)
                    if when > self.as_of:
                        continue
                    site = terminals_by_area[emp["area_ids"][0]]
                    term = rng.choice(site)
                    uploaded = when + timedelta(seconds=rng.randint(1, 45))
                    if rng.random() < LATE_UPLOAD_RATE or (forced and n == 0):
                        uploaded = when + timedelta(hours=rng.uniform(2, 20))
                    uploaded = min(uploaded.replace(microsecond=0), self.as_of)
                    verify = rng.choices((1, 15, 0), weights=(60, 35, 5))[0]
                    raw.append((uploaded, when, state, emp, term, verify))
                    # The same punch again, with the same punch_time to the second: relayed
                    # by the neighbouring terminal, or re-sent by its own after a lost reply.
                    # Always uploaded later than the first copy (an upload at as_of has none).
                    if uploaded < self.as_of:
                        if rng.random() < TWIN_PUNCH_RATE or (forced and n == 1):
                            twin = next(t for t in site if t is not term)
                            again = uploaded + timedelta(seconds=rng.randint(1, 5))
                            raw.append((min(again, self.as_of), when, state, emp, twin, verify))
                        elif rng.random() < RESEND_RATE or (forced and n == 0):
                            again = uploaded + timedelta(minutes=rng.randint(1, 90))
                            raw.append((min(again, self.as_of), when, state, emp, term, verify))
        raw.sort(key=lambda r: (r[0], r[1], r[4]["sn"]))
        for uploaded, when, state, emp, term, verify in raw:
            temperature = round(rng.uniform(36.1, 36.9), 1) if verify == 15 else 0.0
            self._store_punch(emp["emp_code"], when, state, verify, term, uploaded, temperature)

    def _store_punch(
        self,
        emp_code: str,
        punch_time: datetime,
        punch_state: str,
        verify_type: int,
        terminal: dict[str, Any],
        upload_time: datetime,
        temperature: float = 0.0,
        work_code: str = "0",
    ) -> dict[str, Any]:
        emp = self._employee_by_code(emp_code)
        return self._insert(
            "transactions",
            {
                "emp_id": emp["id"] if emp else None,
                "emp_code": emp_code,
                "punch_time": punch_time.strftime(TIME_FMT),
                "punch_state": punch_state,
                "verify_type": verify_type,
                "work_code": work_code,
                "gps_location": "",
                "terminal_id": terminal["id"],
                "temperature": temperature,
                "upload_time": upload_time.strftime(TIME_FMT),
            },
        )

    def _employee_by_code(self, emp_code: str) -> dict[str, Any] | None:
        return next(
            (e for e in self.tables["employees"].values() if e["emp_code"] == emp_code), None
        )

    # -- test helpers ------------------------------------------------------------------------

    def add_punch(
        self,
        emp_code: str,
        punch_time: datetime | str,
        *,
        punch_state: str = "0",
        verify_type: int = 1,
        terminal_sn: str | None = None,
        upload_time: datetime | str | None = None,
        work_code: str = "0",
        temperature: float = 0.0,
    ) -> dict[str, Any]:
        """Record a punch as a terminal would upload it, and return it as the API shows it.

        Times are naive local. `upload_time` defaults to now (China time); `terminal_sn` to
        the first terminal of the employee's first area. An unknown `emp_code` is accepted
        (terminals upload punches of users not yet in personnel).
        """
        if punch_state not in PUNCH_STATES:
            raise ValueError(f"unknown punch_state {punch_state!r}")
        if verify_type not in VERIFY_TYPES:
            raise ValueError(f"unknown verify_type {verify_type!r}")
        with self.lock:
            terminals = list(self.tables["terminals"].values())
            if terminal_sn is None:
                emp = self._employee_by_code(emp_code)
                area = emp["area_ids"][0] if emp else terminals[0]["area_id"]
                term = next(t for t in terminals if t["area_id"] == area)
            else:
                term = next((t for t in terminals if t["sn"] == terminal_sn), None)
                if term is None:
                    raise ValueError(f"unknown terminal_sn {terminal_sn!r}")
            row = self._store_punch(
                emp_code,
                _as_naive(punch_time),
                punch_state,
                verify_type,
                term,
                _as_naive(upload_time) if upload_time is not None else now_local(),
                temperature,
                work_code,
            )
            return self._render_transaction(row)

    # -- error formats (Django / DRF) --------------------------------------------------------

    def fault_error(self) -> Response:
        """Django's production 500 page."""
        html = (
            '<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n'
            "</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n"
        )
        return Response(500, html, content_type="text/html; charset=utf-8")

    def fault_rate_limited(self, retry_after: int) -> Response:
        unit = "second" if retry_after == 1 else "seconds"
        detail = f"Request was throttled. Expected available in {retry_after} {unit}."
        return Response(429, {"detail": detail}, headers={"Retry-After": str(retry_after)})

    def not_found(self, req: Request) -> Response:
        return Response(404, {"detail": "Not found."})

    def method_not_allowed(self, req: Request, allowed: list[str]) -> Response:
        return Response(
            405,
            {"detail": f'Method "{req.method}" not allowed.'},
            headers={"Allow": ", ".join([*allowed, "OPTIONS"])},
        )

    def bad_json(self, req: Request, exc: BadJSON) -> Response:
        return Response(400, {"detail": f"JSON parse error - {exc.__cause__ or exc}"})

    # -- auth --------------------------------------------------------------------------------

    def _credentials(self, req: Request) -> None:
        data = request_data(req)
        errors = {
            f: ["This field is required."] for f in ("username", "password") if not data.get(f)
        }
        if errors:
            raise Abort(Response(400, errors))
        if not (
            hmac.compare_digest(str(data["username"]).encode(), self.username.encode())
            and hmac.compare_digest(str(data["password"]).encode(), self.password.encode())
        ):
            raise Abort(invalid("Unable to log in with provided credentials."))

    def _issue_jwt(self, orig_iat: int | None = None) -> str:
        issued = time.time()
        lifetime = self.token_lifetime(JWT_LIFETIME_S) or JWT_LIFETIME_S
        payload = {
            "user_id": 1,
            "username": self.username,
            "exp": round(issued + lifetime, 3),
            "email": "",
            "orig_iat": orig_iat if orig_iat is not None else int(issued),
        }
        head = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{head}.{body}.{self._sign(f'{head}.{body}')}"

    def _sign(self, signing_input: str) -> str:
        return _b64(hmac.new(self._secret, signing_input.encode(), hashlib.sha256).digest())

    def _decode_jwt(self, token: str) -> tuple[dict[str, Any] | None, str | None]:
        """(payload, None) if valid, else (None, "invalid" | "expired")."""
        parts = token.split(".")
        if len(parts) != 3 or not hmac.compare_digest(
            self._sign(f"{parts[0]}.{parts[1]}").encode(), parts[2].encode()
        ):
            return None, "invalid"
        try:
            payload = json.loads(_unb64(parts[1]))
        except ValueError:
            return None, "invalid"
        if not isinstance(payload, dict) or float(payload.get("exp", 0)) <= time.time():
            return None, "expired"
        return payload, None

    def _authenticate(self, req: Request) -> None:
        """DRF authentication: `JWT <token>` or `Token <key>`; 401 otherwise."""
        scheme, _, credentials = (req.header("authorization") or "").strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "jwt":
            if not credentials:
                raise Abort(unauthorized("Invalid Authorization header. No credentials provided."))
            _, problem = self._decode_jwt(credentials)
            if problem == "expired":
                self._count("token_expired")
                raise Abort(unauthorized("Signature has expired."))
            if problem:
                raise Abort(unauthorized("Invalid token."))
        elif scheme.lower() == "token":
            if not credentials:
                raise Abort(unauthorized("Invalid token header. No credentials provided."))
            with self.lock:
                known = credentials in self._static_tokens
                expires = self._static_tokens.get(credentials)
            if not known:
                raise Abort(unauthorized("Invalid token."))
            if expires is not None and expires <= time.time():
                self._count("token_expired")
                raise Abort(unauthorized("Token has expired."))
        else:
            raise Abort(unauthorized("Authentication credentials were not provided."))

    @route("POST", r"^/(?:staff-)?jwt-api-token-auth/$")
    def jwt_login(self, req: Request) -> Response:
        self._credentials(req)
        return Response(200, {"token": self._issue_jwt()})

    @route("POST", r"^/(?:staff-)?api-token-auth/$")
    def token_login(self, req: Request) -> Response:
        """The DRF static token: the same key until it expires (only with token_expiry)."""
        self._credentials(req)
        now = time.time()
        with self.lock:
            for key, expires in self._static_tokens.items():
                if expires is None or expires > now:
                    return Response(200, {"token": key})
            key = f"{self.rng.getrandbits(160):040x}"
            lifetime = self.token_lifetime(None)
            self._static_tokens[key] = now + lifetime if lifetime else None
        return Response(200, {"token": key})

    @route("POST", r"^/jwt-api-token-refresh/$")
    def jwt_refresh(self, req: Request) -> Response:
        token = request_data(req).get("token")
        if not token:
            raise Abort(Response(400, {"token": ["This field is required."]}))
        payload, problem = self._decode_jwt(str(token))
        if problem == "expired":
            raise Abort(invalid("Signature has expired."))
        if payload is None:
            raise Abort(invalid("Error decoding signature."))
        return Response(200, {"token": self._issue_jwt(orig_iat=payload.get("orig_iat"))})

    # -- paging ------------------------------------------------------------------------------

    def _paginate(self, req: Request, items: list[dict[str, Any]]) -> Response:
        """DRF PageNumberPagination with BioTime's envelope."""
        size = page_size(req.arg("page_size"))
        pages = max(1, math.ceil(len(items) / size))
        raw = req.arg("page", "1") or "1"
        try:
            page = pages if raw == "last" else int(raw)
        except ValueError:
            page = 0
        if not 1 <= page <= pages:
            raise Abort(Response(404, {"detail": "Invalid page."}))
        data = self.apply_list_faults(items[(page - 1) * size : page * size])
        return Response(
            200,
            {
                "count": len(items),
                "next": page_link(req, page + 1) if page < pages else None,
                "previous": page_link(req, page - 1) if page > 1 else None,
                "msg": "",
                "code": 0,
                "data": data,
            },
        )

    # -- personnel ---------------------------------------------------------------------------

    def _render_employee(self, emp: dict[str, Any]) -> dict[str, Any]:
        dept = self.tables["departments"].get(emp["department_id"])
        pos = self.tables["positions"].get(emp["position_id"]) if emp["position_id"] else None
        areas = [self.tables["areas"][a] for a in emp["area_ids"] if a in self.tables["areas"]]
        return {
            "id": emp["id"],
            "emp_code": emp["emp_code"],
            "first_name": emp["first_name"],
            "last_name": emp["last_name"],
            "nickname": emp["nickname"],
            "department": dept and {k: dept[k] for k in ("id", "dept_code", "dept_name")},
            "position": pos and {k: pos[k] for k in ("id", "position_code", "position_name")},
            "area": [{k: a[k] for k in ("id", "area_code", "area_name")} for a in areas],
            "hire_date": emp["hire_date"],
            "birthday": emp["birthday"],
            "gender": emp["gender"],
            "email": emp["email"],
            "mobile": emp["mobile"],
            "card_no": emp["card_no"],
            "attemployee": dict(emp["attemployee"]),
            "update_time": emp["update_time"],
        }

    def _get(self, table: str, pk: str) -> dict[str, Any]:
        row = self.tables[table].get(int(pk))
        if row is None:
            raise Abort(Response(404, {"detail": "Not found."}))
        return row

    @route("GET", r"^/personnel/api/employees/$", page=True)
    def list_employees(self, req: Request) -> Response:
        self._authenticate(req)
        emp_code, dept = req.arg("emp_code"), req.arg("department")
        with self.lock:
            if dept and not (dept.isdigit() and int(dept) in self.tables["departments"]):
                raise Abort(Response(400, {"department": [BAD_CHOICE]}))
            rows = [
                self._render_employee(e)
                for e in sorted(self.tables["employees"].values(), key=lambda e: e["id"])
                if (not emp_code or e["emp_code"] == emp_code)
                and (not dept or e["department_id"] == int(dept))
            ]
        return self._paginate(req, rows)

    @route("POST", r"^/personnel/api/employees/$")
    def create_employee(self, req: Request) -> Response:
        self._authenticate(req)
        data = request_data(req)
        with self.lock:
            values = self._validate_employee(data, partial=False, instance_id=None)
            today = now_local()
            row = {
                "emp_code": "",
                "first_name": "",
                "last_name": "",
                "nickname": "",
                "department_id": None,
                "position_id": None,
                "area_ids": [],
                "hire_date": today.strftime(DATE_FMT),
                "birthday": None,
                "gender": "",
                "email": "",
                "mobile": "",
                "card_no": "",
                "attemployee": {
                    "enable_attendance": True,
                    "enable_schedule": True,
                    "enable_overtime": True,
                    "enable_holiday": True,
                },
            }
            row.update(values)
            row["update_time"] = today.strftime(TIME_FMT)
            return Response(201, self._render_employee(self._insert("employees", row)))

    @route("GET", r"^/personnel/api/employees/(?P<pk>\d+)/$")
    def get_employee(self, req: Request, pk: str) -> Response:
        self._authenticate(req)
        with self.lock:
            return Response(200, self._render_employee(self._get("employees", pk)))

    @route("PUT", r"^/personnel/api/employees/(?P<pk>\d+)/$")
    @route("PATCH", r"^/personnel/api/employees/(?P<pk>\d+)/$")
    def update_employee(self, req: Request, pk: str) -> Response:
        """PUT needs the required fields, PATCH not; fields left out keep their value."""
        self._authenticate(req)
        data = request_data(req)
        with self.lock:
            emp = self._get("employees", pk)
            values = self._validate_employee(
                data, partial=req.method == "PATCH", instance_id=emp["id"]
            )
            if "attemployee" in values:
                values["attemployee"] = {**emp["attemployee"], **values["attemployee"]}
            emp.update(values)
            emp["update_time"] = now_local().strftime(TIME_FMT)
            return Response(200, self._render_employee(emp))

    @route("DELETE", r"^/personnel/api/employees/(?P<pk>\d+)/$")
    def delete_employee(self, req: Request, pk: str) -> Response:
        self._authenticate(req)
        with self.lock:
            self._get("employees", pk)
            del self.tables["employees"][int(pk)]
        return Response(204)

    def _validate_employee(
        self, data: dict[str, Any], *, partial: bool, instance_id: int | None
    ) -> dict[str, Any]:
        """DRF serializer validation: every bad field reported at once, 400 if any."""
        errors: dict[str, list[str]] = {}
        out: dict[str, Any] = {}
        if not partial:
            for name in ("emp_code", "first_name", "department", "area"):
                if name not in data:
                    errors[name] = ["This field is required."]
        chars = {
            "emp_code": (20, False),
            "first_name": (25, False),
            "last_name": (25, True),
            "nickname": (25, True),
            "mobile": (20, True),
            "card_no": (20, True),
            "email": (50, True),
        }
        for name, (max_length, blank) in chars.items():
            if name in data:
                value, error = char_field(data[name], max_length, blank)
                if error:
                    errors[name] = [error]
                else:
                    out[name] = value
        if out.get("emp_code") and any(
            e["emp_code"] == out["emp_code"] and e["id"] != instance_id
            for e in self.tables["employees"].values()
        ):
            errors["emp_code"] = ["Employee with this emp_code already exists."]
        if out.get("email") and "@" not in out["email"]:
            errors["email"] = ["Enter a valid email address."]
        if "department" in data:
            self._pk_field(data["department"], "departments", "department", out, errors)
        if "position" in data:
            if data["position"] is None:
                out["position_id"] = None
            else:
                self._pk_field(data["position"], "positions", "position", out, errors)
        if "area" in data:
            self._area_field(data["area"], out, errors)
        for name in ("hire_date", "birthday"):
            if name in data:
                value = data[name]
                if value is None and name == "birthday":
                    out[name] = None
                elif is_date(value):
                    out[name] = value
                else:
                    errors[name] = [
                        "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                    ]
        if "gender" in data:
            if data["gender"] in ("M", "F", "", None):
                out["gender"] = data["gender"] or ""
            else:
                errors["gender"] = [f'"{data["gender"]}" is not a valid choice.']
        if "attemployee" in data:
            flags = data["attemployee"]
            keys = ("enable_attendance", "enable_schedule", "enable_overtime", "enable_holiday")
            if not isinstance(flags, dict) or any(
                not isinstance(v, bool) for k, v in flags.items() if k in keys
            ):
                errors["attemployee"] = ["Expected a dictionary of true/false settings."]
            else:
                out["attemployee"] = {k: v for k, v in flags.items() if k in keys}
        if errors:
            raise Abort(Response(400, errors))
        return out

    def _pk_field(
        self,
        value: Any,
        table: str,
        name: str,
        out: dict[str, Any],
        errors: dict[str, list[str]],
    ) -> None:
        pk, error = self._pk(value, table)
        if error:
            errors[name] = [error]
        else:
            out[f"{name}_id"] = pk

    def _area_field(self, value: Any, out: dict[str, Any], errors: dict[str, list[str]]) -> None:
        if not isinstance(value, list):
            kind = type(value).__name__
            errors["area"] = [f'Expected a list of items but got type "{kind}".']
            return
        if not value:
            errors["area"] = ["This list may not be empty."]
            return
        pks = []
        for item in value:
            pk, error = self._pk(item, "areas")
            if error:
                errors["area"] = [error]
                return
            pks.append(pk)
        out["area_ids"] = list(dict.fromkeys(pks))

    def _pk(self, value: Any, table: str) -> tuple[int | None, str | None]:
        """A PrimaryKeyRelatedField: the id of an existing row, or DRF's message."""
        if isinstance(value, bool) or not isinstance(value, int | str):
            return None, f"Incorrect type. Expected pk value, received {type(value).__name__}."
        if not str(value).isdigit() or int(value) not in self.tables[table]:
            return None, f'Invalid pk "{value}" - object does not exist.'
        return int(value), None

    # -- departments, positions, areas -------------------------------------------------------

    @route("GET", r"^/personnel/api/(?P<table>departments|positions|areas)/$", page=True)
    def list_catalog(self, req: Request, table: str) -> Response:
        self._authenticate(req)
        cat = CATALOGS[table]
        code = req.arg(cat.code)
        with self.lock:
            rows = [
                dict(r)
                for r in sorted(self.tables[table].values(), key=lambda r: r["id"])
                if not code or r[cat.code] == code
            ]
        return self._paginate(req, rows)

    @route("GET", r"^/personnel/api/(?P<table>departments|positions|areas)/(?P<pk>\d+)/$")
    def get_catalog(self, req: Request, table: str, pk: str) -> Response:
        self._authenticate(req)
        with self.lock:
            return Response(200, dict(self._get(table, pk)))

    @route("POST", r"^/personnel/api/(?P<table>departments|positions|areas)/$")
    def create_catalog(self, req: Request, table: str) -> Response:
        self._authenticate(req)
        cat = CATALOGS[table]
        data = request_data(req)
        errors: dict[str, list[str]] = {}
        row: dict[str, Any] = {cat.parent: None}
        for name, max_length in ((cat.code, 30), (cat.name, 100)):
            if name not in data:
                errors[name] = ["This field is required."]
                continue
            value, error = char_field(data[name], max_length, blank=False)
            if error:
                errors[name] = [error]
            row[name] = value
        with self.lock:
            if not errors and any(
                r[cat.code] == row[cat.code] for r in self.tables[table].values()
            ):
                label = cat.code.replace("_", " ")
                errors[cat.code] = [f"{cat.verbose} with this {label} already exists."]
            if data.get(cat.parent) is not None:
                pk, error = self._pk(data[cat.parent], table)
                if error:
                    errors[cat.parent] = [error]
                row[cat.parent] = pk
            if errors:
                raise Abort(Response(400, errors))
            return Response(201, dict(self._insert(table, row)))

    # -- iclock: transactions and terminals --------------------------------------------------

    def _render_transaction(self, row: dict[str, Any]) -> dict[str, Any]:
        emp = self.tables["employees"].get(row["emp_id"]) if row["emp_id"] else None
        dept = self.tables["departments"].get(emp["department_id"]) if emp else None
        pos = self.tables["positions"].get(emp["position_id"]) if emp else None
        term = self.tables["terminals"][row["terminal_id"]]
        area = self.tables["areas"].get(term["area_id"])
        return {
            "id": row["id"],
            "emp": emp["id"] if emp else None,
            "emp_code": row["emp_code"],
            "first_name": emp["first_name"] if emp else "",
            "last_name": emp["last_name"] if emp else "",
            "department": dept["dept_name"] if dept else None,
            "position": pos["position_name"] if pos else None,
            "punch_time": row["punch_time"],
            "punch_state": row["punch_state"],
            "punch_state_display": PUNCH_STATES[row["punch_state"]],
            "verify_type": row["verify_type"],
            "verify_type_display": VERIFY_TYPES[row["verify_type"]],
            "work_code": row["work_code"],
            "gps_location": row["gps_location"],
            "area_alias": area["area_name"] if area else "",
            "terminal_sn": term["sn"],
            "terminal_alias": term["alias"],
            "temperature": row["temperature"],
            "upload_time": row["upload_time"],
        }

    @route("GET", r"^/iclock/api/transactions/$", page=True)
    def list_transactions(self, req: Request) -> Response:
        """Punches, filtered and ordered like BioTime's transaction API.

        Filters: emp_code, terminal_sn, terminal_alias (exact); start_time / end_time on
        punch_time, inclusive, naive local "YYYY-MM-DD HH:MM:SS". `upload_time_start`
        (upload_time >= value) is an hrhub-friendly extra, not a documented BioTime filter:
        it makes incremental pulls by upload time possible, which punch_time cannot do
        because punches arrive late. `ordering`: id, punch_time, upload_time, each optionally
        with "-"; comma-separated; unknown fields ignored (DRF's OrderingFilter).
        """
        self._authenticate(req)
        bounds = {
            name: parse_filter_time(name, req.arg(name))
            for name in ("start_time", "end_time", "upload_time_start")
        }
        exact = {k: req.arg(k) for k in ("emp_code", "terminal_sn", "terminal_alias")}
        with self.lock:
            rows = []
            for row in self.tables["transactions"].values():
                if bounds["start_time"] and row["punch_time"] < bounds["start_time"]:
                    continue
                if bounds["end_time"] and row["punch_time"] > bounds["end_time"]:
                    continue
                if bounds["upload_time_start"] and row["upload_time"] < bounds["upload_time_start"]:
                    continue
                item = self._render_transaction(row)
                if all(not v or item[k] == v for k, v in exact.items()):
                    rows.append(item)
        rows.sort(key=lambda r: r["id"])
        for term in reversed(ordering(req.arg("ordering"))):
            field = term.lstrip("-")
            rows.sort(key=lambda r, f=field: r[f], reverse=term.startswith("-"))
        return self._paginate(req, rows)

    @route("GET", r"^/iclock/api/transactions/(?P<pk>\d+)/$")
    def get_transaction(self, req: Request, pk: str) -> Response:
        self._authenticate(req)
        with self.lock:
            return Response(200, self._render_transaction(self._get("transactions", pk)))

    @route("DELETE", r"^/iclock/api/transactions/(?P<pk>\d+)/$")
    def delete_transaction(self, req: Request, pk: str) -> Response:
        self._authenticate(req)
        with self.lock:
            self._get("transactions", pk)
            del self.tables["transactions"][int(pk)]
        return Response(204)

    @route("GET", r"^/iclock/api/terminals/$", page=True)
    def list_terminals(self, req: Request) -> Response:
        self._authenticate(req)
        with self.lock:
            last: dict[int, str] = {}
            for row in self.tables["transactions"].values():
                tid = row["terminal_id"]
                last[tid] = max(last.get(tid, ""), row["upload_time"])
            rows = []
            for term in sorted(self.tables["terminals"].values(), key=lambda t: t["id"]):
                area = self.tables["areas"][term["area_id"]]
                rows.append(
                    {
                        "id": term["id"],
                        "sn": term["sn"],
                        "alias": term["alias"],
                        "ip_address": term["ip"],
                        "area": {k: area[k] for k in ("id", "area_code", "area_name")},
                        "terminal_tz": 8,
                        "state": "1",
                        "last_activity": last.get(term["id"]),
                    }
                )
        sn = req.arg("sn")
        return self._paginate(req, [r for r in rows if not sn or r["sn"] == sn])
