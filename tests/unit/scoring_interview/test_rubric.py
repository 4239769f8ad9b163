"""The rubric end to end: strong beats weak with quotes, decisions, consent, review, bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hrhub.models import Decision, InterviewResult, Recommendation
from hrhub.scoring.interview import (
    FAMILIES_DIR,
    CompetencyModel,
    load_competency_model,
    score_interview,
)

from .transcripts import (
    CST,
    EN_PIPELINE_STRONG,
    EN_STRONG,
    EN_WEAK,
    ENDED,
    ZH_PIPELINE_STRONG,
    ZH_STRONG,
    ZH_WEAK,
    analysis,
)

AUDIO = {
    "speech_rate_sps": 4.2,
    "articulation_rate_sps": 5.0,
    "pause_ratio": 0.18,
    "pause_count": 14,
    "pitch_median_hz": 180.0,
    "pitch_variability_st": 2.5,
    "loudness_variability_db": 4.0,
    "duration_s": 240.0,
}
HALTING = {**AUDIO, "speech_rate_sps": 0.5, "pause_ratio": 0.7}  # far outside both ranges


@pytest.fixture(scope="module")
def sales() -> CompetencyModel:
    return load_competency_model("sales")


def custom(tmp_path: Path, family: str, old: str, new: str) -> CompetencyModel:
    text = (FAMILIES_DIR / f"{family}.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / f"{family}.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_competency_model(path)


def transcript_text(answers: dict[str, str]) -> str:
    return "\n".join(answers.values())


@pytest.mark.parametrize(
    ("strong", "weak", "language"),
    [(ZH_STRONG, ZH_WEAK, "zh-CN"), (EN_STRONG, EN_WEAK, "en")],
)
def test_a_strong_interview_scores_clearly_higher_with_quotes_as_evidence(
    sales: CompetencyModel, strong: dict, weak: dict, language: str
) -> None:
    good = score_interview(analysis(strong, language=language), sales).result
    poor = score_interview(analysis(weak, language=language), sales).result
    assert good.overall_score is not None and poor.overall_score is not None
    assert good.overall_score >= 75 and poor.overall_score <= 30
    assert good.overall_score - poor.overall_score >= 50
    assert (good.decision, good.recommendation) == (Decision.PASS, Recommendation.YES)
    assert (poor.decision, poor.recommendation) == (Decision.REJECT, Recommendation.NO)
    spoken = transcript_text(strong)
    by_id = {c.competency: c for c in good.competency_scores}
    assert set(by_id) == {"sales_skill", "communication", "customer_focus", "motivation"}
    for competency in good.competency_scores:
        assert competency.evidence, competency.competency
        assert (
            competency.score
            > {c.competency: c for c in poor.competency_scores}[competency.competency].score
        )
        for evidence in competency.evidence:
            assert evidence.quote in spoken  # verbatim
            assert evidence.question_id in sales.questions_for(competency.competency)
            assert evidence.start_ms is not None and evidence.end_ms is not None
            assert evidence.start_ms <= evidence.end_ms
        assert competency.features["answered_questions"] >= 1
    weights = {c.competency: c.weight for c in good.competency_scores}
    assert weights == {
        "sales_skill": 0.4,
        "communication": 0.3,
        "customer_focus": 0.2,
        "motivation": 0.1,
    }
    expected = sum(c.score * c.weight for c in good.competency_scores)
    assert good.overall_score == pytest.approx(expected, abs=0.01)


def test_empathy_and_a_solution_are_quoted_for_customer_service() -> None:
    model = load_competency_model("customer_service")
    scored = score_interview(analysis(ZH_STRONG), model)
    result = scored.result
    scores = {c.competency: c for c in result.competency_scores}
    hits = {(h.competency, h.indicator): h for h in scored.indicators}
    empathy = hits[("customer_focus", "empathy")]
    assert (
        empathy.phrase in empathy.evidence.quote and empathy.evidence.question_id == "q_complaint"
    )
    assert hits[("problem_solving", "root_cause")].phrase == "根因"
    for hit in scored.indicators:  # every hit is quoted under its competency
        assert hit.evidence in scores[hit.competency].evidence
    assert any("理解您的心情" in e.quote for e in scores["customer_focus"].evidence)
    assert any("根因" in e.quote for e in scores["problem_solving"].evidence)
    assert any("解决方案" in e.quote for e in scores["problem_solving"].evidence)


@pytest.mark.parametrize(
    ("pipeline", "language"), [(ZH_PIPELINE_STRONG, "zh-CN"), (EN_PIPELINE_STRONG, "en")]
)
def test_data_engineering_scores_technical_depth_from_the_pipeline_answer(
    pipeline: str, language: str
) -> None:
    model = load_competency_model("data_engineering")
    answers = {"q_pipeline": pipeline}
    strong = score_interview(analysis(answers, language=language), model)
    depth = {c.competency: c for c in strong.result.competency_scores}["technical_depth"]
    assert depth.score >= 85 and depth.features["indicators_found"] == 4
    assert len(depth.evidence) >= 2  # one sentence showing several indicators is quoted once
    assert any("Kafka" in e.quote for e in depth.evidence)
    vague = {"q_pipeline": "嗯，就是，那个，做过一个数据的东西，然后还行吧。"}
    weak = score_interview(analysis(vague), model).result
    assert {c.competency: c for c in weak.competency_scores}["technical_depth"].score < 30


def test_decisions_follow_the_familys_configurable_thresholds(
    tmp_path: Path, sales: CompetencyModel
) -> None:
    strong = analysis(ZH_STRONG)
    assert score_interview(strong, sales).result.decision is Decision.PASS
    strict = custom(tmp_path, "sales", "  pass: 70\n", "  pass: 99\n")
    held = score_interview(strong, strict).result
    assert (held.decision, held.recommendation) == (Decision.HOLD, Recommendation.NO_DECISION)
    assert not held.human_review  # a hold alone needs no person
    assert held.rubric_version != score_interview(strong, sales).result.rubric_version
    lenient = custom(tmp_path, "sales", "  hold: 50\n", "  hold: 5\n")
    assert score_interview(analysis(ZH_WEAK), lenient).result.decision is Decision.HOLD


def test_every_reject_goes_to_a_person_unless_the_family_says_otherwise(
    tmp_path: Path, sales: CompetencyModel
) -> None:
    rejected = score_interview(analysis(EN_WEAK, language="en"), sales).result
    assert rejected.decision is Decision.REJECT and rejected.human_review
    assert rejected.review_reasons == [
        "reject: the family's review policy sends every reject to a person"
    ]
    trusting = custom(tmp_path, "sales", "review_rejects: true", "review_rejects: false")
    again = score_interview(analysis(EN_WEAK, language="en"), trusting).result
    assert again.decision is Decision.REJECT and not again.human_review and not again.review_reasons


def test_an_opt_out_of_automated_decisions_goes_to_a_person(sales: CompetencyModel) -> None:
    result = score_interview(analysis(ZH_STRONG, opt_out=True), sales).result
    assert result.decision is Decision.PASS and result.human_review
    assert result.review_reasons[0].startswith("automated_decision_opt_out:")
    assert "人工确认" in result.explanation
    plain = score_interview(analysis(ZH_STRONG), sales).result
    assert not plain.human_review and plain.review_reasons == []


def test_audio_is_ignored_without_consent_even_when_passed(sales: CompetencyModel) -> None:
    without = score_interview(analysis(ZH_STRONG), sales)
    passed = score_interview(analysis(ZH_STRONG), sales, audio=HALTING)
    assert not passed.result.audio_features_used
    assert passed.result.competency_scores == without.result.competency_scores
    assert "audio features ignored: no audio consent" in passed.notes
    for competency in passed.result.competency_scores:
        assert not set(competency.features) & set(AUDIO)
    assert "未分析语音" in passed.result.explanation


def test_with_consent_pace_and_pauses_weigh_a_little_in_communication_only(
    sales: CompetencyModel,
) -> None:
    text_only = {
        c.competency: c.score
        for c in score_interview(analysis(ZH_STRONG), sales).result.competency_scores
    }
    good = score_interview(analysis(ZH_STRONG, audio_consent=True), sales, audio=AUDIO).result
    poor = score_interview(analysis(ZH_STRONG, audio_consent=True), sales, audio=HALTING).result
    assert good.audio_features_used and poor.audio_features_used
    good_scores = {c.competency: c for c in good.competency_scores}
    poor_scores = {c.competency: c for c in poor.competency_scores}
    communication = good_scores["communication"]
    assert (
        communication.features["speech_rate_sps"] == 4.2
        and communication.features["delivery"] == 1.0
    )
    assert "pitch_median_hz" not in communication.features  # never scored
    expected = 0.9 * text_only["communication"] + 0.1 * 100
    assert communication.score == pytest.approx(expected, abs=0.01)
    assert poor_scores["communication"].features["delivery"] == 0.0
    assert good_scores["communication"].score - poor_scores["communication"].score == pytest.approx(
        10, abs=0.02
    )
    for name in ("sales_skill", "customer_focus", "motivation"):
        assert good_scores[name].score == poor_scores[name].score == text_only[name]
    assert "语速、停顿" in good.explanation


def test_the_same_interview_scored_twice_gives_the_same_bytes(sales: CompetencyModel) -> None:
    first = score_interview(analysis(ZH_STRONG, audio_consent=True), sales, audio=AUDIO).to_json()
    second = score_interview(analysis(ZH_STRONG, audio_consent=True), sales, audio=AUDIO).to_json()
    assert first == second
    document = json.loads(first)
    assert list(document) == sorted(document)
    assert "理解您的心情" in first.decode("utf-8")  # ensure_ascii=False
    assert (
        first
        == json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    )
    result = InterviewResult.model_validate(document["result"])
    assert result.scored_at == ENDED  # when the interview ended, not the wall clock
    assert set(document) == {
        "answers",
        "indicators",
        "resume_claims",
        "consistency_flags",
        "notes",
        "language",
        "result",
    }


def test_floats_are_rounded_in_the_canonical_bytes(sales: CompetencyModel) -> None:
    document = json.loads(score_interview(analysis(EN_STRONG, language="en"), sales).to_json())

    def floats(value):
        if isinstance(value, float):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from floats(item)
        elif isinstance(value, list):
            for item in value:
                yield from floats(item)

    found = list(floats(document))
    assert found and all(round(x, 4) == x for x in found)


def test_scored_at_can_be_given_and_every_version_is_stamped(sales: CompetencyModel) -> None:
    when = datetime(2026, 3, 3, 9, 0, tzinfo=CST)
    result = score_interview(analysis(ZH_STRONG), sales, scored_at=when).result
    assert result.scored_at == when == result.modified_at
    assert result.rubric_version == sales.rubric_version
    assert result.rubric_version.startswith("sales@1.0+") and len(result.rubric_version) == 18
    assert result.model_version.startswith("hrhub-interview-rules 1.0 (spacy 3.8")
    assert "jieba" in result.model_version
    assert result.code_version == "hrhub 0.1.0"
    assert result.canonical_id == "hrhub:interview_result:sess-1"
    assert result.scored_at - ENDED == timedelta(hours=17, minutes=20)


def test_the_explanation_speaks_the_interviews_language(sales: CompetencyModel) -> None:
    zh = score_interview(analysis(ZH_STRONG), sales).result.explanation
    assert zh.startswith("本次面试综合得分") and "通过" in zh and "例如您提到“" in zh
    en = score_interview(analysis(EN_WEAK, language="en"), sales).result.explanation
    assert en.startswith("Overall score") and "not passed" in en and "To improve:" in en
    assert "did not state an outcome" in en and "A recruiter will review" in en
    undeclared = score_interview(analysis(EN_STRONG, language=None), sales).result.explanation
    assert undeclared.startswith("Overall score")
    for text in (zh, en):
        assert "MTLD" not in text and "jaccard" not in text.lower()


SCORE_IN_A_SUBPROCESS = """
import sys
from tests.unit.scoring_interview.transcripts import ZH_STRONG, analysis
from hrhub.scoring.interview import load_competency_model, score_interview
scored = score_interview(analysis(ZH_STRONG), load_competency_model("sales"))
sys.stdout.write(scored.to_json().hex())
"""


def test_the_bytes_do_not_depend_on_the_process_hash_seed(sales: CompetencyModel) -> None:
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONHASHSEED": "12345", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", SCORE_IN_A_SUBPROCESS],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert bytes.fromhex(done.stdout) == score_interview(analysis(ZH_STRONG), sales).to_json()
