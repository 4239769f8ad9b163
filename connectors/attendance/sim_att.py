"""The attendance module (att) of the ZKBioTime simulator: shifts, groups, schedules, leave.

hrhub's reading: the dossier (§4.1) records personnel and iclock but not the paths of
BioTime's attendance module, so these routes are hrhub's reading of it, built like the rest of
the API (DRF, page-number paging with an absolute `next`, `JWT`/`Token` auth, field errors as
`{"field": ["message"]}`, naive local times). A real BioTime may name them differently; the
client keeps every path in one table (client.py, ATT_PATHS).

- `/att/api/shifts/`: `id, alias` (unique), `start_time`/`end_time` ("HH:MM", local),
  `work_days` (ISO weekdays, 1 = Monday).
- `/att/api/groups/`: attendance groups, `id, alias` (unique), `shift` (id), `area` (ids).
- `/att/api/schedules/`: `id, emp_code, shift` (id), `group` (id or null), `start_date`,
  `end_date` (inclusive). One person may hold overlapping schedules (a double import): the
  server stores what it is given, and a client has to live with it.
- `/att/api/leaves/`: `id, emp_code, start_time, end_time` (naive local), `category`,
  `status` ("approved" | "pending").

The mixin expects the host simulator's tables, lock, `_insert`, `_pk`, `_get`,
`_authenticate`, `_paginate` and `_employee_by_code`.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from connectors._core.simulator import Abort, Request, Response, route
from connectors.attendance.sim_drf import (
    DATE_FMT,
    TIME_FMT,
    char_field,
    is_date,
    parse_filter_time,
    request_data,
)

ATT_TABLES = ("shifts", "groups", "schedules", "leaves")
LEAVE_CATEGORIES = ("annual", "sick", "personal", "compensatory", "other")
LEAVE_STATUSES = ("approved", "pending")
# (alias, start, end, work days): the standard day and the probation day.
SEED_SHIFTS = [
    ("STD", "09:00", "18:00", [1, 2, 3, 4, 5]),
    ("PROB", "08:30", "17:30", [1, 2, 3, 4, 5]),
]
# (alias, shift alias, area codes)
SEED_GROUPS = [("SH-STD", "STD", ["SH"]), ("BJ-STD", "STD", ["BJ"]), ("PROB", "PROB", ["SH", "BJ"])]
SCHEDULE_AHEAD_DAYS = 90  # seeded schedules reach this far past as_of: interviews are ahead

_TIME_MSG = "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."
_DATE_MSG = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
_DATETIME_MSG = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DD hh:mm[:ss[.uuuuuu]]."
)
_REQUIRED = "This field is required."


def _choice_error(value: Any) -> str:
    return f'"{value}" is not a valid choice.'


def _hhmm(value: Any) -> str | None:
    """ "HH:MM" (seconds allowed and dropped), or None when it is not a time of day."""
    if not isinstance(value, str):
        return None
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(value.strip(), fmt).strftime("%H:%M")
        except ValueError:
            continue
    return None


def _naive_datetime(value: Any) -> str | None:
    """A naive local "YYYY-MM-DD HH:MM[:SS]" in the stored form, else None (offsets refused)."""
    if not isinstance(value, str):
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value.strip(), fmt).strftime(TIME_FMT)
        except ValueError:
            continue
    return None


def _filter_date(name: str, value: str | None) -> str | None:
    """A django-filter DateFilter value, or 400 "Enter a valid date."."""
    if not value:
        return None
    if not is_date(value.strip()):
        raise Abort(Response(400, {name: ["Enter a valid date."]}))
    return value.strip()


class AttendanceModule:
    """Routes and seed data of the att module; mixed into AttendanceSimulator."""

    # Provided by the host simulator (declared for readers and type checkers).
    tables: dict[str, dict[int, dict[str, Any]]]
    as_of: datetime

    # -- seed data ---------------------------------------------------------------------------

    def _seed_attendance(self, rng: random.Random, days: int) -> None:
        """Shifts, groups, schedules for most employees over the seeded days and the next
        SCHEDULE_AHEAD_DAYS, and some leave.

        By position in the employee list (i = emp_code - 1001): i % 10 == 9 have no schedule
        (every day off shift); i % 10 == 4 are on probation (PROB); i % 10 == 7 have a gap of
        five days around as_of; 1003 holds a duplicate STD schedule and 1004 an overlapping
        PROB one (bad input the client must survive); the rest work STD in their site's group.
        """
        for table in ATT_TABLES:
            self.tables.setdefault(table, {})
        shift_ids = {}
        for alias, start, end, work_days in SEED_SHIFTS:
            row = {"alias": alias, "start_time": start, "end_time": end, "work_days": work_days}
            shift_ids[alias] = self._insert("shifts", row)["id"]
        area_ids = {a["area_code"]: a["id"] for a in self.tables["areas"].values()}
        group_ids = {}
        for alias, shift, areas in SEED_GROUPS:
            row = {
                "alias": alias,
                "shift_id": shift_ids[shift],
                "area_ids": [area_ids[c] for c in areas],
            }
            group_ids[alias] = self._insert("groups", row)["id"]

        today = self.as_of.date()
        first, last = today - timedelta(days=days), today + timedelta(days=SCHEDULE_AHEAD_DAYS)
        for i, emp in enumerate(self.tables["employees"].values()):
            code = emp["emp_code"]
            site = "SH-STD" if emp["area_ids"][0] == area_ids["SH"] else "BJ-STD"
            if i % 10 == 9:
                continue
            if i % 10 == 4:
                self._add_schedule(code, shift_ids["PROB"], group_ids["PROB"], first, last)
            elif i % 10 == 7:
                before, after = today - timedelta(days=3), today + timedelta(days=3)
                self._add_schedule(code, shift_ids["STD"], group_ids[site], first, before)
                self._add_schedule(code, shift_ids["STD"], group_ids[site], after, last)
            else:
                self._add_schedule(code, shift_ids["STD"], group_ids[site], first, last)
            if code == "1003":
                start, end = today - timedelta(days=5), today + timedelta(days=10)
                self._add_schedule(code, shift_ids["STD"], None, start, end)
            if code == "1004":
                start, end = today - timedelta(days=2), today + timedelta(days=5)
                self._add_schedule(code, shift_ids["PROB"], group_ids["PROB"], start, end)

        codes = [e["emp_code"] for e in self.tables["employees"].values()]
        for n in range(8):
            day = today + timedelta(days=rng.randint(-days, 14))
            while day.weekday() >= 5:
                day += timedelta(days=1)
            start = datetime.combine(day, datetime.min.time())
            kind = rng.choice(("day", "afternoon", "days"))
            if kind == "day":
                span = (start + timedelta(hours=9), start + timedelta(hours=18))
            elif kind == "afternoon":
                span = (start + timedelta(hours=14), start + timedelta(hours=18))
            else:
                span = (start + timedelta(hours=9), start + timedelta(days=2, hours=18))
            self._insert(
                "leaves",
                {
                    "emp_code": rng.choice(codes),
                    "start_time": span[0].strftime(TIME_FMT),
                    "end_time": span[1].strftime(TIME_FMT),
                    "category": rng.choice(LEAVE_CATEGORIES[:3]),
                    "status": "pending" if n % 4 == 3 else "approved",
                },
            )

    def _add_schedule(
        self, emp_code: str, shift_id: int, group_id: int | None, start: date, end: date
    ) -> dict[str, Any]:
        return self._insert(
            "schedules",
            {
                "emp_code": emp_code,
                "shift_id": shift_id,
                "group_id": group_id,
                "start_date": start.strftime(DATE_FMT),
                "end_date": end.strftime(DATE_FMT),
            },
        )

    # -- rendering ---------------------------------------------------------------------------

    @staticmethod
    def _render_att(table: str, row: dict[str, Any]) -> dict[str, Any]:
        if table == "shifts":
            return {**row, "work_days": list(row["work_days"])}
        if table == "groups":
            return {
                "id": row["id"],
                "alias": row["alias"],
                "shift": row["shift_id"],
                "area": list(row["area_ids"]),
            }
        if table == "schedules":
            return {
                "id": row["id"],
                "emp_code": row["emp_code"],
                "shift": row["shift_id"],
                "group": row["group_id"],
                "start_date": row["start_date"],
                "end_date": row["end_date"],
            }
        return dict(row)

    # -- shifts and groups -------------------------------------------------------------------

    @route("GET", r"^/att/api/(?P<table>shifts|groups)/$", page=True)
    def list_att_catalog(self, req: Request, table: str) -> Response:
        """Shifts or attendance groups; filter `alias` (exact)."""
        self._authenticate(req)
        alias = req.arg("alias")
        with self.lock:
            rows = [
                self._render_att(table, r)
                for r in sorted(self.tables[table].values(), key=lambda r: r["id"])
                if not alias or r["alias"] == alias
            ]
        return self._paginate(req, rows)

    @route("GET", r"^/att/api/(?P<table>shifts|groups|schedules|leaves)/(?P<pk>\d+)/$")
    def get_att(self, req: Request, table: str, pk: str) -> Response:
        self._authenticate(req)
        with self.lock:
            return Response(200, self._render_att(table, self._get(table, pk)))

    @route("POST", r"^/att/api/shifts/$")
    def create_shift(self, req: Request) -> Response:
        self._authenticate(req)
        data = request_data(req)
        errors: dict[str, list[str]] = {}
        row: dict[str, Any] = {}
        with self.lock:
            self._alias(data, "shifts", "shift", row, errors)
            for name in ("start_time", "end_time"):
                if name not in data:
                    errors[name] = [_REQUIRED]
                elif (value := _hhmm(data[name])) is None:
                    errors[name] = [_TIME_MSG]
                else:
                    row[name] = value
            if row.get("start_time") and row.get("start_time") == row.get("end_time"):
                errors["end_time"] = ["end_time must differ from start_time."]
            days = data.get("work_days", [1, 2, 3, 4, 5])
            if (
                not isinstance(days, list)
                or not days
                or any(isinstance(d, bool) or d not in range(1, 8) for d in days)
            ):
                errors["work_days"] = ["Expected a non-empty list of ISO weekdays (1-7)."]
            else:
                row["work_days"] = sorted(set(days))
            if errors:
                raise Abort(Response(400, errors))
            return Response(201, self._render_att("shifts", self._insert("shifts", row)))

    @route("POST", r"^/att/api/groups/$")
    def create_group(self, req: Request) -> Response:
        self._authenticate(req)
        data = request_data(req)
        errors: dict[str, list[str]] = {}
        row: dict[str, Any] = {}
        with self.lock:
            self._alias(data, "groups", "attendance group", row, errors)
            if "shift" not in data:
                errors["shift"] = [_REQUIRED]
            else:
                self._pk_field(data["shift"], "shifts", "shift", row, errors)
            area: dict[str, Any] = {}
            self._area_field(data.get("area", []), area, errors)
            row["area_ids"] = area.get("area_ids", [])
            if errors:
                raise Abort(Response(400, errors))
            return Response(201, self._render_att("groups", self._insert("groups", row)))

    def _alias(
        self,
        data: dict[str, Any],
        table: str,
        verbose: str,
        row: dict[str, Any],
        errors: dict[str, list[str]],
    ) -> None:
        if "alias" not in data:
            errors["alias"] = [_REQUIRED]
            return
        value, error = char_field(data["alias"], 50, blank=False)
        if error:
            errors["alias"] = [error]
        elif any(r["alias"] == value for r in self.tables[table].values()):
            errors["alias"] = [f"{verbose} with this alias already exists."]
        else:
            row["alias"] = value

    # -- schedules ---------------------------------------------------------------------------

    @route("GET", r"^/att/api/schedules/$", page=True)
    def list_schedules(self, req: Request) -> Response:
        """Filters: emp_code, shift, group (exact); start_date / end_date select schedules
        overlapping [start_date, end_date] (inclusive, either bound may be left out)."""
        self._authenticate(req)
        lo = _filter_date("start_date", req.arg("start_date"))
        hi = _filter_date("end_date", req.arg("end_date"))
        exact = {k: req.arg(k) for k in ("emp_code", "shift", "group")}
        with self.lock:
            rows = []
            for row in sorted(self.tables["schedules"].values(), key=lambda r: r["id"]):
                if (lo and row["end_date"] < lo) or (hi and row["start_date"] > hi):
                    continue
                item = self._render_att("schedules", row)
                if all(not v or str(item[k]) == v for k, v in exact.items()):
                    rows.append(item)
        return self._paginate(req, rows)

    @route("POST", r"^/att/api/schedules/$")
    def create_schedule(self, req: Request) -> Response:
        """Every bad field at once, as DRF does; overlapping schedules are accepted."""
        self._authenticate(req)
        data = request_data(req)
        errors: dict[str, list[str]] = {}
        row: dict[str, Any] = {"group_id": None}
        with self.lock:
            self._emp_code_field(data, row, errors)
            if "shift" not in data:
                errors["shift"] = [_REQUIRED]
            else:
                self._pk_field(data["shift"], "shifts", "shift", row, errors)
            if data.get("group") is not None:
                self._pk_field(data["group"], "groups", "group", row, errors)
            for name in ("start_date", "end_date"):
                if name not in data:
                    errors[name] = [_REQUIRED]
                elif not is_date(data[name]):
                    errors[name] = [_DATE_MSG]
                else:
                    row[name] = data[name]
            if (
                row.get("start_date")
                and row.get("end_date")
                and row["end_date"] < row["start_date"]
            ):
                errors["end_date"] = ["end_date must not be before start_date."]
            if errors:
                raise Abort(Response(400, errors))
            return Response(201, self._render_att("schedules", self._insert("schedules", row)))

    @route("DELETE", r"^/att/api/schedules/(?P<pk>\d+)/$")
    def delete_schedule(self, req: Request, pk: str) -> Response:
        self._authenticate(req)
        with self.lock:
            self._get("schedules", pk)
            del self.tables["schedules"][int(pk)]
        return Response(204)

    def _emp_code_field(
        self, data: dict[str, Any], row: dict[str, Any], errors: dict[str, list[str]]
    ) -> None:
        """A SlugRelatedField on the employee's emp_code."""
        if "emp_code" not in data:
            errors["emp_code"] = [_REQUIRED]
            return
        value, error = char_field(data["emp_code"], 20, blank=False)
        if error:
            errors["emp_code"] = [error]
        elif self._employee_by_code(value) is None:
            errors["emp_code"] = [f"Object with emp_code={value} does not exist."]
        else:
            row["emp_code"] = value

    # -- leave -------------------------------------------------------------------------------

    @route("GET", r"^/att/api/leaves/$", page=True)
    def list_leaves(self, req: Request) -> Response:
        """Filters: emp_code, status (exact); start_time / end_time select leave overlapping
        [start_time, end_time] (inclusive, naive local, like the transaction filters)."""
        self._authenticate(req)
        lo = parse_filter_time("start_time", req.arg("start_time"))
        hi = parse_filter_time("end_time", req.arg("end_time"))
        emp_code, status = req.arg("emp_code"), req.arg("status")
        if status and status not in LEAVE_STATUSES:
            raise Abort(
                Response(400, {"status": [f"Select a valid choice. {_choice_error(status)}"]})
            )
        with self.lock:
            rows = [
                self._render_att("leaves", r)
                for r in sorted(self.tables["leaves"].values(), key=lambda r: r["id"])
                if (not emp_code or r["emp_code"] == emp_code)
                and (not status or r["status"] == status)
                and not (lo and r["end_time"] < lo)
                and not (hi and r["start_time"] > hi)
            ]
        return self._paginate(req, rows)

    @route("POST", r"^/att/api/leaves/$")
    def create_leave(self, req: Request) -> Response:
        self._authenticate(req)
        data = request_data(req)
        errors: dict[str, list[str]] = {}
        row: dict[str, Any] = {}
        with self.lock:
            self._emp_code_field(data, row, errors)
            for name in ("start_time", "end_time"):
                if name not in data:
                    errors[name] = [_REQUIRED]
                elif (value := _naive_datetime(data[name])) is None:
                    errors[name] = [_DATETIME_MSG]
                else:
                    row[name] = value
            if (
                row.get("start_time")
                and row.get("end_time")
                and row["end_time"] <= row["start_time"]
            ):
                errors["end_time"] = ["end_time must be after start_time."]
            for name, choices, default in (
                ("category", LEAVE_CATEGORIES, "other"),
                ("status", LEAVE_STATUSES, "pending"),
            ):
                value = data.get(name, default)
                if value not in choices:
                    errors[name] = [_choice_error(value)]
                else:
                    row[name] = value
            if errors:
                raise Abort(Response(400, errors))
            return Response(201, self._render_att("leaves", self._insert("leaves", row)))
