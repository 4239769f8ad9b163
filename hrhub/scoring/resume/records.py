"""What parsing one resume yields; plain dataclasses so screening can read them without spaCy.

All offsets (`Entity.start/end`, `ExperienceItem.span`) refer to `ParsedText.text`, the
normalised text (see `read.normalise`), not to the raw bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from hrhub.models import EMAIL_PATTERN, PHONE_PATTERN, Education, ParsedResume, WorkExperience

__all__ = [
    "EDUCATION_LEVELS",
    "EducationItem",
    "Entity",
    "ExperienceItem",
    "ParsedText",
    "SkillHit",
]

EDUCATION_LEVELS = ("high_school", "associate", "bachelor", "master", "doctorate")
"""Lowest to highest, so `EDUCATION_LEVELS.index` compares levels."""

_BCP47 = {"zh": "zh-CN", "en": "en"}


@dataclass(frozen=True)
class Entity:
    """A named entity: label from `hrhub.scoring.ner.LABELS`, character offsets into the text."""

    label: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class SkillHit:
    """A canonical skill (or implied ability) and the text that shows it."""

    name: str
    evidence: str


@dataclass
class EducationItem:
    """One education mention; `level` is one of EDUCATION_LEVELS."""

    level: str | None
    institution: str | None
    major: str | None
    evidence: str
    degree: str | None = None  # as written, e.g. 硕士研究生, MSc
    start: date | None = None
    end: date | None = None


@dataclass
class ExperienceItem:
    """One dated job; `end` is None and `current` True for 至今 / present."""

    employer: str | None
    title: str | None
    start: date | None
    end: date | None
    current: bool
    evidence: str
    span: tuple[int, int] = (0, 0)  # the whole item (range line and its description)


@dataclass
class ParsedText:
    """Everything extracted from one resume, with the evidence behind it."""

    language: str
    text: str
    entities: list[Entity] = field(default_factory=list)
    name: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    education: list[EducationItem] = field(default_factory=list)
    highest_education: str | None = None
    experience: list[ExperienceItem] = field(default_factory=list)
    years_experience: float | None = None
    skills: list[SkillHit] = field(default_factory=list)
    abilities: list[SkillHit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was ignored and why
    sha256: str | None = None
    today: date | None = None  # the date 至今 / present was read as

    def item_text(self, item: ExperienceItem) -> str:
        """Text of one experience item: its range line and the description under it."""
        return self.text[item.span[0] : item.span[1]]

    def to_parsed_resume(
        self,
        candidate_id: str,
        source_system: str,
        remote_id: str,
        modified_at: datetime,
        parser_version: str,
    ) -> ParsedResume:
        """The canonical record; entries the record cannot hold (no employer/school) are left
        out, so the record always validates."""
        education = [
            Education(
                institution=item.institution,
                degree=item.degree,
                major=item.major,
                start_date=item.start,
                end_date=item.end,
            )
            for item in self.education
            if item.institution
        ]
        jobs = sorted(
            (item for item in self.experience if item.employer),
            key=lambda item: (item.current, item.end or date.min, item.start or date.min),
            reverse=True,
        )
        experience = [
            WorkExperience(
                employer=item.employer,
                title=item.title,
                start_date=item.start,
                end_date=None if item.current else item.end,
            )
            for item in jobs
        ]
        skills = list(dict.fromkeys(hit.name for hit in (*self.skills, *self.abilities)))
        years = self.years_experience
        return ParsedResume(
            source_system=source_system,
            remote_id=remote_id,
            modified_at=modified_at,
            candidate_id=candidate_id,
            language=_BCP47.get(self.language, self.language),
            name=self.name,
            emails=[e for e in self.emails if re.match(EMAIL_PATTERN, e) and len(e) <= 254],
            phones=[p for p in self.phones if re.match(PHONE_PATTERN, p)],
            education=education,
            experience=experience,
            skills=skills,
            years_experience=None if years is None else round(min(max(years, 0.0), 80.0), 2),
            file_sha256=self.sha256,
            parser_version=parser_version,
        )
