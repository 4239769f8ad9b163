"""Check mapping files against their contracts, before anything runs: every problem, file:line.

``check_mappings`` reads each file with the engine's own loader (YAML syntax, the grammar,
transforms and their parameters, duplicate keys, target conflicts, recursive aliases) and then
holds the sound fields against both sides of the file's contract (``contracts.py``):

- source paths (and condition paths) must exist in the source schema: the system's payload
  for ``in``, the canonical record for ``out``;
- targets must exist in the target schema, and be writable;
- a value's kind must fit the target's: a transform's output type (from its signature) or a
  copied source field's schema type; defaults and an enum's values are constants, validated
  against the target's schema one by one;
- every required target must be set (the canonical model's required fields for ``in``, the
  system's for ``out``), unconditionally or with a default;
- the golden record ``tests/golden/<system>/<name>.json`` (a realistic source record) must fit
  the source schema, map without error and give a record the target accepts (the canonical
  model for ``in``, the system's schema for ``out``);
- where one system has an in- and an out-mapping of the same entity, the in-mapping's golden
  record is mapped in and out again: a field of the record that the out-mapping writes must
  come back as it was.

A side of a contract that cannot be read here (SAP's EDMX outside the repository, say) is
skipped, and the report says what was skipped and why.
"""

from __future__ import annotations

import json
import os
import types as pytypes
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from pydantic import ValidationError as ModelValidationError
from pydantic_core import to_jsonable_python

from hrhub.mapping.contracts import (
    Contract,
    ContractError,
    Contracts,
    Kind,
    SchemaView,
)
from hrhub.mapping.engine import (
    REPO_ROOT,
    FieldRule,
    Inspection,
    Mapping,
    inspect_mapping,
    mappings_dir,
)
from hrhub.mapping.transforms import TRANSFORMS

__all__ = ["GOLDEN_DIR", "CheckReport", "Problem", "Skip", "check_mappings"]

GOLDEN_DIR = REPO_ROOT / "tests" / "golden"


@dataclass(frozen=True)
class Problem:
    """One problem: ``str(problem)`` is ``file:line: field: reason`` (``file:line: reason``
    when it concerns no field). ``kind`` groups them: the engine's kinds (``syntax``,
    ``schema``, ``transform``, ``cycle``, ...) and ``declaration``, ``contract``, ``source``,
    ``target``, ``type``, ``required``, ``golden``, ``round_trip``."""

    file: str
    line: int
    field: str | None
    reason: str
    kind: str = "schema"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"

    def sort_key(self) -> tuple[str, int, str, str, str]:
        return (self.file, self.line, self.field or "", self.reason, self.kind)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "message": str(self)}


@dataclass(frozen=True, order=True)
class Skip:
    """A check that could not run on a file, and why (e.g. SAP's EDMX is not available)."""

    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: skipped: {self.reason}"


@dataclass
class CheckReport:
    """What ``check_mappings`` found. ``ok`` is true when there is no problem (skips are not
    problems). ``lines()`` is the text a person reads, ``to_dict()`` what ``--json`` prints."""

    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    goldens: int = 0  # golden records mapped and validated
    round_trips: int = 0  # in/out pairs mapped both ways

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems] + [str(s) for s in self.skipped]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "files": [_shown(p) for p in self.files],
            "problems": [p.to_dict() for p in self.problems],
            "skipped": [asdict(s) for s in self.skipped],
            "goldens": self.goldens,
            "round_trips": self.round_trips,
        }


def check_mappings(
    paths: Iterable[Path | str] | None = None,
    *,
    golden_dir: Path | str | None = GOLDEN_DIR,
    contracts: Contracts | None = None,
) -> CheckReport:
    """Check mapping files (default: every file under ``mappings/``; a directory means every
    ``*.yaml`` below it) and collect every problem, never stopping at the first.

    ``golden_dir`` holds ``<system>/<mapping name>.json``; None skips golden records and
    round trips. Never raises for a bad file: each mistake is a ``Problem``.
    """
    files = _expand(paths)
    report = CheckReport(files=files)
    contracts = contracts or Contracts()
    goldens = Path(golden_dir) if golden_dir is not None else None
    checked: list[_Checked] = []
    for path in files:
        result = _check_file(path, contracts, goldens)
        report.problems.extend(result.problems)
        report.skipped.extend(result.skipped)
        report.goldens += int(result.golden_mapped is not None)
        checked.append(result)
    for problems in _round_trips(checked):
        report.problems.extend(problems)
        report.round_trips += 1
    report.problems = sorted(set(report.problems), key=Problem.sort_key)
    report.skipped = sorted(set(report.skipped))
    return report


def _expand(paths: Iterable[Path | str] | None) -> list[Path]:
    if paths is None:
        paths = [mappings_dir()]
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        found.extend(sorted(path.rglob("*.yaml")) if path.is_dir() else [path])
    return list(dict.fromkeys(p.resolve() for p in found))


# --- one file --------------------------------------------------------------------------------


@dataclass
class _Checked:
    """One file's findings, and what the round trip needs of it."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    mapping: Mapping | None = None
    contract: Contract | None = None
    golden: dict[str, Any] | None = None
    golden_file: str | None = None
    golden_mapped: dict[str, Any] | None = None  # set when the golden record mapped cleanly


def _check_file(path: Path, contracts: Contracts, goldens: Path | None) -> _Checked:
    shown = _shown(path)
    if not path.is_file():
        return _Checked(shown, [Problem(shown, 1, None, "no such file", "file")])
    found = inspect_mapping(path)
    result = _Checked(found.file)
    result.problems = [
        Problem(found.file, p.line or 1, p.field, p.reason, p.kind) for p in found.problems
    ]
    mapping = found.mapping
    if mapping is None:
        return result
    result.mapping = mapping
    name = _mapping_name(path, mapping, found, result.problems)
    try:
        contract = contracts.contract_for(mapping.system, name, mapping.direction)
    except ContractError as exc:
        result.problems.append(
            Problem(found.file, found.line("system"), None, str(exc), "contract")
        )
        return result
    result.contract = contract
    result.problems += [Problem(found.file, 1, None, r, "contract") for r in contract.problems]
    result.skipped += [Skip(found.file, r) for r in contract.skipped]
    if mapping.direction == "in" and mapping.entity != contract.entity:
        reason = (
            f"entity {mapping.entity!r} is not the entity of the stream read with this "
            f"mapping ({contract.entity!r})"
        )
        result.problems.append(
            Problem(found.file, found.line("entity"), None, reason, "declaration")
        )
    broken = {p.field for p in found.problems if p.field}
    result.problems += _static_problems(found, mapping, contract, broken)
    if goldens is not None:
        _check_golden(result, found, mapping, contract, goldens / mapping.system / f"{name}.json")
    return result


def _mapping_name(path: Path, mapping: Mapping, found: Inspection, out: list[Problem]) -> str:
    """The name the connector knows the file by (its stem), after checking the file sits where
    its header says: ``<system>/<name>.<direction>.yaml``."""
    stem, _, direction = path.name.removesuffix(".yaml").removesuffix(".yml").rpartition(".")
    if direction != mapping.direction:
        out.append(
            Problem(
                found.file,
                found.line("direction"),
                None,
                f"direction {mapping.direction!r} but the file name ends in .{direction}.yaml",
                "declaration",
            )
        )
    if path.parent.name != mapping.system:
        out.append(
            Problem(
                found.file,
                found.line("system"),
                None,
                f"system {mapping.system!r} but the file is in folder {path.parent.name!r}",
                "declaration",
            )
        )
    name = stem or path.stem
    if mapping.direction == "out" and mapping.entity != name:
        out.append(
            Problem(
                found.file,
                found.line("entity"),
                None,
                f"an out-mapping's entity is its operation: {mapping.entity!r} but the file is "
                f"named for {name!r}",
                "declaration",
            )
        )
    return name


# --- static checks: paths, targets, kinds, required -----------------------------------------


def _static_problems(
    found: Inspection, mapping: Mapping, contract: Contract, broken: set[str]
) -> Iterator[Problem]:
    source, target = contract.source, contract.target
    for rule in mapping.fields:
        if source is not None:
            yield from _source_problems(found, rule, source)
        if target is None:
            continue
        alternatives = target.find(rule.target)
        if alternatives is None:
            reason = f"target {rule.target!r} is not in {target.label}{_hint(target, rule.target)}"
            yield Problem(found.file, rule.line, rule.target, reason, "target")
            continue
        if mapping.direction == "out" and target.read_only(alternatives):
            reason = f"target {rule.target!r} is read-only in {target.label}"
            yield Problem(found.file, rule.line, rule.target, reason, "target")
        yield from _kind_problems(found, rule, mapping.direction, source, target, alternatives)
    yield from _required_problems(found, mapping, contract, broken)


def _source_problems(found: Inspection, rule: FieldRule, source: SchemaView) -> Iterator[Problem]:
    paths = [(p, found.line("fields", rule.target, "from")) for p in _from_paths(rule)]
    paths += [(c.path, c.line) for c in rule.when]
    for path, line in paths:
        if source.find(path) is None:
            reason = f"source path {path!r} is not in {source.label}{_hint(source, path)}"
            yield Problem(found.file, line, rule.target, reason, "source")


def _from_paths(rule: FieldRule) -> tuple[str, ...]:
    if isinstance(rule.source, tuple):
        return rule.source
    return (rule.source,) if rule.source else ()


def _hint(view: SchemaView, path: str) -> str:
    """'did you mean ...?' from the keys the schema has where the path went wrong."""
    parent, _, last = path.rpartition(".")
    alternatives = view.find(parent) if parent else view.alternatives(view.schema)
    keys = sorted({k for alt in alternatives or [] for k in (alt.get("properties") or {})})
    close = get_close_matches(last, keys, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind_problems(
    found: Inspection,
    rule: FieldRule,
    direction: str,
    source: SchemaView | None,
    target: SchemaView,
    alternatives: list[dict[str, Any]],
) -> Iterator[Problem]:
    accepted = target.kinds(alternatives)
    if rule.has_default:
        why = target.subschema_errors(alternatives, rule.default)
        if why is not None:
            reason = f"default {rule.default!r} does not fit target {rule.target!r}: {why}"
            yield Problem(
                found.file,
                found.line("fields", rule.target, "default"),
                rule.target,
                reason,
                "type",
            )
    if rule.transform == "enum":  # its values are constants: validated one by one
        yield from _enum_problems(found, rule, target, alternatives)
        return
    if accepted is None:
        return
    if rule.transform is not None:
        produced, what = _transform_kinds(rule), f"transform {rule.transform!r} gives"
        line = found.line("fields", rule.target, "transform")
    elif isinstance(rule.source, str) and source is not None:
        at = source.find(rule.source)
        produced = source.kinds(at) if at is not None else None
        what = f"source {rule.source!r} is"
        line = found.line("fields", rule.target, "from")
    else:
        return
    if produced is None:
        return
    wrong = sorted(k for k in produced if k.type != "null" and not _fits(k, accepted, direction))
    if wrong:
        takes = ", ".join(sorted({str(k) for k in accepted if k.type != "null"})) or "null"
        given = ", ".join(str(k) for k in wrong)
        reason = f"{what} {given}, but target {rule.target!r} takes {takes}"
        yield Problem(found.file, line, rule.target, reason, "type")


def _enum_problems(
    found: Inspection, rule: FieldRule, target: SchemaView, alternatives: list[dict[str, Any]]
) -> Iterator[Problem]:
    values = dict(rule.params.get("map") or {})
    if "default" in rule.params:
        values["(default)"] = rule.params["default"]
    for code, value in values.items():
        why = target.subschema_errors(alternatives, value)
        if why is not None:
            reason = f"enum maps {code!r} to {value!r}, which target {rule.target!r} refuses: {why}"
            yield Problem(
                found.file,
                found.line("fields", rule.target, "transform"),
                rule.target,
                reason,
                "type",
            )


def _fits(kind: Kind, accepted: frozenset[Kind], direction: str) -> bool:
    """Whether a value of ``kind`` is taken by a target that takes ``accepted``.

    ``in`` targets are pydantic models: they parse dates from ISO text but take no number
    for text; ``out`` payloads pass the outbox's JSON conversion, so dates arrive as ISO text.
    """
    types = {k.type for k in accepted}
    formats = {k.format for k in accepted if k.type == "string"}
    if kind.type == "integer":
        return bool(types & {"integer", "number"})
    if kind.type in ("date", "datetime"):
        wanted = "date" if kind.type == "date" else "date-time"
        if "string" not in types:
            return False
        return wanted in formats if direction == "in" else bool(formats & {None, wanted})
    if kind.type == "string" and kind.format in ("date", "date-time"):
        return "string" in types and bool(formats & {None, kind.format})
    return kind.type in types


def _transform_kinds(rule: FieldRule) -> frozenset[Kind] | None:
    """What a transform gives, from its return annotation; None when it does not say."""
    transform = TRANSFORMS.get(rule.transform or "")
    if transform is None:
        return None
    try:
        hints = get_type_hints(transform.fn)
    except (NameError, TypeError):  # a registered transform with annotations we cannot read
        return None
    return _hint_kinds(hints.get("return", Any))


def _hint_kinds(hint: Any) -> frozenset[Kind] | None:
    if hint is Any:
        return None
    if get_origin(hint) in (Union, pytypes.UnionType):
        parts = [_hint_kinds(arg) for arg in get_args(hint)]
        if any(p is None for p in parts):
            return None
        return frozenset(k for p in parts if p for k in p)
    origin = get_origin(hint) or hint
    for python, kind in (
        (type(None), Kind("null")),
        (bool, Kind("boolean")),
        (int, Kind("integer")),
        (float, Kind("number")),
        (str, Kind("string")),
        (datetime, Kind("datetime")),
        (date, Kind("date")),
        (list, Kind("array")),
        (tuple, Kind("array")),
        (dict, Kind("object")),
    ):
        if origin is python:
            return frozenset({kind})
    return None


def _required_problems(
    found: Inspection, mapping: Mapping, contract: Contract, broken: set[str]
) -> Iterator[Problem]:
    """Required targets never set, or set only under a condition without a default."""
    if contract.target is None:
        return
    always = {r.target for r in mapping.fields if not r.when or r.has_default} | broken
    sometimes = {r.target: r for r in mapping.fields if r.when and not r.has_default}
    label = "the canonical model" if mapping.direction == "in" else contract.target.label
    wanted = [(key, label) for key in contract.required_targets]
    for prefix in _object_prefixes(r.target for r in mapping.fields):
        alternatives = contract.target.find(prefix)
        for key in sorted(contract.target.required(alternatives or [])):
            wanted.append((f"{prefix}.{key}", f"{label} (in {prefix!r})"))
    for key, where in wanted:
        if any(_covers(t, key) for t in always):
            continue
        rule = next((r for t, r in sometimes.items() if _covers(t, key)), None)
        if rule is not None:
            conditions = " and ".join(c.describe() for c in rule.when)
            reason = (
                f"required target {key!r} is set only when {conditions}: give it a default "
                f"(required by {where})"
            )
            yield Problem(found.file, rule.line, key, reason, "required")
            continue
        reason = f"required target {key!r} is never set (required by {where})"
        yield Problem(found.file, found.line("fields"), key, reason, "required")


def _covers(target: str, key: str) -> bool:
    return target == key or target.startswith(key + ".")


def _object_prefixes(targets: Iterable[str]) -> list[str]:
    """Every nested object a mapping builds (``a.0`` of ``a.0.b``; ``x`` of ``x.y``)."""
    prefixes: set[str] = set()
    for target in targets:
        parts = target.split(".")
        prefixes.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return sorted(prefixes)


# --- golden records --------------------------------------------------------------------------


def _check_golden(
    result: _Checked, found: Inspection, mapping: Mapping, contract: Contract, path: Path
) -> None:
    shown = _shown(path)
    if not path.is_file():
        reason = f"no golden record: write a realistic source record to {shown}"
        result.problems.append(Problem(found.file, 1, None, reason, "golden"))
        return
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text (byte {exc.start})"
        result.problems.append(Problem(shown, 1, None, reason, "golden"))
        return
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        result.problems.append(
            Problem(shown, exc.lineno, None, f"invalid JSON: {exc.msg}", "golden")
        )
        return
    if not isinstance(record, dict):
        reason = f"a golden record is one JSON object, not {type(record).__name__}"
        result.problems.append(Problem(shown, 1, None, reason, "golden"))
        return
    result.golden, result.golden_file = record, shown
    if contract.source is not None:
        for where, why in contract.source.errors(record):
            reason = f"the golden record does not fit {contract.source.label}: {why}"
            line = _json_line(text, where)
            result.problems.append(Problem(shown, line, where, reason, "golden"))
    mapped, errors = mapping.apply_collecting(record, record_id=path.stem)
    for error in errors:
        reason = f"golden record {shown}: {error.reason}"
        result.problems.append(Problem(found.file, error.line or 1, error.field, reason, "golden"))
    against = "the canonical model" if mapping.direction == "in" else _label(contract.target)
    invalid = [] if errors else contract.output_errors(mapped, record)
    for where, why in invalid:
        reason = f"golden record {shown} maps to a record {against} refuses: {why}"
        line = _rule_line(mapping, where)
        result.problems.append(Problem(found.file, line, where, reason, "golden"))
    if not errors and not invalid and (contract.target is not None or contract.model):
        result.golden_mapped = mapped


def _label(view: SchemaView | None) -> str:
    return view.label if view is not None else "the target"


def _rule_line(mapping: Mapping, where: str | None) -> int:
    """The line of the rule that sets a target path (or its nearest parent), else 1."""
    if not where:
        return 1
    for rule in mapping.fields:
        if rule.target == where or where.startswith(rule.target + "."):
            return rule.line
    for rule in mapping.fields:
        if rule.target.startswith(where + "."):
            return rule.line
    return 1


def _json_line(text: str, where: str | None) -> int:
    """The line of a golden record's key (by its last name), 1 when not found."""
    if not where:
        return 1
    key = json.dumps(where.rpartition(".")[2], ensure_ascii=False) + ":"
    for number, line in enumerate(text.splitlines(), start=1):
        if key in line:
            return number
    return 1


# --- round trips -----------------------------------------------------------------------------


def _round_trips(checked: list[_Checked]) -> Iterator[list[Problem]]:
    """For each system's in-mapping and its out-mappings of the same entity: golden record
    in, out again; each field of the record that the out-mapping writes must come back."""
    ins = [c for c in checked if c.contract and c.contract.direction == "in" and c.golden_mapped]
    outs = [
        c
        for c in checked
        if c.contract and c.mapping and c.contract.direction == "out" and not c.problems
    ]
    for in_ in ins:
        assert in_.contract is not None and in_.golden is not None
        for out in outs:
            assert out.contract is not None and out.mapping is not None
            same = (out.contract.system, out.contract.entity) == (
                in_.contract.system,
                in_.contract.entity,
            )
            if same and out.contract.canonical_source:
                yield list(_round_trip(in_, out))


def _round_trip(in_: _Checked, out: _Checked) -> Iterator[Problem]:
    assert in_.contract and in_.golden is not None and in_.golden_mapped is not None
    assert out.mapping is not None
    try:
        staged = in_.contract.staged(in_.golden_mapped, in_.golden)
    except ModelValidationError:  # already reported as a golden problem
        return
    payload, errors = out.mapping.apply_collecting(staged, record_id=in_.golden_file)
    failed = {e.field: e for e in errors}
    for rule in out.mapping.fields:
        before = _get(in_.golden, rule.target)
        if _missing(before):
            continue  # not a field of the system's record: nothing to compare
        trip = f"round trip of {in_.golden_file} through {in_.file}"
        if rule.target in failed:
            reason = f"{trip}: does not come back: {failed[rule.target].reason}"
        else:
            after = _get(payload, rule.target)
            if _missing(after):
                reason = f"{trip}: is lost (was {before!r})"
            elif to_jsonable_python(after) != to_jsonable_python(before):
                reason = f"{trip}: comes back as {after!r}, was {before!r}"
            else:
                continue
        yield Problem(out.file, rule.line, rule.target, reason, "round_trip")


_ABSENT: Any = object()


def _get(record: Any, path: str) -> Any:
    value = record
    for key in path.split("."):
        if isinstance(value, dict):
            value = value.get(key, _ABSENT)
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return _ABSENT
    return value


def _missing(value: Any) -> bool:
    return value is _ABSENT or value is None or value == ""


def _shown(path: Path) -> str:
    for base in (REPO_ROOT, Path.cwd()):
        try:
            return path.resolve().relative_to(base).as_posix()
        except ValueError:
            continue
    return os.fspath(path)
