"""Parsed resumes built by hand, so scoring is tested apart from the parser and the model."""

from __future__ import annotations

from datetime import date

from hrhub.models import ScreeningWeights
from hrhub.scoring.resume import EducationItem, Entity, ExperienceItem, ParsedText, SkillHit
from hrhub.scoring.screening import JobProfile, parse_must_have


def parsed(
    *,
    skills: dict[str, str] | None = None,
    abilities: dict[str, str] | None = None,
    years: float | None = 5.0,
    level: str | None = "bachelor",
    titles: tuple[str, ...] = ("客服主管",),
    text: str = "",
) -> ParsedText:
    """A Chinese resume as the parser would report it; the text holds every evidence."""
    experience = [
        ExperienceItem(
            employer="某科技有限公司",
            title=title,
            start=date(2018, 3, 1),
            end=None,
            current=True,
            evidence=f"2018.03-至今 某科技有限公司 {title}",
        )
        for title in titles
    ]
    education = (
        [
            EducationItem(
                level=level, institution="某大学", major="市场营销", evidence=f"某大学 {level}"
            )
        ]
        if level
        else []
    )
    skill_hits = [SkillHit(name, evidence) for name, evidence in (skills or {}).items()]
    ability_hits = [SkillHit(name, evidence) for name, evidence in (abilities or {}).items()]
    body = "\n".join(
        [text, *(item.evidence for item in experience), *(hit.evidence for hit in skill_hits)]
    )
    return ParsedText(
        language="zh",
        text=body,
        entities=[Entity("NAME", "张伟", 0, 2)],
        name="张伟",
        education=education,
        highest_education=level,
        experience=experience,
        years_experience=years,
        skills=skill_hits,
        abilities=ability_hits,
    )


def job(
    *,
    skills: tuple[str, ...] = ("customer_service", "excel", "team_management"),
    min_years: float | None = 3,
    min_education: str | None = "bachelor",
    must_haves: tuple[str, ...] = (),
    weights: ScreeningWeights | None = None,
    share: float = 0.3,
) -> JobProfile:
    return JobProfile(
        job_id="job-1",
        title="客服主管",
        required_skills=list(skills),
        min_years_experience=min_years,
        min_education=min_education,
        must_haves=[parse_must_have(text) for text in must_haves],
        weights=weights or ScreeningWeights(),
        shortlist_share=share,
    )
