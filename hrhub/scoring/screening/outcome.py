"""What screening says about one resume: a score with its parts and evidence, or why not.

An outcome is either `scored` (every part 0-100 with the evidence behind it) or `unparseable`
(with the reason, and no score at all: a resume we could not read is never a silent zero).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from hrhub.models import ScreeningResult, ScreeningWeights

SCREENER_VERSION = "hrhub-screening/1.0"
PARTS = ("skills", "experience", "education", "other")

_CANONICAL = re.compile(r"^[a-z][a-z0-9_\-]*:{entity}:.+$")


@dataclass
class PartScore:
    """One part of the fit score: 0-100, its weight in percent, and why."""

    score: float
    weight: float
    evidence: list[str] = field(default_factory=list)
    explanation: str = ""


@dataclass
class MustHaveCheck:
    """One must-have requirement checked against the resume."""

    requirement: str
    met: bool
    evidence: list[str] = field(default_factory=list)


@dataclass
class ScreeningOutcome:
    """Screening of one resume for one job (see the module docstring)."""

    candidate_id: str
    status: Literal["scored", "unparseable"]
    reason: str | None = None
    fit_score: float | None = None
    parts: dict[str, PartScore] = field(default_factory=dict)
    must_haves: list[MustHaveCheck] = field(default_factory=list)
    matched_skills: list[str] = field(default_factory=list)
    missing_skills: list[str] = field(default_factory=list)
    explanation: str = ""
    rank: int | None = None
    shortlisted: bool = False
    language: str | None = None

    @property
    def scored(self) -> bool:
        return self.status == "scored"

    @property
    def must_haves_met(self) -> bool:
        return all(check.met for check in self.must_haves)

    @classmethod
    def unparseable(cls, candidate_id: str, reason: str) -> ScreeningOutcome:
        """An outcome without a score: the resume could not be read, and this says why."""
        return cls(
            candidate_id=candidate_id,
            status="unparseable",
            reason=reason,
            explanation=f"Not screened: the resume could not be read ({reason}).",
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (the CLI's --json and the flow's staging)."""
        return asdict(self)

    def to_screening_result(
        self,
        application_id: str,
        job_id: str,
        *,
        source_system: str = "hrhub",
        screener_version: str = SCREENER_VERSION,
        modified_at: datetime | None = None,
    ) -> ScreeningResult:
        """The canonical record; ids may be canonical ('sys:application:1') or bare ('1')."""
        if not self.scored or self.fit_score is None:
            raise ValueError(
                f"candidate {self.candidate_id!r}: no screening result for an unparseable "
                f"resume ({self.reason})"
            )
        weights = ScreeningWeights(**{name: self.parts[name].weight for name in PARTS})
        application = _canonical(application_id, "application", source_system)
        return ScreeningResult(
            source_system=source_system,
            remote_id=application,
            modified_at=modified_at or datetime.now(UTC),
            application_id=application,
            candidate_id=_canonical(self.candidate_id, "candidate", source_system),
            job_id=_canonical(job_id, "job", source_system),
            fit_score=self.fit_score,
            skills_score=self.parts["skills"].score,
            experience_score=self.parts["experience"].score,
            education_score=self.parts["education"].score,
            other_score=self.parts["other"].score,
            weights=weights,
            rank=self.rank,
            shortlisted=self.shortlisted,
            matched_skills=list(self.matched_skills),
            missing_skills=list(self.missing_skills),
            explanation=self.explanation,
            screener_version=screener_version,
        )


def _canonical(identifier: str, entity: str, source_system: str) -> str:
    """`identifier` when it already is a canonical id of `entity`, else one in `source_system`."""
    if re.match(_CANONICAL.pattern.format(entity=entity), identifier):
        return identifier
    return f"{source_system}:{entity}:{identifier}"
