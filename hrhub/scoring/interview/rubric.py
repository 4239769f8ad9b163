"""The rubric: an analysed interview and a family's competency model in, a scored result out.

Each competency is scored 0-100 from the answers to the questions the family maps to it:

    score = 100 * (INDICATOR_SHARE * indicators + QUALITY_SHARE * quality)

- indicators: distinct behavioural indicators of the competency found, INDICATORS_FOR_FULL of
  them count as full marks; each found one is quoted as evidence.
- quality: the mean, over the mapped answers, of an answer's STAR completeness, specificity,
  coherence, fluency (few fillers) and lexical diversity, weighted by QUALITY_WEIGHTS (STAR only
  for behavioural questions), times min(1, words / FULL_ANSWER_WORDS) so three fluent words
  are not a full answer.
- communication takes DELIVERY_WEIGHT from delivery (pace, pauses) when, and only when, the
  candidate consented to audio analysis and usable audio features were given.

The overall score is the weighted sum; the family's thresholds turn it into pass/hold/reject.
An interview that cannot be scored (no candidate answer, only garbled text, no answer to a
question of the rubric) gets no score at all and decision hold. Every problem with the input,
a candidate's opt-out of automated decisions and (by default) every reject send the result to
a person, with the reasons listed.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from hrhub.models import (
    DECISION_RECOMMENDATION,
    CompetencyScore,
    Decision,
    InterviewAnalysis,
    InterviewResult,
)
from hrhub.scoring.interview.answers import Answer, candidate_segments, read_answer
from hrhub.scoring.interview.audio import (
    DELIVERY_COMPETENCY,
    DELIVERY_WEIGHT,
    Delivery,
    delivery_from,
)
from hrhub.scoring.interview.competency_model import Competency, CompetencyModel
from hrhub.scoring.interview.consistency import (
    ClaimCheck,
    ResumeInput,
    check_claims,
    resume_claims,
)
from hrhub.scoring.interview.explain import CompetencyNote, explain
from hrhub.scoring.interview.features import AnswerFeatures, answer_features
from hrhub.scoring.interview.indicators import IndicatorHit, find_indicators
from hrhub.scoring.interview.questions import QUESTION_BANK
from hrhub.scoring.interview.versions import code_version, model_version

__all__ = [
    "FLOAT_DIGITS",
    "FULL_ANSWER_WORDS",
    "INDICATORS_FOR_FULL",
    "INDICATOR_SHARE",
    "QUALITY_SHARE",
    "QUALITY_WEIGHTS",
    "ScoredInterview",
    "answer_quality",
    "score_interview",
]

INDICATOR_SHARE = 0.45
QUALITY_SHARE = 0.55
INDICATORS_FOR_FULL = 2
FULL_ANSWER_WORDS = 20
QUALITY_WEIGHTS = {
    "star": 0.30,
    "specificity": 0.25,
    "coherence": 0.20,
    "fluency": 0.15,
    "diversity": 0.10,
}
SPECIFICITY_FOR_FULL = 10.0  # figures, durations and names per 100 words
FILLERS_FOR_ZERO = 12.0  # fillers per 100 words at which fluency is 0
MTLD_FOR_FULL = 80.0
QUESTION_OVERLAP_FOR_FULL = 0.4
SENTENCE_OVERLAP_FOR_FULL = 0.1
EVIDENCE_PER_COMPETENCY = 5
FLOAT_DIGITS = 4
"""Digits every float keeps in to_json(), so equal scores give equal bytes."""


@dataclass
class ScoredInterview:
    """The result record plus what it was computed from, for reviewers and the CLI."""

    result: InterviewResult
    language: str
    answers: list[AnswerFeatures] = field(default_factory=list)
    indicators: list[IndicatorHit] = field(default_factory=list)
    claims: list[ClaimCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def scored(self) -> bool:
        """False when the interview could not be scored at all (no overall score)."""
        return self.result.overall_score is not None

    @property
    def consistency_flags(self) -> list[ClaimCheck]:
        """Resume claims no answer supports."""
        return [claim for claim in self.claims if not claim.supported]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the result, per-answer features, resume claims, notes."""
        return {
            "result": self.result.model_dump(mode="json"),
            "language": self.language,
            "answers": [asdict(features) for features in self.answers],
            "indicators": [_hit_dict(hit) for hit in self.indicators],
            "resume_claims": [asdict(claim) for claim in self.claims],
            "consistency_flags": [asdict(claim) for claim in self.consistency_flags],
            "notes": list(self.notes),
        }

    def to_json(self) -> bytes:
        """Canonical UTF-8 JSON: sorted keys, floats rounded to FLOAT_DIGITS, no NaN."""
        return json.dumps(
            _rounded(self.to_dict()),
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
        ).encode("utf-8")


def _hit_dict(hit: IndicatorHit) -> dict[str, Any]:
    return {
        "competency": hit.competency,
        "indicator": hit.indicator,
        "phrase": hit.phrase,
        "evidence": hit.evidence.model_dump(mode="json"),
    }


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, FLOAT_DIGITS) + 0.0  # + 0.0 turns -0.0 into 0.0
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    return value


def score_interview(
    analysis: InterviewAnalysis,
    model: CompetencyModel,
    *,
    resume: ResumeInput | None = None,
    audio: Mapping[str, float | int | None] | None = None,
    audio_error: str | None = None,
    scored_at: datetime | None = None,
) -> ScoredInterview:
    """Score one analysed interview with a family's rubric (see the module docstring).

    `resume` (a parsed resume) only adds consistency flags; `audio` features count only with
    the candidate's audio consent; `audio_error` says the recording was unusable. `scored_at`
    defaults to when the interview ended (never the wall clock), so scoring is repeatable.
    """
    review: list[str] = []
    notes: list[str] = []
    if analysis.consent.automated_decision_opt_out:
        review.append(
            "automated_decision_opt_out: the candidate refused decisions made solely by "
            "automation (PIPL art. 24)"
        )
    grouped = candidate_segments(analysis.segments)
    answers = {qid: read_answer(qid, segs, analysis.language) for qid, segs in grouped.items()}
    features = {qid: answer_features(answer) for qid, answer in answers.items()}
    language = _interview_language(analysis.language, answers)
    usable = _usable_answers(answers, features, model, review)
    if audio_error:
        review.append(f"audio_error: {audio_error}; audio features not used")
    delivery = delivery_from(audio, consent=analysis.consent.audio_consent, audio_error=audio_error)
    notes += delivery.notes
    claims: list[ClaimCheck] = []
    if resume is not None:
        found, claim_notes = resume_claims(resume)
        claims = check_claims(found, usable)
        notes += claim_notes

    if usable:
        outcome = _apply_rubric(model, usable, features, delivery)
        if outcome.decision is Decision.REJECT and model.review_rejects:
            review.append("reject: the family's review policy sends every reject to a person")
    else:
        if not grouped:
            review.append("empty_transcript: the transcript has no answer by the candidate")
        review.append("unscorable: no usable answer to a question of the rubric; not scored")
        outcome = _Outcome(overall=None, decision=Decision.HOLD)
        delivery = Delivery(used=False)

    scored_at = scored_at or analysis.completed_at or analysis.modified_at
    explanation = explain(
        language=language,
        overall=outcome.overall,
        decision=outcome.decision,
        model=model,
        notes=outcome.notes,
        missing=_missing_questions(model, usable),
        audio_used=delivery.used,
        review=review,
    )
    result = InterviewResult(
        source_system="hrhub",
        remote_id=analysis.remote_id,
        modified_at=scored_at,
        interview_id=analysis.interview_id,
        application_id=analysis.application_id,
        candidate_id=analysis.candidate_id,
        competency_scores=outcome.scores,
        overall_score=outcome.overall,
        recommendation=DECISION_RECOMMENDATION[outcome.decision],
        decision=outcome.decision,
        human_review=bool(review),
        review_reasons=review,
        explanation=explanation,
        rubric_version=model.rubric_version,
        model_version=model_version(),
        code_version=code_version(),
        audio_features_used=delivery.used,
        scored_at=scored_at,
    )
    return ScoredInterview(
        result=result,
        language=language,
        answers=[features[qid] for qid in sorted(features)],
        indicators=outcome.hits,
        claims=claims,
        notes=notes,
    )


@dataclass
class _Outcome:
    """What the rubric made of the usable answers."""

    overall: float | None
    decision: Decision
    scores: list[CompetencyScore] = field(default_factory=list)
    notes: list[CompetencyNote] = field(default_factory=list)
    hits: list[IndicatorHit] = field(default_factory=list)


def _apply_rubric(
    model: CompetencyModel,
    usable: Mapping[str, Answer],
    features: Mapping[str, AnswerFeatures],
    delivery: Delivery,
) -> _Outcome:
    """Every competency scored, the weighted overall score and its decision."""
    outcome = _Outcome(overall=None, decision=Decision.HOLD)
    for competency in model.competencies:
        score, note, hits = _score_competency(competency, model, usable, features, delivery)
        outcome.scores.append(score)
        outcome.notes.append(note)
        outcome.hits += hits
    overall = round(sum(s.score * s.weight for s in outcome.scores), 2)
    outcome.overall, outcome.decision = overall, _decide(overall, model)
    return outcome


def _usable_answers(
    answers: dict[str, Answer],
    features: dict[str, AnswerFeatures],
    model: CompetencyModel,
    review: list[str],
) -> dict[str, Answer]:
    """The answers the rubric scores; each one it cannot use becomes a review reason."""
    usable: dict[str, Answer] = {}
    for qid in sorted(answers):
        feature = features[qid]
        if qid not in model.question_map:
            why = (
                f"not a question of the {model.family} rubric"
                if qid in QUESTION_BANK
                else "not in the question bank"
            )
            review.append(f"unknown_question: {qid}: {why}; its answer is not scored")
        elif feature.garbled:
            review.append(
                f"garbled_answer: {qid}: mostly non-linguistic characters "
                f"({feature.linguistic_ratio:.0%} letters); not scored"
            )
        else:
            usable[qid] = answers[qid]
    if usable:
        for qid in model.question_map:
            if qid not in usable and qid not in answers:
                review.append(
                    f"missing_answer: {qid}: no answer; its competencies are scored on the "
                    "answers that exist"
                )
    return usable


def _missing_questions(model: CompetencyModel, usable: Mapping[str, Answer]) -> list[str]:
    return [qid for qid in model.question_map if qid not in usable]


def answer_quality(features: AnswerFeatures, behavioural: bool) -> tuple[float, dict[str, float]]:
    """0-1 quality of one answer and its parts (see the module docstring)."""
    parts: dict[str, float] = {
        "specificity": min(1.0, features.specificity_per_100 / SPECIFICITY_FOR_FULL),
        "fluency": max(0.0, 1.0 - features.filler_per_100 / FILLERS_FOR_ZERO),
        "diversity": min(1.0, features.mtld / MTLD_FOR_FULL),
    }
    if behavioural:
        parts["star"] = features.star_count / 4
    coherence = _coherence(features)
    if coherence is not None:
        parts["coherence"] = coherence
    total = sum(QUALITY_WEIGHTS[name] for name in parts)
    quality = sum(QUALITY_WEIGHTS[name] * value for name, value in parts.items()) / total
    quality *= min(1.0, features.words / FULL_ANSWER_WORDS)
    return quality, parts


def _coherence(features: AnswerFeatures) -> float | None:
    parts = []
    if features.question_overlap is not None:
        parts.append((0.7, min(1.0, features.question_overlap / QUESTION_OVERLAP_FOR_FULL)))
    if features.sentence_overlap is not None:
        parts.append((0.3, min(1.0, features.sentence_overlap / SENTENCE_OVERLAP_FOR_FULL)))
    if not parts:
        return None
    return sum(w * v for w, v in parts) / sum(w for w, _ in parts)


def _score_competency(
    competency: Competency,
    model: CompetencyModel,
    usable: Mapping[str, Answer],
    features: Mapping[str, AnswerFeatures],
    delivery: Delivery,
) -> tuple[CompetencyScore, CompetencyNote, list[IndicatorHit]]:
    """Score, explanation note and indicator hits of one competency (module docstring)."""
    mapped = model.questions_for(competency.id)
    answered = [qid for qid in mapped if qid in usable]
    weight = competency.weight / 100
    base = {"mapped_questions": float(len(mapped)), "answered_questions": float(len(answered))}
    if not answered:
        note = CompetencyNote(competency.id, 0.0, weak="unanswered")
        unanswered = CompetencyScore(
            competency=competency.id, score=0.0, weight=weight, features=base
        )
        return unanswered, note, []
    hits = find_indicators(competency, usable, tuple(answered))
    indicators = min(1.0, len(hits) / INDICATORS_FOR_FULL)
    qualities = [answer_quality(features[q], QUESTION_BANK[q].behavioural)[0] for q in answered]
    quality = sum(qualities) / len(qualities)
    score = 100 * (INDICATOR_SHARE * indicators + QUALITY_SHARE * quality)
    measured = _mean_features([features[qid] for qid in answered])
    measured.update(base)
    measured.update(
        indicators_found=float(len(hits)),
        indicators_total=float(len(competency.indicators)),
        answer_quality=quality,
    )
    if competency.id == DELIVERY_COMPETENCY and delivery.used and delivery.score is not None:
        score = (1 - DELIVERY_WEIGHT) * score + DELIVERY_WEIGHT * 100 * delivery.score
        measured["delivery"] = delivery.score
        measured.update(delivery.features)
    score = round(min(100.0, max(0.0, score)), 2)
    evidence = list(
        {(h.evidence.question_id, h.evidence.quote): h.evidence for h in hits}.values()
    )[:EVIDENCE_PER_COMPETENCY]  # one quote may show several indicators: keep it once
    note = CompetencyNote(
        competency.id,
        score,
        quote=evidence[0].quote if evidence else None,
        weak=_weakness(hits, [features[qid] for qid in answered], answered),
    )
    return (
        CompetencyScore(
            competency=competency.id,
            score=score,
            weight=weight,
            evidence=evidence,
            features=measured,
        ),
        note,
        hits,
    )


def _mean_features(answers: list[AnswerFeatures]) -> dict[str, float]:
    """Means over the answers of the features a reviewer reads (None-valued ones skipped)."""
    names = (
        "star_count",
        "specificity_per_100",
        "filler_per_100",
        "mtld",
        "question_overlap",
        "sentence_overlap",
        "words",
    )
    means: dict[str, float] = {}
    for name in names:
        values = [getattr(a, name) for a in answers if getattr(a, name) is not None]
        if values:
            means[name] = float(sum(values) / len(values))
    return {k: v for k, v in means.items() if math.isfinite(v)}


def _weakness(
    hits: list[IndicatorHit], answers: list[AnswerFeatures], answered: list[str]
) -> str | None:
    """The main thing missing, as a key explain() words for the candidate (most useful first)."""
    behavioural = [
        a for a, qid in zip(answers, answered, strict=True) if QUESTION_BANK[qid].behavioural
    ]
    if behavioural and not all(a.star.get("result") for a in behavioural):
        return "no_result"
    if sum(a.filler_per_100 for a in answers) / len(answers) > FILLERS_FOR_ZERO / 3:
        return "fillers"
    if sum(a.specificity_per_100 for a in answers) / len(answers) < SPECIFICITY_FOR_FULL / 2:
        return "vague"
    if any(a.words < FULL_ANSWER_WORDS for a in answers):
        return "short"
    if behavioural and not all(a.star_count >= 3 for a in behavioural):
        return "structure"
    if not hits:
        return "no_indicator"
    return None


def _decide(overall: float, model: CompetencyModel) -> Decision:
    if overall >= model.pass_at:
        return Decision.PASS
    if overall >= model.hold_at:
        return Decision.HOLD
    return Decision.REJECT


def _interview_language(declared: str | None, answers: Mapping[str, Answer]) -> str:
    """Language of the explanation: the interview's declared one, else most answers'."""
    if declared and declared.split("-")[0].lower() in ("zh", "en"):
        return declared.split("-")[0].lower()
    counts = Counter(answer.language for answer in answers.values())
    if not counts:
        return "zh"  # the hub's default audience; nothing was said to tell otherwise
    return max(sorted(counts), key=lambda lang: counts[lang])
