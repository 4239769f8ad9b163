"""Bad input gets a clear outcome on that interview, and a person: never a crash, never a
silent score."""

from __future__ import annotations

import json
import math

import pytest

from hrhub.models import Decision, InterviewResult, Recommendation, Speaker, TranscriptSegment
from hrhub.scoring.interview import (
    CompetencyModel,
    ScoredInterview,
    load_competency_model,
    score_interview,
)

from .transcripts import ZH_STRONG, analysis

GARBLE = "����@@##$$%%^^&&**□□□■■����"
CLIPPED = "clipped: 12.5% of samples at full scale"
AUDIO = {"speech_rate_sps": 4.2, "pause_ratio": 0.18}


@pytest.fixture(scope="module")
def sales() -> CompetencyModel:
    return load_competency_model("sales")


def reasons(scored: ScoredInterview) -> list[str]:
    return [reason.split(":")[0] for reason in scored.result.review_reasons]


def assert_unscored(scored: ScoredInterview) -> None:
    result = scored.result
    assert not scored.scored and result.overall_score is None
    assert (result.decision, result.recommendation) == (Decision.HOLD, Recommendation.NO_DECISION)
    assert result.human_review and result.competency_scores == []
    assert "unscorable" in reasons(scored)
    assert "未能自动评分" in result.explanation
    InterviewResult.model_validate(json.loads(scored.to_json())["result"])


def test_an_empty_transcript_is_not_scored(sales: CompetencyModel) -> None:
    scored = score_interview(analysis({}), sales)
    assert_unscored(scored)
    assert reasons(scored) == ["empty_transcript", "unscorable"]
    assert scored.result.review_reasons[0] == (
        "empty_transcript: the transcript has no answer by the candidate"
    )


@pytest.mark.parametrize(
    "segment",
    [
        TranscriptSegment(
            question_id="q_sales", speaker=Speaker.INTERVIEWER, start_ms=0, end_ms=9, text="你好"
        ),
        TranscriptSegment(question_id="q_sales", start_ms=0, end_ms=9, text="  \n "),
    ],
    ids=["interviewer-only", "blank-text"],
)
def test_a_transcript_without_candidate_words_counts_as_empty(
    sales: CompetencyModel, segment: TranscriptSegment
) -> None:
    scored = score_interview(analysis({}, extra_segments=[segment]), sales)
    assert_unscored(scored)
    assert reasons(scored) == ["empty_transcript", "unscorable"]


def test_an_all_garbled_transcript_is_not_scored_and_says_which_answers(
    sales: CompetencyModel,
) -> None:
    scored = score_interview(
        analysis({"q_sales": GARBLE, "q_complaint": "æˆ‘åœ¨ä¸€å®¶å…¬å¸"}), sales
    )
    assert_unscored(scored)
    assert reasons(scored) == ["garbled_answer", "garbled_answer", "unscorable"]
    assert scored.result.review_reasons[0].startswith(
        "garbled_answer: q_complaint: mostly non-linguistic"
    )
    assert [a.garbled for a in scored.answers] == [True, True]


def test_one_garbled_answer_is_left_out_and_flagged(sales: CompetencyModel) -> None:
    scored = score_interview(analysis({**ZH_STRONG, "q_sales": GARBLE}), sales)
    assert scored.scored and scored.result.human_review
    assert reasons(scored) == ["garbled_answer"]
    sales_skill = {c.competency: c for c in scored.result.competency_scores}["sales_skill"]
    assert sales_skill.score == 0 and sales_skill.features["answered_questions"] == 0
    assert all(GARBLE not in e.quote for c in scored.result.competency_scores for e in c.evidence)


def test_a_missing_question_is_flagged_and_its_competencies_use_what_exists(
    sales: CompetencyModel,
) -> None:
    answers = {k: v for k, v in ZH_STRONG.items() if k != "q_sales"}
    scored = score_interview(analysis(answers), sales)
    result = scored.result
    assert scored.scored and result.human_review
    assert result.review_reasons == [
        "missing_answer: q_sales: no answer; its competencies are scored on the answers that exist"
    ]
    by_id = {c.competency: c for c in result.competency_scores}
    assert by_id["sales_skill"].score == 0  # only q_sales evidences it
    assert by_id["sales_skill"].features == {"mapped_questions": 1.0, "answered_questions": 0.0}
    focus = by_id["customer_focus"]
    assert focus.features["answered_questions"] == 1 and focus.features["mapped_questions"] == 2
    assert focus.score > 80 and focus.evidence  # scored on the complaint answer
    assert "以下问题没有有效回答：请介绍一次你超额完成销售目标的经历。" in result.explanation
    full = score_interview(analysis(ZH_STRONG), sales).result
    assert result.overall_score is not None and full.overall_score is not None
    assert result.overall_score < full.overall_score


def test_answers_to_unknown_questions_are_flagged_and_not_scored(sales: CompetencyModel) -> None:
    extra = [
        TranscriptSegment(
            question_id="q_hobby",
            start_ms=900_000,
            end_ms=910_000,
            text="我喜欢爬山，去年爬了10座山。",
        ),
        TranscriptSegment(
            question_id="q_pipeline",
            start_ms=911_000,
            end_ms=920_000,
            text="我用Airflow调度了数据管道。",
        ),
    ]
    scored = score_interview(analysis(ZH_STRONG, extra_segments=extra), sales)
    assert scored.result.review_reasons == [
        "unknown_question: q_hobby: not in the question bank; its answer is not scored",
        "unknown_question: q_pipeline: not a question of the sales rubric; "
        "its answer is not scored",
    ]
    plain = score_interview(analysis(ZH_STRONG), sales).result
    assert scored.result.competency_scores == plain.competency_scores
    assert scored.result.overall_score == plain.overall_score
    only_unknown = score_interview(analysis({}, extra_segments=extra), sales)
    assert_unscored(only_unknown)
    assert reasons(only_unknown) == ["unknown_question", "unknown_question", "unscorable"]


def test_an_audio_error_goes_to_a_person_and_the_audio_is_not_used(sales: CompetencyModel) -> None:
    consented = analysis(ZH_STRONG, audio_consent=True)
    scored = score_interview(consented, sales, audio=AUDIO, audio_error=CLIPPED)
    result = scored.result
    assert not result.audio_features_used and result.human_review
    assert result.review_reasons == [f"audio_error: {CLIPPED}; audio features not used"]
    assert f"audio features ignored: {CLIPPED}" in scored.notes
    text_only = score_interview(analysis(ZH_STRONG), sales).result
    assert result.competency_scores == text_only.competency_scores
    without_audio = score_interview(analysis(ZH_STRONG), sales, audio_error=CLIPPED).result
    assert without_audio.human_review and without_audio.review_reasons == result.review_reasons


def test_audio_values_that_are_no_numbers_are_ignored_with_a_note(sales: CompetencyModel) -> None:
    consented = analysis(ZH_STRONG, audio_consent=True)
    audio = {"speech_rate_sps": math.nan, "pause_ratio": None, "shimmer": 0.3}
    scored = score_interview(consented, sales, audio=audio)
    assert not scored.result.audio_features_used
    assert scored.notes == [
        "unknown audio feature 'shimmer' ignored",
        "audio feature 'speech_rate_sps' is not a finite number (nan): ignored",
        "no usable delivery feature (speech_rate_sps, pause_ratio)",
    ]
    half = score_interview(
        consented, sales, audio={"speech_rate_sps": 4.0, "pause_ratio": math.inf}
    )
    assert half.result.audio_features_used
    communication = {c.competency: c for c in half.result.competency_scores}["communication"]
    assert "pause_ratio" not in communication.features and communication.features["delivery"] == 1


def test_several_problems_at_once_are_all_listed_in_a_stable_order(sales: CompetencyModel) -> None:
    answers = {"q_complaint": ZH_STRONG["q_complaint"], "q_team": GARBLE}
    extra = [TranscriptSegment(question_id="q_x", start_ms=1, end_ms=2, text="随便说说。")]
    scored = score_interview(
        analysis(answers, opt_out=True, extra_segments=extra), sales, audio_error=CLIPPED
    )
    assert reasons(scored)[:1] == ["automated_decision_opt_out"]
    assert set(reasons(scored)) >= {
        "garbled_answer",
        "unknown_question",
        "missing_answer",
        "audio_error",
    }
    again = score_interview(
        analysis(answers, opt_out=True, extra_segments=extra), sales, audio_error=CLIPPED
    )
    assert again.to_json() == scored.to_json()
