"""The human review gate: held results stay out of the outbox until a person decides."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from hrhub.cli import app
from hrhub.flow.review import decide, hold_for_review, pending_reviews
from hrhub.ledger import Ledger
from hrhub.ledger.tables import ReviewStateError
from hrhub.mapping import load_mapping
from hrhub.models import InterviewResult

RESULT_ID = "hrhub:interview_result:iv-7"


def _result() -> InterviewResult:
    return InterviewResult(
        source_system="hrhub",
        remote_id="iv-7",
        modified_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        interview_id="successfactors:interview:7001",
        application_id="successfactors:application:501",
        candidate_id="yonyou:candidate:A88",
        overall_score=48.0,
        recommendation="NO",
        human_review=True,
        review_reasons=["reject: the family's review policy sends every reject to a person"],
        explanation="Answers lacked a result; below the family's pass line.",
        rubric_version="sales-2026.1",
        model_version="m1",
        scored_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
    )


def _hold(ledger: Ledger) -> InterviewResult:
    result = _result()
    canonical = result.model_dump(mode="json")
    writes = []
    for system, operation in (
        ("successfactors", "interview_assessment"),
        ("yonyou", "nc_interview_result"),
    ):
        mapping = load_mapping(system, operation, "out")
        payload = mapping.apply(canonical, record_id=RESULT_ID)
        writes.append((system, operation, RESULT_ID, payload, mapping.version))
    assert hold_for_review(ledger, result, payloads=writes) is True
    assert hold_for_review(ledger, result, payloads=writes) is False  # retried run
    return result


def _outbox(ledger: Ledger) -> dict[str, dict]:
    return {
        system: {item.entity: item.payload for item in ledger.claim(system, 10)}
        for system in ("successfactors", "yonyou")
    }


def test_held_writes_stay_out_until_approved(ledger: Ledger) -> None:
    _hold(ledger)
    assert _outbox(ledger) == {"successfactors": {}, "yonyou": {}}
    [review] = pending_reviews(ledger)
    assert (review.result_id, review.candidate_id, review.proposed_decision) == (
        RESULT_ID,
        "yonyou:candidate:A88",
        "reject",
    )
    assert review.reasons[0].startswith("reject:") and review.writes == 2

    outcome = decide(ledger, RESULT_ID, decision="approve", by="hr.li", reason="agree")

    assert outcome.status == "approved" and len(outcome.queued) == 2
    out = _outbox(ledger)
    assert out["yonyou"]["nc_interview_result"]["result"] == "2"
    assert out["successfactors"]["interview_assessment"]["overallRating"] == "NOT_RECOMMEND"
    assert pending_reviews(ledger) == []
    [entry] = ledger.audit_entries()
    assert (entry.actor, entry.action, entry.subject) == (
        "hr.li",
        "review.approved",
        f"review:{RESULT_ID}",
    )
    assert entry.data["before"] == entry.data["after"]


def test_change_rewrites_decision_and_score_in_the_payloads(ledger: Ledger) -> None:
    _hold(ledger)
    outcome = decide(
        ledger,
        RESULT_ID,
        decision="change",
        by="hr.li",
        reason="strong result in the sales answer the model missed",
        new_decision="pass",
        new_score=82,
    )
    assert outcome.before == {"decision": "reject", "recommendation": "NO", "overall_score": 48.0}
    assert outcome.after == {"decision": "pass", "recommendation": "YES", "overall_score": 82.0}
    out = _outbox(ledger)
    nc = out["yonyou"]["nc_interview_result"]
    sf = out["successfactors"]["interview_assessment"]
    assert (nc["result"], nc["score"]) == ("1", 82.0)
    assert (sf["overallRating"], sf["averageRating"]) == ("RECOMMEND", pytest.approx(4.1))
    assert nc["evaluation"].startswith("Answers lacked")  # what was not changed stays
    [entry] = ledger.audit_entries()
    assert (
        entry.data["before"]["decision"] == "reject" and entry.data["after"]["decision"] == "pass"
    )


def test_reject_writes_nothing_and_a_second_decision_is_refused(ledger: Ledger) -> None:
    _hold(ledger)
    outcome = decide(ledger, RESULT_ID, decision="reject", by="hr.li", reason="wrong candidate")
    assert outcome.status == "rejected" and outcome.queued == []
    assert _outbox(ledger) == {"successfactors": {}, "yonyou": {}}
    with pytest.raises(ReviewStateError, match=r"already decided \(rejected by hr\.li"):
        decide(ledger, RESULT_ID, decision="approve", by="hr.zhao", reason="override")
    assert _outbox(ledger) == {"successfactors": {}, "yonyou": {}}
    assert len(ledger.audit_entries()) == 1
    assert ledger.verify_audit().ok


def test_bad_decisions_are_clear_errors(ledger: Ledger) -> None:
    _hold(ledger)
    with pytest.raises(ValueError, match="'change' needs the new decision"):
        decide(ledger, RESULT_ID, decision="change", by="a", reason="b")
    with pytest.raises(ValueError, match="field 'overall_score'"):
        decide(
            ledger,
            RESULT_ID,
            decision="change",
            by="a",
            reason="b",
            new_decision="pass",
            new_score=130,
        )
    with pytest.raises(ValueError, match="a reason is required"):
        decide(ledger, RESULT_ID, decision="approve", by="a", reason=" ")
    with pytest.raises(ReviewStateError, match="no such review"):
        decide(ledger, "hrhub:interview_result:nope", decision="approve", by="a", reason="b")
    assert len(pending_reviews(ledger)) == 1 and ledger.audit_entries() == []
    no_review = _result().model_copy(update={"human_review": False, "review_reasons": []})
    with pytest.raises(ValueError, match="does not need review"):
        hold_for_review(ledger, no_review, payloads=[])


def test_cli_list_and_decide(ledger: Ledger) -> None:
    _hold(ledger)
    runner = CliRunner()
    listed = runner.invoke(app, ["review", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [r["result_id"] for r in json.loads(listed.stdout)] == [RESULT_ID]

    args = ["review", "decide", RESULT_ID, "--change", "hold", "--by", "hr.li", "--reason", "ask"]
    decided = runner.invoke(app, [*args, "--json"])
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.stdout)["after"]["decision"] == "hold"
    assert _outbox(ledger)["yonyou"]["nc_interview_result"]["result"] == "3"

    twice = runner.invoke(app, args)
    assert twice.exit_code == 2 and "already decided" in twice.output
    both = runner.invoke(
        app, ["review", "decide", RESULT_ID, "--approve", "--reject", "--by", "a", "--reason", "b"]
    )
    assert both.exit_code == 2 and "exactly one of" in both.output
    assert ledger.verify_audit().ok


@pytest.mark.parametrize(("choice", "stage"), [("approve", "scored"), ("reject", "interviewed")])
def test_a_decision_moves_the_application_out_of_review(
    ledger: Ledger, choice: str, stage: str
) -> None:
    from hrhub.ledger import StageInput
    from hrhub.models import Application

    application = Application(
        source_system="successfactors",
        remote_id="501",
        modified_at=datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
        candidate_id="successfactors:candidate:88",
        job_id="successfactors:job:3",
    )
    ledger.stage([StageInput.of(application)], batch_id="apps")
    ledger.set_stage([application.canonical_id], "in_review")
    _hold(ledger)
    decide(ledger, RESULT_ID, decision=choice, by="hr.li", reason="looked at it")
    [record] = ledger.get_records([application.canonical_id])
    assert record.stage == stage
