"""ZKBioTime-style attendance REST client: auth, DRF paging, punches, new hires, busy time.

No Airflow here: the hook builds this client from a Connection, tests build it directly.
The API speaks naive local times ("YYYY-MM-DD HH:MM:SS" in the terminals' zone). Punches are
returned as they are (the mapping attaches the zone); busy intervals read schedules, leave and
today's punches in China time (connectors/_core/busy.py, CHINA), the zone the in-mapping names.

Personnel and iclock paths are the dossier's (§4.1). The attendance module's (`/att/api/...`:
shifts, groups, schedules, leaves) are hrhub's reading, not documented; they sit in ATT_PATHS
so a real server's names change one table.

Writes return one `WriteOutcome` per record, in order:
- `upsert_employee`: the employee by `emp_code` (created or patched; department, position and
  area codes resolved to ids first), then a probation schedule for
  [hire_date, hire_date + probation_days) with the shift and group of the record's
  `probation_rules`, looked up first and created only when absent, so a retried write adds
  nothing. A record the system refuses (unknown code, DRF 400) is rejected alone, naming its
  emp_code and the field; the batch goes on.

Read back (`absent`, for the daily reconciliation): `upsert_employee`, by the emp_code it
answered. BioTime filters employees by one emp_code at a time (no "in"), so the employee list
is read whole (1000 a page) and a code missing from it is asked once more by emp_code before
it counts as gone. Errors raise, so an outage is never read as a deletion.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from connectors._core.busy import CHINA, BusyInterval, Shift, busy_intervals
from connectors._core.error_table import ErrorTable
from connectors._core.errors import (
    ConfigError,
    DataContractError,
    RecordRejected,
    RetriableError,
)
from connectors._core.http import ApiClient
from connectors._core.pagination import NextUrlPaginator
from connectors._core.ratelimit import RateBudget
from connectors._core.registry import get_connector
from connectors._core.write import BatchBreaker, WriteOutcome

SYSTEM = "attendance"
LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"
LOGIN_PATHS = {"jwt": "/jwt-api-token-auth/", "token": "/api-token-auth/"}
AUTH_PREFIX = {"jwt": "JWT", "token": "Token"}
STREAM_PATHS = {"transactions": "/iclock/api/transactions/"}
PERSONNEL_PATHS = {
    "employees": "/personnel/api/employees/",
    "departments": "/personnel/api/departments/",
    "positions": "/personnel/api/positions/",
    "areas": "/personnel/api/areas/",
}
# hrhub's reading: the attendance module's paths are not in the dossier (see sim_att.py).
ATT_PATHS = {
    "shifts": "/att/api/shifts/",
    "groups": "/att/api/groups/",
    "schedules": "/att/api/schedules/",
    "leaves": "/att/api/leaves/",
}
CATALOG_KEYS = {
    "departments": "dept_code",
    "positions": "position_code",
    "areas": "area_code",
    "shifts": "alias",
    "groups": "alias",
}
RULE_KINDS = ("shift", "group", "area")
DEFAULT_PROBATION_DAYS = 90
LIST_PAGE = 1000  # catalogs and per-person lists are small: one call each as a rule
CREATE_ATTEMPTS = 3
# Employee fields a record may carry that go to the API as they are.
EMPLOYEE_FIELDS = (
    "first_name",
    "last_name",
    "nickname",
    "hire_date",
    "birthday",
    "gender",
    "email",
    "mobile",
    "card_no",
)
PUNCH_CHECK_TYPES = {"0": "OnDuty", "1": "OffDuty"}  # other states say nothing about presence


class AttendanceClient(ApiClient):
    """One attendance server, one session, one token (refreshed when the server rejects it)."""

    def __init__(
        self,
        base_url: str,
        *,
        username: str,
        password: str,
        auth_scheme: str = "jwt",
        page_size: int = 200,
        **kwargs: Any,
    ) -> None:
        if auth_scheme not in LOGIN_PATHS:
            raise ConfigError(
                f"auth_scheme must be one of {sorted(LOGIN_PATHS)}, not {auth_scheme!r}",
                system=SYSTEM,
            )
        if not username or not password:
            raise ConfigError("the connection needs a login and a password", system=SYSTEM)
        spec = get_connector(SYSTEM)
        kwargs.setdefault("error_table", ErrorTable.from_manifest(spec.errors))
        kwargs.setdefault("rate_budget", RateBudget.from_manifest(spec.rate_budget))
        super().__init__(base_url, system=SYSTEM, **kwargs)
        self.username = username
        self._password = password
        self.redactor.add_secret(password)
        self.auth_scheme = auth_scheme
        self.page_size = page_size
        self._token: str | None = None
        self._token_lock = threading.Lock()

    # -- auth -------------------------------------------------------------------------------

    def _login(self) -> str:
        body = self.request_json(
            "POST",
            LOGIN_PATHS[self.auth_scheme],
            json={"username": self.username, "password": self._password},
        )
        token = body.get("token") if isinstance(body, dict) else None
        if not token:
            raise DataContractError("login answered without a token", system=SYSTEM)
        self.redactor.add_secret(token)
        return token

    def _current_token(self) -> str:
        with self._token_lock:
            if self._token is None:
                self._token = self._login()
            return self._token

    def before_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if not any(kwargs["url"].endswith(path) for path in LOGIN_PATHS.values()):
            prefix = AUTH_PREFIX[self.auth_scheme]
            kwargs["headers"]["Authorization"] = f"{prefix} {self._current_token()}"
        return kwargs

    def refresh_auth(self) -> bool:
        with self._token_lock:
            self._token = None
        self._current_token()
        return True

    # -- the connector contract -------------------------------------------------------------

    def check(self) -> str:
        """One cheap authenticated call, for `test_connection`."""
        body = self.request_json("GET", "/personnel/api/employees/", params={"page_size": 1})
        return f"connected as {self.username}: {body.get('count', '?')} employees"

    def read_stream(
        self, stream: str, since: str | None = None, overlap_seconds: int = 0
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of a stream, from `since` (an upload_time) minus the overlap window."""
        if stream not in STREAM_PATHS:
            raise ConfigError(f"attendance has no stream {stream!r}", system=SYSTEM)
        params: dict[str, Any] = {"page_size": self.page_size, "ordering": "upload_time,id"}
        if since:
            params["upload_time_start"] = shift_local(since, -overlap_seconds)
        yield from self.paginate(
            STREAM_PATHS[stream],
            paginator=NextUrlPaginator("next"),
            params=params,
            data_selector="data",
        )

    def cursor_value(self, stream: str, record: dict[str, Any]) -> str | None:
        """The record's upload_time: sortable as a string, so the ledger can keep the max."""
        return record.get("upload_time")

    # -- reading helpers --------------------------------------------------------------------

    def list_all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a DRF list, following `next` to the end."""
        params.setdefault("page_size", LIST_PAGE)
        return [
            row
            for page in self.paginate(
                path, paginator=NextUrlPaginator("next"), params=params, data_selector="data"
            )
            for row in page
        ]

    def catalog(self, table: str) -> dict[str, dict[str, Any]]:
        """A code table by its code: departments (dept_code), positions (position_code),
        areas (area_code), shifts and groups (alias)."""
        path = {**PERSONNEL_PATHS, **ATT_PATHS}[table]
        key = CATALOG_KEYS[table]
        return {str(row[key]): row for row in self.list_all(path) if row.get(key) is not None}

    # The employees hrhub creates are its own: re-created when gone (their probation schedule
    # is found again, not doubled, by the write).
    read_back_operations = ("upsert_employee",)

    def absent(self, operation: str, remote_ids: Iterable[str]) -> set[str]:
        """Which of these employees (emp_codes upsert_employee answered) the attendance system
        no longer holds: what the daily reconciliation repairs. A page-number list can skip a
        row when another is deleted mid-read, so a code missing from it is looked up by
        emp_code before it is reported."""
        if operation not in self.read_back_operations:
            raise ConfigError(
                f"attendance cannot read back {operation!r} (only upsert_employee)",
                system=SYSTEM,
            )
        wanted = {str(code).strip() for code in remote_ids if str(code).strip()}
        if not wanted:
            return set()
        listed = {str(e.get("emp_code")) for e in self.list_all(PERSONNEL_PATHS["employees"])}
        return {code for code in wanted - listed if self.find_employee(code) is None}

    def find_employee(self, emp_code: str) -> dict[str, Any] | None:
        body = self.request_json("GET", PERSONNEL_PATHS["employees"], params={"emp_code": emp_code})
        matches = [e for e in body.get("data", []) if e.get("emp_code") == emp_code]
        return matches[0] if matches else None

    def schedules(self, emp_code: str, first: date, last: date) -> list[dict[str, Any]]:
        """One person's schedules overlapping the days [first, last] (inclusive)."""
        return [
            row
            for row in self.list_all(
                ATT_PATHS["schedules"],
                emp_code=emp_code,
                start_date=first.strftime(DATE_FORMAT),
                end_date=last.strftime(DATE_FORMAT),
            )
            if row.get("emp_code") == emp_code
        ]

    def leave(
        self, emp_codes: Sequence[str], start: datetime, end: datetime
    ) -> list[tuple[str, datetime, datetime]]:
        """Approved leave overlapping [start, end], as (emp_code, start, end) in China time.
        Pending leave is not leave yet: the person may still be booked."""
        lo, hi = _to_local_text(start), _to_local_text(end)
        out = []
        for code in dict.fromkeys(emp_codes):
            for row in self.list_all(
                ATT_PATHS["leaves"], emp_code=code, status="approved", start_time=lo, end_time=hi
            ):
                if row.get("emp_code") != code or row.get("status") != "approved":
                    continue
                out.append((code, _from_local(row["start_time"]), _from_local(row["end_time"])))
        return out

    def punches(
        self, emp_codes: Sequence[str], start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        """Raw punches of some people with punch_time in [start, end] (naive-local filters)."""
        lo, hi = _to_local_text(start), _to_local_text(end)
        return [
            row
            for code in dict.fromkeys(emp_codes)
            for row in self.list_all(
                STREAM_PATHS["transactions"], emp_code=code, start_time=lo, end_time=hi
            )
            if row.get("emp_code") == code
        ]

    # -- busy intervals ---------------------------------------------------------------------

    def busy_intervals(
        self,
        emp_codes: Sequence[str],
        start: datetime,
        end: datetime,
        now: datetime | None = None,
    ) -> dict[str, list[BusyInterval]]:
        """When each person cannot interview in [start, end): off shift, on leave, gone today.

        Schedules give the working days and hours (a day without one, or off the shift's
        work_days, is off_shift, as on DingTalk); approved leave is busy; today's punches
        ("0" check in -> OnDuty, "1" check out -> OffDuty) tell who left or never came. When
        schedules overlap, the person's working time that day is the union of their shifts:
        the shared rules then merge the busy intervals. `now` defaults to the current time.
        """
        now = now or datetime.now(CHINA)
        if start.tzinfo is None or end.tzinfo is None or now.tzinfo is None:
            raise ConfigError(
                "busy_intervals needs timezone-aware start, end and now", system=SYSTEM
            )
        codes = list(dict.fromkeys(emp_codes))
        if end <= start or not codes:
            return {code: [] for code in codes}
        first = start.astimezone(CHINA).date()
        last = (end - timedelta(microseconds=1)).astimezone(CHINA).date()
        shift_rows = {row["id"]: row for row in self.list_all(ATT_PATHS["shifts"])}
        plans: dict[tuple[str, date], tuple[datetime, datetime]] = {}
        for code in codes:
            for sched in self.schedules(code, first, last):
                shift = shift_rows.get(sched.get("shift"))
                if shift is None:
                    raise DataContractError(
                        f"schedule {sched.get('id')} names shift {sched.get('shift')!r}, "
                        "which the server does not list",
                        system=SYSTEM,
                    )
                for day, on, off in _shift_days(shift, sched, first, last):
                    known = plans.get((code, day))
                    if known:  # overlapping schedules: working time is their union
                        on, off = min(on, known[0]), max(off, known[1])
                    plans[(code, day)] = (on, off)
        shifts = [Shift(code, day, on, off) for (code, day), (on, off) in plans.items()]

        today = now.astimezone(CHINA).date()
        punches: list[tuple[str, datetime, str]] = []
        if first <= today <= last:
            day_start = datetime.combine(today, datetime.min.time(), CHINA)
            upto = min(now, day_start + timedelta(days=1) - timedelta(seconds=1))
            for row in self.punches(codes, day_start, upto):
                kind = PUNCH_CHECK_TYPES.get(str(row.get("punch_state")))
                if kind:
                    punches.append((str(row["emp_code"]), _from_local(row["punch_time"]), kind))
        return busy_intervals(
            codes,
            start,
            end,
            shifts=shifts,
            leave=self.leave(codes, start, end),
            punches=punches,
            now=now,
        )

    # -- writes -----------------------------------------------------------------------------

    def write(self, operation: str, records: Sequence[Mapping[str, Any]]) -> list[WriteOutcome]:
        """One outcome per record, in order (see the module docstring)."""
        if operation != "upsert_employee":
            raise ConfigError(
                f"attendance has no operation {operation!r} (known: upsert_employee)",
                system=SYSTEM,
            )
        lookups = _Lookups(self.catalog)
        outcomes = []
        breaker = BatchBreaker(SYSTEM)
        for index, record in enumerate(records):
            if breaker.tripped:
                outcomes.append(breaker.not_sent(index, _record_id(record, index)))
                continue
            try:
                employee = self.upsert_employee(record, lookups=lookups)
            except (RecordRejected, RetriableError, DataContractError) as exc:
                exc.record_id = exc.record_id or _record_id(record, index)
                breaker.trip_on(exc)
                outcomes.append(WriteOutcome(index, False, error=exc))
            else:
                outcomes.append(WriteOutcome(index, True, remote_id=employee["emp_code"]))
        return outcomes

    def upsert_employee(
        self, record: Mapping[str, Any], *, lookups: _Lookups | None = None
    ) -> dict[str, Any]:
        """Create or update the employee by `emp_code`, then make sure the probation schedule
        exists; the employee as the server shows it. RecordRejected names emp_code and field.

        `record`: emp_code (required), first_name, last_name, department (dept_code),
        position (position_code, or the position's name), hire_date (YYYY-MM-DD), email,
        mobile, gender, birthday, card_no, nickname; `probation_rules` ["shift:<alias>",
        "group:<alias>", "area:<area_code>", ...]; `probation_days` (default 90).
        """
        lookups = lookups or _Lookups(self.catalog)
        emp_code = str(record.get("emp_code") or "").strip()
        if not emp_code:
            raise RecordRejected("an employee needs an emp_code", system=SYSTEM, field="emp_code")
        try:
            plan = _plan(emp_code, record, lookups)
            employee = self._put_employee(emp_code, plan.body)
            if plan.shift_id is not None and plan.first_day is not None:
                last = plan.first_day + timedelta(days=plan.days - 1)
                self.ensure_schedule(emp_code, plan.shift_id, plan.group_id, plan.first_day, last)
        except RecordRejected as exc:
            exc.record_id = emp_code
            if exc.field is None:
                exc.field = _drf_field(exc)
            raise
        except (RetriableError, DataContractError) as exc:
            exc.record_id = emp_code
            raise
        return employee

    def ensure_schedule(
        self, emp_code: str, shift_id: int, group_id: int | None, first: date, last: date
    ) -> dict[str, Any]:
        """A schedule of this shift (and group) covering [first, last]: the one that exists,
        or a new one. Looked up again after a lost answer, so a retry creates nothing twice."""

        def find() -> dict[str, Any] | None:
            for row in self.schedules(emp_code, first, last):
                if (
                    row.get("shift") == shift_id
                    and row.get("group") == group_id
                    and str(row.get("start_date")) <= first.strftime(DATE_FORMAT)
                    and str(row.get("end_date")) >= last.strftime(DATE_FORMAT)
                ):
                    return row
            return None

        body = {
            "emp_code": emp_code,
            "shift": shift_id,
            "group": group_id,
            "start_date": first.strftime(DATE_FORMAT),
            "end_date": last.strftime(DATE_FORMAT),
        }
        return find() or self._create(ATT_PATHS["schedules"], body, find)

    def _put_employee(self, emp_code: str, body: dict[str, Any]) -> dict[str, Any]:
        existing = self.find_employee(emp_code)
        if existing is None:
            if "area" not in body:
                raise RecordRejected(
                    "a new employee needs an area: give an area:<code> or group:<alias> rule",
                    system=SYSTEM,
                    field="probation_rules",
                )
            try:
                created = self._create(
                    PERSONNEL_PATHS["employees"],
                    {"emp_code": emp_code, **body},
                    lambda: self.find_employee(emp_code),
                )
            except RecordRejected as exc:
                # Created meanwhile (by another run): update it like any existing one.
                if "already exists" not in str(exc) or _drf_field(exc) != "emp_code":
                    raise
                existing = self.find_employee(emp_code)
                if existing is None:
                    raise
            else:
                return created
        if not body:
            return existing
        path = f"{PERSONNEL_PATHS['employees']}{existing['id']}/"
        return self.request_json("PATCH", path, json=body)

    def _create(
        self,
        path: str,
        body: Mapping[str, Any],
        find: Callable[[], dict[str, Any] | None],
    ) -> dict[str, Any]:
        """POST once per attempt (never blindly retried: it is not idempotent); after a
        transient failure look the record up, since the create may have landed."""
        for attempt in range(CREATE_ATTEMPTS):
            try:
                return self.request_json("POST", path, json=dict(body), retry=False)
            except RetriableError as exc:
                found = find()
                if found is not None:
                    return found
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
                time.sleep(min(exc.retry_after or 0.2 * 2**attempt, 5.0))
        raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class _Lookups:
    """Code tables fetched once per write call, on first use."""

    fetch: Callable[[str], dict[str, dict[str, Any]]]
    tables: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def get(self, table: str) -> dict[str, dict[str, Any]]:
        if table not in self.tables:
            self.tables[table] = self.fetch(table)
        return self.tables[table]


@dataclass
class _Plan:
    """What one upsert_employee record asks of the server, with codes resolved to ids."""

    body: dict[str, Any]
    shift_id: int | None = None
    group_id: int | None = None
    first_day: date | None = None
    days: int = DEFAULT_PROBATION_DAYS


def _plan(emp_code: str, record: Mapping[str, Any], lookups: _Lookups) -> _Plan:
    """Check a record and resolve its codes before anything is written, so a refused record
    leaves nothing half done."""
    body = {k: record[k] for k in EMPLOYEE_FIELDS if record.get(k) not in (None, "")}
    plan = _Plan(body, days=_probation_days(record.get("probation_days")))
    if "hire_date" in body:
        plan.first_day = _iso_date(body["hire_date"], "hire_date")
    department = record.get("department")
    if department not in (None, ""):
        row = lookups.get("departments").get(str(department))
        if row is None:
            raise RecordRejected(
                f"department {department!r} is not a department code of the attendance system",
                system=SYSTEM,
                field="department",
            )
        body["department"] = row["id"]
    position = record.get("position")
    if position not in (None, ""):
        positions = lookups.get("positions")
        row = positions.get(str(position)) or next(
            (p for p in positions.values() if p.get("position_name") == position), None
        )
        if row is None:
            raise RecordRejected(
                f"position {position!r} is neither a position code nor a position name of "
                "the attendance system",
                system=SYSTEM,
                field="position",
            )
        body["position"] = row["id"]

    rules = _parse_rules(record.get("probation_rules"))
    for kind in ("shift", "group"):
        if len(rules[kind]) > 1:
            raise RecordRejected(
                f"probation_rules name {len(rules[kind])} {kind}s; one person follows one",
                system=SYSTEM,
                field="probation_rules",
            )
    group = _rule_row(lookups, "groups", "group", rules["group"])
    shift = _rule_row(lookups, "shifts", "shift", rules["shift"])
    areas = [_rule_row(lookups, "areas", "area", [code]) for code in rules["area"]]
    if group is not None:
        plan.group_id = group["id"]
        plan.shift_id = group.get("shift")
    if shift is not None:
        plan.shift_id = shift["id"]
    area_ids = [a["id"] for a in areas if a is not None]
    if not area_ids and group is not None:
        area_ids = list(group.get("area") or [])
    if area_ids:
        body["area"] = list(dict.fromkeys(area_ids))
    if plan.shift_id is not None and plan.first_day is None:
        raise RecordRejected(
            "a probation schedule starts on the hire date, and the record has none",
            system=SYSTEM,
            field="hire_date",
        )
    return plan


def _parse_rules(value: Any) -> dict[str, list[str]]:
    """["shift:STD", "area:SH"] -> {"shift": ["STD"], "group": [], "area": ["SH"]}."""
    rules: dict[str, list[str]] = {kind: [] for kind in RULE_KINDS}
    if value in (None, ""):
        return rules
    if not isinstance(value, list | tuple):
        raise RecordRejected(
            f"probation_rules must be a list of '<kind>:<code>', not {type(value).__name__}",
            system=SYSTEM,
            field="probation_rules",
        )
    for item in value:
        kind, sep, code = str(item).partition(":")
        kind, code = kind.strip().lower(), code.strip()
        if not sep or kind not in RULE_KINDS or not code:
            raise RecordRejected(
                f"probation rule {item!r} is not '<kind>:<code>' with kind {', '.join(RULE_KINDS)}",
                system=SYSTEM,
                field="probation_rules",
            )
        if code not in rules[kind]:
            rules[kind].append(code)
    return rules


def _rule_row(
    lookups: _Lookups, table: str, kind: str, codes: Sequence[str]
) -> dict[str, Any] | None:
    if not codes:
        return None
    row = lookups.get(table).get(codes[0])
    if row is None:
        raise RecordRejected(
            f"probation rule '{kind}:{codes[0]}': the attendance system has no such {kind}",
            system=SYSTEM,
            field="probation_rules",
        )
    return row


def _probation_days(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_PROBATION_DAYS
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if isinstance(value, bool) or days < 1 or str(days) != str(value).strip():
        raise RecordRejected(
            f"probation_days must be a whole number of days >= 1, not {value!r}",
            system=SYSTEM,
            field="probation_days",
        )
    return days


def _iso_date(value: Any, name: str) -> date:
    try:
        return datetime.strptime(str(value), DATE_FORMAT).date()
    except ValueError:
        raise RecordRejected(
            f"{name} {value!r} is not a date (YYYY-MM-DD)", system=SYSTEM, field=name
        ) from None


def _drf_field(exc: RecordRejected) -> str | None:
    """The first field of a DRF 400 body ({"field": ["message"]}), if there is one."""
    try:
        body = exc.response.json() if exc.response is not None else None
    except ValueError:
        return None
    if isinstance(body, dict) and body:
        name = next(iter(body))
        return None if name in ("non_field_errors", "detail") else str(name)
    return None


def _record_id(record: Mapping[str, Any], index: int) -> str:
    return str(record.get("emp_code") or record.get("canonical_id") or f"#{index}")


def _shift_days(
    shift: Mapping[str, Any], schedule: Mapping[str, Any], first: date, last: date
) -> Iterator[tuple[date, datetime, datetime]]:
    """(day, on, off) for each working day of a schedule within [first, last]; a shift that
    ends at or before its start ends the next day (a night shift)."""
    try:
        start = max(first, datetime.strptime(str(schedule["start_date"]), DATE_FORMAT).date())
        stop = min(last, datetime.strptime(str(schedule["end_date"]), DATE_FORMAT).date())
        on_time = datetime.strptime(str(shift["start_time"])[:5], "%H:%M").time()
        off_time = datetime.strptime(str(shift["end_time"])[:5], "%H:%M").time()
    except (KeyError, ValueError) as exc:
        raise DataContractError(
            f"schedule {schedule.get('id')} or its shift has no usable dates/times: {exc}",
            system=SYSTEM,
        ) from None
    work_days = set(shift.get("work_days") or range(1, 8))
    day = start
    while day <= stop:
        if day.isoweekday() in work_days:
            on = datetime.combine(day, on_time, CHINA)
            off = datetime.combine(day, off_time, CHINA)
            if off <= on:
                off += timedelta(days=1)
            yield day, on, off
        day += timedelta(days=1)


def _to_local_text(when: datetime) -> str:
    """An aware datetime as the API's naive China-time text."""
    return when.astimezone(CHINA).strftime(LOCAL_FORMAT)


def _from_local(text: Any) -> datetime:
    try:
        return datetime.strptime(str(text), LOCAL_FORMAT).replace(tzinfo=CHINA)
    except ValueError:
        raise DataContractError(f"{text!r} is not {LOCAL_FORMAT}", system=SYSTEM) from None


def shift_local(value: str, seconds: int) -> str:
    """A naive local "YYYY-MM-DD HH:MM:SS" moved by `seconds`."""
    try:
        moved = datetime.strptime(value, LOCAL_FORMAT) + timedelta(seconds=seconds)
    except ValueError as exc:
        raise DataContractError(
            f"watermark {value!r} is not {LOCAL_FORMAT}", system=SYSTEM
        ) from exc
    return moved.strftime(LOCAL_FORMAT)
