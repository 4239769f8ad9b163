"""Load mapping files with their line numbers, validate and compile them once, apply to records.

A mapping file is the auditor-facing contract of one system, entity and direction. Every
mistake in it is reported with file, line and field when it is loaded; every record it cannot
map raises ``MappingError`` naming the record, field, source path, file and line, so a caller
can dead-letter that record and go on.

Paths are dotted. In a source path a segment of digits reads a list item (``items.0.name``)
unless the object has that key; in a target path below the top level it builds a list. A
source value that is absent, null or the empty string counts as missing.

A field rule may carry a condition (``when``): a test of the source record (a path equals a
value, is one of several, or is present or not). The rule applies only when every test holds;
otherwise the field gets its default, or stays absent (``required`` is then not enforced).
Conditions are compiled once, with the rest of the file.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from hrhub.mapping.transforms import TRANSFORMS, TransformError, compile_transform
from hrhub.yaml_lines import YamlSyntaxError, read_lined_yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "schemas" / "mapping.schema.json"
MAPPINGS_DIR_ENV = "HRHUB_MAPPINGS_DIR"
DIRECTIONS = ("in", "out")

_MISSING: Any = object()
_NAME = re.compile(r"[A-Za-z0-9_]+")
# A list index in a target builds the list up to it: past this it is a mistake, not data.
MAX_TARGET_INDEX = 1000
_Path = tuple[str | int, ...]


# --- errors --------------------------------------------------------------------------------


class MappingError(ValueError):
    """A record this mapping cannot map (or, as ``MappingFileError``, a broken mapping file)."""

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        source: str | None = None,
        record_id: str | None = None,
        system: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.file = file
        self.line = line
        self.field = field
        self.source = source
        self.record_id = record_id
        self.system = system

    def __str__(self) -> str:
        if self.record_id is None:
            record = f"a record of {self.system}" if self.system else "record"
        elif not self.system:
            record = self.record_id
        elif self.record_id.startswith(f"{self.system}:"):  # a canonical id names its system
            record = f"record {self.record_id}"
        else:
            record = f"record {self.system}:{self.record_id}"
        where = [f"from {self.source!r}"] if self.source else []
        if self.file:
            where.append(f"{self.file} line {self.line}" if self.line else self.file)
        text = record
        if self.field:
            text += f" field {self.field!r}"
        if where:
            text += f" ({', '.join(where)})"
        return f"{text}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        """Plain data for dead letters and reports."""
        return {
            "message": str(self),
            "reason": self.reason,
            "system": self.system,
            "record_id": self.record_id,
            "field": self.field,
            "source": self.source,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class FileProblem:
    """One mistake in a mapping file: its line, the target field it concerns, why, and its kind.

    ``kind`` is one of ``encoding``, ``empty``, ``syntax``, ``cycle``, ``duplicate``,
    ``schema``, ``transform``, ``condition``, ``target`` and ``declaration``, so tools can
    group mistakes without parsing the text.
    """

    line: int | None
    reason: str
    field: str | None = None
    kind: str = "schema"

    def sort_key(self) -> tuple[int, str, str, str]:
        return (self.line or 0, self.reason, self.field or "", self.kind)


_Problem = FileProblem


class MappingFileError(MappingError):
    """A mistake in a mapping file; ``problems`` lists every one found, first one first, as
    text, and ``entries`` the same as ``FileProblem`` records."""

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        problems: Iterable[str] = (),
        entries: Iterable[FileProblem] = (),
        kind: str = "schema",
    ) -> None:
        super().__init__(reason, file=file, line=line, field=field)
        self.problems = tuple(problems) or (self._locate(reason, line),)
        self.entries = tuple(entries) or (FileProblem(line, reason, field, kind),)

    def _locate(self, reason: str, line: int | None) -> str:
        return f"{self.file} line {line}: {reason}" if line else f"{self.file}: {reason}"

    def __str__(self) -> str:
        return "\n".join(self.problems)


def _sorted(problems: Iterable[FileProblem]) -> tuple[FileProblem, ...]:
    return tuple(sorted(set(problems), key=FileProblem.sort_key))


def _raise_problems(problems: Iterable[FileProblem], file: str) -> None:
    found = _sorted(problems)
    if not found:
        return
    first = found[0]
    raise MappingFileError(
        first.reason,
        file=file,
        line=first.line,
        field=first.field,
        problems=[
            f"{file} line {p.line}: {p.reason}" if p.line else f"{file}: {p.reason}" for p in found
        ],
        entries=found,
    )


# --- reading YAML with line numbers --------------------------------------------------------


def _read_yaml(text: str, file: str) -> tuple[Any, dict[_Path, int], list[_Problem]]:
    """Data, the line of every key and list item, and duplicate keys (YAML keeps the last)."""
    try:
        lined = read_lined_yaml(text)
    except YamlSyntaxError as exc:  # every way the text is not YAML (hrhub.yaml_lines)
        raise MappingFileError(exc.reason, file=file, line=exc.line, kind="syntax") from None
    problems = [
        _Problem(
            d.line,
            f"duplicate key {d.path[-1]!r} (first at line {d.first_line}){_for(d.path)}",
            _field_of(d.path),
            "duplicate",
        )
        for d in lined.duplicates
    ]
    return lined.data, lined.lines, problems


def _cycles(data: Any, lines: dict[_Path, int]) -> list[_Problem]:
    """A YAML alias inside the node it names (``a: &x [*x]``) makes data that contains itself:
    no mapping can mean that, and validating it would never end. One problem per cycle, at
    the alias. Shared but acyclic aliases are fine and are walked once (no alias bombs).
    The grammar itself has no references between fields (every path reads the source record,
    conditions included), so aliases are the only way a file can refer to itself."""
    problems: list[_Problem] = []
    done: set[int] = set()

    def walk(node: Any, path: _Path, open_: dict[int, _Path]) -> None:
        if not isinstance(node, dict | list) or id(node) in done:
            return
        if id(node) in open_:
            anchor = ".".join(map(str, open_[id(node)])) or "the file"
            reason = f"recursive YAML alias: {'.'.join(map(str, path))} refers back to {anchor}"
            problems.append(_Problem(_line(lines, path), reason, _field_of(path), "cycle"))
            return
        open_[id(node)] = path
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            walk(child, (*path, key), open_)
        del open_[id(node)]
        done.add(id(node))

    walk(data, (), {})
    return problems


def _line(lines: dict[_Path, int], path: Iterable[str | int]) -> int:
    """Line of the deepest known part of ``path``."""
    parts = tuple(path)
    while parts not in lines:
        parts = parts[:-1]
    return lines[parts]


def _field_of(path: _Path) -> str | None:
    return str(path[1]) if len(path) >= 2 and path[0] == "fields" else None


def _for(path: _Path) -> str:
    target = _field_of(path)
    return f" for field {target!r}" if target else ""


# --- schema validation ---------------------------------------------------------------------


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _schema_problems(data: Any, lines: dict[_Path, int]) -> list[_Problem]:
    problems = []
    for error in _validator().iter_errors(data):
        path, reason = _explain(error)
        kind = "condition" if path[2:3] == ("when",) else "schema"
        problems.append(_Problem(_line(lines, path), reason, _field_of(path), kind))
    return problems


_TYPE_WORDS = {
    "object": "a mapping",
    "string": "text",
    "boolean": "true or false",
    "array": "a list",
    "number": "a number",
    "integer": "an integer",
}


def _explain(error: ValidationError) -> tuple[_Path, str]:
    """Say what is wrong in the words of the mapping grammar, and where."""
    path: _Path = tuple(error.absolute_path)
    kind, value, instance = error.validator, error.validator_value, error.instance
    name = repr(path[-1]) if path else "the file"
    if "propertyNames" in error.absolute_schema_path:  # a bad key: point at the key itself
        what = "target" if path == ("fields",) else "key"
        title = error.schema.get("title", "name")
        return (*path, instance), f"{what} {instance!r} is not a valid {title}"
    where = _for(path)
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        key = next(k for k in instance if k not in allowed)
        path = (*path, key)
        return path, f"unknown key {key!r}{where} (allowed: {', '.join(allowed)})"
    if kind == "required":
        if "then" in error.absolute_schema_path:
            return path, f"a field without 'from' needs a 'default'{where}"
        missing = [k for k in value if k not in instance]  # one error per key, the same text
        keys = "key" if len(missing) == 1 else "keys"
        return path, f"missing {keys} {', '.join(repr(k) for k in missing)}{where}"
    if kind == "dependentRequired":
        key = next((k for k in value if k in instance and "from" not in instance), "transform")
        return path, f"{key!r} needs 'from'{where}"
    if kind in ("minProperties", "maxProperties") and error.schema.get("title") == "condition":
        return path, f"a condition needs 'path' and exactly one test: equals, in or present{where}"
    if kind == "enum":
        allowed = ", ".join(repr(v) for v in value)
        return path, f"{name} must be one of {allowed}, got {instance!r}"
    if kind == "type":
        if error.schema.get("title") == "field rule":
            return path, f"field {path[-1]!r} must be a source path or a mapping of rules"
        words = value if isinstance(value, list) else [value]
        expected = " or ".join(_TYPE_WORDS.get(w, w) for w in words)
        return path, f"{name} must be {expected}{where}, got {instance!r}"
    if kind == "pattern":
        title = error.schema.get("title", "value")
        return path, f"{instance!r} is not a valid {title}{where}"
    if kind == "minProperties":
        return path, f"{name} needs at least {value} entry"
    if kind == "minItems":
        return path, f"{name} needs at least {value} items{where}"
    if kind == "minLength":
        return path, f"{name} must not be empty{where}"
    return path, f"{error.message}{where}"


# --- compiling fields ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Condition:
    """One test of the source record: ``path`` equals a value, is one of values, or is present.

    Values compare as text across numbers and text (``2`` matches ``"2"``, as in ``enum``),
    because one system sends a code as a number where another sends it as text; booleans
    match only booleans.
    """

    path: str
    test: str  # "equals", "in" or "present"
    value: Any  # the value, a tuple of values, or true/false
    line: int

    def describe(self) -> str:
        if self.test == "present":
            return f"{self.path} is {'present' if self.value else 'absent'}"
        if self.test == "in":
            return f"{self.path} in {list(self.value)!r}"
        return f"{self.path} == {self.value!r}"


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One target field as the file states it, plus the closures compiled from it."""

    target: str
    source: str | tuple[str, ...] | None
    transform: str | None
    params: MappingProxyType[str, Any]
    has_default: bool
    default: Any
    required: bool
    personal_data: bool
    note: str | None
    line: int
    get: Callable[[dict[str, Any]], Any] = field(repr=False, compare=False)
    convert: Callable[[Any], Any] | None = field(repr=False, compare=False)
    fill: Callable[[], Any] | None = field(repr=False, compare=False)
    put: Callable[[dict[str, Any], Any], None] = field(repr=False, compare=False)
    when: tuple[Condition, ...] = ()
    applies: Callable[[dict[str, Any]], bool] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def source_label(self) -> str | None:
        return ", ".join(self.source) if isinstance(self.source, tuple) else self.source

    @property
    def source_paths(self) -> tuple[str, ...]:
        """Every path of the source record this rule reads, its condition's included."""
        sources = self.source if isinstance(self.source, tuple) else (self.source,)
        return tuple(p for p in sources if p) + tuple(c.path for c in self.when)


class _FieldProblem(Exception):
    """Carries one field's mistake out of ``_compile_field``."""

    def __init__(self, problem: _Problem) -> None:
        self.problem = problem


def _compile_fields(
    fields: dict[str, Any], lines: dict[_Path, int]
) -> tuple[list[FieldRule], list[_Problem]]:
    rules: list[FieldRule] = []
    problems = _target_conflicts(fields, lines)
    for target, spec in fields.items():
        try:
            rules.append(_compile_field(target, spec, lines))
        except _FieldProblem as exc:
            problems.append(exc.problem)
    return rules, problems


def _compile_field(target: str, spec: Any, lines: dict[_Path, int]) -> FieldRule:
    here: _Path = ("fields", target)
    rule = {"from": spec} if isinstance(spec, str) else spec
    source = rule.get("from")
    sources = tuple(source) if isinstance(source, list) else None
    name, params, convert = None, {}, None
    where = f" for field {target!r}"

    def problem(reason: str, *at: str | int, kind: str = "schema") -> _FieldProblem:
        return _FieldProblem(_Problem(_line(lines, (*here, *at)), reason, target, kind))

    too_far = [s for s in target.split(".")[1:] if (_index(s) or 0) > MAX_TARGET_INDEX]
    if too_far:
        raise problem(
            f"list index {too_far[0]} in field {target!r} is too large "
            f"(at most {MAX_TARGET_INDEX})",
            kind="target",
        )

    transform = rule.get("transform")
    if transform is not None:
        name = transform if isinstance(transform, str) else transform["name"]
        params = {} if isinstance(transform, str) else dict(transform)
        params.pop("name", None)
        try:
            convert = compile_transform(name, params, where=where)
        except TransformError as exc:
            raise problem(str(exc), "transform", "name", kind="transform") from None
        takes_list = TRANSFORMS[name].takes_list
        if sources and not takes_list:
            raise problem(
                f"transform {name!r}{where} takes one value, but 'from' is a list", "from"
            )
        if takes_list and not sources:
            raise problem(f"transform {name!r}{where} combines values: make 'from' a list", "from")
    elif sources:
        raise problem(f"'from'{where} is a list: name a transform that combines values", "from")

    has_default = "default" in rule
    default = rule.get("default")
    fill = None
    if has_default:
        fill = (
            (lambda: copy.deepcopy(default))
            if isinstance(default, dict | list)
            else (lambda: default)
        )
    when = _conditions(rule.get("when"), (*here, "when"), lines)
    return FieldRule(
        target=target,
        source=sources or source,
        transform=name,
        params=MappingProxyType(params),
        has_default=has_default,
        default=default,
        required=bool(rule.get("required", False)),
        personal_data=bool(rule.get("personal_data", False)),
        note=rule.get("note"),
        line=_line(lines, here),
        get=_list_getter(sources) if sources else _getter(source) if source else _absent,
        convert=convert,
        fill=fill,
        put=_putter(_target_keys(target)),
        when=when,
        applies=_all_hold(when) if when else None,
    )


_TESTS = ("equals", "in", "present")


def _conditions(spec: Any, at: _Path, lines: dict[_Path, int]) -> tuple[Condition, ...]:
    """The file's ``when`` (one condition or a list of them; the schema vetted their shape)."""
    if spec is None:
        return ()
    items = spec if isinstance(spec, list) else [spec]
    found = []
    for index, item in enumerate(items):
        where = (*at, index) if isinstance(spec, list) else at
        test = next(t for t in _TESTS if t in item)
        value = tuple(item[test]) if test == "in" else item[test]
        found.append(Condition(item["path"], test, value, _line(lines, where)))
    return tuple(found)


_NO_MATCH = object()


def _match_key(value: Any) -> Any:
    """What a value compares as in a condition: text for numbers and text, booleans apart."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float) and value.is_integer():
        return ("text", str(int(value)))
    if isinstance(value, str | int | float):
        return ("text", str(value))
    return _NO_MATCH


def _holds(condition: Condition) -> Callable[[dict[str, Any]], bool]:
    get = _getter(condition.path)
    if condition.test == "present":
        wanted = bool(condition.value)
        return lambda record: (not _is_missing(get(record))) is wanted
    if condition.test == "in":
        keys = frozenset(_match_key(v) for v in condition.value)
        return lambda record: _match_key(get(record)) in keys
    key = _match_key(condition.value)
    return lambda record: _match_key(get(record)) == key


def _all_hold(conditions: tuple[Condition, ...]) -> Callable[[dict[str, Any]], bool]:
    tests = tuple(_holds(c) for c in conditions)
    if len(tests) == 1:
        return tests[0]
    return lambda record: all(test(record) for test in tests)


def _index(segment: str) -> int | None:
    """The list index a path segment names, or None for a key. ASCII digits only ("²" is a
    digit to str.isdigit(), not to int()); more digits than any list could need read as
    sys.maxsize (int() refuses thousands of digits)."""
    if not (segment.isascii() and segment.isdigit()):
        return None
    digits = segment.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else sys.maxsize


def _target_keys(target: str) -> tuple[str | int, ...]:
    head, *rest = target.split(".")
    return (head, *(s if (index := _index(s)) is None else index for s in rest))


def _target_conflicts(fields: dict[str, Any], lines: dict[_Path, int]) -> list[_Problem]:
    """Targets must fit in one tree: 'a' and 'a.b', or 'a.0' and 'a.b', cannot both be set."""
    containers: dict[tuple[str | int, ...], tuple[type, str]] = {}
    problems = []
    for target in fields:
        keys = _target_keys(target)
        for depth in range(1, len(keys)):
            kind = list if isinstance(keys[depth], int) else dict
            prefix = keys[:depth]
            seen = containers.setdefault(prefix, (kind, target))
            if seen[0] is not kind:
                reason = f"field {target!r} and field {seen[1]!r} need different shapes"
                line = _line(lines, ("fields", target))
                problems.append(_Problem(line, reason, target, "target"))
    for target in fields:
        keys = _target_keys(target)
        if keys in containers:
            other = containers[keys][1]
            reason = f"field {target!r} is set whole and also has field {other!r} inside it"
            problems.append(_Problem(_line(lines, ("fields", target)), reason, target, "target"))
    return problems


# --- paths ---------------------------------------------------------------------------------


def _absent(_record: dict[str, Any]) -> Any:
    return _MISSING


def _getter(path: str) -> Callable[[dict[str, Any]], Any]:
    steps = tuple((s, _index(s)) for s in path.split("."))

    def get(record: dict[str, Any]) -> Any:
        value: Any = record
        for key, index in steps:
            if isinstance(value, dict):
                value = value.get(key, _MISSING)
                if value is _MISSING:
                    return _MISSING
            elif index is not None and isinstance(value, list | tuple) and index < len(value):
                value = value[index]
            else:
                return _MISSING
        return value

    return get


def _list_getter(paths: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    """The values of several paths as one list (empty ones as None); missing if all are."""
    if not any("." in p for p in paths):  # top-level keys: one dict.get each
        keys = paths

        def get_top(record: dict[str, Any]) -> Any:
            values = [record.get(k) for k in keys]
            found = False
            for index, value in enumerate(values):
                if value is None or (value.__class__ is str and not value):
                    values[index] = None
                else:
                    found = True
            return values if found else _MISSING

        return get_top
    getters = tuple(_getter(p) for p in paths)

    def get(record: dict[str, Any]) -> Any:
        values = [g(record) for g in getters]
        if all(_is_missing(v) for v in values):
            return _MISSING
        return [None if _is_missing(v) else v for v in values]

    return get


def _is_missing(value: Any) -> bool:
    return value is _MISSING or value is None or (isinstance(value, str) and not value)


def _putter(keys: tuple[str | int, ...]) -> Callable[[dict[str, Any], Any], None]:
    parents, last = keys[:-1], keys[-1]
    kinds = tuple(list if isinstance(k, int) else dict for k in keys[1:])

    def put(out: dict[str, Any], value: Any) -> None:
        node: Any = out
        for key, kind in zip(parents, kinds, strict=True):
            node = _child(node, key, kind)
        _store(node, last, value)

    return put


def _child(node: Any, key: str | int, kind: type) -> Any:
    if isinstance(key, int):
        _grow(node, key)
        if node[key] is None:
            node[key] = kind()
        return node[key]
    child = node.get(key)
    if child is None:
        child = node[key] = kind()
    return child


def _store(node: Any, key: str | int, value: Any) -> None:
    if isinstance(key, int):
        _grow(node, key)
    node[key] = value


def _grow(items: list[Any], index: int) -> None:
    if len(items) <= index:
        items.extend([None] * (index + 1 - len(items)))


# --- one rule, compiled into one step --------------------------------------------------------

Fail = Callable[[FieldRule, str, "str | None"], "MappingError"]
Step = Callable[[dict[str, Any], dict[str, Any], "str | None"], None]


def _step(rule: FieldRule, fail: Fail) -> Step:
    """One closure doing the rule's whole job for a record: condition, read, transform, default,
    required, write. Specialised when the file allows it (a top-level source read with one
    ``dict.get``, a top-level target stored with one assignment): this is what keeps mapping at
    tens of thousands of records a second per core."""
    get, convert, fill, applies, required = (
        rule.get,
        rule.convert,
        rule.fill,
        rule.applies,
        rule.required,
    )
    source = rule.source if isinstance(rule.source, str) and "." not in rule.source else None
    keys = _target_keys(rule.target)
    top = keys[0] if len(keys) == 1 else None
    put = rule.put
    missing = _MISSING

    def absent(out: dict[str, Any], record_id: str | None) -> None:
        if fill is not None:
            value = fill()
            if top is not None:
                out[top] = value
            else:
                put(out, value)
        elif required:
            raise fail(rule, "required but missing or empty", record_id)

    def step(record: dict[str, Any], out: dict[str, Any], record_id: str | None) -> None:
        if applies is not None and not applies(record):
            if fill is not None:
                absent(out, record_id)
            return
        value = record.get(source, missing) if source is not None else get(record)
        if value is missing or value is None or (value.__class__ is str and not value):
            absent(out, record_id)
            return
        if convert is not None:
            try:
                value = convert(value)
            except Exception as exc:  # a bug in one transform must not stop the batch
                raise fail(rule, _conversion_reason(rule, exc), record_id) from exc
            if value is missing or value is None or (value.__class__ is str and not value):
                absent(out, record_id)
                return
        if top is not None:
            out[top] = value
        else:
            put(out, value)

    return step


def _conversion_reason(rule: FieldRule, exc: Exception) -> str:
    """Why a transform refused a value; personal data is never quoted back."""
    if isinstance(exc, TransformError):
        return exc.safe_message if rule.personal_data else exc.message
    detail = "" if rule.personal_data else f": {exc}"
    return f"{rule.transform}: unexpected {type(exc).__name__}{detail}"


# --- the mapping ---------------------------------------------------------------------------


def _display(path: Path) -> str:
    """The path auditors recognise: relative to the repository (or working directory)."""
    for base in (REPO_ROOT, Path.cwd()):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


class Mapping:
    """A validated, compiled mapping file; ``version`` is the hash stamped on what it writes."""

    __slots__ = (
        "_steps",
        "description",
        "direction",
        "entity",
        "fields",
        "file",
        "path",
        "system",
        "version",
    )

    def __init__(
        self,
        *,
        system: str,
        entity: str,
        direction: str,
        description: str | None,
        version: str,
        file: str,
        path: Path,
        fields: tuple[FieldRule, ...],
    ) -> None:
        self.system = system
        self.entity = entity
        self.direction = direction
        self.description = description
        self.version = version
        self.file = file
        self.path = path
        self.fields = fields
        self._steps = tuple(_step(rule, self._error) for rule in fields)

    def __repr__(self) -> str:
        return f"<Mapping {self.file} {self.version}>"

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Mapping:
        """Read, validate and compile a mapping file; ``MappingFileError`` lists its mistakes."""
        found = inspect_mapping(path)
        _raise_problems(found.problems, found.file)
        assert found.mapping is not None  # no problems means a whole mapping
        return found.mapping

    def apply(self, record: dict[str, Any], *, record_id: str | None = None) -> dict[str, Any]:
        """Map one record; ``MappingError`` names the record and field that could not be mapped."""
        if not isinstance(record, dict):
            self._check_record(record, record_id)
        out: dict[str, Any] = {}
        for step in self._steps:
            step(record, out, record_id)
        return out

    def apply_collecting(
        self, record: dict[str, Any], *, record_id: str | None = None
    ) -> tuple[dict[str, Any], list[MappingError]]:
        """Map every field that can be mapped and list the ones that cannot, instead of
        stopping at the first: what contract checks and golden records need to see."""
        self._check_record(record, record_id)
        out: dict[str, Any] = {}
        errors: list[MappingError] = []
        for step in self._steps:
            try:
                step(record, out, record_id)
            except MappingError as exc:
                errors.append(exc)
        return out, errors

    def _check_record(self, record: Any, record_id: str | None) -> None:
        if not isinstance(record, dict):
            raise MappingError(
                f"expected an object, got {type(record).__name__}",
                file=self.file,
                record_id=record_id,
                system=self.system,
            )

    def apply_many(
        self, records: Iterable[dict[str, Any]], id_field: str | None
    ) -> tuple[list[dict[str, Any]], list[MappingError]]:
        """Map a batch; a bad record becomes an error in the second list, the rest go on."""
        get_id = _getter(id_field) if id_field else _absent
        mapped: list[dict[str, Any]] = []
        failed: list[MappingError] = []
        for record in records:
            raw_id = get_id(record) if isinstance(record, dict) else _MISSING
            record_id = None if _is_missing(raw_id) else str(raw_id)
            try:
                mapped.append(self.apply(record, record_id=record_id))
            except MappingError as exc:
                failed.append(exc)
        return mapped, failed

    def _error(self, rule: FieldRule, reason: str, record_id: str | None) -> MappingError:
        return MappingError(
            reason,
            file=self.file,
            line=rule.line,
            field=rule.target,
            source=rule.source_label,
            record_id=record_id,
            system=self.system,
        )


# --- inspecting a file ----------------------------------------------------------------------


@dataclass(frozen=True)
class Inspection:
    """What loading a file found: every problem, and the mapping of its sound fields (None
    when the file cannot be read as a mapping at all, e.g. bad YAML or a bad header)."""

    file: str
    path: Path
    mapping: Mapping | None
    problems: tuple[FileProblem, ...]
    lines: MappingProxyType[_Path, int] = field(default_factory=lambda: MappingProxyType({}))

    def line(self, *path: str | int) -> int:
        """Line of the deepest known part of a path in the file (``"fields", "a", "from"``)."""
        return _line(dict(self.lines), path) if self.lines else 1


def inspect_mapping(path: str | os.PathLike[str]) -> Inspection:
    """Read, validate and compile a mapping file as far as it goes, collecting every mistake.

    ``Mapping.load`` is this plus "raise if anything was wrong"; checkers call it to go on
    checking the sound fields of a file that has mistakes.
    """
    resolved = Path(path).resolve()
    file = _display(resolved)

    lines: dict[_Path, int] = {(): 1}

    def failed(*problems: FileProblem) -> Inspection:
        return Inspection(file, resolved, None, _sorted(problems), MappingProxyType(lines))

    raw = resolved.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return failed(FileProblem(None, f"not UTF-8 text (byte {exc.start})", None, "encoding"))
    try:
        data, found_lines, problems = _read_yaml(text, file)
        lines.update(found_lines)
    except MappingFileError as exc:
        return failed(*exc.entries)
    if data is None:
        return failed(FileProblem(None, "the file is empty", None, "empty"))
    cycles = _cycles(data, lines)
    if cycles:  # validating data that contains itself would never end
        return failed(*problems, *cycles)
    problems += _schema_problems(data, lines)
    fields = data.get("fields") if isinstance(data, dict) else None
    rules: list[FieldRule] = []
    if isinstance(fields, dict):  # compile the sound fields too: report every mistake at once
        broken = {problem.field for problem in problems}
        sound = {k: v for k, v in fields.items() if isinstance(k, str) and k not in broken}
        rules, more = _compile_fields(sound, lines)
        problems += more
    if not _sound_header(data):
        return failed(*problems)
    mapping = Mapping(
        system=data["system"],
        entity=data["entity"],
        direction=data["direction"],
        description=data.get("description") if isinstance(data.get("description"), str) else None,
        version="sha256:" + hashlib.sha256(raw).hexdigest()[:16],
        file=file,
        path=resolved,
        fields=tuple(rules),
    )
    return Inspection(file, resolved, mapping, _sorted(problems), MappingProxyType(lines))


def _sound_header(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    names = [data.get(key) for key in ("system", "entity")]
    return (
        all(isinstance(n, str) and _NAME.fullmatch(n) for n in names)
        and data.get("direction") in DIRECTIONS
    )


# --- finding mapping files -----------------------------------------------------------------


def mappings_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """``<root>/mappings``; without a root, ``$HRHUB_MAPPINGS_DIR`` or the repository's."""
    if root is not None:
        return Path(root) / "mappings"
    configured = os.environ.get(MAPPINGS_DIR_ENV)
    return Path(configured) if configured else REPO_ROOT / "mappings"


def mapping_path(
    system: str, entity: str, direction: str, root: str | os.PathLike[str] | None = None
) -> Path:
    """Where the mapping for ``system``, ``entity`` and ``direction`` lives."""
    for label, value in (("system", system), ("entity", entity)):
        if not _NAME.fullmatch(value):
            raise ValueError(f"invalid {label} name {value!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'in' or 'out', got {direction!r}")
    return mappings_dir(root) / system / f"{entity}.{direction}.yaml"


@lru_cache(maxsize=256)
def _load_unchanged(path: Path, digest: str) -> Mapping:
    """A mapping file compiled once per content (`digest` of its bytes; a `Mapping` is
    immutable): the flow maps in many small batches, and parsing and checking the YAML for
    each cost more than the mapping."""
    return Mapping.load(path)


def load_mapping(
    system: str,
    entity: str,
    direction: str,
    root: str | os.PathLike[str] | None = None,
    *,
    name: str | None = None,
) -> Mapping:
    """Load ``mappings/<system>/<entity>.<direction>.yaml`` and check it says what its path says.

    ``name`` replaces the file stem when a system has several streams of one entity (NC persons
    and YonBIP staff are both employees); the file must still declare ``entity``.

    ``root`` is the directory that holds ``mappings/`` (the repository by default);
    ``$HRHUB_MAPPINGS_DIR`` names the mappings directory itself.
    """
    path = mapping_path(system, name or entity, direction, root)
    if not path.is_file():
        raise FileNotFoundError(
            f"no mapping for {system} {entity} ({direction}): {path} is missing"
        )
    mapping = _load_unchanged(path, hashlib.sha256(path.read_bytes()).hexdigest())
    said = (mapping.system, mapping.entity, mapping.direction)
    if said != (system, entity, direction):
        raise MappingFileError(
            f"the file declares system/entity/direction {'/'.join(said)!r} "
            f"but sits at the path for {system}/{entity}/{direction}",
            file=mapping.file,
            kind="declaration",
        )
    return mapping
