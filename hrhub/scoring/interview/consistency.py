"""Resume claims the interview does not back up: a flag for the reviewer, never a penalty.

A claim is an implied ability of the resume taxonomy (skills.yaml `abilities`) whose quote
carries a figure: 领导过10人团队, led a team of 10, 完成1000万业绩. It is supported when some
sentence of some answer says the same figure (in either language: 十 = 10 = ten, 一千万 =
1000万 = 10 million) next to words of the same topic. A claim the answers give another figure
for, or never touch, is flagged with the resume quote; the score does not change, because
an interview rarely covers a whole resume and the reviewer is the one to ask.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hrhub.models import ParsedResume
from hrhub.scoring.interview.answers import Answer
from hrhub.scoring.interview.numbers import find_numbers
from hrhub.scoring.resume.records import ParsedText, SkillHit
from hrhub.scoring.resume.skills import abilities_for

if TYPE_CHECKING:
    from hrhub.scoring.interview.answers import Sentence

__all__ = ["CLAIM_TOPICS", "Claim", "ClaimCheck", "check_claims", "resume_claims"]

ResumeInput = ParsedText | ParsedResume | str

CLAIM_TOPICS: dict[str, re.Pattern[str]] = {
    "team_management": re.compile(
        r"团队|小组|下属|组员|人|名|\b(?:team|people|engineers|reports|staff|members|agents|reps)\b",
        re.I,
    ),
    "sales_performance": re.compile(
        r"业绩|销售|营收|回款|签约|销量|目标|\b(?:sales|revenue|quota|target|deals|bookings|sold)\b",
        re.I,
    ),
    "recruiting": re.compile(r"招聘|招募|招了|\b(?:hired|recruited|hires|onboarded)\b", re.I),
    "budget_management": re.compile(r"预算|\bbudgets?\b", re.I),
    "customer_service": re.compile(r"客户|用户|投诉|\b(?:customers?|complaints?|tickets?)\b", re.I),
    "project_management": re.compile(r"项目|\bprojects?\b", re.I),
}
"""Words that put a figure in an answer on the same topic as the claim."""


@dataclass(frozen=True)
class Claim:
    """A quantified resume claim: the ability, the resume's words, the figures in them.

    A figure is (value, is_percent): "30人" and "百分之30" are different claims.
    """

    ability: str
    quote: str
    figures: tuple[tuple[float, bool], ...]


@dataclass(frozen=True)
class ClaimCheck:
    """A claim checked against the answers; unsupported ones are the flags."""

    ability: str
    resume_quote: str
    supported: bool
    reason: str
    answer_quote: str | None = None
    question_id: str | None = None


def resume_claims(resume: ResumeInput) -> tuple[list[Claim], list[str]]:
    """Quantified claims of a parsed resume (ParsedText, the canonical ParsedResume with its
    text in ``raw["text"]``, or plain text), and notes on what could not be read."""
    if isinstance(resume, ParsedText):
        hits: Iterable[SkillHit] = resume.abilities or abilities_for(resume.text)
    elif isinstance(resume, str):
        hits = abilities_for(resume)
    else:
        text = resume.raw.get("text") if isinstance(resume.raw, dict) else None
        if not isinstance(text, str) or not text.strip():
            note = f"resume {resume.canonical_id} carries no text (raw.text): claims not checked"
            return [], [note]
        hits = abilities_for(text)
    claims = []
    for hit in hits:
        figures = tuple((m.value, m.percent) for m in find_numbers(hit.evidence))
        if figures and hit.name in CLAIM_TOPICS:
            claims.append(Claim(hit.name, hit.evidence, figures))
    return claims, []


def check_claims(claims: list[Claim], answers: Mapping[str, Answer]) -> list[ClaimCheck]:
    """Each claim with whether an answer backs it (see the module docstring)."""
    return [_check(claim, answers) for claim in claims]


def _check(claim: Claim, answers: Mapping[str, Answer]) -> ClaimCheck:
    topic = CLAIM_TOPICS[claim.ability]
    other: Sentence | None = None
    for question_id in sorted(answers):
        for sentence in answers[question_id].sentences:
            if not topic.search(sentence.text):
                continue
            said = [(m.value, m.percent) for m in find_numbers(sentence.text)]
            if any(_same(figure, value) for figure in claim.figures for value in said):
                return ClaimCheck(
                    claim.ability,
                    claim.quote,
                    True,
                    "an answer gives the same figure",
                    sentence.text.strip(),
                    question_id,
                )
            if (
                said
                and other is None
                and any(h.name == claim.ability for h in abilities_for(sentence.text))
            ):
                other = sentence
    if other is not None:
        return ClaimCheck(
            claim.ability,
            claim.quote,
            False,
            "an answer gives a different figure",
            other.text.strip(),
            other.question_id,
        )
    return ClaimCheck(claim.ability, claim.quote, False, "no answer mentions it")


def _same(a: tuple[float, bool], b: tuple[float, bool]) -> bool:
    """The same figure: equal values, and both shares or both counts."""
    return a[1] == b[1] and math.isclose(a[0], b[0], rel_tol=1e-6)
