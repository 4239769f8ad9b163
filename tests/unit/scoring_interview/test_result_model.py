"""The fields issue 8 adds to InterviewResult and the rules that tie them together."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from hrhub.models import DECISION_RECOMMENDATION, Decision, InterviewResult, Recommendation

from .transcripts import ENDED


def result(**fields: Any) -> InterviewResult:
    base: dict[str, Any] = {
        "source_system": "hrhub",
        "remote_id": "s1",
        "modified_at": ENDED,
        "interview_id": "hrhub:interview:A1-1",
        "application_id": "successfactors:application:A1",
        "candidate_id": "successfactors:candidate:C1",
        "overall_score": 80.0,
        "recommendation": "YES",
        "explanation": "Clear answers.",
        "rubric_version": "sales@1.0+0123abcd",
        "model_version": "rules 1.0",
    }
    return InterviewResult(**{**base, **fields})


def test_decision_maps_to_the_recommendation_and_is_derived_when_omitted() -> None:
    assert DECISION_RECOMMENDATION == {
        Decision.PASS: Recommendation.YES,
        Decision.HOLD: Recommendation.NO_DECISION,
        Decision.REJECT: Recommendation.NO,
    }
    assert [d.value for d in Decision] == ["pass", "hold", "reject"]
    assert result().decision is Decision.PASS
    assert result(recommendation="STRONG_NO").decision is Decision.REJECT
    assert result(recommendation="NO_DECISION").decision is Decision.HOLD
    assert result().code_version is None and result().human_review is False


def test_a_decision_contradicting_the_recommendation_is_rejected() -> None:
    with pytest.raises(ValidationError, match="decision 'reject' contradicts recommendation 'YES'"):
        result(decision="reject")
    with pytest.raises(ValidationError) as info:
        result(decision="maybe")
    assert "decision" in {str(p) for e in info.value.errors() for p in e["loc"]}


def test_human_review_and_its_reasons_go_together() -> None:
    assert result(human_review=True, review_reasons=["reject: policy"]).human_review
    with pytest.raises(ValidationError, match="human_review needs at least one"):
        result(human_review=True)
    with pytest.raises(ValidationError, match="review_reasons given but human_review is false"):
        result(review_reasons=["audio_error: clipped"])


def test_no_overall_score_only_as_a_hold_for_a_person() -> None:
    unscored = result(
        overall_score=None,
        recommendation="NO_DECISION",
        human_review=True,
        review_reasons=["empty_transcript: nothing said"],
    )
    assert unscored.overall_score is None and unscored.decision is Decision.HOLD
    with pytest.raises(
        ValidationError, match="without overall_score must be hold and human_review"
    ):
        result(overall_score=None, recommendation="NO_DECISION")
    with pytest.raises(ValidationError, match="without overall_score"):
        result(overall_score=None, human_review=True, review_reasons=["x: y"])
    with pytest.raises(ValidationError) as info:
        result(overall_score=101)
    assert "overall_score" in {str(p) for e in info.value.errors() for p in e["loc"]}
