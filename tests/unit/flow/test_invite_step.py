"""The invite step: an order, a status and (for DingTalk users) a notice per booked interview."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from connectors._core.errors import RetriableError
from hrhub.flow.invite import invite_booked
from hrhub.flow.job_profiles import JobProfiles
from hrhub.ledger import Ledger, StageInput
from hrhub.models import Application, Candidate, Interview, Job

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def stage_booked(ledger: Ledger, n: int, name: str, title: str = "销售经理") -> Interview:
    job = Job(source_system="successfactors", remote_id=f"j{n}", modified_at=NOW, title=title)
    candidate = Candidate(
        source_system="successfactors",
        remote_id=str(n),
        modified_at=NOW,
        name=name,
        phones=[f"+86 139 0000 {n:04d}"],
    )
    application = Application(
        source_system="successfactors",
        remote_id=str(n),
        modified_at=NOW,
        candidate_id=candidate.canonical_id,
        job_id=job.canonical_id,
    )
    start = NOW + timedelta(days=1, hours=2)
    interview = Interview(
        source_system="hrhub",
        remote_id=f"{n}-ai",
        modified_at=NOW,
        application_id=application.canonical_id,
        candidate_id=candidate.canonical_id,
        slot_start=start,
        slot_end=start + timedelta(minutes=45),
        interviewer_ids=["u1"],
        link_url=f"https://room.example.com/room/token-{n}",
        link_expires_at=start + timedelta(hours=2),
    )
    ledger.stage(
        [StageInput.of(r) for r in (job, candidate, application, interview)], batch_id=f"b{n}"
    )
    return interview


def test_each_booked_interview_gets_an_order_a_status_and_a_notice_once(ledger: Ledger) -> None:
    inside = stage_booked(ledger, 1, "张伟")
    outside = stage_booked(ledger, 2, "Emily Clarke")
    known = {inside.candidate_id: "manager-0001"}

    summary = invite_booked(
        ledger, profiles=JobProfiles.load(), recipient=lambda c: known.get(c["canonical_id"])
    )

    assert summary.as_dict() == {
        "interviews": 2,
        "orders_queued": 2,
        "statuses_queued": 2,
        "interview_records_queued": 2,
        "notices_queued": 1,
        "no_dingtalk": 1,
        "notices_deferred": 0,
        "moves": 0,
        "dead_letters": 0,
    }
    orders = {
        o.canonical_id: o.payload for o in ledger.outbox_items("interview_room", "create_orders")
    }
    zh = orders[inside.canonical_id]
    assert zh["external_id"] == inside.canonical_id
    assert zh["candidate"] == {"id": inside.candidate_id, "name": "张伟", "language": "zh"}
    assert zh["job"] == {"id": "successfactors:job:j1", "family": "sales"}
    assert [q["id"] for q in zh["questions"]] == [
        "q_sales",
        "q_complaint",
        "q_team",
        "q_motivation",
    ]
    assert zh["questions"][0]["text"] == "请介绍一次你超额完成销售目标的经历。"
    assert zh["link_token"] == inside.link_url
    en = orders[outside.canonical_id]
    assert en["candidate"]["language"] == "en"
    assert en["questions"][0]["text"] == "Tell us about a time you exceeded a sales target."
    statuses = ledger.outbox_items("successfactors", "application_status")
    assert sorted(s.payload["applicationId"] for s in statuses) == ["1", "2"]
    assert {s.payload["appStatusName"] for s in statuses} == {"Interview"}
    [notice] = ledger.outbox_items("dingtalk", "work_notification")
    assert notice.payload["userid"] == "manager-0001"
    assert notice.payload["template"] == "invite"
    assert notice.payload["params"]["link"] == inside.link_url
    assert notice.payload["params"]["slot"] == "2026-12-01 18:00-18:45"  # Shanghai time
    records = {
        r.canonical_id: r.payload
        for r in ledger.outbox_items("successfactors", "application_interview")
    }
    assert records[inside.canonical_id]["source"] == inside.canonical_id
    assert records[inside.canonical_id]["applicationId"] == "1"
    assert "link" not in json.dumps(records[inside.canonical_id])  # the link stays out of SF
    for record in ledger.get_records([inside.canonical_id, inside.application_id]):
        assert record.stage == "invited"

    again = invite_booked(ledger, profiles=JobProfiles.load(), recipient=lambda c: None)
    assert again.interviews == 0
    assert len(ledger.outbox_items("interview_room", "create_orders")) == 2


def test_an_interview_whose_job_has_no_profile_sends_nothing_and_is_a_dead_letter(
    ledger: Ledger,
) -> None:
    stray = stage_booked(ledger, 3, "李娜", title="飞行员")
    good = stage_booked(ledger, 4, "王芳")

    summary = invite_booked(ledger, profiles=JobProfiles.load(), recipient=lambda c: None)

    assert summary.orders_queued == 1 and summary.dead_letters == 1
    [letter] = ledger.dead_letters()
    assert letter.record_id == stray.canonical_id
    assert letter.system == "hrhub" and letter.field == "job.family"
    assert "飞行员" in letter.reason
    orders = ledger.outbox_items("interview_room", "create_orders")
    assert [o.canonical_id for o in orders] == [good.canonical_id]
    # Nothing of the stray interview is sent: no status tells its candidate to come.
    statuses = ledger.outbox_items("successfactors", "application_status")
    assert [s.canonical_id for s in statuses] == [good.application_id]
    [stray_record] = ledger.get_records([stray.canonical_id])
    assert stray_record.stage == "dead_letter"


def test_dingtalk_down_defers_only_the_notices_and_the_next_run_sends_them(
    ledger: Ledger,
) -> None:
    first, second = stage_booked(ledger, 1, "张伟"), stage_booked(ledger, 2, "李娜")
    asked: list[str] = []

    def down(candidate: dict) -> str | None:
        asked.append(candidate["canonical_id"])
        raise RetriableError("DingTalk answered 500 (gave up after 3 attempts)", system="dingtalk")

    summary = invite_booked(ledger, profiles=JobProfiles.load(), recipient=down)

    assert len(asked) == 1  # not asked again once it is known to be down
    assert (summary.orders_queued, summary.statuses_queued, summary.notices_queued) == (2, 2, 0)
    assert summary.notices_deferred == 2
    assert not ledger.outbox_items("dingtalk", "work_notification")
    # Still waiting: the next run invites them again and this time queues the notices.
    assert set(ledger.ids_in_stage("interview", "extracted")) == {
        first.canonical_id,
        second.canonical_id,
    }
    again = invite_booked(ledger, profiles=JobProfiles.load(), recipient=lambda c: "u-1")
    assert (again.notices_queued, again.notices_deferred) == (2, 0)
    # The same orders, statuses and records as the first run's: no second outbox item.
    assert len(ledger.outbox_items("interview_room", "create_orders")) == 2
    assert len(ledger.outbox_items("successfactors", "application_interview")) == 2
    assert set(ledger.ids_in_stage("interview", "invited")) == {
        first.canonical_id,
        second.canonical_id,
    }
