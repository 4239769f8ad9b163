"""Skills from the taxonomy in skills.yaml, implied abilities, and years per skill.

A skill is found by any of its synonyms: Latin ones case-insensitively on word boundaries
("java" is not found in "javascript", "c++" is found in "C++/Python"), Han ones as substrings.
Implied abilities are regular expressions from the same file; their match is the evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from hrhub.scoring.resume.records import SkillHit

if TYPE_CHECKING:
    from hrhub.scoring.resume.records import ParsedText

__all__ = [
    "SKILLS_FILE",
    "Taxonomy",
    "abilities_for",
    "canonical_skill",
    "experience_in",
    "load_taxonomy",
    "skills_for",
]

SKILLS_FILE = Path(__file__).with_name("skills.yaml")
_LATIN_EDGE = r"A-Za-z0-9_+#"


@dataclass(frozen=True)
class Taxonomy:
    """Compiled taxonomy: one pattern per skill, ability rules, and a synonym lookup."""

    skills: dict[str, re.Pattern[str]]
    abilities: list[tuple[str, re.Pattern[str]]]
    synonyms: dict[str, str]  # lower-cased synonym or name -> canonical name
    # Per skill, the case-folded first word of each synonym: a text whose case-folded form
    # holds none of them cannot match the skill's pattern, so `skills_for` skips the regex.
    triggers: dict[str, tuple[str, ...]]


def _synonym_pattern(synonym: str) -> str:
    body = re.escape(synonym).replace(r"\ ", r"\s+")
    if synonym[0].isascii() and synonym[0].isalnum():
        body = rf"(?<![{_LATIN_EDGE}]){body}"
    if synonym[-1].isascii() and (synonym[-1].isalnum() or synonym[-1] in "+#"):
        body = rf"{body}(?![{_LATIN_EDGE}])"
    return body


def _compile(data: dict[str, Any], source: str) -> Taxonomy:
    skills: dict[str, re.Pattern[str]] = {}
    triggers: dict[str, tuple[str, ...]] = {}
    synonyms: dict[str, str] = {}
    for name, entry in (data.get("skills") or {}).items():
        words = [str(w) for lang in ("zh", "en") for w in (entry or {}).get(lang) or []]
        if not words:
            raise ValueError(f"{source}: skill {name!r} has no zh or en synonyms")
        # Longest first, so "spark sql" wins over "spark" in the evidence.
        words.sort(key=len, reverse=True)
        skills[name] = re.compile("|".join(map(_synonym_pattern, words)), re.IGNORECASE)
        triggers[name] = tuple({word.split()[0].casefold() for word in words})
        synonyms[name.lower()] = name
        synonyms[name.replace("_", " ").lower()] = name
        for word in words:
            synonyms.setdefault(word.lower(), name)
    abilities: list[tuple[str, re.Pattern[str]]] = []
    for index, rule in enumerate(data.get("abilities") or []):
        name = rule.get("ability")
        if not name:
            raise ValueError(f"{source}: abilities[{index}] has no 'ability' name")
        for pattern in rule.get("patterns") or []:
            try:
                abilities.append((name, re.compile(pattern, re.IGNORECASE)))
            except re.error as exc:
                raise ValueError(f"{source}: ability {name!r} pattern {pattern!r}: {exc}") from exc
        synonyms.setdefault(name.lower(), name)
    return Taxonomy(skills=skills, abilities=abilities, synonyms=synonyms, triggers=triggers)


@lru_cache(maxsize=8)
def load_taxonomy(path: Path = SKILLS_FILE) -> Taxonomy:
    """The compiled taxonomy of a YAML file (the packaged skills.yaml by default)."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return _compile(data, str(path))


def canonical_skill(word: str, taxonomy: Taxonomy | None = None) -> str | None:
    """Canonical name of a skill name or synonym ("客户服务" -> "customer_service")."""
    taxonomy = taxonomy or load_taxonomy()
    key = word.strip().lower()
    if key in taxonomy.synonyms:
        return taxonomy.synonyms[key]
    for name, pattern in taxonomy.skills.items():
        if pattern.fullmatch(word.strip()):
            return name
    return None


def skills_for(text: str, taxonomy: Taxonomy | None = None) -> list[SkillHit]:
    """Each taxonomy skill found in the text once, with its first match as evidence."""
    taxonomy = taxonomy or load_taxonomy()
    folded = text.casefold()
    hits = []
    for name, pattern in taxonomy.skills.items():
        if not any(word in folded for word in taxonomy.triggers[name]):
            continue  # none of its synonyms' first words: the pattern cannot match
        match = pattern.search(text)
        if match:
            hits.append((match.start(), SkillHit(name, match.group())))
    return [hit for _, hit in sorted(hits, key=lambda pair: pair[0])]


def abilities_for(text: str, taxonomy: Taxonomy | None = None) -> list[SkillHit]:
    """Implied abilities with their evidence; overlapping matches of one ability count once
    (the longest is kept)."""
    taxonomy = taxonomy or load_taxonomy()
    found: list[tuple[str, int, int]] = []
    for name, pattern in taxonomy.abilities:
        found += [(name, m.start(), m.end()) for m in pattern.finditer(text) if m.group().strip()]
    kept: list[tuple[str, int, int]] = []
    for name, start, end in sorted(found, key=lambda f: f[1] - f[2]):
        if not any(k[0] == name and k[1] < end and start < k[2] for k in kept):
            kept.append((name, start, end))
    return [
        SkillHit(name, text[start:end].strip())
        for name, start, end in sorted(kept, key=lambda k: k[1])
    ]


def experience_in(
    parsed: ParsedText, skill: str, *, taxonomy: Taxonomy | None = None
) -> float | None:
    """Years on the dated jobs whose text shows the skill (overlaps counted once).

    `skill` is a canonical name or any synonym. None when the resume has no dated job at all
    (unknown), 0.0 when it has some but none shows the skill; unknown skills raise KeyError.
    """
    from hrhub.scoring.resume.experience import years_of

    taxonomy = taxonomy or load_taxonomy()
    name = canonical_skill(skill, taxonomy)
    if name is None:
        raise KeyError(f"unknown skill {skill!r}: not in {SKILLS_FILE.name}")
    dated = [item for item in parsed.experience if item.start is not None]
    if not dated:
        return None
    pattern = taxonomy.skills.get(name)
    rules = [p for ability, p in taxonomy.abilities if ability == name]
    matching = []
    for item in dated:
        text = parsed.item_text(item)
        if (pattern is not None and pattern.search(text)) or any(p.search(text) for p in rules):
            matching.append(item)
    return years_of(matching, parsed.today or date.today())
