"""The simulator's attendance module (hrhub's reading: shifts, groups, schedules, leave) over
real loopback HTTP: auth, DRF paging, filters and field errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import requests

from connectors.attendance.simulator import AttendanceSimulator

AS_OF = datetime(2024, 6, 17, 12, 0, 0)  # a Monday noon, China time
TODAY = AS_OF.date()
CREDENTIALS = {"username": "admin", "password": "admin123"}
BEFORE_START = "end_date must not be before start_date."


def _session(server: AttendanceSimulator) -> requests.Session:
    token = requests.post(server.url + "/jwt-api-token-auth/", json=CREDENTIALS, timeout=5)
    s = requests.Session()
    s.headers["Authorization"] = f"JWT {token.json()['token']}"
    return s


@pytest.fixture(scope="module")
def sim() -> Iterator[AttendanceSimulator]:
    with AttendanceSimulator(as_of=AS_OF) as server:
        yield server


@pytest.fixture(scope="module")
def api(sim: AttendanceSimulator) -> Iterator[requests.Session]:
    with _session(sim) as s:
        yield s


@pytest.fixture
def fresh() -> Iterator[tuple[AttendanceSimulator, requests.Session]]:
    with AttendanceSimulator(as_of=AS_OF) as server, _session(server) as s:
        yield server, s


def fetch(s: requests.Session, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every item, following the absolute `next` link."""
    items: list[dict[str, Any]] = []
    page = s.get(url, params=params, timeout=5).json()
    items.extend(page["data"])
    while page["next"]:
        assert page["next"].startswith(url.split("/att/")[0] + "/att/")
        page = s.get(page["next"], timeout=5).json()
        items.extend(page["data"])
    assert len(items) == page["count"]
    return items


@pytest.mark.parametrize("path", ["shifts", "groups", "schedules", "leaves", "schedules/1"])
def test_every_route_needs_auth(sim: AttendanceSimulator, path: str) -> None:
    resp = requests.get(f"{sim.url}/att/api/{path}/", timeout=5)
    assert resp.status_code == 401
    assert resp.json() == {"detail": "Authentication credentials were not provided."}
    post = requests.post(f"{sim.url}/att/api/schedules/", json={}, timeout=5)
    assert post.status_code == 401


def test_static_token_works_too(sim: AttendanceSimulator) -> None:
    key = requests.post(sim.url + "/api-token-auth/", json=CREDENTIALS, timeout=5).json()["token"]
    resp = requests.get(
        sim.url + "/att/api/shifts/", headers={"Authorization": f"Token {key}"}, timeout=5
    )
    assert resp.status_code == 200 and resp.json()["count"] == 2


def test_seeded_shifts_and_groups(sim: AttendanceSimulator, api: requests.Session) -> None:
    shifts = {s["alias"]: s for s in fetch(api, sim.url + "/att/api/shifts/")}
    assert shifts["STD"]["start_time"] == "09:00" and shifts["STD"]["end_time"] == "18:00"
    assert shifts["PROB"]["start_time"] == "08:30" and shifts["PROB"]["end_time"] == "17:30"
    assert shifts["STD"]["work_days"] == [1, 2, 3, 4, 5]
    one = api.get(sim.url + "/att/api/shifts/", params={"alias": "PROB"}, timeout=5).json()
    assert one["count"] == 1 and one["data"][0]["id"] == shifts["PROB"]["id"]

    groups = {g["alias"]: g for g in fetch(api, sim.url + "/att/api/groups/")}
    assert set(groups) == {"SH-STD", "BJ-STD", "PROB"}
    assert groups["PROB"]["shift"] == shifts["PROB"]["id"]
    assert len(groups["PROB"]["area"]) == 2 and len(groups["SH-STD"]["area"]) == 1
    detail = api.get(f"{sim.url}/att/api/groups/{groups['PROB']['id']}/", timeout=5).json()
    assert detail == groups["PROB"]
    assert api.get(sim.url + "/att/api/groups/99/", timeout=5).status_code == 404


def test_seeded_schedules_cover_most_people(
    sim: AttendanceSimulator, api: requests.Session
) -> None:
    url = sim.url + "/att/api/schedules/"
    rows = fetch(api, url, page_size=7)
    assert set(rows[0]) == {"id", "emp_code", "shift", "group", "start_date", "end_date"}
    people = {r["emp_code"] for r in rows}
    assert 25 <= len(people) < 30
    assert not people & {"1010", "1020", "1030"}  # never scheduled: always off shift
    [first] = [r for r in rows if r["emp_code"] == "1001"]
    assert (first["start_date"], first["end_date"]) == (
        str(TODAY - timedelta(days=14)),  # the seeded punch days...
        str(TODAY + timedelta(days=90)),  # ...and the weeks interviews are booked in
    )
    # bad input the client must survive: a duplicate STD schedule, an overlapping PROB one
    assert len(fetch(api, url, emp_code="1003")) == 2
    assert len({r["shift"] for r in fetch(api, url, emp_code="1004")}) == 2
    assert any(r["group"] is None for r in rows)


def test_schedule_filters(sim: AttendanceSimulator, api: requests.Session) -> None:
    url = sim.url + "/att/api/schedules/"
    gap = fetch(api, url, emp_code="1008")  # i % 10 == 7: five days without a schedule
    assert len(gap) == 2
    today = str(TODAY)
    assert fetch(api, url, emp_code="1008", start_date=today, end_date=today) == []
    week = fetch(api, url, emp_code="1008", start_date=str(TODAY - timedelta(days=7)))
    assert len(week) == 2  # both overlap "from a week ago on"
    before = fetch(api, url, emp_code="1008", end_date=str(TODAY - timedelta(days=3)))
    assert [r["end_date"] for r in before] == [str(TODAY - timedelta(days=3))]
    prob_shift = fetch(api, sim.url + "/att/api/shifts/", alias="PROB")[0]["id"]
    assert {r["shift"] for r in fetch(api, url, shift=prob_shift)} == {prob_shift}
    for bad in ("17/06/2024", "2024-06-31"):
        resp = api.get(url, params={"start_date": bad}, timeout=5)
        assert resp.status_code == 400 and resp.json() == {"start_date": ["Enter a valid date."]}


def test_create_schedule_and_its_field_errors(
    fresh: tuple[AttendanceSimulator, requests.Session],
) -> None:
    server, api = fresh
    url = server.url + "/att/api/schedules/"
    body = {
        "emp_code": "1001",
        "shift": 2,
        "group": 3,
        "start_date": "2024-07-01",
        "end_date": "2024-09-28",
    }
    created = api.post(url, json=body, timeout=5)
    assert created.status_code == 201, created.text
    assert created.json() == {"id": created.json()["id"], **body}
    again = api.post(url, json=body, timeout=5)  # overlapping schedules are stored as given
    assert again.status_code == 201 and again.json()["id"] != created.json()["id"]
    assert len(fetch(api, url, emp_code="1001", start_date="2024-08-01")) == 3

    wrong_format = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
    cases = [
        ({**body, "emp_code": "4242"}, {"emp_code": ["Object with emp_code=4242 does not exist."]}),
        ({**body, "shift": 99}, {"shift": ['Invalid pk "99" - object does not exist.']}),
        ({**body, "group": 99}, {"group": ['Invalid pk "99" - object does not exist.']}),
        ({**body, "end_date": "2024-06-30"}, {"end_date": [BEFORE_START]}),
        ({**body, "start_date": "01/07/2024"}, {"start_date": [wrong_format]}),
    ]
    for bad, errors in cases:
        resp = api.post(url, json=bad, timeout=5)
        assert resp.status_code == 400 and resp.json() == errors, bad
    missing = api.post(url, json={}, timeout=5)
    assert missing.status_code == 400
    assert set(missing.json()) == {"emp_code", "shift", "start_date", "end_date"}
    assert api.post(url, json={**body, "group": None}, timeout=5).json()["group"] is None

    detail = f"{url}{created.json()['id']}/"
    assert api.get(detail, timeout=5).json() == created.json()
    assert api.delete(detail, timeout=5).status_code == 204
    assert api.get(detail, timeout=5).status_code == 404


def test_shift_and_group_creation(fresh: tuple[AttendanceSimulator, requests.Session]) -> None:
    server, api = fresh
    shifts = server.url + "/att/api/shifts/"
    night = api.post(
        shifts, json={"alias": "NIGHT", "start_time": "22:00", "end_time": "06:00"}, timeout=5
    )
    assert night.status_code == 201 and night.json()["work_days"] == [1, 2, 3, 4, 5]
    dup = api.post(shifts, json={"alias": "STD", "start_time": "9:00", "end_time": "x"})
    assert dup.status_code == 400
    assert dup.json()["alias"] == ["shift with this alias already exists."]
    assert dup.json()["end_time"][0].startswith("Time has wrong format.")
    weekend = api.post(shifts, json={"alias": "W", "start_time": "10:00", "end_time": "16:00",
                                     "work_days": [6, 8]})  # fmt: skip
    assert weekend.status_code == 400 and "work_days" in weekend.json()

    groups = server.url + "/att/api/groups/"
    made = api.post(groups, json={"alias": "NIGHT-SH", "shift": night.json()["id"], "area": [1]})
    assert made.status_code == 201 and made.json()["area"] == [1]
    bad = api.post(groups, json={"alias": "X", "shift": 42, "area": [9]}, timeout=5)
    assert bad.status_code == 400 and set(bad.json()) == {"shift", "area"}


def test_leave_seed_and_filters(sim: AttendanceSimulator, api: requests.Session) -> None:
    url = sim.url + "/att/api/leaves/"
    rows = fetch(api, url)
    assert len(rows) == 8
    assert set(rows[0]) == {"id", "emp_code", "start_time", "end_time", "category", "status"}
    assert {r["status"] for r in rows} == {"approved", "pending"}
    assert all(r["start_time"] < r["end_time"] for r in rows)
    approved = fetch(api, url, status="approved")
    assert approved and {r["status"] for r in approved} == {"approved"}
    leave = rows[0]
    mine = fetch(api, url, emp_code=leave["emp_code"])
    assert leave in mine and {r["emp_code"] for r in mine} == {leave["emp_code"]}
    # overlap, inclusive, naive local
    inside = fetch(api, url, start_time=leave["end_time"], end_time=leave["end_time"])
    assert leave in inside
    after = datetime.strptime(leave["end_time"], "%Y-%m-%d %H:%M:%S") + timedelta(seconds=1)
    later = fetch(api, url, start_time=after.strftime("%Y-%m-%d %H:%M:%S"))
    assert leave not in later
    bad = api.get(url, params={"status": "rejected"}, timeout=5)
    assert bad.status_code == 400 and "status" in bad.json()
    naive_only = api.get(url, params={"start_time": "2024-06-17T09:00:00Z"}, timeout=5)
    assert naive_only.status_code == 400


def test_create_leave(fresh: tuple[AttendanceSimulator, requests.Session]) -> None:
    server, api = fresh
    url = server.url + "/att/api/leaves/"
    body = {
        "emp_code": "1002",
        "start_time": "2024-06-18 14:00:00",
        "end_time": "2024-06-18 18:00",
        "category": "sick",
        "status": "approved",
    }
    made = api.post(url, json=body, timeout=5)
    assert made.status_code == 201
    assert made.json()["end_time"] == "2024-06-18 18:00:00"
    pending = api.post(url, json={**body, "status": None}, timeout=5)
    assert pending.status_code == 400  # null is not a choice
    default = {k: v for k, v in body.items() if k != "status"}
    assert api.post(url, json=default, timeout=5).json()["status"] == "pending"
    bad = api.post(
        url,
        json={**body, "emp_code": "nobody", "end_time": "2024-06-18 13:00:00", "category": "x"},
        timeout=5,
    )
    assert bad.status_code == 400 and set(bad.json()) == {"emp_code", "end_time", "category"}


def test_seed_is_deterministic_and_follows_as_of() -> None:
    a = AttendanceSimulator(as_of=AS_OF, seed=5)
    b = AttendanceSimulator(as_of=AS_OF, seed=5)
    assert a.tables["schedules"] == b.tables["schedules"]
    assert a.tables["leaves"] == b.tables["leaves"]
    later = AttendanceSimulator(as_of=AS_OF + timedelta(days=7), seed=5)
    first = min(date.fromisoformat(r["start_date"]) for r in later.tables["schedules"].values())
    assert first == TODAY + timedelta(days=7) - timedelta(days=14)
