"""The ZKBioTime simulator over real loopback HTTP: auth, DRF paging, personnel, punches."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connectors.attendance.simulator import AttendanceSimulator

AS_OF = datetime(2024, 6, 17, 8, 0, 0)  # a Monday morning, China time
CREDENTIALS = {"username": "admin", "password": "admin123"}
FMT = "%Y-%m-%d %H:%M:%S"
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def sim() -> Iterator[AttendanceSimulator]:
    """Shared, read-only: tests that write use `fresh`."""
    with AttendanceSimulator(as_of=AS_OF) as server:
        yield server


@pytest.fixture
def fresh() -> Iterator[AttendanceSimulator]:
    with AttendanceSimulator(as_of=AS_OF) as server:
        yield server


def login(server: AttendanceSimulator, path: str = "/jwt-api-token-auth/") -> str:
    resp = requests.post(server.url + path, json=CREDENTIALS, timeout=5)
    assert resp.status_code == 200, resp.text
    return resp.json()["token"]


def session(server: AttendanceSimulator) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"JWT {login(server)}"
    return s


@pytest.fixture(scope="module")
def api(sim: AttendanceSimulator) -> Iterator[requests.Session]:
    with session(sim) as s:
        yield s


@pytest.fixture
def fresh_api(fresh: AttendanceSimulator) -> Iterator[requests.Session]:
    with session(fresh) as s:
        yield s


def fetch_all(s: requests.Session, url: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Follow `next` to the end, checking the envelope on every page."""
    items: list[dict[str, Any]] = []
    counts = set()
    next_url: str | None = url
    first = True
    while next_url:
        resp = s.get(next_url, params=params if first else None, timeout=5)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        assert page["msg"] == "" and page["code"] == 0
        counts.add(page["count"])
        items.extend(page["data"])
        next_url = page["next"]
        first = False
    assert len(counts) == 1
    return items, counts.pop()


def transactions(s: requests.Session, server: AttendanceSimulator, **params: Any) -> list[dict]:
    items, _ = fetch_all(s, server.url + "/iclock/api/transactions/", page_size=1000, **params)
    return items


# -- auth -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/jwt-api-token-auth/", "/staff-jwt-api-token-auth/"])
def test_jwt_auth(sim: AttendanceSimulator, path: str) -> None:
    token = login(sim, path)
    assert token.count(".") == 2
    resp = requests.get(
        sim.url + "/personnel/api/areas/", headers={"Authorization": f"JWT {token}"}, timeout=5
    )
    assert resp.status_code == 200 and resp.json()["count"] == 2


def test_static_token_auth(sim: AttendanceSimulator) -> None:
    token = login(sim, "/api-token-auth/")
    assert re.fullmatch(r"[0-9a-f]{40}", token)
    assert login(sim, "/staff-api-token-auth/") == token  # one key per user, like DRF
    resp = requests.get(
        sim.url + "/iclock/api/terminals/", headers={"Authorization": f"Token {token}"}, timeout=5
    )
    assert resp.status_code == 200 and resp.json()["count"] == 4


def test_login_accepts_a_form_body(sim: AttendanceSimulator) -> None:
    resp = requests.post(sim.url + "/jwt-api-token-auth/", data=CREDENTIALS, timeout=5)
    assert resp.status_code == 200 and "token" in resp.json()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"username": "admin", "password": "wrong"},
            {"non_field_errors": ["Unable to log in with provided credentials."]},
        ),
        ({"username": "admin"}, {"password": ["This field is required."]}),
    ],
)
def test_bad_login(sim: AttendanceSimulator, body: dict[str, str], expected: dict) -> None:
    for path in ("/jwt-api-token-auth/", "/api-token-auth/"):
        resp = requests.post(sim.url + path, json=body, timeout=5)
        assert resp.status_code == 400 and resp.json() == expected


def test_custom_credentials() -> None:
    with AttendanceSimulator(username="hr", password="秘密", as_of=AS_OF) as server:
        ok = requests.post(
            server.url + "/jwt-api-token-auth/",
            json={"username": "hr", "password": "秘密"},
            timeout=5,
        )
        assert ok.status_code == 200
        assert (
            requests.post(server.url + "/jwt-api-token-auth/", json=CREDENTIALS).status_code == 400
        )


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "Authentication credentials were not provided."),
        ("Basic YWRtaW46YWRtaW4xMjM=", "Authentication credentials were not provided."),
        ("JWT not.a.jwt", "Invalid token."),
        ("JWT", "Invalid Authorization header. No credentials provided."),
        ("Token 0123456789abcdef0123456789abcdef01234567", "Invalid token."),
    ],
)
def test_401s(sim: AttendanceSimulator, header: str | None, detail: str) -> None:
    headers = {"Authorization": header} if header else {}
    resp = requests.get(sim.url + "/personnel/api/employees/", headers=headers, timeout=5)
    assert resp.status_code == 401
    assert resp.json() == {"detail": detail}
    assert resp.headers["WWW-Authenticate"] == 'JWT realm="api"'


def test_tampered_jwt_is_rejected(sim: AttendanceSimulator) -> None:
    head, body, sig = login(sim).split(".")
    forged = f"{head}.{body}.{sig[:-2]}{'AA' if not sig.endswith('AA') else 'BB'}"
    resp = requests.get(
        sim.url + "/personnel/api/employees/", headers={"Authorization": f"JWT {forged}"}
    )
    assert resp.status_code == 401 and resp.json()["detail"] == "Invalid token."


def test_jwt_refresh(sim: AttendanceSimulator) -> None:
    token = login(sim)
    time.sleep(0.01)
    resp = requests.post(sim.url + "/jwt-api-token-refresh/", json={"token": token}, timeout=5)
    assert resp.status_code == 200
    fresh_token = resp.json()["token"]
    assert fresh_token != token
    headers = {"Authorization": f"JWT {fresh_token}"}
    assert requests.get(sim.url + "/iclock/api/terminals/", headers=headers).status_code == 200
    bad = requests.post(sim.url + "/jwt-api-token-refresh/", json={"token": "x.y.z"}, timeout=5)
    assert bad.status_code == 400
    assert bad.json() == {"non_field_errors": ["Error decoding signature."]}


def test_token_expiry_knob_expires_both_kinds_of_token() -> None:
    with AttendanceSimulator("token_expiry=0.2", as_of=AS_OF) as server:
        jwt, key = login(server), login(server, "/api-token-auth/")
        url = server.url + "/iclock/api/terminals/"
        assert requests.get(url, headers={"Authorization": f"JWT {jwt}"}).status_code == 200
        assert requests.get(url, headers={"Authorization": f"Token {key}"}).status_code == 200
        time.sleep(0.3)
        expired = requests.get(url, headers={"Authorization": f"JWT {jwt}"}, timeout=5)
        assert expired.status_code == 401
        assert expired.json() == {"detail": "Signature has expired."}
        stale = requests.get(url, headers={"Authorization": f"Token {key}"}, timeout=5)
        assert stale.status_code == 401 and "expired" in stale.json()["detail"]
        refresh = requests.post(server.url + "/jwt-api-token-refresh/", json={"token": jwt})
        assert refresh.json() == {"non_field_errors": ["Signature has expired."]}
        new_key = login(server, "/api-token-auth/")
        assert new_key != key
        assert requests.get(url, headers={"Authorization": f"Token {new_key}"}).status_code == 200


# -- DRF paging -----------------------------------------------------------------------------


def test_paging_follows_next_to_the_end(sim: AttendanceSimulator, api: requests.Session) -> None:
    url = sim.url + "/iclock/api/transactions/"
    first = api.get(url, params={"page_size": 7, "emp_code": "1003"}, timeout=5).json()
    assert first["previous"] is None
    assert first["next"].startswith(sim.url + "/iclock/api/transactions/?")
    assert parse_qs(urlsplit(first["next"]).query) == {
        "page_size": ["7"],
        "emp_code": ["1003"],
        "page": ["2"],
    }
    second = api.get(first["next"], timeout=5).json()
    assert second["previous"] == sim.url + "/iclock/api/transactions/?page_size=7&emp_code=1003"

    items, count = fetch_all(api, url, page_size=37)
    assert count == len(sim.tables["transactions"]) == len(items)
    assert len({t["id"] for t in items}) == count
    assert [t["id"] for t in items] == sorted(t["id"] for t in items)


def test_default_page_size_and_bad_pages(sim: AttendanceSimulator, api: requests.Session) -> None:
    url = sim.url + "/personnel/api/employees/"
    page = api.get(url, timeout=5).json()
    assert page["count"] == 30 and len(page["data"]) == 10
    assert api.get(url, params={"page_size": "abc"}).json()["data"] == page["data"]
    last = api.get(url, params={"page": "last"}, timeout=5).json()
    assert last["next"] is None and len(last["data"]) == 10
    for bad in ("4", "0", "-1", "abc"):
        resp = api.get(url, params={"page": bad}, timeout=5)
        assert resp.status_code == 404 and resp.json() == {"detail": "Invalid page."}
    empty = api.get(url, params={"emp_code": "nobody"}, timeout=5).json()
    assert empty["count"] == 0 and empty["data"] == [] and empty["next"] is None


def test_page_size_over_the_maximum_is_clamped(
    fresh: AttendanceSimulator, fresh_api: requests.Session
) -> None:
    base = datetime(2024, 6, 17, 7, 0, 0)
    for i in range(1001 - len(fresh.tables["transactions"])):
        fresh.add_punch("1001", base - timedelta(seconds=i), upload_time=base)
    resp = fresh_api.get(fresh.url + "/iclock/api/transactions/", params={"page_size": 5000})
    page = resp.json()
    assert page["count"] == 1001 and len(page["data"]) == 1000
    assert "page_size=5000" in page["next"] and "page=2" in page["next"]


# -- personnel ------------------------------------------------------------------------------


def test_employees_seed(sim: AttendanceSimulator, api: requests.Session) -> None:
    employees, count = fetch_all(api, sim.url + "/personnel/api/employees/", page_size=100)
    assert count == 30
    chinese = [e for e in employees if HAN.search(e["first_name"] + e["last_name"])]
    assert 20 <= len(chinese) < 30
    codes = [e["emp_code"] for e in employees]
    assert len(set(codes)) == 30
    e = employees[0]
    assert set(e) >= {
        "id", "emp_code", "first_name", "last_name", "nickname", "department", "position",
        "area", "hire_date", "gender", "email", "mobile", "card_no", "attemployee",
        "update_time",
    }  # fmt: skip
    assert set(e["department"]) == {"id", "dept_code", "dept_name"}
    assert all(set(a) == {"id", "area_code", "area_name"} for a in e["area"])
    assert set(e["attemployee"]) == {
        "enable_attendance",
        "enable_schedule",
        "enable_overtime",
        "enable_holiday",
    }
    datetime.strptime(e["hire_date"], "%Y-%m-%d")
    datetime.strptime(e["update_time"], FMT)
    assert any(x["position"] is None for x in employees)
    assert {d["department"]["dept_name"] for d in employees} >= {"销售部", "研发部", "人力资源部"}
    assert any(len(x["area"]) == 2 for x in employees)


def test_employee_filters(sim: AttendanceSimulator, api: requests.Session) -> None:
    url = sim.url + "/personnel/api/employees/"
    one = api.get(url, params={"emp_code": "1005"}, timeout=5).json()
    assert one["count"] == 1 and one["data"][0]["emp_code"] == "1005"
    rnd, count = fetch_all(api, url, department=2)
    assert count == len(rnd) > 0 and {e["department"]["dept_code"] for e in rnd} == {"RND"}
    bad = api.get(url, params={"department": "x"}, timeout=5)
    assert bad.status_code == 400 and "department" in bad.json()


def new_employee(**overrides: Any) -> dict[str, Any]:
    body = {
        "emp_code": "9001",
        "first_name": "小明",
        "last_name": "王",
        "department": 2,
        "area": [1],
        "position": 2,
        "hire_date": "2024-07-01",
        "gender": "M",
        "email": "xiaoming@example.cn",
    }
    return {**body, **overrides}


def test_employee_crud(fresh: AttendanceSimulator, fresh_api: requests.Session) -> None:
    url = fresh.url + "/personnel/api/employees/"
    created = fresh_api.post(url, json=new_employee(), timeout=5)
    assert created.status_code == 201, created.text
    emp = created.json()
    assert emp["id"] == 31 and emp["department"]["dept_code"] == "RND"
    assert emp["area"] == [{"id": 1, "area_code": "SH", "area_name": "上海总部"}]
    assert emp["attemployee"]["enable_attendance"] is True
    detail = f"{url}{emp['id']}/"
    assert fresh_api.get(detail, timeout=5).json() == emp

    dup = fresh_api.post(url, json=new_employee(first_name="别人"), timeout=5)
    assert dup.status_code == 400
    assert dup.json() == {"emp_code": ["Employee with this emp_code already exists."]}

    put_missing = fresh_api.put(detail, json={"first_name": "大明"}, timeout=5)
    assert put_missing.status_code == 400
    assert set(put_missing.json()) == {"emp_code", "department", "area"}
    put = fresh_api.put(detail, json=new_employee(first_name="大明", department=1), timeout=5)
    assert put.status_code == 200 and put.json()["first_name"] == "大明"
    assert put.json()["department"]["dept_code"] == "SALES"

    patch = fresh_api.patch(
        detail, json={"mobile": "13800000000", "attemployee": {"enable_overtime": True}}
    )
    assert patch.status_code == 200
    assert patch.json()["mobile"] == "13800000000" and patch.json()["first_name"] == "大明"
    assert patch.json()["attemployee"]["enable_attendance"] is True
    taken = fresh_api.patch(detail, json={"emp_code": "1001"}, timeout=5)
    assert taken.status_code == 400 and "emp_code" in taken.json()

    assert fresh_api.delete(detail, timeout=5).status_code == 204
    gone = fresh_api.get(detail, timeout=5)
    assert gone.status_code == 404 and gone.json() == {"detail": "Not found."}
    assert fresh_api.delete(detail, timeout=5).status_code == 404


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"emp_code", "first_name", "department", "area"}),
        (new_employee(department=99), {"department"}),
        (new_employee(area=[]), {"area"}),
        (new_employee(area=1), {"area"}),
        (new_employee(area=[1, 42]), {"area"}),
        (new_employee(emp_code=""), {"emp_code"}),
        (new_employee(hire_date="01/07/2024"), {"hire_date"}),
        (new_employee(gender="X", email="nope"), {"gender", "email"}),
    ],
)
def test_employee_validation(
    fresh: AttendanceSimulator, fresh_api: requests.Session, body: dict, errors: set[str]
) -> None:
    resp = fresh_api.post(fresh.url + "/personnel/api/employees/", json=body, timeout=5)
    assert resp.status_code == 400
    assert set(resp.json()) == errors
    assert all(isinstance(v, list) and v for v in resp.json().values())


def test_bad_json_body(fresh: AttendanceSimulator, fresh_api: requests.Session) -> None:
    resp = fresh_api.post(
        fresh.url + "/personnel/api/employees/",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 400 and resp.json()["detail"].startswith("JSON parse error")


@pytest.mark.parametrize(
    ("table", "code", "name", "existing"),
    [
        ("departments", "dept_code", "dept_name", "SALES"),
        ("positions", "position_code", "position_name", "ENG"),
        ("areas", "area_code", "area_name", "SH"),
    ],
)
def test_catalogs(
    fresh: AttendanceSimulator,
    fresh_api: requests.Session,
    table: str,
    code: str,
    name: str,
    existing: str,
) -> None:
    url = f"{fresh.url}/personnel/api/{table}/"
    rows, count = fetch_all(fresh_api, url)
    assert count == len(rows) >= 2 and existing in {r[code] for r in rows}
    created = fresh_api.post(url, json={code: "NEW", name: "新建"}, timeout=5)
    assert created.status_code == 201 and created.json()[code] == "NEW"
    assert fresh_api.get(f"{url}{created.json()['id']}/").json()[name] == "新建"
    dup = fresh_api.post(url, json={code: existing, name: "重复"}, timeout=5)
    assert dup.status_code == 400 and "already exists" in dup.json()[code][0]
    missing = fresh_api.post(url, json={}, timeout=5)
    assert missing.status_code == 400 and set(missing.json()) == {code, name}
    assert fresh_api.get(url, params={code: "NEW"}).json()["count"] == 1


def test_wrong_method(sim: AttendanceSimulator, api: requests.Session) -> None:
    resp = api.put(sim.url + "/iclock/api/transactions/", json={}, timeout=5)
    assert resp.status_code == 405 and resp.json() == {"detail": 'Method "PUT" not allowed.'}


# -- transactions ---------------------------------------------------------------------------


def test_transaction_items(sim: AttendanceSimulator, api: requests.Session) -> None:
    items = transactions(api, sim)
    assert 500 < len(items) < 800  # 30 people, 10 weekdays, two punches, a few twins
    t = items[0]
    assert set(t) >= {
        "id", "emp_code", "first_name", "last_name", "department", "position", "punch_time",
        "punch_state", "punch_state_display", "verify_type", "verify_type_display", "work_code",
        "gps_location", "area_alias", "terminal_sn", "terminal_alias", "temperature",
        "upload_time",
    }  # fmt: skip
    assert {(t["punch_state"], t["punch_state_display"]) for t in items} == {
        ("0", "Check In"),
        ("1", "Check Out"),
    }
    verify = {(t["verify_type"], t["verify_type_display"]) for t in items}
    assert verify == {(1, "Fingerprint"), (15, "Face"), (0, "Password")}
    punches = [datetime.strptime(t["punch_time"], FMT) for t in items]
    assert all(p < AS_OF and p.weekday() < 5 for p in punches)
    assert all(datetime.strptime(t["upload_time"], FMT) <= AS_OF for t in items)
    ins = [p for p, t in zip(punches, items, strict=True) if t["punch_state"] == "0"]
    assert 8 <= sum(p.hour + p.minute / 60 for p in ins) / len(ins) <= 9.5


def test_late_uploads_and_ids_in_upload_order(
    sim: AttendanceSimulator, api: requests.Session
) -> None:
    items = transactions(api, sim)
    late = [
        t
        for t in items
        if datetime.strptime(t["upload_time"], FMT) - datetime.strptime(t["punch_time"], FMT)
        >= timedelta(hours=1)
    ]
    assert 10 <= len(late) < len(items) // 5
    by_id = sorted(items, key=lambda t: t["id"])
    assert [t["upload_time"] for t in by_id] == sorted(t["upload_time"] for t in items)
    assert [t["punch_time"] for t in by_id] != sorted(t["punch_time"] for t in items)


def test_same_punch_recorded_twice(sim: AttendanceSimulator, api: requests.Session) -> None:
    """Relayed by the other terminal of the site, or re-sent by its own: the same punch
    (emp_code, punch_time, punch_state) under a new id, always uploaded later."""
    items = transactions(api, sim)
    copies: dict[tuple[str, str, str], list[dict]] = {}
    for t in items:
        copies.setdefault((t["emp_code"], t["punch_time"], t["punch_state"]), []).append(t)
    twins = [sorted(c, key=lambda t: t["id"]) for c in copies.values() if len(c) > 1]
    relayed = [(a, b) for a, b in twins if a["terminal_sn"] != b["terminal_sn"]]
    resent = [(a, b) for a, b in twins if a["terminal_sn"] == b["terminal_sn"]]
    assert len(relayed) >= 5 and len(resent) >= 1
    assert all(a["area_alias"] == b["area_alias"] for a, b in relayed)
    assert all(a["upload_time"] < b["upload_time"] for a, b in twins)
    assert sim.count_entities("transactions") == len(copies) == len(items) - len(twins)
    assert sim.count_stream("transactions") == len(items)
    with pytest.raises(KeyError):
        sim.count_entities("employees")


def test_naive_time_filters_are_inclusive(sim: AttendanceSimulator, api: requests.Session) -> None:
    items = transactions(api, sim)
    pivot = items[100]["punch_time"]
    exact = transactions(api, sim, start_time=pivot, end_time=pivot)
    assert items[100]["id"] in {t["id"] for t in exact}
    assert {t["punch_time"] for t in exact} == {pivot}

    day = transactions(api, sim, start_time="2024-06-12 00:00:00", end_time="2024-06-12 23:59:59")
    expected = [t for t in items if t["punch_time"].startswith("2024-06-12")]
    assert {t["id"] for t in day} == {t["id"] for t in expected} and expected
    assert transactions(api, sim, start_time="2024-06-12", end_time="2024-06-13") == day

    for bad in ("12/06/2024", "2024-06-12T00:00:00+08:00"):  # naive local only
        resp = api.get(sim.url + "/iclock/api/transactions/", params={"start_time": bad})
        assert resp.status_code == 400
        assert resp.json() == {"start_time": ["Enter a valid date/time."]}


def test_exact_filters_and_ordering(sim: AttendanceSimulator, api: requests.Session) -> None:
    mine = transactions(api, sim, emp_code="1002")
    assert mine and {t["emp_code"] for t in mine} == {"1002"}
    term = transactions(api, sim, terminal_sn="CJDE203360012")
    assert term and {t["terminal_alias"] for t in term} == {"上海-大堂B"}
    newest = transactions(api, sim, ordering="-punch_time")
    assert [t["punch_time"] for t in newest] == sorted(
        (t["punch_time"] for t in newest), reverse=True
    )
    by_upload = transactions(api, sim, ordering="upload_time")
    assert [t["upload_time"] for t in by_upload] == sorted(t["upload_time"] for t in by_upload)
    assert transactions(api, sim, ordering="bogus") == transactions(api, sim)


def test_upload_time_start_catches_late_punches(
    fresh: AttendanceSimulator, fresh_api: requests.Session
) -> None:
    watermark = max(t["upload_time"] for t in transactions(fresh_api, fresh))
    assert transactions(fresh_api, fresh, upload_time_start="2030-01-01 00:00:00") == []
    old_punch = fresh.add_punch(
        "1004",
        "2024-06-10 09:01:02",
        terminal_sn="CJDE203360021",
        upload_time="2024-06-17 09:00:00",
    )
    assert old_punch["first_name"] and old_punch["terminal_alias"] == "北京-前台A"
    new = transactions(fresh_api, fresh, upload_time_start=watermark)
    assert old_punch in new
    # the punch_time window of its day says nothing about a late arrival
    assert old_punch in transactions(
        fresh_api, fresh, start_time="2024-06-10", end_time="2024-06-11"
    )
    stranger = fresh.add_punch("7777", datetime(2024, 6, 17, 9, 0, 0), punch_state="1")
    assert stranger["first_name"] == "" and stranger["department"] is None
    with pytest.raises(ValueError, match="terminal_sn"):
        fresh.add_punch("1001", "2024-06-17 09:00:00", terminal_sn="nope")


def test_transaction_detail_and_delete(
    fresh: AttendanceSimulator, fresh_api: requests.Session
) -> None:
    url = fresh.url + "/iclock/api/transactions/5/"
    item = fresh_api.get(url, timeout=5).json()
    assert item["id"] == 5
    assert fresh_api.delete(url, timeout=5).status_code == 204
    assert fresh_api.get(url, timeout=5).status_code == 404
    _, count = fetch_all(fresh_api, fresh.url + "/iclock/api/transactions/", page_size=1000)
    assert count == len(fresh.tables["transactions"])


def test_terminals(sim: AttendanceSimulator, api: requests.Session) -> None:
    terms, count = fetch_all(api, sim.url + "/iclock/api/terminals/")
    assert count == 4
    assert {t["area"]["area_name"] for t in terms} == {"上海总部", "北京分公司"}
    assert all(t["sn"] and t["alias"] and t["last_activity"] for t in terms)


# -- determinism and faults -----------------------------------------------------------------


def test_seed_data_is_deterministic() -> None:
    a = AttendanceSimulator(as_of=AS_OF, seed=3)
    b = AttendanceSimulator(as_of=AS_OF, seed=3)
    c = AttendanceSimulator(as_of=AS_OF, seed=4)
    assert a.tables == b.tables
    assert a.tables["transactions"] != c.tables["transactions"]
    assert a.tables["employees"] != c.tables["employees"]


def test_throttled_and_server_error_look_like_django() -> None:
    with AttendanceSimulator("rate_limit=1,retry_after=2", as_of=AS_OF) as server:
        resp = requests.post(server.url + "/jwt-api-token-auth/", json=CREDENTIALS, timeout=5)
        assert resp.status_code == 429 and resp.headers["Retry-After"] == "2"
        assert resp.json() == {"detail": "Request was throttled. Expected available in 2 seconds."}
    with AttendanceSimulator("error_rate=1", as_of=AS_OF) as server:
        for _ in range(3):
            resp = requests.get(server.url + "/iclock/api/transactions/", timeout=5)
            assert resp.status_code == 500
            assert resp.headers["Content-Type"].startswith("text/html")
            assert "Server Error (500)" in resp.text


def test_duplicate_and_shuffled_pages_keep_the_count(
    fresh: AttendanceSimulator, fresh_api: requests.Session
) -> None:
    url = fresh.url + "/iclock/api/transactions/"
    clean = fresh_api.get(url, params={"page_size": 20}).json()
    fresh.set_faults("duplicate=1,out_of_order=true,seed=2")
    noisy = fresh_api.get(url, params={"page_size": 20}).json()
    assert noisy["count"] == clean["count"]
    assert len(noisy["data"]) == 40
    assert sorted(t["id"] for t in noisy["data"]) == sorted(2 * [t["id"] for t in clean["data"]])
    assert [t["id"] for t in noisy["data"]] != sorted(t["id"] for t in noisy["data"])
