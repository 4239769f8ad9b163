"""Interview scoring (issue 8): competency models per job family, transcript features, rubric.

`load_competency_model("sales")` reads a family rubric (``families/*.yaml``, checked against
``competency_model.schema.json``; mistakes raise `CompetencyModelError` with file:line).
`score_interview(analysis, model, resume=..., audio=...)` reads the candidate's answers with
spaCy (Chinese via jieba, English), measures STAR structure, fillers, lexical diversity,
coherence and specificity, quotes the behavioural indicators it finds, and returns a
`ScoredInterview`: the canonical `InterviewResult` (scores with evidence, decision, reasons for
human review, explanation, versions) plus the per-answer features and resume-claim checks,
with `to_json()` giving the same bytes for the same input. Pure library: no Airflow, no
connectors, no clock; spaCy loads on first use.
"""

from __future__ import annotations

from hrhub.scoring.interview.answers import Answer, Sentence, candidate_segments, read_answer
from hrhub.scoring.interview.audio import AUDIO_KEYS, Delivery, delivery_from
from hrhub.scoring.interview.competency_model import (
    FAMILIES,
    FAMILIES_DIR,
    SCHEMA_PATH,
    Competency,
    CompetencyModel,
    CompetencyModelError,
    Indicator,
    family_path,
    load_competency_model,
)
from hrhub.scoring.interview.consistency import Claim, ClaimCheck, check_claims, resume_claims
from hrhub.scoring.interview.features import (
    AnswerFeatures,
    answer_features,
    count_fillers,
    linguistic_ratio,
    mtld,
)
from hrhub.scoring.interview.indicators import IndicatorHit, find_indicators
from hrhub.scoring.interview.numbers import NumberMention, find_numbers
from hrhub.scoring.interview.questions import COMPETENCIES, QUESTION_BANK, Question
from hrhub.scoring.interview.rubric import ScoredInterview, answer_quality, score_interview
from hrhub.scoring.interview.versions import code_version, model_version

__all__ = [
    "AUDIO_KEYS",
    "COMPETENCIES",
    "FAMILIES",
    "FAMILIES_DIR",
    "QUESTION_BANK",
    "SCHEMA_PATH",
    "Answer",
    "AnswerFeatures",
    "Claim",
    "ClaimCheck",
    "Competency",
    "CompetencyModel",
    "CompetencyModelError",
    "Delivery",
    "Indicator",
    "IndicatorHit",
    "NumberMention",
    "Question",
    "ScoredInterview",
    "Sentence",
    "answer_features",
    "answer_quality",
    "candidate_segments",
    "check_claims",
    "code_version",
    "count_fillers",
    "delivery_from",
    "family_path",
    "find_indicators",
    "find_numbers",
    "linguistic_ratio",
    "load_competency_model",
    "model_version",
    "mtld",
    "read_answer",
    "resume_claims",
    "score_interview",
]
