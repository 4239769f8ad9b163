"""The mapping grammar, fuzzed: any file `Mapping.load` (and `hrhub mappings check`, through
`inspect_mapping`) is given either loads or raises MappingFileError naming the file, and the
line of every mistake that has one; a loaded mapping maps any record or raises MappingError
naming the record, the field and the file.

Files are drawn three ways: arbitrary text and bytes, YAML token soup, and documents built
from the grammar (schemas/mapping.schema.json: header, fields, from, transform with random
parameters, default, required, when) then dumped as YAML and sometimes mutated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, example, given
from hypothesis import strategies as st

from hrhub.mapping import TRANSFORMS, Mapping, MappingError, MappingFileError

from .support import JSON_VALUES, fuzz

REPO = Path(__file__).resolve().parents[2]
# Kinds of mistake that have no line: the file is not text, is empty, or YAML gave no mark.
LINELESS = {"encoding", "empty", "syntax"}


@pytest.fixture(scope="module")
def mapping_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file path the examples overwrite: loading reads it anew each time."""
    return tmp_path_factory.mktemp("fuzz-mapping") / "fuzzed.in.yaml"


def load(path: Path, content: str | bytes) -> Mapping | None:
    """Write `content` and load it: the mapping, or None after checking the MappingFileError."""
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(content)
    try:
        mapping = Mapping.load(path)
    except MappingFileError as exc:
        assert exc.file and exc.file.endswith(path.name), exc.file
        assert exc.entries and str(exc)
        for entry in exc.entries:
            assert entry.kind in LINELESS or (entry.line or 0) >= 1, entry
        event(f"refused: {exc.entries[0].kind}")
        return None
    event("loaded")
    return mapping


# --------------------------------------------------------------------------- the grammar

SEGMENTS = st.one_of(
    st.from_regex(r"[a-z][a-z_]{0,4}", fullmatch=True),
    st.integers(0, 3).map(str),
    st.sampled_from(["²", "99999999999", "1" * 5000, "é", "*", "-1"]),
)
PATHS = st.one_of(
    st.lists(SEGMENTS, min_size=1, max_size=3).map(".".join),
    st.sampled_from(["", " a", "a..b", "a.", ".a", "a b"]),
)
PARAM_VALUES = st.one_of(
    st.sampled_from(["Asia/Shanghai", "UTC", "Asia", "a" * 300, "../etc", ", ", "", "x"]),
    st.integers(-3, 5),
    st.booleans(),
    st.floats(allow_nan=False),
    st.dictionaries(
        st.sampled_from(["1", "a", "yes"]) | st.integers(0, 2), JSON_VALUES, max_size=3
    ),
    JSON_VALUES,
)
PARAMS = ["sep", "zone", "map", "default", "key", "system", "entity", "index", "keep", "salt"]
PARAMS += ["prefix", "factor", "offset", "Bad", "name"]
TRANSFORM_NAMES = st.sampled_from(sorted(TRANSFORMS)) | st.sampled_from(["nope", "Str", ""])
TRANSFORM = st.one_of(
    TRANSFORM_NAMES,
    st.tuples(
        TRANSFORM_NAMES, st.dictionaries(st.sampled_from(PARAMS), PARAM_VALUES, max_size=3)
    ).map(lambda t: {"name": t[0], **t[1]}),
    JSON_VALUES,
)
SCALARS = st.one_of(st.text(max_size=5), st.integers(-3, 3), st.booleans(), st.floats())
CONDITION = st.fixed_dictionaries(
    {"path": PATHS},
    optional={
        "equals": SCALARS,
        "in": st.lists(SCALARS, max_size=3),
        "present": st.booleans() | SCALARS,
        "other": SCALARS,
    },
)
RULE = st.fixed_dictionaries(
    {},
    optional={
        "from": PATHS | st.lists(PATHS, max_size=3),
        "transform": TRANSFORM,
        "default": JSON_VALUES,
        "required": st.booleans() | SCALARS,
        "personal_data": st.booleans(),
        "note": st.text(max_size=8),
        "when": CONDITION | st.lists(CONDITION, max_size=2),
        "form": SCALARS,  # a typo of a grammar key
    },
)
HEADER = st.fixed_dictionaries(
    {
        "system": st.just("attendance") | st.text(max_size=6),
        "entity": st.just("attendance_event") | st.text(max_size=6),
        "direction": st.sampled_from(["in", "out", "sideways"]),
    },
    optional={"description": st.text(max_size=10) | JSON_VALUES, "extra": SCALARS},
)
WILD_DOCUMENTS = st.tuples(
    HEADER, st.dictionaries(PATHS | st.integers(0, 3), PATHS | RULE | JSON_VALUES, max_size=4)
).map(lambda t: {**t[0], "fields": t[1]})

# Transforms with parameters they accept, so that most drawn files load and get applied.
SOUND_TRANSFORMS = [
    "str",
    "int",
    "float",
    "strip",
    "lower",
    "upper",
    "sf_date",
    "to_sf_date",
    "epoch_ms",
    "iso_date",
    "hash",
    "cn_mobile",
    "to_naive_local",
    "to_local_date",
    {"name": "naive_local", "zone": "UTC"},
    {"name": "iso_datetime", "zone": "Asia/Shanghai"},
    {"name": "enum", "map": {"1": "a", "2": "b"}},
    {"name": "enum", "map": {"x": 1}, "default": None},
    {"name": "split", "sep": ",", "index": -1},
    {"name": "mask", "keep": 2},
    {"name": "multiply", "factor": 60},
    {"name": "pluck", "key": "id"},
    {"name": "ref", "system": "successfactors", "entity": "candidate"},
]
COMBINING = ["collect", "person_name", {"name": "concat", "sep": ", "}]
SOUND_PATHS = st.from_regex(r"[a-c](\.[a-c0-2]){0,2}", fullmatch=True)
SOUND_CONDITION = st.tuples(SOUND_PATHS, st.sampled_from(["equals", "in", "present"])).map(
    lambda t: {"path": t[0], t[1]: {"equals": "1", "in": [1, "x"], "present": True}[t[1]]}
)
SOUND_RULE = st.one_of(
    SOUND_PATHS,
    st.fixed_dictionaries(
        {"from": SOUND_PATHS},
        optional={
            "transform": st.sampled_from(SOUND_TRANSFORMS),
            "required": st.booleans(),
            "default": SCALARS,
            "when": SOUND_CONDITION,
            "personal_data": st.booleans(),
        },
    ),
    st.fixed_dictionaries(
        {
            "from": st.lists(SOUND_PATHS, min_size=2, max_size=3),
            "transform": st.sampled_from(COMBINING),
        }
    ),
    st.fixed_dictionaries({"default": JSON_VALUES}),
)
SOUND_DOCUMENTS = st.dictionaries(
    st.from_regex(r"[a-e](\.[a-c0-2]){0,2}", fullmatch=True), SOUND_RULE, min_size=1, max_size=5
).map(
    lambda fields: {
        "system": "attendance",
        "entity": "attendance_event",
        "direction": "in",
        "fields": fields,
    }
)
# one_of weighs by branch; the sound documents get three of four draws.
DOCUMENTS = st.integers(0, 3).flatmap(lambda n: SOUND_DOCUMENTS if n else WILD_DOCUMENTS)


# Characters YAML gives meaning to, for mutating a dumped document.
YAML_NOISE = st.sampled_from([*":-{}[],&*!|>'\"#%@`?\t\n ", "  ", "&a ", "*a", "!!set ", "<<: "])


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    """A grammar-shaped document as YAML, now and then with a few characters mutated."""
    text = yaml.safe_dump(draw(DOCUMENTS), allow_unicode=True, sort_keys=False)
    chars = list(text)
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        where = draw(st.integers(0, len(chars)))
        if draw(st.booleans()) and where < len(chars):
            del chars[where]
        else:
            chars.insert(where, draw(YAML_NOISE))
    return "".join(chars)


SOUP_LINES = [
    "system: attendance\n",
    "entity: e\n",
    "direction: in\n",
    "fields:\n",
    "  a: b\n",
    "  a: {from: x, transform: str}\n",
    "  - 1\n",
    "&x [*x]\n",
    "a: &x\n  b: *x\n",
    "    when: {path: a, in: [1]}\n",
    "  a:\n",
    "\t",
    "---\n",
    "? [a]\n: b\n",
    "!!python/x 1\n",
    "  a: {default: 2024-13-01}\n",
    '  a: {default: "\\U0010ffff"}\n',
    "  a: {default: 2024-02-29 25:00:00}\n",
]
TOKEN_SOUP = st.lists(st.sampled_from(SOUP_LINES), max_size=8).map("".join)


@fuzz(share=1.5)
@given(st.text(max_size=80) | st.binary(max_size=40) | TOKEN_SOUP)
@example(b"\xff\xfe")
@example("fields:\n  a: \x1f\n")  # the YAML reader's refusal: was yaml.reader.ReaderError
@example('a: "\\U00110000"\n')  # PyYAML's bare ValueError from chr()
@example("a: 2024-13-01\n")  # PyYAML's bare ValueError: month must be in 1..12
@example(f"a: !!int {'9' * 5000}\n")  # PyYAML's bare ValueError from int()
@example("a: " + "[" * 5000 + "]" * 5000 + "\n")  # RecursionError in PyYAML's composer
@example("")
@example("a: &x [*x]\n")
@example(
    "system: attendance\nentity: e\ndirection: in\nfields:\n  a:\n"
    "    from: t\n    transform: {name: naive_local, zone: Asia}\n"
)  # ZoneInfo("Asia") is a folder: was IsADirectoryError
@example(
    "system: attendance\nentity: e\ndirection: in\nfields:\n  a:\n"
    f"    from: t\n    transform: {{name: naive_local, zone: {'a' * 300}}}\n"
)  # was OSError (file name too long)
@example("system: attendance\nentity: e\ndirection: in\nfields:\n  a: b.²\n")  # was ValueError
@example("system: attendance\nentity: e\ndirection: in\nfields:\n  a.²: b\n")  # was ValueError
@example(f"system: attendance\nentity: e\ndirection: in\nfields:\n  a: b.{'1' * 5000}\n")
@example("system: attendance\nentity: e\ndirection: in\nfields:\n  a.99999999999: b\n")
def test_any_file_loads_or_is_a_mapping_file_error(mapping_file: Path, content: Any) -> None:
    load(mapping_file, content)


@fuzz(share=3)
@given(yaml_texts())
def test_a_grammar_shaped_file_loads_or_is_a_mapping_file_error(
    mapping_file: Path, text: str
) -> None:
    load(mapping_file, text)


# --------------------------------------------------------------------------- applying


def _put(record: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`record` with `value` at dotted `path` (dicts all the way: a digit is a key here)."""
    head, _, rest = path.partition(".")
    if rest:
        inner = record.get(head)
        record[head] = _put(inner if isinstance(inner, dict) else {}, rest, value)
    else:
        record[head] = value
    return record


def _record(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for path, value in pairs:
        _put(record, path, value)
    return record


VALUES = st.one_of(
    JSON_VALUES,
    st.sampled_from(["/Date(1718589600000)/", "/Date(x)/", "2024-06-17T10:00:00+08:00"]),
    st.sampled_from(["2024-06-17 10:00:00", "2024-06-17", "13812345678", "张伟", "1", "x"]),
    st.lists(st.dictionaries(st.sampled_from(["userId", "id"]), JSON_VALUES), max_size=2),
)


def records_for(mapping: Mapping) -> st.SearchStrategy[Any]:
    """Records holding every path the mapping reads (mostly), or some of them, with values of
    any JSON shape; now and then something that is not a record at all."""
    paths = sorted({p for rule in mapping.fields for p in rule.source_paths}) or ["x"]
    every = st.lists(VALUES, min_size=len(paths), max_size=len(paths)).map(
        lambda values: _record(list(zip(paths, values, strict=True)))
    )
    some = st.lists(st.tuples(st.sampled_from(paths), VALUES), max_size=len(paths)).map(_record)
    other = st.dictionaries(st.text(max_size=4), VALUES, max_size=3) | JSON_VALUES
    return st.integers(0, 9).flatmap(lambda n: every if n < 6 else some if n < 9 else other)


def check_apply(mapping: Mapping, record: Any) -> None:
    try:
        out = mapping.apply(record, record_id="fuzz:1")
    except MappingError as exc:
        assert exc.record_id == "fuzz:1" and exc.file == mapping.file, exc
        assert exc.field is not None or not isinstance(record, dict), exc
        assert exc.line is not None or not isinstance(record, dict), exc
        event("MappingError")
        return
    event("mapped")
    assert isinstance(out, dict)
    mapped, failed = mapping.apply_many([record], id_field=None)
    assert len(mapped) + len(failed) == 1


@fuzz(share=2)
@given(st.data())
def test_a_loaded_grammar_shaped_mapping_maps_any_record_or_raises_mapping_error(
    mapping_file: Path, data: st.DataObject
) -> None:
    mapping = load(mapping_file, data.draw(yaml_texts(), label="file"))
    if mapping is None:
        return
    for _ in range(3):
        check_apply(mapping, data.draw(records_for(mapping), label="record"))


SHIPPED = sorted((REPO / "mappings").glob("*/*.yaml"))


@pytest.fixture(scope="module")
def shipped() -> dict[str, Mapping]:
    return {path.relative_to(REPO / "mappings").as_posix(): Mapping.load(path) for path in SHIPPED}


@fuzz(share=2)
@given(st.sampled_from([p.relative_to(REPO / "mappings").as_posix() for p in SHIPPED]), st.data())
def test_the_shipped_mappings_map_any_record_or_raise_mapping_error(
    shipped: dict[str, Mapping], name: str, data: st.DataObject
) -> None:
    mapping = shipped[name]
    check_apply(mapping, data.draw(records_for(mapping), label="record"))
