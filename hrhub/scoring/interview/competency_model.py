"""Competency models per job family: YAML data, checked once, compiled into typed objects.

A family file (``families/<family>.yaml``) says which competencies an interview is scored on,
how much each weighs, which phrases show each behaviour in Chinese and English, which bank
question evidences which competency, the pass/hold thresholds and who reviews. Every mistake is
reported as ``file:line: reason`` (all of them, first one first), because rubric authors are
HR people editing a text file, not programmers reading a traceback.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from hrhub.scoring.interview.questions import QUESTION_BANK
from hrhub.yaml_lines import LinedYaml, YamlSyntaxError, read_lined_yaml

__all__ = [
    "DEFAULT_HOLD",
    "DEFAULT_PASS",
    "FAMILIES",
    "FAMILIES_DIR",
    "SCHEMA_PATH",
    "Competency",
    "CompetencyModel",
    "CompetencyModelError",
    "Indicator",
    "family_path",
    "load_competency_model",
]

FAMILIES_DIR = Path(__file__).with_name("families")
SCHEMA_PATH = Path(__file__).with_name("competency_model.schema.json")
FAMILIES = ("customer_service", "data_engineering", "sales")
"""The shipped families (a test keeps this equal to the files in FAMILIES_DIR)."""
DEFAULT_PASS = 70.0
DEFAULT_HOLD = 50.0
_LATIN_EDGE = "A-Za-z0-9_"
_LATIN_ENDINGS = "(?:s|es|d|ed|ing)?"


class CompetencyModelError(ValueError):
    """A competency model file with mistakes: ``file:line: reason`` for each, first one first."""

    def __init__(self, file: str, problems: list[tuple[int | None, str]]) -> None:
        ordered = sorted(set(problems), key=lambda p: (p[0] or 0, p[1]))
        self.file = file
        self.line = ordered[0][0]
        self.reason = ordered[0][1]
        self.problems = tuple(_located(file, line, reason) for line, reason in ordered)
        super().__init__("\n".join(self.problems))


def _located(file: str, line: int | None, reason: str) -> str:
    return f"{file}:{line}: {reason}" if line else f"{file}: {reason}"


@dataclass(frozen=True)
class Indicator:
    """A behaviour that shows a competency, found by any of its phrases (zh or en)."""

    id: str
    zh: tuple[str, ...]
    en: tuple[str, ...]
    pattern: re.Pattern[str] = field(repr=False, compare=False)

    @classmethod
    def build(cls, id: str, zh: list[str], en: list[str]) -> Indicator:
        phrases = sorted({*zh, *en}, key=lambda p: (-len(p), p))  # longest first: best quote
        pattern = re.compile("|".join(map(_phrase_pattern, phrases)), re.IGNORECASE)
        return cls(id=id, zh=tuple(zh), en=tuple(en), pattern=pattern)


def _phrase_pattern(phrase: str) -> str:
    """Han text as a substring; Latin words whole, with a plural or -ed/-ing ending allowed."""
    body = re.escape(phrase.strip()).replace(r"\ ", r"\s+")
    if phrase[0].isascii() and phrase[0].isalnum():
        body = rf"(?<![{_LATIN_EDGE}]){body}"
    if phrase[-1].isascii() and phrase[-1].isalnum():
        body = rf"{body}{_LATIN_ENDINGS}(?![{_LATIN_EDGE}])"
    return body


@dataclass(frozen=True)
class Competency:
    """One scored competency: its weight in percent and its indicators."""

    id: str
    weight: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class CompetencyModel:
    """A loaded, checked family rubric (see the module docstring)."""

    family: str
    version: str
    description: str | None
    competencies: tuple[Competency, ...]
    question_map: Mapping[str, tuple[str, ...]]
    pass_at: float
    hold_at: float
    review_rejects: bool
    sha256: str
    file: str

    @property
    def rubric_version(self) -> str:
        """``family@version+sha256[:8]`` of the file: changes whenever a byte of it does."""
        return f"{self.family}@{self.version}+{self.sha256[:8]}"

    def competency(self, competency_id: str) -> Competency:
        for competency in self.competencies:
            if competency.id == competency_id:
                return competency
        raise KeyError(f"{self.family} has no competency {competency_id!r}")

    def questions_for(self, competency_id: str) -> tuple[str, ...]:
        """Question ids whose answers evidence the competency, in file order."""
        return tuple(q for q, comps in self.question_map.items() if competency_id in comps)


def family_path(family: str) -> Path:
    """The shipped file of a family; CompetencyModelError lists the known ones."""
    path = FAMILIES_DIR / f"{family}.yaml"
    if not path.is_file():
        known = ", ".join(FAMILIES)
        raise CompetencyModelError(
            str(path), [(None, f"unknown job family {family!r}; known: {known}")]
        )
    return path


def load_competency_model(path_or_family: str | Path) -> CompetencyModel:
    """Load a family by name (``"sales"``) or a YAML file by path; mistakes raise
    ``CompetencyModelError`` naming the file and the line of each."""
    if isinstance(path_or_family, str) and re.fullmatch(r"[a-z][a-z0-9_]*", path_or_family):
        path = family_path(path_or_family)
    else:
        path = Path(path_or_family)
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CompetencyModelError(file, [(None, f"cannot read: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CompetencyModelError(file, [(None, f"not UTF-8 text (byte {exc.start})")]) from None
    try:
        lined = read_lined_yaml(text)
    except YamlSyntaxError as exc:
        raise CompetencyModelError(file, [(exc.line, exc.reason)]) from None
    if lined.data is None:
        raise CompetencyModelError(file, [(None, "the file is empty")])
    problems = [(d.line, d.reason) for d in lined.duplicates] + _schema_problems(lined)
    if not problems:  # the shape is right: now the checks a schema cannot make
        problems = _semantic_problems(lined)
    if problems:
        raise CompetencyModelError(file, problems)
    return _build(lined.data, hashlib.sha256(raw).hexdigest(), file)


# --- checks -------------------------------------------------------------------------------


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _schema_problems(lined: LinedYaml) -> list[tuple[int | None, str]]:
    problems = []
    for error in _validator().iter_errors(lined.data):
        path, reason = _explain(error)
        problems.append((lined.line(path), reason))
    return problems


_TYPE_WORDS = {
    "string": 'text (quote it, e.g. "1.0")',
    "number": "a number",
    "array": "a list",
    "object": "a mapping",
    "boolean": "true or false",
}


def _explain(error: ValidationError) -> tuple[tuple[str | int, ...], str]:
    """Where the mistake is and what it is, in the words of a rubric author."""
    path = tuple(error.absolute_path)
    where = ".".join(map(str, path)) or "the file"
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in instance if k not in allowed)
        if extra:
            known = ", ".join(sorted(allowed)) or "none"
            return (*path, extra[0]), f"unknown key {extra[0]!r} in {where} (known: {known})"
    if error.validator == "type" and isinstance(error.validator_value, str):
        wanted = _TYPE_WORDS.get(error.validator_value, error.validator_value)
        return path, f"{where}: {instance!r} is not {wanted}"
    if error.validator == "required":
        return path, f"{where}: {error.message}"
    if error.validator == "enum" and len(path) >= 1:
        known = ", ".join(map(str, error.validator_value))
        return path, f"{where}: unknown competency {instance!r} (known: {known})"
    if "propertyNames" in error.absolute_schema_path and isinstance(instance, str):
        return (*path, instance), f"{where}: question id {instance!r} must look like q_name"
    return path, f"{where}: {error.message}"


def _semantic_problems(lined: LinedYaml) -> list[tuple[int | None, str]]:
    data = lined.data
    problems: list[tuple[int | None, str]] = []
    competencies = data["competencies"]
    first_line: dict[str, int] = {}
    for index, competency in enumerate(competencies):
        cid = competency["id"]
        line = lined.line(("competencies", index, "id"))
        if cid in first_line:
            reason = f"duplicate competency {cid!r} (first at line {first_line[cid]})"
            problems.append((line, reason))
        else:
            first_line[cid] = line
        seen: dict[str, int] = {}
        for j, indicator in enumerate(competency["indicators"]):
            iline = lined.line(("competencies", index, "indicators", j, "id"))
            if indicator["id"] in seen:
                reason = (
                    f"duplicate indicator {indicator['id']!r} in {cid!r} "
                    f"(first at line {seen[indicator['id']]})"
                )
                problems.append((iline, reason))
            seen.setdefault(indicator["id"], iline)
    total = sum(float(c["weight"]) for c in competencies)
    if abs(total - 100) > 1e-6:
        parts = " + ".join(f"{c['id']} {c['weight']:g}" for c in competencies)
        reason = f"competency weights must add up to 100, got {total:g} ({parts})"
        problems.append((lined.line(("competencies",)), reason))
    for qid, mapped in data["question_map"].items():
        question = QUESTION_BANK.get(qid)
        if question is None:
            known = ", ".join(QUESTION_BANK)
            reason = f"unknown question id {qid!r} (the question bank has: {known})"
            problems.append((lined.line(("question_map", qid)), reason))
            continue
        for k, cid in enumerate(mapped):
            line = lined.line(("question_map", qid, k))
            if cid not in first_line:
                reason = f"{qid} maps to {cid!r}, which is not a competency of this family"
                problems.append((line, reason))
            elif cid not in question.competencies:
                evidences = ", ".join(question.competencies)
                reason = f"{qid} cannot evidence {cid!r} (the bank says it evidences: {evidences})"
                problems.append((line, reason))
    mapped_ids = {cid for comps in data["question_map"].values() for cid in comps}
    for cid, line in first_line.items():
        if cid not in mapped_ids:
            problems.append(
                (line, f"competency {cid!r} is evidenced by no question in question_map")
            )
    thresholds = data.get("thresholds") or {}
    pass_at = float(thresholds.get("pass", DEFAULT_PASS))
    hold_at = float(thresholds.get("hold", DEFAULT_HOLD))
    if hold_at > pass_at:
        reason = f"thresholds: hold ({hold_at:g}) must not be above pass ({pass_at:g})"
        problems.append((lined.line(("thresholds", "hold")), reason))
    return problems


def _build(data: dict[str, Any], sha256: str, file: str) -> CompetencyModel:
    competencies = tuple(
        Competency(
            id=c["id"],
            weight=float(c["weight"]),
            indicators=tuple(
                Indicator.build(i["id"], [str(p) for p in i["zh"]], [str(p) for p in i["en"]])
                for i in c["indicators"]
            ),
        )
        for c in data["competencies"]
    )
    thresholds = data.get("thresholds") or {}
    return CompetencyModel(
        family=data["family"],
        version=data["version"],
        description=data.get("description"),
        competencies=competencies,
        question_map=MappingProxyType({q: tuple(c) for q, c in data["question_map"].items()}),
        pass_at=float(thresholds.get("pass", DEFAULT_PASS)),
        hold_at=float(thresholds.get("hold", DEFAULT_HOLD)),
        review_rejects=bool((data.get("review") or {}).get("review_rejects", True)),
        sha256=sha256,
        file=file,
    )
