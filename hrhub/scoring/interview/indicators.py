"""Behavioural indicators found in answers, each with the verbatim quote that shows it.

An indicator counts for a competency only in answers to the questions the family maps to that
competency: the rubric decides which question evidences what, so empathy shown while
describing a data pipeline does not make up for an unanswered complaint question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from hrhub.models import Evidence
from hrhub.scoring.interview.answers import Answer
from hrhub.scoring.interview.competency_model import Competency

__all__ = ["IndicatorHit", "find_indicators"]


@dataclass(frozen=True)
class IndicatorHit:
    """One indicator of one competency, shown by a quote from one answer."""

    competency: str
    indicator: str
    phrase: str  # the words that matched
    evidence: Evidence


def find_indicators(
    competency: Competency, answers: Mapping[str, Answer], question_ids: tuple[str, ...]
) -> list[IndicatorHit]:
    """The first quote for each indicator of `competency` in the answers to `question_ids`."""
    hits: list[IndicatorHit] = []
    for indicator in competency.indicators:
        hit = _first_hit(competency.id, indicator.id, indicator.pattern, answers, question_ids)
        if hit is not None:
            hits.append(hit)
    return hits


def _first_hit(
    competency: str,
    indicator: str,
    pattern: re.Pattern[str],
    answers: Mapping[str, Answer],
    question_ids: tuple[str, ...],
) -> IndicatorHit | None:
    for question_id in question_ids:
        answer = answers.get(question_id)
        if answer is None:
            continue
        for sentence in answer.sentences:
            match = pattern.search(sentence.text)
            if match:
                evidence = sentence.evidence(match.start(), match.end())
                return IndicatorHit(competency, indicator, match.group(), evidence)
    return None
