"""Booking and rebooking interviews against busy time from both attendance sources.

Real pieces end to end: the attendance simulator's schedules and leave and the DingTalk
simulator's shifts and leave read through their clients' `busy_intervals`, the scheduling
engine, the ledger, and the DingTalk simulator receiving the `reschedule` work notification
through the outbox. New leave moves only the interviews it touches.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from connectors._core.registry import get_connector
from connectors._core.retry import retry_policy
from connectors.attendance.client import AttendanceClient
from connectors.attendance.simulator import AttendanceSimulator
from connectors.dingtalk.client import DingTalkClient
from connectors.dingtalk.simulator import DingTalkSimulator
from hrhub.flow.push import push
from hrhub.flow.schedule import reschedule_interviews, schedule_interviews
from hrhub.ledger import Ledger, StageInput
from hrhub.links import verify_link
from hrhub.models import Interview, InterviewStatus
from hrhub.scheduling import Policy

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
MONDAY_NOON = datetime(2024, 6, 17, 12, 0, 0)  # the attendance simulator's naive "now"
NOW = MONDAY_NOON.replace(tzinfo=CHINA)
TUESDAY = datetime(2024, 6, 18, tzinfo=CHINA)
SECRET = "test-link-secret"
ROOM = "https://room.example.com/i"


@pytest.fixture
def attendance() -> Iterator[AttendanceSimulator]:
    with AttendanceSimulator(as_of=MONDAY_NOON) as server:
        with server.lock:
            server.tables["leaves"].clear()  # each test states the leave it needs
        yield server


@pytest.fixture
def dingtalk() -> Iterator[DingTalkSimulator]:
    with DingTalkSimulator(users=50) as server:
        yield server


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    store = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield store
    store.close()


def at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


def book(ledger: Ledger, n: int, interviewer: str, start: datetime) -> Interview:
    interview = Interview(
        source_system="hrhub",
        remote_id=f"iv-{n}",
        modified_at=NOW - timedelta(days=3),
        application_id=f"successfactors:application:{n}",
        candidate_id=f"successfactors:candidate:{n}",
        slot_start=start,
        slot_end=start + timedelta(minutes=45),
        interviewer_ids=[interviewer],
        link_url=f"{ROOM}/round-{n}",
        link_expires_at=start + timedelta(hours=2),
    )
    ledger.stage(
        [StageInput.of(interview)],
        batch_id=f"book-{n}",
    )
    return interview


def staged(ledger: Ledger, interview: Interview) -> Interview:
    [record] = ledger.get_records([interview.canonical_id])
    return Interview.model_validate(record.payload)


def busy_now(attendance: AttendanceSimulator, codes: list[str]) -> dict[str, list[Any]]:
    with AttendanceClient(
        attendance.url,
        username="admin",
        password="admin123",
        retry=retry_policy(initial=0.01, cap=0.05),
    ) as client:
        found = client.busy_intervals(codes, TUESDAY, TUESDAY + timedelta(days=4), now=NOW)
    return {code: [b.as_dict() for b in intervals] for code, intervals in found.items()}


def add_leave(attendance: AttendanceSimulator, code: str, start: datetime, end: datetime) -> None:
    with AttendanceClient(attendance.url, username="admin", password="admin123") as client:
        client.request_json(
            "POST",
            "/att/api/leaves/",
            json={
                "emp_code": code,
                "start_time": f"{start:%Y-%m-%d %H:%M:%S}",
                "end_time": f"{end:%Y-%m-%d %H:%M:%S}",
                "category": "annual",
                "status": "approved",
            },
        )


def test_new_leave_moves_only_the_interview_it_touches_and_tells_its_candidate(
    attendance: AttendanceSimulator, dingtalk: DingTalkSimulator, ledger: Ledger
) -> None:
    wednesday = TUESDAY + timedelta(days=1)
    touched = book(ledger, 1, "1001", at(TUESDAY, 10))
    same_person_other_day = book(ledger, 2, "1001", at(wednesday, 14))
    other_person = book(ledger, 3, "1002", at(TUESDAY, 10))
    policy = Policy(window_start=TUESDAY, window_end=TUESDAY + timedelta(days=4))
    people = [u["userid"] for u in dingtalk.users if u["status"] != "departed"][:3]
    recipients = {
        i.candidate_id: userid
        for i, userid in zip((touched, same_person_other_day, other_person), people, strict=True)
    }

    def run() -> Any:
        return reschedule_interviews(
            ledger=ledger,
            busy=busy_now(attendance, ["1001", "1002"]),
            policy=policy,
            recipients=recipients,
            room_url=ROOM,
            link_secret=SECRET,
            now=NOW,
        )

    quiet = run()
    assert (quiet.interviews, quiet.moved, quiet.kept) == (3, 0, 3), "nothing changed yet"

    add_leave(attendance, "1001", at(TUESDAY, 9), at(TUESDAY, 12))
    summary = run()
    assert (summary.moved, summary.kept, summary.notices_queued) == (1, 2, 1)
    moved = staged(ledger, touched)
    assert moved.status is InterviewStatus.RESCHEDULED
    assert not (moved.slot_start < at(TUESDAY, 12) and moved.slot_end > at(TUESDAY, 9))
    claims = verify_link(moved.link_url or "", secret=SECRET, now=moved.slot_start)
    assert claims["interview"] == touched.canonical_id
    for untouched in (same_person_other_day, other_person):
        assert staged(ledger, untouched) == untouched

    spec = get_connector("dingtalk")
    with DingTalkClient(
        dingtalk.url,
        app_key=spec.sandbox["login"],
        app_secret=spec.sandbox["password"],
        agent_id=int(spec.sandbox["extra"]["agent_id"]),
        api_url=dingtalk.api_url,
        result_wait_seconds=1,
    ) as client:
        assert push("dingtalk", client=client, ledger=ledger).landed == 1
    [task] = dingtalk.sent_tasks.values()
    assert "面试改期" in str(task["msg"])
    assert recipients[touched.candidate_id] in str(task)

    again = run()
    assert (again.moved, again.notices_queued) == (0, 0), "a moved interview stays put"


def test_an_interview_that_fits_nowhere_is_a_dead_letter_not_a_silent_loss(
    attendance: AttendanceSimulator, ledger: Ledger
) -> None:
    interview = book(ledger, 7, "1001", at(TUESDAY, 10))
    # 1001 is on leave for the whole window: no slot is left for a panel of 1001.
    add_leave(attendance, "1001", TUESDAY, TUESDAY + timedelta(days=4))
    policy = Policy(window_start=TUESDAY, window_end=TUESDAY + timedelta(days=4))
    busy = busy_now(attendance, ["1001"])
    summary = reschedule_interviews(
        ledger=ledger,
        busy=busy,
        policy=policy,
        recipients={},
        room_url=ROOM,
        link_secret=SECRET,
        now=NOW,
    )
    assert summary.moved + summary.unplaceable == 1
    letters = ledger.dead_letters()
    assert [letter.record_id for letter in letters] == [interview.canonical_id]


def dingtalk_busy(dingtalk: DingTalkSimulator, userids: list[str]) -> dict[str, list[Any]]:
    spec = get_connector("dingtalk")
    with DingTalkClient(
        dingtalk.url,
        app_key=spec.sandbox["login"],
        app_secret=spec.sandbox["password"],
        agent_id=int(spec.sandbox["extra"]["agent_id"]),
        api_url=dingtalk.api_url,
    ) as client:
        found = client.busy_intervals(userids, TUESDAY, TUESDAY + timedelta(days=4))
    return {u: [b.as_dict() for b in intervals] for u, intervals in found.items()}


def overlaps(start: datetime, end: datetime, busy: list[dict[str, str]]) -> bool:
    return any(
        start < datetime.fromisoformat(b["end"]) and datetime.fromisoformat(b["start"]) < end
        for b in busy
    )


def test_interviews_are_booked_outside_busy_time_from_both_attendance_sources(
    attendance: AttendanceSimulator, dingtalk: DingTalkSimulator, ledger: Ledger
) -> None:
    # Two interviewers known to both systems: their attendance emp_code and DingTalk userid.
    people = {"1001": dingtalk.users[0]["userid"], "1002": dingtalk.users[1]["userid"]}
    add_leave(attendance, "1001", at(TUESDAY, 9), at(TUESDAY, 18))
    from_terminals = busy_now(attendance, list(people))
    from_dingtalk = dingtalk_busy(dingtalk, list(people.values()))
    busy = {code: from_terminals[code] + from_dingtalk[userid] for code, userid in people.items()}
    policy = Policy(window_start=TUESDAY, window_end=TUESDAY + timedelta(days=4))
    applications = [
        {
            "application_id": f"successfactors:application:{n}",
            "candidate_id": f"successfactors:candidate:{n}",
            "interviewer_ids": ["1001", "1002"],
        }
        for n in range(12)
    ]
    applications.append(
        {
            "application_id": "successfactors:application:99",
            "candidate_id": "successfactors:candidate:99",
            "interviewer_ids": ["1001", "1002"],
            # Only a Sunday afternoon: never business time.
            "availability": [
                {"start": "2024-06-23T13:00:00+08:00", "end": "2024-06-23T17:00:00+08:00"}
            ],
        }
    )

    def run() -> Any:
        return schedule_interviews(
            ledger=ledger,
            applications=applications,
            busy=busy,
            policy=policy,
            room_url=ROOM,
            link_secret=SECRET,
            now=NOW,
        )

    summary = run()
    assert (summary.scheduled, summary.dead_letters) == (12, 1)
    interviews = [Interview.model_validate(r.payload) for r in ledger.iter_staged("interview")]
    assert len(interviews) == 12
    for interview in interviews:
        [person] = interview.interviewer_ids
        assert not overlaps(interview.slot_start, interview.slot_end, busy[person])
        claims = verify_link(interview.link_url or "", secret=SECRET, now=interview.slot_start)
        assert claims["candidate"] == interview.candidate_id
    [letter] = ledger.dead_letters()
    assert letter.record_id == "successfactors:application:99"
    assert "availability" in letter.reason

    again = run()
    assert (again.already_booked, again.waiting_for_hr, again.scheduled) == (12, 1, 0)
    assert len(ledger.dead_letters()) == 1, "booked once and refused once, whatever reruns"
