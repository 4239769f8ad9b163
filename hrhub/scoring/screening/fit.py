"""Job fit of one parsed resume: four part scores with their evidence, must-haves, explanation.

Parts (each 0-100, weighted by the job's `ScreeningWeights`):
- skills: the share of the job's required skills found; a synonym in either language counts
  (the taxonomy maps it), and so does an implied ability for its skill (带领5人团队 ->
  team_management). Evidence is the text that matched.
- experience: total years (overlapping ranges once) against the job's minimum, capped at 100;
  no minimum set scores 100. Evidence is the dated ranges.
- education: highest level against the minimum: met 100, one level short 50, else 0.
- other: a held title related to the job's (60) and a certification mentioned (40).

Protected attributes are never used: the scorer does not read the name, gender, age or date of
birth, ethnicity (the RACE entity), nationality (the CONT entity), contact details or photos;
none of them reaches a score, the evidence or the explanation (PIPL art. 24: the explanation is
what the candidate may ask for).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from hrhub.scoring.screening.outcome import (
    MustHaveCheck,
    PartScore,
    ScreeningOutcome,
)
from hrhub.scoring.screening.profile import JobProfile, MustHave

if TYPE_CHECKING:
    from hrhub.scoring.resume import ParsedText

TITLE_POINTS = 60.0
CERTIFICATE_POINTS = 40.0
EVIDENCE_CHARS = 80
_CERTIFICATE = re.compile(
    r"[\w\-+]{1,16}(?:资格证书|证书|资格证|职业资格|认证)"
    r"|\bcertified\s+[\w\- ]{2,40}|\bcertificat(?:e|ion)\s+(?:in|of)\s+[\w\- ]{2,40}"
    r"|\b(?:PMP|CPA|CFA|ACCA|CISSP|CCNA|CCNP|CCIE|FRM|CMA)\b",
    re.I,
)
_SENIORITY = re.compile(r"^(高级|资深|初级|中级|首席|senior|junior|lead|principal)\s*", re.I)


def score(parsed: ParsedText, job: JobProfile, *, candidate_id: str) -> ScreeningOutcome:
    """The fit of one parsed resume for `job` (not yet ranked: see `select.rank`)."""
    weights = job.weights
    skills, matched, missing = skills_part(parsed, job, weights.skills)
    parts = {
        "skills": skills,
        "experience": experience_part(parsed, job, weights.experience),
        "education": education_part(parsed, job, weights.education),
        "other": other_part(parsed, job, weights.other),
    }
    fit = round(sum(part.score * part.weight for part in parts.values()) / 100, 2)
    checks = [check_must_have(parsed, requirement) for requirement in job.must_haves]
    outcome = ScreeningOutcome(
        candidate_id=candidate_id,
        status="scored",
        fit_score=fit,
        parts=parts,
        must_haves=checks,
        matched_skills=matched,
        missing_skills=missing,
        language=parsed.language,
    )
    outcome.explanation = explain(outcome, job)
    return outcome


def skills_part(
    parsed: ParsedText, job: JobProfile, weight: float
) -> tuple[PartScore, list[str], list[str]]:
    """Share of required skills found, synonyms and implied abilities included."""
    found = _found_skills(parsed)
    matched, missing, evidence = [], [], []
    for skill in job.required_skills:
        hit = found.get(skill) or _literal(parsed.text, skill)
        if hit is None:
            missing.append(skill)
            continue
        matched.append(skill)
        evidence.append(f"{skill}: {hit}")
    if not job.required_skills:
        return PartScore(100.0, weight, [], "the job lists no required skills"), [], []
    share = len(matched) / len(job.required_skills)
    explanation = f"{len(matched)} of {len(job.required_skills)} required skills found"
    if missing:
        explanation += f"; missing: {', '.join(missing)}"
    return PartScore(round(100 * share, 2), weight, evidence, explanation), matched, missing


def experience_part(parsed: ParsedText, job: JobProfile, weight: float) -> PartScore:
    """Total years against the minimum, capped at 100."""
    evidence = [_clip(item.evidence) for item in parsed.experience if item.evidence]
    years, minimum = parsed.years_experience, job.min_years_experience
    if not minimum:
        told = f"{years:.1f} years found" if years is not None else "no dated experience found"
        return PartScore(100.0, weight, evidence, f"no minimum set ({told})")
    if years is None:
        return PartScore(
            0.0, weight, evidence, f"no dated work experience found; {minimum:g} required"
        )
    value = round(100 * min(years / minimum, 1.0), 2)
    return PartScore(value, weight, evidence, f"{years:.1f} years against a minimum of {minimum:g}")


def education_part(parsed: ParsedText, job: JobProfile, weight: float) -> PartScore:
    """Highest level against the minimum: met 100, one level short 50, else 0."""
    from hrhub.scoring.resume import EDUCATION_LEVELS

    evidence = [_clip(item.evidence) for item in parsed.education if item.level and item.evidence]
    level, minimum = parsed.highest_education, job.min_education
    if minimum is None:
        told = level or "no level found"
        return PartScore(100.0, weight, evidence, f"no minimum set (highest: {told})")
    if level is None:
        return PartScore(0.0, weight, evidence, f"no education level found; {minimum} required")
    short = EDUCATION_LEVELS.index(minimum) - EDUCATION_LEVELS.index(level)
    value = 100.0 if short <= 0 else 50.0 if short == 1 else 0.0
    verdict = "meets" if short <= 0 else f"{short} level(s) below"
    return PartScore(value, weight, evidence, f"highest {level} {verdict} the minimum {minimum}")


def other_part(parsed: ParsedText, job: JobProfile, weight: float) -> PartScore:
    """A held title related to the job's (60) and a certification mentioned (40)."""
    evidence, said, value = [], [], 0.0
    related = [item.title for item in parsed.experience if item.title and _related(item.title, job)]
    if related:
        value += TITLE_POINTS
        evidence += [f"title: {title}" for title in dict.fromkeys(related)]
        said.append(f"held a related title ({related[0]})")
    else:
        said.append(f"no title related to {job.title} found")
    certificates = list(
        dict.fromkeys(m.group(0).strip() for m in _CERTIFICATE.finditer(parsed.text))
    )
    if certificates:
        value += CERTIFICATE_POINTS
        evidence += [f"certificate: {text}" for text in certificates[:3]]
        said.append("a certification is mentioned")
    else:
        said.append("no certification mentioned")
    return PartScore(value, weight, evidence, "; ".join(said))


def check_must_have(parsed: ParsedText, requirement: MustHave) -> MustHaveCheck:
    """One must-have against the resume, with what was found."""
    from hrhub.scoring.resume import EDUCATION_LEVELS, experience_in

    text = requirement.text
    if requirement.kind == "skill_years":
        assert requirement.skill is not None and requirement.years is not None
        years = experience_in(parsed, requirement.skill)
        met = years is not None and years >= requirement.years
        told = f"{years:.1f}" if years is not None else "no"
        evidence = [f"{requirement.skill}: {told} years found, {requirement.years:g} required"]
        evidence += [_clip(item.evidence) for item in _experience_with(parsed, requirement.skill)]
        return MustHaveCheck(text, met, evidence)
    if requirement.kind == "total_years":
        assert requirement.years is not None
        years = parsed.years_experience
        met = years is not None and years >= requirement.years
        told = f"{years:.1f}" if years is not None else "no"
        return MustHaveCheck(text, met, [f"{told} years in total, {requirement.years:g} required"])
    if requirement.kind == "education":
        assert requirement.level is not None
        level = parsed.highest_education
        met = level is not None and EDUCATION_LEVELS.index(level) >= EDUCATION_LEVELS.index(
            requirement.level
        )
        return MustHaveCheck(text, met, [f"highest education: {level or 'not found'}"])
    assert requirement.skill is not None
    hit = _found_skills(parsed).get(requirement.skill) or _literal(parsed.text, requirement.skill)
    return MustHaveCheck(text, hit is not None, [f"{requirement.skill}: {hit or 'not found'}"])


def explain(outcome: ScreeningOutcome, job: JobProfile) -> str:
    """What a candidate may read: each part, what was found, what was missing."""
    lines = [f"Fit score {outcome.fit_score:g} of 100 for {job.title}."]
    for name, part in outcome.parts.items():
        lines.append(
            f"{name.capitalize()} ({part.weight:g}%): {part.score:g} - {part.explanation}."
        )
    for check in outcome.must_haves:
        state = "met" if check.met else "NOT met"
        lines.append(f"Must-have {check.requirement}: {state} ({check.evidence[0]}).")
    lines.append("Not used: name, gender, age, ethnicity, nationality, contact details.")
    return " ".join(lines)


def _found_skills(parsed: ParsedText) -> dict[str, str]:
    """Skill name -> the text it was found in; implied abilities marked as such."""
    found: dict[str, str] = {}
    for hit in parsed.skills:
        found.setdefault(hit.name, f"“{_clip(hit.evidence)}”")
    for hit in parsed.abilities:
        found.setdefault(hit.name, f"implied by “{_clip(hit.evidence)}”")
    return found


def _literal(text: str, skill: str) -> str | None:
    """A skill the taxonomy does not know, found as written (case-insensitive)."""
    at = text.lower().find(skill.lower())
    if at < 0:
        return None
    return f"“{_clip(text[max(0, at - 10) : at + len(skill) + 10])}” (as written)"


def _experience_with(parsed: ParsedText, skill: str) -> list:
    """The dated jobs whose text (range line and description) shows `skill` or its ability."""
    from hrhub.scoring.resume import load_taxonomy

    taxonomy = load_taxonomy()
    patterns = [p for name, p in taxonomy.abilities if name == skill]
    if skill in taxonomy.skills:
        patterns.append(taxonomy.skills[skill])
    return [
        item
        for item in parsed.experience
        if any(p.search(parsed.item_text(item) or item.evidence or "") for p in patterns)
    ]


def _related(title: str, job: JobProfile) -> bool:
    """A held title relates to the job's: a listed related title, or a shared taxonomy skill."""
    terms = job.related_titles or [_SENIORITY.sub("", job.title)]
    lowered = title.lower()
    if any(term.lower() in lowered for term in terms if term):
        return True
    return bool(_skills_in(job.title) & _skills_in(title))


@lru_cache(maxsize=4096)
def _skills_in(text: str) -> frozenset[str]:
    from hrhub.scoring.resume import skills_for

    return frozenset(hit.name for hit in skills_for(text))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1] + "…"
