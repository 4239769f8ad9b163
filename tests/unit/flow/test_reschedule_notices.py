"""A moved interview: one `reschedule` notice per move, never an `invite` on top of it.

The reschedule step re-stages the moved interview, and the ledger sends changed content
through the flow again, so the invite step sees it once more. These tests run the real
steps on the SQLite ledger and read the outbox: the room order (new link) and the
SuccessFactors interview record (new slot) are updated, the application's status is not
written twice, and DingTalk gets only the reschedule notices.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

import hrhub.flow.schedule as schedule_step
from connectors._core.errors import RetriableError
from hrhub.flow.invite import invite_booked
from hrhub.flow.job_profiles import JobProfiles
from hrhub.flow.schedule import reschedule_interviews
from hrhub.ledger import Ledger, StageInput
from hrhub.models import Application, Candidate, Interview, InterviewStatus, Job
from hrhub.scheduling import Interval, Policy

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 16:00 in Shanghai
TUESDAY = datetime(2026, 12, 1, tzinfo=CHINA)
POLICY = Policy(window_start=TUESDAY, window_end=TUESDAY + timedelta(days=3))
ROOM_URL, SECRET = "https://room.example.com/room", "test-link-secret"
USERID = "manager-0001"


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    return TUESDAY + timedelta(days=day, hours=hour, minutes=minute)


def book(ledger: Ledger, n: int = 1) -> Interview:
    """A booked interview with u1 on Tuesday 10:00, and its job, candidate and application."""
    job = Job(source_system="successfactors", remote_id=f"j{n}", modified_at=NOW, title="销售经理")
    candidate = Candidate(
        source_system="successfactors",
        remote_id=str(n),
        modified_at=NOW,
        name="张伟",
        phones=[f"+86 139 0000 {n:04d}"],
    )
    application = Application(
        source_system="successfactors",
        remote_id=str(n),
        modified_at=NOW,
        candidate_id=candidate.canonical_id,
        job_id=job.canonical_id,
    )
    interview = Interview(
        source_system="hrhub",
        remote_id=f"{n}-ai",
        modified_at=NOW,
        application_id=application.canonical_id,
        candidate_id=candidate.canonical_id,
        slot_start=at(10),
        slot_end=at(10, 45),
        interviewer_ids=["u1"],
        link_url=f"{ROOM_URL}/token-{n}",
        link_expires_at=at(12),
    )
    ledger.stage(
        [StageInput.of(r) for r in (job, candidate, application, interview)], batch_id=f"b{n}"
    )
    return interview


def invite(ledger: Ledger, recipient: Any = lambda c: USERID) -> Any:
    return invite_booked(ledger, profiles=JobProfiles.load(), recipient=recipient)


def move(ledger: Ledger, interview: Interview, *busy: Interval) -> Any:
    return reschedule_interviews(
        ledger=ledger,
        busy={"u1": list(busy)},
        policy=POLICY,
        recipients={interview.candidate_id: USERID},
        room_url=ROOM_URL,
        link_secret=SECRET,
        now=NOW,
    )


def staged(ledger: Ledger, interview: Interview) -> tuple[Interview, str]:
    [record] = ledger.get_records([interview.canonical_id])
    return Interview.model_validate(record.payload), record.stage


def notices(ledger: Ledger) -> list[tuple[str, str]]:
    """(template, slot) of every queued DingTalk notice, in the order queued."""
    return [
        (n.payload["template"], n.payload["params"]["slot"])
        for n in ledger.outbox_items("dingtalk", "work_notification")
    ]


def counts(ledger: Ledger) -> dict[str, int]:
    return {
        "orders": len(ledger.outbox_items("interview_room", "create_orders")),
        "statuses": len(ledger.outbox_items("successfactors", "application_status")),
        "records": len(ledger.outbox_items("successfactors", "application_interview")),
        "notices": len(ledger.outbox_items("dingtalk", "work_notification")),
    }


LEAVE = Interval(at(9), at(12), "leave")  # u1's new leave: Tuesday morning
MEETING = Interval(at(13), at(18), "meeting")  # and later a Tuesday-afternoon meeting


def test_a_moved_interview_gets_one_reschedule_notice_and_no_second_invite(
    ledger: Ledger,
) -> None:
    interview = book(ledger)
    first = invite(ledger)
    assert (first.orders_queued, first.notices_queued) == (1, 1)
    assert notices(ledger) == [("invite", "2026-12-01 10:00-10:45")]

    moved = move(ledger, interview, LEAVE)
    assert (moved.moved, moved.notices_queued) == (1, 1)
    new, _ = staged(ledger, interview)
    assert new.status is InterviewStatus.RESCHEDULED
    assert new.slot_start == at(13, 30)

    again = invite(ledger)
    assert (again.interviews, again.moves) == (1, 1)  # the move came back through the flow,
    assert again.notices_queued == 0  # but its candidate was told by the reschedule step
    assert notices(ledger) == [
        ("invite", "2026-12-01 10:00-10:45"),
        ("reschedule", "2026-12-01 13:30-14:15"),
    ]
    # The room's order carries the new link; SuccessFactors' record the new slot; the
    # application's status is the same as before: no second item.
    assert counts(ledger) == {"orders": 2, "statuses": 1, "records": 2, "notices": 2}
    orders = ledger.outbox_items("interview_room", "create_orders")
    assert orders[-1].payload["link_token"] == new.link_url != interview.link_url
    records = ledger.outbox_items("successfactors", "application_interview")
    assert records[0].payload["startDate"] != records[-1].payload["startDate"]
    for record in ledger.get_records([interview.canonical_id, interview.application_id]):
        assert record.stage == "invited"

    # Re-runs of either step with nothing changed queue nothing new.
    assert move(ledger, interview, LEAVE).moved == 0
    assert invite(ledger).interviews == 0
    assert counts(ledger) == {"orders": 2, "statuses": 1, "records": 2, "notices": 2}


def test_a_second_move_is_a_second_reschedule_notice_and_still_no_invite(
    ledger: Ledger,
) -> None:
    interview = book(ledger)
    invite(ledger)
    move(ledger, interview, LEAVE)
    invite(ledger)

    second = move(ledger, interview, LEAVE, MEETING)
    assert (second.moved, second.notices_queued) == (1, 1)
    new, _ = staged(ledger, interview)
    assert new.slot_start == at(9, day=1)
    assert invite(ledger).notices_queued == 0

    assert notices(ledger) == [
        ("invite", "2026-12-01 10:00-10:45"),
        ("reschedule", "2026-12-01 13:30-14:15"),
        ("reschedule", "2026-12-02 09:00-09:45"),
    ]
    assert counts(ledger) == {"orders": 3, "statuses": 1, "records": 3, "notices": 3}
    keys = [n.canonical_id for n in ledger.outbox_items("dingtalk", "work_notification")]
    assert len(set(keys)) == 3, "each notice has its own id: none stands for another"

    assert move(ledger, interview, LEAVE, MEETING).moved == 0
    assert invite(ledger).interviews == 0
    assert counts(ledger) == {"orders": 3, "statuses": 1, "records": 3, "notices": 3}


def test_an_interview_moved_before_its_invitation_gets_the_reschedule_notice_only(
    ledger: Ledger,
) -> None:
    """Moved while waiting for the invite step: the reschedule notice already carries the new
    time and link; the invite step makes the order, status and record, and sends no notice."""
    interview = book(ledger)
    assert move(ledger, interview, LEAVE).notices_queued == 1

    summary = invite(ledger)

    assert (summary.orders_queued, summary.statuses_queued) == (1, 1)
    assert summary.interview_records_queued == 1
    assert summary.notices_queued == 0
    assert notices(ledger) == [("reschedule", "2026-12-01 13:30-14:15")]
    assert counts(ledger) == {"orders": 1, "statuses": 1, "records": 1, "notices": 1}
    assert staged(ledger, interview)[1] == "invited"


def test_dingtalk_down_does_not_hold_back_a_moved_interview(ledger: Ledger) -> None:
    """A move needs nothing from DingTalk in the invite step: it is not deferred."""
    interview = book(ledger)
    invite(ledger)
    move(ledger, interview, LEAVE)
    asked: list[str] = []

    def down(candidate: dict[str, Any]) -> str | None:
        asked.append(candidate["canonical_id"])
        raise RetriableError("DingTalk answered 500", system="dingtalk")

    summary = invite(ledger, down)

    assert asked == []
    assert summary.notices_deferred == 0
    assert staged(ledger, interview)[1] == "invited"
    assert [t for t, _ in notices(ledger)] == ["invite", "reschedule"]


def test_a_reschedule_run_stopped_before_its_notice_is_queued_loses_no_notice(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run dies while queuing the notice: the rerun moves the interview again and queues
    its notice; a move staged without its notice would fit and never be announced."""
    interview = book(ledger)
    invite(ledger)

    def dies(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(schedule_step, "enqueue_writes", dies)
        with pytest.raises(RuntimeError):
            move(ledger, interview, LEAVE)

    rerun = move(ledger, interview, LEAVE)
    assert (rerun.moved, rerun.notices_queued) == (1, 1)
    invite(ledger)
    assert notices(ledger) == [
        ("invite", "2026-12-01 10:00-10:45"),
        ("reschedule", "2026-12-01 13:30-14:15"),
    ]
