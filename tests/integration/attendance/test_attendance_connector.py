"""The attendance client against its simulator over real loopback HTTP: new hires with their
probation schedule (idempotent, one bad record alone refused), busy intervals, punches staged
once per distinct punch, impossible punches in dead letters, and the push of pre-hires."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from connectors._core.busy import CHINA
from connectors._core.errors import ConfigError, RetriableError
from connectors._core.retry import retry_policy
from connectors.attendance.client import AttendanceClient
from connectors.attendance.simulator import AttendanceSimulator, now_local
from hrhub.flow.extract import extract_stream
from hrhub.flow.push import enqueue_writes, push
from hrhub.ledger import Ledger

MONDAY_NOON = datetime(2024, 6, 17, 12, 0, 0)  # China time, naive as the simulator keeps it
NOW = MONDAY_NOON.replace(tzinfo=CHINA)
TUESDAY = datetime(2024, 6, 18, tzinfo=CHINA)
SATURDAY = datetime(2024, 6, 22, tzinfo=CHINA)


def client_for(server: AttendanceSimulator, **kw: Any) -> AttendanceClient:
    return AttendanceClient(
        server.url,
        username="admin",
        password="admin123",
        retry=retry_policy(initial=0.01, cap=0.05),
        **kw,
    )


@pytest.fixture
def sim() -> Iterator[AttendanceSimulator]:
    """Monday noon; the seeded leave is cleared so each test states the leave it needs."""
    with AttendanceSimulator(as_of=MONDAY_NOON) as server:
        with server.lock:
            server.tables["leaves"].clear()
        yield server


@pytest.fixture
def client(sim: AttendanceSimulator) -> Iterator[AttendanceClient]:
    with client_for(sim) as c:
        yield c


@pytest.fixture
def ledger(tmp_path: Any) -> Iterator[Ledger]:
    store = Ledger.open(f"sqlite:///{tmp_path / 'l.db'}")
    yield store
    store.close()


def counts(server: AttendanceSimulator) -> tuple[int, int]:
    return len(server.tables["employees"]), len(server.tables["schedules"])


def schedules_of(server: AttendanceSimulator, emp_code: str) -> list[dict[str, Any]]:
    return [s for s in server.tables["schedules"].values() if s["emp_code"] == emp_code]


def shift_id(server: AttendanceSimulator, alias: str) -> int:
    return next(s["id"] for s in server.tables["shifts"].values() if s["alias"] == alias)


def group_id(server: AttendanceSimulator, alias: str) -> int:
    return next(g["id"] for g in server.tables["groups"].values() if g["alias"] == alias)


def hire(emp_code: str, *rules: str, **fields: Any) -> dict[str, Any]:
    return {
        "emp_code": emp_code,
        "first_name": "陈静",
        "department": "RND",
        "position": "ENG",
        "hire_date": "2024-07-01",
        "email": f"e{emp_code}@example.cn",
        "mobile": "13800138000",
        "probation_rules": list(rules),
        **fields,
    }


# -- upsert_employee -----------------------------------------------------------------------------


def test_a_new_hire_gets_employee_and_probation_schedule_once(
    sim: AttendanceSimulator, client: AttendanceClient
) -> None:
    records = [
        hire("9001", "group:PROB", "area:SH"),
        hire("9002", "shift:STD", "area:BJ", probation_days=30),
        hire("1005", "group:SH-STD", mobile="13911112222", hire_date="2024-06-20"),  # exists
    ]
    before = counts(sim)
    outcomes = client.write("upsert_employee", records)
    assert [(o.ok, o.remote_id) for o in outcomes] == [
        (True, "9001"),
        (True, "9002"),
        (True, "1005"),
    ]
    assert counts(sim) == (before[0] + 2, before[1] + 3)

    emp = client.find_employee("9001")
    assert emp is not None
    assert emp["department"]["dept_code"] == "RND" and emp["position"]["position_code"] == "ENG"
    assert [a["area_code"] for a in emp["area"]] == ["SH"]
    [probation] = schedules_of(sim, "9001")
    assert probation["shift_id"] == shift_id(sim, "PROB")
    assert probation["group_id"] == group_id(sim, "PROB")
    # [hire_date, hire_date + 90 days): the API's end_date is the last day, inclusive
    assert (probation["start_date"], probation["end_date"]) == ("2024-07-01", "2024-09-28")
    [short] = schedules_of(sim, "9002")
    assert (short["shift_id"], short["group_id"]) == (shift_id(sim, "STD"), None)
    assert (short["start_date"], short["end_date"]) == ("2024-07-01", "2024-07-30")
    patched = client.find_employee("1005")
    assert patched is not None and patched["mobile"] == "13911112222"
    assert [a["area_code"] for a in patched["area"]] == ["SH"]  # the group's area

    again = client.write("upsert_employee", records)
    assert all(o.ok for o in again)
    assert counts(sim) == (before[0] + 2, before[1] + 3), "a retried write adds nothing"


def test_an_existing_schedule_that_covers_the_period_is_reused(
    sim: AttendanceSimulator, client: AttendanceClient
) -> None:
    # 1001 works STD in their site's group from two weeks ago to 90 days ahead: nothing to add
    [current] = schedules_of(sim, "1001")
    group = sim.tables["groups"][current["group_id"]]["alias"]
    before = counts(sim)
    [outcome] = client.write(
        "upsert_employee",
        [{"emp_code": "1001", "hire_date": "2024-06-18", "probation_rules": [f"group:{group}"]}],
    )
    assert outcome.ok and counts(sim) == before


def test_a_bad_record_is_refused_alone_naming_emp_code_and_field(
    sim: AttendanceSimulator, client: AttendanceClient
) -> None:
    records = [
        hire("9101", "shift:NIGHT", "area:SH"),  # no such shift
        hire("9102", "group:PROB"),
        hire("9103", "area:SH", department="LEGAL"),  # no such department
        hire("9104", "shift:STD", "area:SH", email="not-an-email"),  # DRF 400
        {"first_name": "无工号", "department": "RND", "probation_rules": ["area:SH"]},
        hire("9105", "bogus", "area:SH"),  # not <kind>:<code>
        hire("9106", "shift:STD", "area:SH", hire_date=None),  # a schedule needs a start
        hire("9107", "shift:STD"),  # a new employee needs an area
        hire("9108", "area:SH", position="宇航员"),  # neither code nor name
        hire("9109", "area:SH", position="软件工程师"),  # a position name is fine
        hire("9110", "shift:STD", "shift:PROB", "area:SH"),  # one shift per person
    ]
    before = counts(sim)
    outcomes = client.write("upsert_employee", records)
    assert [o.index for o in outcomes] == list(range(len(records)))
    refused = {o.index: (o.error.record_id, o.error.field) for o in outcomes if not o.ok}
    assert refused == {
        0: ("9101", "probation_rules"),
        2: ("9103", "department"),
        3: ("9104", "email"),
        4: ("#4", "emp_code"),
        5: ("9105", "probation_rules"),
        6: ("9106", "hire_date"),
        7: ("9107", "probation_rules"),
        8: ("9108", "position"),
        10: ("9110", "probation_rules"),
    }
    assert all(not o.retriable for o in outcomes if not o.ok)
    assert "NIGHT" in str(outcomes[0].error) and "HTTP 400" in str(outcomes[3].error)
    # refused before anything was written: only 9102 and 9109 exist, 9102 with its schedule
    assert counts(sim) == (before[0] + 2, before[1] + 1)
    assert client.find_employee("9101") is None


def test_lost_answers_do_not_create_twice() -> None:
    """Replies lost after the server acted (drop_after): creates are looked up, not repeated."""
    faults = "drop=0.3,drop_after=1,seed=4"
    with AttendanceSimulator(faults, as_of=MONDAY_NOON) as server, client_for(server) as c:
        unanswered: list[str] = []
        send = c.request

        def spy(method: str, path: str, **kw: Any) -> Any:
            try:
                return send(method, path, **kw)
            except RetriableError:
                if method == "POST":
                    unanswered.append(path)
                raise

        c.request = spy  # type: ignore[method-assign]
        records = [hire(str(9300 + n), "group:PROB", "area:SH") for n in range(6)]
        outcomes = c.write("upsert_employee", records)
        assert all(o.ok for o in outcomes), [str(o.error) for o in outcomes if not o.ok]
        assert any("/employees/" in p for p in unanswered)
        assert any("/schedules/" in p for p in unanswered)
        posts = [call for call in server.calls if call[0] == "POST" and "/api/" in call[1]]
        assert len(posts) == 12, "each create sent once: a lost answer is looked up, not resent"
        for n in range(6):
            code = str(9300 + n)
            assert sum(e["emp_code"] == code for e in server.tables["employees"].values()) == 1
            assert len(schedules_of(server, code)) == 1


def test_unknown_operation_is_a_config_error(client: AttendanceClient) -> None:
    with pytest.raises(ConfigError, match="upsert_employee"):
        client.write("delete_everyone", [{}])


# -- busy intervals --------------------------------------------------------------------------------


def spans(busy: list[Any]) -> list[tuple[str, str, str]]:
    """[(start, end, reason)] in China time, "DD HH:MM"."""
    fmt = "%d %H:%M"
    return [(b.start.astimezone(CHINA).strftime(fmt), b.end.astimezone(CHINA).strftime(fmt),
             b.reason) for b in busy]  # fmt: skip


def test_busy_follows_schedules_gaps_and_overlaps_with_utc_inputs(
    client: AttendanceClient,
) -> None:
    start = datetime(2024, 6, 17, 16, 0, tzinfo=UTC)  # Tuesday 00:00 in China
    busy = client.busy_intervals(
        ["1001", "1003", "1004", "1005", "1008", "1010"], start, start + timedelta(days=1), NOW
    )
    std = [("18 00:00", "18 09:00", "off_shift"), ("18 18:00", "19 00:00", "off_shift")]
    assert spans(busy["1001"]) == std
    assert spans(busy["1003"]) == std  # two identical STD schedules count once
    # STD and PROB overlap on 1004's Tuesday: working time is their union, 08:30-18:00
    assert spans(busy["1004"]) == [
        ("18 00:00", "18 08:30", "off_shift"),
        ("18 18:00", "19 00:00", "off_shift"),
    ]
    assert spans(busy["1005"]) == [
        ("18 00:00", "18 08:30", "off_shift"),
        ("18 17:30", "19 00:00", "off_shift"),
    ]
    whole_day = [("18 00:00", "19 00:00", "off_shift")]
    assert spans(busy["1008"]) == whole_day  # between two schedules
    assert spans(busy["1010"]) == whole_day  # never scheduled
    assert busy["1001"][0].start == start  # clipped to the window, in its instant

    weekend = client.busy_intervals(["1001", "1005"], SATURDAY, SATURDAY + timedelta(days=1), NOW)
    assert {k: spans(v) for k, v in weekend.items()} == {
        "1001": [("22 00:00", "23 00:00", "off_shift")],
        "1005": [("22 00:00", "23 00:00", "off_shift")],
    }


def test_approved_leave_is_busy_and_pending_is_not(
    sim: AttendanceSimulator, client: AttendanceClient
) -> None:
    token = requests.post(
        sim.url + "/jwt-api-token-auth/",
        json={"username": "admin", "password": "admin123"},
        timeout=5,
    ).json()["token"]
    headers = {"Authorization": f"JWT {token}"}
    leave = [
        ("1001", "2024-06-18 10:00:00", "2024-06-18 12:00:00", "approved"),
        ("1002", "2024-06-18 10:00:00", "2024-06-18 12:00:00", "pending"),
        ("1003", "2024-06-16 09:00:00", "2024-06-18 13:00:00", "approved"),  # from before
    ]
    for code, lo, hi, status in leave:
        body = {"emp_code": code, "start_time": lo, "end_time": hi, "status": status}
        made = requests.post(sim.url + "/att/api/leaves/", json=body, headers=headers, timeout=5)
        assert made.status_code == 201, made.text
    busy = client.busy_intervals(["1001", "1002", "1003"], TUESDAY, TUESDAY + timedelta(days=1))
    assert spans(busy["1001"]) == [
        ("18 00:00", "18 09:00", "off_shift"),
        ("18 10:00", "18 12:00", "leave"),
        ("18 18:00", "19 00:00", "off_shift"),
    ]
    assert ("18 10:00", "18 12:00", "leave") not in spans(busy["1002"])
    assert spans(busy["1003"]) == [
        ("18 00:00", "18 13:00", "leave"),  # leave outranks the off-shift morning it joins
        ("18 18:00", "19 00:00", "off_shift"),
    ]


def test_todays_punches_show_who_left_and_who_never_came(
    sim: AttendanceSimulator, client: AttendanceClient
) -> None:
    # 9500 starts today in SH-STD: scheduled, no punch by noon -> absent
    [landed] = client.write(
        "upsert_employee",
        [hire("9500", "group:SH-STD", hire_date="2024-06-17")],
    )
    assert landed.ok
    sim.add_punch("1001", "2024-06-17 08:51:10", punch_state="0", upload_time=MONDAY_NOON)
    sim.add_punch("1001", "2024-06-17 10:30:00", punch_state="1", upload_time=MONDAY_NOON)
    sim.add_punch("1002", "2024-06-17 08:58:00", punch_state="0", upload_time=MONDAY_NOON)
    monday = datetime(2024, 6, 17, tzinfo=CHINA)
    busy = client.busy_intervals(["1001", "1002", "9500"], monday, monday + timedelta(days=1), NOW)
    assert spans(busy["1001"]) == [
        ("17 00:00", "17 09:00", "off_shift"),
        ("17 10:30", "18 00:00", "left"),  # joins the evening off shift
    ]
    assert spans(busy["1002"]) == [
        ("17 00:00", "17 09:00", "off_shift"),
        ("17 18:00", "18 00:00", "off_shift"),
    ]
    assert spans(busy["9500"]) == [("17 00:00", "18 00:00", "absent")]
    early = client.busy_intervals(
        ["9500"], monday, monday + timedelta(days=1), NOW.replace(hour=10)
    )
    assert "absent" not in {b.reason for b in early["9500"]}, "not two hours into the shift yet"


def test_busy_intervals_refuse_naive_times(client: AttendanceClient) -> None:
    with pytest.raises(ConfigError, match="timezone-aware"):
        client.busy_intervals(["1001"], datetime(2024, 6, 18), datetime(2024, 6, 19))
    assert client.busy_intervals([], TUESDAY, TUESDAY + timedelta(days=1), NOW) == {}


# -- punches into the ledger -----------------------------------------------------------------------


@pytest.fixture
def live() -> Iterator[tuple[AttendanceSimulator, AttendanceClient]]:
    """Seeded up to the current China time, so new uploads are the newest."""
    with AttendanceSimulator() as server, client_for(server) as c:
        yield server, c


def test_the_same_punch_from_two_terminals_is_one_event(
    live: tuple[AttendanceSimulator, AttendanceClient], ledger: Ledger
) -> None:
    server, client = live
    rows, distinct = server.count_stream("transactions"), server.count_entities("transactions")
    assert distinct < rows

    first = extract_stream("attendance", "transactions", client=client, ledger=ledger)
    assert (first.read, first.dead_letters) == (rows, 0)
    assert first.inserted == distinct
    assert len(ledger.staged_remote_ids("attendance", "attendance_event")) == distinct

    again = extract_stream("attendance", "transactions", client=client, ledger=ledger)
    assert again.read > 0, "the overlap window is read again"
    assert (again.inserted, again.updated, again.dead_letters) == (0, 0, 0)

    # the neighbouring terminal relays a punch already staged: still one event, now naming
    # the later copy's row and terminal
    seen = max(server.tables["transactions"].values(), key=lambda r: r["id"])
    other = next(
        t["sn"] for t in server.tables["terminals"].values() if t["id"] != seen["terminal_id"]
    )
    relayed = server.add_punch(
        seen["emp_code"],
        seen["punch_time"],
        punch_state=seen["punch_state"],
        terminal_sn=other,
        upload_time=server.as_of + timedelta(seconds=1),  # after every seeded upload
    )
    third = extract_stream("attendance", "transactions", client=client, ledger=ledger)
    assert (third.inserted, third.dead_letters) == (0, 0)
    assert len(ledger.staged_remote_ids("attendance", "attendance_event")) == distinct
    key = f"{seen['emp_code']}|{seen['punch_time']}|{seen['punch_state']}"
    [event] = ledger.get_records([f"attendance:attendance_event:{key}"])
    assert event.payload["terminal"] == other
    assert event.payload["raw"]["id"] == relayed["id"]


def test_impossible_and_broken_punches_are_dead_letters(
    live: tuple[AttendanceSimulator, AttendanceClient], ledger: Ledger
) -> None:
    server, client = live
    extract_stream("attendance", "transactions", client=client, ledger=ledger)
    now = now_local()
    future = server.add_punch("1001", now + timedelta(hours=3), upload_time=now)
    skewed = server.add_punch("1002", now + timedelta(minutes=4), upload_time=now)  # clock drift
    no_date = server.add_punch("1003", now - timedelta(minutes=1), upload_time=now)
    with server.lock:  # a terminal with a broken calendar
        server.tables["transactions"][no_date["id"]]["punch_time"] = "2026-02-30 08:00:00"
    nobody = server.add_punch("", now - timedelta(minutes=2), upload_time=now)

    summary = extract_stream("attendance", "transactions", client=client, ledger=ledger)
    assert (summary.inserted, summary.dead_letters) == (1, 3)
    letters = {d.record_id: d for d in ledger.dead_letters()}
    assert set(letters) == {
        f"attendance:attendance_event:{row['id']}" for row in (future, no_date, nobody)
    }
    impossible = letters[f"attendance:attendance_event:{future['id']}"]
    assert f"record attendance:attendance_event:{future['id']}" in impossible.reason
    assert "field 'punch_time'" in impossible.reason
    assert "more than 5 minutes after the upload" in impossible.reason
    unparsable = letters[f"attendance:attendance_event:{no_date['id']}"]
    assert unparsable.field == "punch_time" and "cannot parse" in unparsable.reason
    missing = letters[f"attendance:attendance_event:{nobody['id']}"]
    assert missing.field == "person_code" and "emp_code" in missing.reason
    staged = ledger.staged_remote_ids("attendance", "attendance_event")
    assert f"1002|{skewed['punch_time']}|0" in staged

    # reconciliation: every distinct punch staged or dead-lettered
    dead = {
        r.split(":", 2)[-1] for r in ledger.open_dead_letter_ids("attendance", "attendance_event")
    }
    assert server.count_entities("transactions") == len(staged) + len(dead)


# -- pushing pre-hires -----------------------------------------------------------------------------


def pre_hire(n: int, rules: list[str], **fields: Any) -> dict[str, Any]:
    record = {
        "canonical_id": f"hrhub:pre_hire:A{n}",
        "source_system": "hrhub",
        "remote_id": f"A{n}",
        "candidate_id": f"successfactors:candidate:C{n}",
        "name": "陈静",
        "mobile": "+86 138-0013-8000",
        "email": f"c{n}@example.cn",
        "planned_entry_date": "2024-07-01",
        "department": "RND",
        "position": "ENG",
        "employee_code": f"E{n}",
        "probation_attendance_rule_ids": rules,
    }
    return {**record, **fields}


def test_push_lands_pre_hires_and_dead_letters_the_refused(
    sim: AttendanceSimulator, client: AttendanceClient, ledger: Ledger
) -> None:
    records = [
        pre_hire(1, ["group:PROB", "area:SH"]),
        pre_hire(2, ["shift:STD", "area:BJ"]),
        pre_hire(3, ["shift:NIGHT", "area:SH"]),  # the attendance system has no NIGHT shift
        pre_hire(4, ["group:PROB"], employee_code=None),  # the eHR has not assigned one yet
    ]
    queued = enqueue_writes("attendance", "upsert_employee", records, ledger=ledger)
    assert (queued.queued, queued.dead_letters) == (3, 1)
    [item] = [i for i in ledger.outbox_items("attendance", "upsert_employee")
              if i.canonical_id == "hrhub:pre_hire:A1"]  # fmt: skip
    assert item.payload == {
        "emp_code": "E1",
        "first_name": "陈静",
        "email": "c1@example.cn",
        "mobile": "13800138000",
        "hire_date": "2024-07-01",
        "department": "RND",
        "position": "ENG",
        "probation_rules": ["group:PROB", "area:SH"],
    }

    before = counts(sim)
    summary = push("attendance", client=client, ledger=ledger)
    assert (summary.landed, summary.dead_letters, summary.requeued) == (2, 1, 0)
    receipts = ledger.landed_writes("attendance", "upsert_employee")
    assert sorted(r.remote_id for r, _ in receipts) == ["E1", "E2"]
    assert counts(sim) == (before[0] + 2, before[1] + 2)
    letters = {d.record_id: d for d in ledger.dead_letters()}
    assert letters["hrhub:pre_hire:A3"].field == "probation_rules"
    assert "NIGHT" in letters["hrhub:pre_hire:A3"].reason
    assert letters["hrhub:pre_hire:A4"].field == "emp_code"

    # the same pre-hires again: queued once already, nothing new to send or create
    enqueue_writes("attendance", "upsert_employee", records, ledger=ledger)
    assert push("attendance", client=client, ledger=ledger).claimed == 0
    assert counts(sim) == (before[0] + 2, before[1] + 2)
    assert Counter(d.record_id for d in ledger.dead_letters())["hrhub:pre_hire:A3"] == 1
