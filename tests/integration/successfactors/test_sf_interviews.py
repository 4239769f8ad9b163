"""hrhub's own interviews in SuccessFactors, against the simulator over loopback.

hrhub books its AI interviews itself (canonical id `hrhub:interview:<application>-ai`). The
invite's `application_interview` write creates their JobApplicationInterview record, marked by
that canonical id in `source`; the score's `interview_assessment` names the interview by the
same id (`interviewSource`) and the client resolves it to the record's applicationInterviewId.
An assessment whose interview record is not there yet waits in the queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors._core.errors import ConfigError, DataContractError, RecordRejected, RetriableError
from connectors.successfactors.client import SuccessFactorsClient
from connectors.successfactors.simulator import SuccessFactorsSimulator
from hrhub.flow.push import enqueue_writes, push
from hrhub.flow.verify import verify_target
from hrhub.ledger import Ledger
from hrhub.mapping import load_mapping
from hrhub.models import Interview, InterviewStatus

SLOT = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
REMOTE_ID = re.compile(r"JobApplicationInterview/applicationInterviewId=([0-9]+)")


@pytest.fixture
def sim() -> Iterator[SuccessFactorsSimulator]:
    with SuccessFactorsSimulator(candidates=40, requisitions=4) as server:
        yield server


@pytest.fixture
def client(sim: SuccessFactorsSimulator) -> SuccessFactorsClient:
    return SuccessFactorsClient(
        sim.url,
        company_id=sim.company_id,
        username=sim.username,
        password=sim.password,
        auth="basic",
    )


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")


def hub_interview(app: dict[str, Any], hours: int = 0) -> dict[str, Any]:
    """The canonical interview hrhub's schedule step books for an application, as the invite
    step hands it to enqueue_writes (with the candidate's personal link)."""
    start = SLOT + timedelta(hours=hours)
    interview = Interview(
        source_system="hrhub",
        remote_id=f"{app['applicationId']}-ai",
        modified_at=SLOT - timedelta(days=2),
        application_id=f"successfactors:application:{app['applicationId']}",
        candidate_id=f"successfactors:candidate:{app['candidateId']}",
        slot_start=start,
        slot_end=start + timedelta(minutes=45),
        status=InterviewStatus.SCHEDULED,
        link_url=f"https://room.hrhub.example/i/{app['applicationId']}?t=secret-token",
        link_expires_at=start + timedelta(hours=3),
    )
    return {**interview.model_dump(mode="json"), "canonical_id": interview.canonical_id}


def interview_result(interview: dict[str, Any], score: float) -> dict[str, Any]:
    return {
        "canonical_id": f"hrhub:interview_result:{interview['remote_id']}",
        "application_id": interview["application_id"],
        "interview_id": interview["canonical_id"],
        "overall_score": score,
        "recommendation": "YES",
        "explanation": f"回答结构完整，得分 {score}",
    }


def mapped(operation: str, record: dict[str, Any]) -> dict[str, Any]:
    return load_mapping("successfactors", operation, "out").apply(
        record, record_id=record["canonical_id"]
    )


def interview_rows(sim: SuccessFactorsSimulator, source: str) -> list[dict[str, Any]]:
    return [r for r in sim.rows("JobApplicationInterview") if r.get("source") == source]


def created_id(remote_id: str | None) -> int:
    match = REMOTE_ID.fullmatch(remote_id or "")
    assert match, f"not a JobApplicationInterview key: {remote_id!r}"
    return int(match.group(1))


def hub_assessments(sim: SuccessFactorsSimulator) -> list[dict[str, Any]]:
    return [r for r in sim.rows("InterviewOverallAssessment") if r["type"] == "hrhub_ai_interview"]


# --- application_interview -------------------------------------------------------------------


def test_each_hub_interview_becomes_one_interview_record_and_a_repeat_adds_none(
    sim, client
) -> None:
    apps = sim.rows("JobApplication")[:3]
    interviews = [hub_interview(app, hours=n) for n, app in enumerate(apps)]
    before = len(sim.rows("JobApplicationInterview"))

    first = client.write(
        "application_interview", [mapped("application_interview", i) for i in interviews]
    )
    assert all(o.ok for o in first), first
    assert len(sim.rows("JobApplicationInterview")) == before + 3
    for interview, outcome, app in zip(interviews, first, apps, strict=True):
        [row] = interview_rows(sim, interview["canonical_id"])
        assert created_id(outcome.remote_id) == row["applicationInterviewId"]
        assert row["applicationId"] == app["applicationId"]
        assert row["startDate"] == datetime.fromisoformat(interview["slot_start"])
        assert row["endDate"] == datetime.fromisoformat(interview["slot_end"])
        assert row["status"] == "SCHEDULED"
        assert row["notes"] == "hrhub AI interview"
        assert "secret-token" not in str(row), "the personal link must not reach SuccessFactors"

    # The same interviews again (a retried run): the records hrhub made are updated, not doubled.
    again = client.write(
        "application_interview", [mapped("application_interview", i) for i in interviews]
    )
    assert [o.remote_id for o in again] == [o.remote_id for o in first]
    assert len(sim.rows("JobApplicationInterview")) == before + 3


def test_a_rescheduled_interview_moves_its_record(sim, client) -> None:
    app = sim.rows("JobApplication")[0]
    interview = hub_interview(app)
    [made] = client.write("application_interview", [mapped("application_interview", interview)])
    moved = {
        **interview,
        "slot_start": (SLOT + timedelta(days=1)).isoformat(),
        "slot_end": (SLOT + timedelta(days=1, minutes=45)).isoformat(),
        "status": "rescheduled",
    }
    [again] = client.write("application_interview", [mapped("application_interview", moved)])
    assert again.ok and again.remote_id == made.remote_id
    [row] = interview_rows(sim, interview["canonical_id"])
    assert row["startDate"] == SLOT + timedelta(days=1)
    assert row["status"] == "SCHEDULED"


class LoseUpsertAnswers:
    """Sends the request, then loses the answer: the write landed, the caller cannot know."""

    def __init__(self, session: requests.Session, times: int) -> None:
        self.real = session.request
        self.left = times

    def __call__(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        response = self.real(method, url, **kwargs)
        if "/upsert" in url and self.left:
            self.left -= 1
            raise requests.ConnectionError("connection reset after the request was sent")
        return response


def test_a_create_whose_answer_was_lost_is_not_made_twice(sim, client) -> None:
    interview = hub_interview(sim.rows("JobApplication")[0])
    lose = LoseUpsertAnswers(client.session, times=1)
    client.session.request = lose
    [outcome] = client.write("application_interview", [mapped("application_interview", interview)])
    assert lose.left == 0, "the answer was not lost: this test proved nothing"
    [row] = interview_rows(sim, interview["canonical_id"])
    assert outcome.ok and created_id(outcome.remote_id) == row["applicationInterviewId"]


# --- interview_assessment --------------------------------------------------------------------


def test_an_assessment_lands_on_the_interview_record_hrhub_created(sim, client) -> None:
    interview = hub_interview(sim.rows("JobApplication")[0])
    [made] = client.write("application_interview", [mapped("application_interview", interview)])
    payload = mapped("interview_assessment", interview_result(interview, 84))
    assert payload["interviewSource"] == interview["canonical_id"]
    assert "interviewRefId" not in payload

    [outcome] = client.write("interview_assessment", [payload])
    assert outcome.ok, outcome
    [row] = hub_assessments(sim)
    assert row["interviewRefId"] == created_id(made.remote_id)
    assert row["averageRating"] == pytest.approx(4.2)
    assert "interviewSource" not in row

    # Written again (a retried push): the same assessment is updated, not doubled.
    [again] = client.write("interview_assessment", [payload])
    assert again.ok and again.remote_id == outcome.remote_id
    assert len(hub_assessments(sim)) == 1


def test_an_assessment_whose_interview_is_not_there_yet_waits_and_the_rest_land(
    sim, client
) -> None:
    apps = sim.rows("JobApplication")[:3]
    interviews = [hub_interview(app) for app in apps]
    booked = [interviews[0], interviews[2]]
    made = client.write(
        "application_interview", [mapped("application_interview", i) for i in booked]
    )
    payloads = [
        mapped("interview_assessment", interview_result(i, 70 + n))
        for n, i in enumerate(interviews)
    ]

    first, waiting, third = client.write("interview_assessment", payloads)

    assert first.ok and third.ok
    assert not waiting.ok and waiting.retriable
    assert isinstance(waiting.error, RetriableError)
    assert waiting.error.field == "interviewSource"
    message = str(waiting.error)
    assert interviews[1]["canonical_id"] in message and "application_interview" in message
    written = {row["interviewRefId"] for row in hub_assessments(sim)}
    assert written == {created_id(o.remote_id) for o in made}


def test_an_assessment_naming_no_interview_is_refused_for_good(sim, client) -> None:
    interview = hub_interview(sim.rows("JobApplication")[0])
    client.write("application_interview", [mapped("application_interview", interview)])
    good = mapped("interview_assessment", interview_result(interview, 90))
    nameless = {k: v for k, v in good.items() if k != "interviewSource"}

    ok, refused = client.write("interview_assessment", [good, nameless])

    assert ok.ok
    assert not refused.ok and not refused.retriable
    assert isinstance(refused.error, RecordRejected) and refused.error.field == "interviewSource"
    assert len(hub_assessments(sim)) == 1


# --- through the outbox ----------------------------------------------------------------------


def test_push_keeps_the_assessment_queued_until_its_interview_landed(sim, client, ledger) -> None:
    interview = hub_interview(sim.rows("JobApplication")[0])
    result = interview_result(interview, 78)
    enqueue_writes("successfactors", "interview_assessment", [result], ledger=ledger)

    early = push("successfactors", client=client, ledger=ledger)
    assert (early.claimed, early.landed, early.requeued, early.dead_letters) == (1, 0, 1, 0)
    [item] = ledger.outbox_items("successfactors", "interview_assessment")
    assert item.status == "pending" and item.attempts == 1
    assert "application_interview" in (item.last_error or "")
    assert ledger.dead_letters() == [] and hub_assessments(sim) == []

    enqueue_writes("successfactors", "application_interview", [interview], ledger=ledger)
    second = push("successfactors", client=client, ledger=ledger)
    [written] = ledger.outbox_items("successfactors", "application_interview")
    receipt = ledger.receipt_for(written.idempotency_key)
    assert receipt is not None, "the interview record was not written"
    assert second.dead_letters == 0
    if ledger.receipt_for(item.idempotency_key) is None:
        # Claimed ahead of the interview write in that push (it was queued first): one more.
        third = push("successfactors", client=client, ledger=ledger)
        assert (third.landed, third.requeued, third.dead_letters) == (1, 0, 0)
    assert ledger.receipt_for(item.idempotency_key) is not None
    assert ledger.dead_letters() == []
    [row] = hub_assessments(sim)
    assert row["interviewRefId"] == created_id(receipt.remote_id)


def test_the_flow_order_invite_then_score_lands_both_in_one_push(sim, client, ledger) -> None:
    apps = sim.rows("JobApplication")[:2]
    interviews = [hub_interview(app) for app in apps]
    enqueue_writes("successfactors", "application_interview", interviews, ledger=ledger)
    results = [interview_result(i, 81) for i in interviews]
    enqueue_writes("successfactors", "interview_assessment", results, ledger=ledger)

    summary = push("successfactors", client=client, ledger=ledger)

    assert (summary.landed, summary.requeued, summary.dead_letters) == (4, 0, 0)
    made = {
        row["source"]: row["applicationInterviewId"] for row in sim.rows("JobApplicationInterview")
    }
    assert {row["interviewRefId"] for row in hub_assessments(sim)} == {
        made[i["canonical_id"]] for i in interviews
    }


# --- read back by the daily reconciliation ---------------------------------------------------


def landed_sf_interviews(sim, client, ledger: Ledger, n: int) -> list[dict[str, Any]]:
    records = [hub_interview(app, hours=i) for i, app in enumerate(sim.rows("JobApplication")[:n])]
    enqueue_writes("successfactors", "application_interview", records, ledger=ledger)
    assert push("successfactors", client=client, ledger=ledger).landed == n
    return records


def sf_summary(summaries, operation: str):
    return next(s for s in summaries if s.operation == operation)


def test_deleted_interview_records_are_found_reopened_and_recreated_once(
    sim, client, ledger
) -> None:
    hub_ids = {r["canonical_id"] for r in landed_sf_interviews(sim, client, ledger, 5)}
    ours = [r for r in sim.rows("JobApplicationInterview") if r.get("source") in hub_ids]
    assert len(ours) == 5
    gone = ours[1:3]
    for row in gone:
        sim.delete("JobApplicationInterview", row["applicationInterviewId"])

    summaries = verify_target("successfactors", client, ledger)

    check = sf_summary(summaries, "application_interview")
    assert (check.landed, check.checked, check.absent) == (5, 5, 2)
    assert check.not_checked is None
    status = sf_summary(summaries, "application_status")
    assert status.not_checked and "offers no read-back" in status.not_checked
    reopened = [ledger.outbox_item(key) for key in check.reopened]
    assert {item.canonical_id for item in reopened} == {r["source"] for r in gone}
    assert all(item.status == "pending" for item in reopened)
    assert all(ledger.receipt_for(key) is None for key in check.reopened)
    entries = [e for e in ledger.audit_entries() if e.action == "write.reopened"]
    assert sorted(e.subject for e in entries) == sorted(r["source"] for r in gone)
    assert all("no longer holds JobApplicationInterview/" in e.data["reason"] for e in entries)
    assert ledger.verify_audit().ok

    assert push("successfactors", client=client, ledger=ledger).landed == 2
    sources = [r["source"] for r in sim.rows("JobApplicationInterview") if r["source"] in hub_ids]
    assert sorted(sources) == sorted(r["source"] for r in ours)  # each back, once
    again = sf_summary(verify_target("successfactors", client, ledger), "application_interview")
    assert (again.checked, again.absent) == (5, 0)


def test_read_back_refuses_what_it_cannot_check(client) -> None:
    with pytest.raises(ConfigError, match="cannot read back 'application_status'"):
        client.absent("application_status", ["JobApplication/applicationId=1"])
    with pytest.raises(DataContractError, match="not a JobApplicationComments key"):
        client.absent("comment", ["JobApplicationInterview/applicationInterviewId=1"])
    assert client.absent("comment", []) == set()
