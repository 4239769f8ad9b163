"""A job's screening profile: what is required, how parts weigh, which share goes to interview.

Built from a canonical `Job` (the flow) or loaded from a YAML / JSON file (the CLI). Every
requirement is parsed when the profile is built, so a must-have the screener cannot check is an
error naming it, never a requirement silently ignored.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from hrhub.models import Job, ScreeningWeights

DEFAULT_SHORTLIST_SHARE = 0.3

# Words for education levels, zh and en, to the parser's EDUCATION_LEVELS names.
EDUCATION_WORDS = {
    "高中": "high_school",
    "中专": "high_school",
    "high school": "high_school",
    "high_school": "high_school",
    "大专": "associate",
    "专科": "associate",
    "associate": "associate",
    "本科": "bachelor",
    "学士": "bachelor",
    "bachelor": "bachelor",
    "硕士": "master",
    "研究生": "master",
    "master": "master",
    "博士": "doctorate",
    "doctorate": "doctorate",
    "phd": "doctorate",
    "ph.d.": "doctorate",
}

_NUMBER = r"(?P<years>\d+(?:\.\d+)?)"
_AT_LEAST = r"(?:>=|≥|>|不少于|不低于|至少|at least|of at least|minimum of)"
_SKILL_YEARS = (
    re.compile(rf"^(?P<skill>.*?)\s*(?:工作)?经验\s*{_AT_LEAST}\s*{_NUMBER}\s*年(?:及?以上)?$"),
    re.compile(rf"^(?P<skill>.*?)\s*(?:工作)?经验\s*{_NUMBER}\s*年(?:及?以上)$"),
    re.compile(rf"^(?P<skill>.*?)\s*experience\s*{_AT_LEAST}\s*{_NUMBER}\s*\+?\s*years?$", re.I),
    re.compile(rf"^{_NUMBER}\s*\+?\s*years?\s*(?:of\s+)?(?P<skill>.*?)\s*experience$", re.I),
)
_MIN_YEARS = re.compile(rf"^min_years\s*{_AT_LEAST}\s*{_NUMBER}$", re.I)
_EDUCATION = (
    re.compile(
        r"^(?P<level>高中|中专|大专|专科|本科|学士|硕士|研究生|博士)(?:学历)?(?:及以上|以上)(?:学历)?$"
    ),
    re.compile(
        r"^(?P<level>high[ _]school|associate|bachelor|master|doctorate|ph\.?d\.?)(?:'s)?"
        r"(?: degree)?\s+or\s+(?:above|higher)$",
        re.I,
    ),
)
_TOTAL = {"", "工作", "总", "work", "total", "overall", "professional"}


class ProfileError(ValueError):
    """A job profile that cannot be used; the message names the file (or job) and the field."""


@dataclass(frozen=True)
class MustHave:
    """One requirement a shortlisted candidate must meet, parsed from its text.

    kind: "skill_years" (years in `skill` >= `years`), "total_years" (all work >= `years`),
    "education" (highest level >= `level`) or "skill" (the skill is found at all).
    """

    text: str
    kind: Literal["skill_years", "total_years", "education", "skill"]
    skill: str | None = None
    years: float | None = None
    level: str | None = None


@dataclass
class JobProfile:
    """What screening needs to know about one job (see the module docstring)."""

    job_id: str
    title: str
    required_skills: list[str] = field(default_factory=list)
    min_years_experience: float | None = None
    min_education: str | None = None
    must_haves: list[MustHave] = field(default_factory=list)
    weights: ScreeningWeights = field(default_factory=ScreeningWeights)
    shortlist_share: float = DEFAULT_SHORTLIST_SHARE
    related_titles: list[str] = field(default_factory=list)

    @classmethod
    def from_job(cls, job: Job, must_haves: list[str] | None = None) -> JobProfile:
        """The profile of a canonical job: skills mapped to taxonomy names."""
        where = f"job {job.canonical_id}"
        return cls(
            job_id=job.canonical_id,
            title=job.title,
            required_skills=canonical_skills(job.required_skills),
            min_years_experience=job.min_years_experience,
            must_haves=[_must_have(text, where) for text in must_haves or []],
            weights=job.screening_weights,
            shortlist_share=job.shortlist_share,
        )

    @classmethod
    def load(cls, path: str | Path) -> JobProfile:
        """A profile from a YAML or JSON file; ProfileError names the file and the field."""
        path = Path(path)
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileError(f"{where}: cannot read the job profile: {exc}") from None
        try:
            data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise ProfileError(f"{where}: not valid YAML/JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ProfileError(f"{where}: expected a mapping of fields, got {type(data).__name__}")
        return cls.from_dict(data, where=where, default_id=path.stem)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str, default_id: str) -> JobProfile:
        """A profile from plain data (what `load` read); errors name `where` and the field."""
        unknown = sorted(set(data) - _FIELDS)
        if unknown:
            raise ProfileError(
                f"{where}: unknown field(s) {', '.join(unknown)} "
                f"(known: {', '.join(sorted(_FIELDS))})"
            )
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ProfileError(f"{where}: field 'title' is required (the job title, e.g. 客服主管)")
        weights = data.get("weights") or {}
        if not isinstance(weights, dict):
            raise ProfileError(f"{where}: field 'weights' must be a mapping of part -> percent")
        try:
            screening_weights = ScreeningWeights(**weights)
        except (ValidationError, TypeError) as exc:
            raise ProfileError(f"{where}: field 'weights': {_first_error(exc)}") from None
        share = _number(
            data.get("shortlist_share", DEFAULT_SHORTLIST_SHARE), where, "shortlist_share"
        )
        if share is None or not 0 < share <= 1:
            raise ProfileError(f"{where}: field 'shortlist_share' must be in (0, 1], got {share}")
        min_years = _number(data.get("min_years_experience"), where, "min_years_experience")
        if min_years is not None and min_years < 0:
            raise ProfileError(f"{where}: field 'min_years_experience' must be >= 0")
        return cls(
            job_id=str(data.get("job_id") or default_id),
            title=title.strip(),
            required_skills=canonical_skills(_strings(data, "required_skills", where)),
            min_years_experience=min_years,
            min_education=_education(data.get("min_education"), where, "min_education"),
            must_haves=[_must_have(text, where) for text in _strings(data, "must_haves", where)],
            weights=screening_weights,
            shortlist_share=share,
            related_titles=_strings(data, "related_titles", where),
        )


_FIELDS = {
    "job_id",
    "title",
    "required_skills",
    "min_years_experience",
    "min_education",
    "must_haves",
    "weights",
    "shortlist_share",
    "related_titles",
    "description",
}


def parse_must_have(text: str, where: str = "job profile") -> MustHave:
    """One must-have from its text; ProfileError naming it when the grammar does not fit.

    Grammar: "<skill>经验>=N年" / "<skill>经验N年以上", "<skill> experience >= N years" /
    "N+ years of <skill> experience", "本科及以上" / "bachelor or above", "min_years>=N",
    "工作经验>=N年" (all work), or a bare skill the taxonomy knows ("Python").
    """
    return _must_have(text, where)


def _must_have(text: Any, where: str) -> MustHave:
    if not isinstance(text, str) or not text.strip():
        raise ProfileError(f"{where}: field 'must_haves': expected text, got {text!r}")
    clean = unicodedata.normalize("NFKC", text).strip()
    clean = re.sub(r"\s+", " ", clean)
    if match := _MIN_YEARS.match(clean):
        return MustHave(text, "total_years", years=float(match["years"]))
    for pattern in _EDUCATION:
        if match := pattern.match(clean):
            level = EDUCATION_WORDS[_education_key(match["level"])]
            return MustHave(text, "education", level=level)
    for pattern in _SKILL_YEARS:
        if match := pattern.match(clean):
            phrase = match["skill"].strip(" :：,，的")
            years = float(match["years"])
            if phrase.lower() in _TOTAL:
                return MustHave(text, "total_years", years=years)
            skill = _one_skill(phrase)
            if skill is None:
                raise ProfileError(
                    f"{where}: must-have {text!r}: unknown skill {phrase!r} (not in the skills "
                    "taxonomy, hrhub/scoring/resume/skills.yaml)"
                )
            return MustHave(text, "skill_years", skill=skill, years=years)
    skill = _one_skill(clean)
    if skill is not None:
        return MustHave(text, "skill", skill=skill)
    raise ProfileError(
        f"{where}: must-have {text!r} is not understood; write e.g. '客户服务经验>=3年', "
        "'customer service experience >= 3 years', '本科及以上', 'bachelor or above', "
        "'min_years>=3' or a skill name"
    )


def canonical_skills(values: list[str]) -> list[str]:
    """Taxonomy names for skills as a job writes them (names or synonyms, either language).

    A text naming several ("Python/SQL") gives each; one the taxonomy does not know is kept as
    written and matched in the resume text as written, so nothing is dropped silently.
    """
    from hrhub.scoring.resume import canonical_skill, skills_for

    names: list[str] = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        name = canonical_skill(text)
        found = [name] if name else [hit.name for hit in skills_for(text)] or [text]
        names += [name for name in found if name not in names]
    return names


def _one_skill(phrase: str) -> str | None:
    """The one taxonomy skill a phrase names (the longest synonym found when several are)."""
    from hrhub.scoring.resume import canonical_skill, skills_for

    if not phrase:
        return None
    name = canonical_skill(phrase)
    if name is not None:
        return name
    hits = skills_for(phrase)
    return max(hits, key=lambda hit: len(hit.evidence)).name if hits else None


def _education(value: Any, where: str, name: str) -> str | None:
    if value is None or value == "":
        return None
    key = _education_key(str(value))
    if key not in EDUCATION_WORDS:
        raise ProfileError(
            f"{where}: field {name!r}: unknown education level {value!r} "
            "(use high_school, associate, bachelor, master, doctorate or 高中/大专/本科/硕士/博士)"
        )
    return EDUCATION_WORDS[key]


def _education_key(value: str) -> str:
    key = unicodedata.normalize("NFKC", value).strip().lower()
    key = re.sub(r"(及以上|以上|学历|'s degree|'s| degree)$", "", key).strip()
    return key.replace("_", " ") if key.replace("_", " ") in EDUCATION_WORDS else key


def _strings(data: dict[str, Any], name: str, where: str) -> list[str]:
    value = data.get(name) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProfileError(f"{where}: field {name!r} must be a list of text, got {value!r}")
    return value


def _number(value: Any, where: str, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProfileError(f"{where}: field {name!r} must be a number, got {value!r}")
    return float(value)


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        location = ".".join(str(part) for part in error["loc"])
        return f"{location + ': ' if location else ''}{error['msg']}"
    return str(exc)
