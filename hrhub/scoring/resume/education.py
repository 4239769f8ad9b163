"""Education levels, the highest one, and the school and major next to each.

Levels come from EDU entities first and from keywords on the other lines (博士/PhD ->
doctorate, 硕士/研究生/MBA/Master -> master, 本科/学士/Bachelor -> bachelor, 大专/专科/Associate
-> associate, 高中/中专 -> high_school). Keywords inside a TITLE (硕士生导师, "Scrum Master")
are no degree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hrhub.scoring.resume.experience import find_ranges
from hrhub.scoring.resume.records import EDUCATION_LEVELS, EducationItem, Entity
from hrhub.scoring.resume.sections import find_sections, section_at

__all__ = ["extract_education", "highest_level", "level_of"]

# A word boundary for Latin words that also holds next to Han characters (\b does not: Han
# characters are word characters, so "获得MBA学位" has no \b around MBA).
_B = r"(?:(?<![A-Za-z])(?=[A-Za-z])|(?<=[A-Za-z])(?![A-Za-z]))"
# What follows a degree word that is used as a degree: "of", "in", "degree", a comma, "(".
_AS_DEGREE = r"(?=\s*(?:'s\b|’s\b)?\s*(?:of\b|in\b|degree\b|,|\(|\|))"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.replace("_AS_DEGREE", _AS_DEGREE).replace(r"\b", _B), re.I | re.M)


# Highest first: the first level whose pattern matches a snippet is its level. Abbreviations
# that are also ordinary words (MS, MA, BA) count only in capitals and followed as a degree is.
_LEVEL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "doctorate",
        _rx(r"博士|\bPh\.?\s?D\b|\bD\.?Phil\b|\bdoctor(?:ate|al)\b|\bdoctor\b_AS_DEGREE"),
    ),
    (
        "master",
        _rx(
            r"硕士|研究生|\bE?MBA\b|\bmasters?\b_AS_DEGREE|\bM\.?\s?(?:Sc|Eng|Phil|Ed)\b\.?"
            r"|(?-i:\bM\.[SA]\.|\b(?:MS|MA|MPA|MPH|LLM)\b_AS_DEGREE)"
        ),
    ),
    (
        "bachelor",
        _rx(
            r"本科|学士|\bbachelors?\b|\bB\.?\s?(?:Sc|Eng|Ed|Com)\b\.?|undergraduate"
            r"|(?-i:\bB\.[SA]\.|\b(?:BS|BA|LLB)\b_AS_DEGREE)"
        ),
    ),
    ("associate", _rx(r"大专|专科|高职|\bassociate\b_AS_DEGREE")),
    ("high_school", _rx(r"高中|中专|职高|技校|\bhigh\s+school\b|(?-i:\bGED\b)")),
)
_SCHOOL = re.compile(r"大学|学院|学校|中学|university|college|school|institute|academy", re.I)
_ZH_SCHOOL = re.compile(r"[\u4e00-\u9fff]{2,20}?(?:大学|学院|职业技术学院|中学|学校)")
_MAJOR_FIELD = re.compile(r"(?:专业|major|field of study)\s*[:：]\s*([^\n,，;；|]{2,40})", re.I)
_ZH_MAJOR = re.compile(r"([\u4e00-\u9fff]{2,15})专业")
_DEGREE_NAMES = frozenset(
    ("Science", "Arts", "Engineering", "Business Administration", "Philosophy", "Laws",
     "Education", "Fine Arts", "Technology", "Commerce", "Medicine")
)  # fmt: skip
_EN_MAJOR = re.compile(
    r"\b(?:in|of)\s+((?:[A-Z][A-Za-z&\-]*)(?:\s+(?:and\s+|&\s+)?[A-Z][A-Za-z\-]*)*)"
)


def level_of(snippet: str) -> str | None:
    """The highest education level a snippet names, or None."""
    for level, pattern in _LEVEL_PATTERNS:
        if pattern.search(snippet):
            return level
    return None


def highest_level(levels: Sequence[str | None]) -> str | None:
    """Highest of the known levels, by EDUCATION_LEVELS order."""
    known = [level for level in levels if level in EDUCATION_LEVELS]
    return max(known, key=EDUCATION_LEVELS.index) if known else None


def extract_education(text: str, entities: Sequence[Entity]) -> list[EducationItem]:
    """One item per line naming a level (EDU entity or keyword), with school and major."""
    sections = find_sections(text)
    items: list[EducationItem] = []
    for line in re.finditer(r"[^\n]+", text):
        start, end = line.span()
        on_line = [e for e in entities if start <= e.start and e.end <= end]
        degrees = [(e.text, level_of(e.text)) for e in on_line if e.label == "EDU"]
        if not any(level for _, level in degrees):
            masked = _mask(line.group(), [e for e in on_line if e.label in ("TITLE", "ORG")], start)
            level = level_of(masked)
            degrees = [(_keyword(masked, level), level)] if level else []
        for degree, level in degrees:
            if level is None:
                continue
            in_education = section_at(sections, start).kind == "education"
            period = next(iter(find_ranges(line.group())), None)
            items.append(
                EducationItem(
                    level=level,
                    institution=_institution(text, entities, start, end, in_education),
                    major=_major(line.group(), on_line),
                    evidence=line.group().strip(),
                    degree=degree,
                    start=period.start if period else None,
                    end=period.end if period else None,
                )
            )
    return _dedupe(items)


def _mask(line: str, entities: Sequence[Entity], offset: int) -> str:
    chars = list(line)
    for entity in entities:
        for i in range(entity.start - offset, entity.end - offset):
            chars[i] = " "
    return "".join(chars)


def _keyword(snippet: str, level: str) -> str:
    pattern = dict(_LEVEL_PATTERNS)[level]
    match = pattern.search(snippet)
    return match.group().strip() if match else level


def _institution(
    text: str, entities: Sequence[Entity], start: int, end: int, in_education: bool
) -> str | None:
    """A school-like ORG on the line, else on the lines just above or below it."""
    above = text.rfind("\n", 0, max(start - 1, 0)) + 1 if start else start
    below = text.find("\n", end + 1)
    below = len(text) if below < 0 else below
    for low, high in ((start, end), (above, start), (end, below)):
        for entity in entities:
            if entity.label != "ORG" or not (low <= entity.start and entity.end <= high):
                continue
            if _SCHOOL.search(entity.text) or (in_education and low == start):
                return entity.text
        match = _ZH_SCHOOL.search(text, low, high)
        if match:
            return match.group()
    return None


def _major(line: str, on_line: Sequence[Entity]) -> str | None:
    for entity in on_line:
        if entity.label == "PRO":
            return entity.text
    for pattern in (_MAJOR_FIELD, _ZH_MAJOR):
        match = pattern.search(line)
        if match:
            return match.group(1).strip()
    for match in _EN_MAJOR.finditer(line):
        subject = match.group(1).strip()
        if match.group().lower().startswith("of") and subject in _DEGREE_NAMES:
            continue  # "Master of Science": part of the degree's name, not the major
        if level_of(line[: match.end()]) and not _SCHOOL.search(subject):
            return subject
    return None


def _dedupe(items: list[EducationItem]) -> list[EducationItem]:
    seen: set[tuple[str | None, str | None]] = set()
    kept: list[EducationItem] = []
    for item in items:
        key = (item.level, item.institution)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept
