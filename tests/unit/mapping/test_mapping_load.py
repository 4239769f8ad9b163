"""Loading a mapping file: schema, mistakes reported with file and line, compile, version."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from hrhub.mapping import Mapping, MappingError, MappingFileError, load_mapping, mapping_path
from hrhub.mapping.engine import REPO_ROOT, SCHEMA_PATH

Writer = Callable[..., Path]


def load_error(path: Path) -> MappingFileError:
    with pytest.raises(MappingFileError) as caught:
        Mapping.load(path)
    return caught.value


def test_the_schema_is_valid_2020_12_with_its_id() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://hrhub.dev/schemas/mapping.schema.json"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_a_good_file_compiles_every_field(write_mapping: Writer) -> None:
    path = write_mapping(
        """\
        description: test
        fields:
          remote_id: {from: id, transform: str, required: true, note: ids are text}
          name: {from: [last, first], transform: {name: concat, sep: ""}, personal_data: true}
          kind: {default: punch}
          at: {from: t, transform: {name: naive_local, zone: UTC}}
        """
    )
    mapping = Mapping.load(path)
    assert (mapping.system, mapping.entity, mapping.direction) == (
        "attendance",
        "attendance_event",
        "in",
    )
    assert mapping.description == "test"
    rules = {rule.target: rule for rule in mapping.fields}
    assert rules["remote_id"].required and rules["remote_id"].note == "ids are text"
    assert rules["name"].source == ("last", "first")
    assert rules["name"].personal_data and dict(rules["name"].params) == {"sep": ""}
    assert rules["kind"].has_default and rules["kind"].source is None
    assert rules["at"].transform == "naive_local"
    assert rules["at"].line == 9


def test_schema_rejects_an_unknown_key_with_file_and_line(write_mapping: Writer) -> None:
    path = write_mapping(
        """\
        fields:
          punched_at:
            from: punch_time
            transfrom: naive_local
        """
    )
    error = load_error(path)
    assert str(error).startswith(f"{path} line 7: unknown key 'transfrom' for field 'punched_at'")
    assert "allowed: default, from, note, personal_data, required, transform" in str(error)
    assert (error.file, error.line, error.field) == (str(path), 7, "punched_at")


def test_schema_rejects_unknown_top_level_keys(write_mapping: Writer) -> None:
    error = load_error(write_mapping("version: 2\nfields: {a: b}\n"))
    assert error.line == 4
    assert "unknown key 'version'" in str(error)


def test_a_mistyped_transform_is_reported_with_file_line_and_field(write_mapping: Writer) -> None:
    path = write_mapping(
        """\
        fields:
          remote_id: id
          modified_at:
            from: upload_time
            transform: sf_dat
        """
    )
    error = load_error(path)
    assert str(error).startswith(
        f"{path} line 8: unknown transform 'sf_dat' for field 'modified_at' "
        "(did you mean 'sf_date'? known: "
    )
    assert (error.line, error.field) == (8, "modified_at")


def test_a_mistyped_transform_in_object_form_points_at_its_name(write_mapping: Writer) -> None:
    path = write_mapping(
        """\
        fields:
          direction:
            from: punch_state
            transform:
              map: {"0": in}
              name: enumm
        """
    )
    assert load_error(path).line == 9


def test_every_mistake_is_listed_in_line_order(write_mapping: Writer) -> None:
    path = write_mapping(
        """\
        fields:
          a: {from: x, transform: {name: naive_local, zon: UTC}}
          b: {from: x, transform: {name: split, index: "1"}}
          c: {required: true}
          d.0: x
          d.e: y
        """
    )
    error = load_error(path)
    assert [line.split(": ", 1)[0] for line in error.problems] == [
        f"{path} line {n}" for n in (5, 6, 7, 9)
    ]
    text = str(error)
    assert "unknown parameter 'zon' of transform 'naive_local' for field 'a'" in text
    assert "parameter 'index' of transform 'split' for field 'b' must be an integer" in text
    assert "a field without 'from' needs a 'default' for field 'c'" in text
    assert "field 'd.e' and field 'd.0' need different shapes" in text


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("fields: {a: x}\ndirection: inn\n", 3, "'direction' must be one of 'in', 'out'"),
        ("fields: {}\n", 4, "'fields' needs at least 1 entry"),
        ("fields:\n  a..b: x\n", 5, "target 'a..b' is not a valid dotted path"),
        ("fields:\n  a: x y\n", 5, "'x y' is not a valid dotted path for field 'a'"),
        ("fields:\n  a: 5\n", 5, "field 'a' must be a source path or a mapping of rules"),
        ("fields:\n  a: {from: [x]}\n", 5, "'from' needs at least 2 items for field 'a'"),
        ("fields:\n  a: {transform: str, default: 1}\n", 5, "'transform' needs 'from'"),
        ("fields:\n  a: {from: x, required: yes please}\n", 5, "'required' must be true or false"),
        ("fields:\n  a: {from: x, transform: Str}\n", 5, "'Str' is not a valid transform name"),
        ("fields:\n  a: x\n  a: y\n", 6, "duplicate key 'a' (first at line 5) for field 'a'"),
        ("fields:\n  a: [x\n", 6, "invalid YAML"),
        ("fields:\n  a: {from: [x, y], transform: lower}\n", 5, "'lower' for field 'a' takes one"),
        ("fields:\n  a: {from: x, transform: concat}\n", 5, "make 'from' a list"),
        ("fields:\n  a: {from: [x, y]}\n", 5, "name a transform that combines values"),
        ("fields:\n  a: x\n  a.b: y\n", 5, "field 'a' is set whole and also has field 'a.b'"),
        (
            "fields:\n  a:\n    from: x\n    transform: {name: enum, map: {yes: 1}}\n",
            7,
            "read by YAML as a boolean",
        ),
    ],
)
def test_mistakes_name_file_and_line(
    write_mapping: Writer, body: str, line: int, message: str
) -> None:
    path = write_mapping(body)
    error = load_error(path)
    assert error.line == line, str(error)
    assert message in str(error)
    assert str(error).startswith(f"{path} line {line}: ")


def test_missing_top_level_keys(write_mapping: Writer) -> None:
    error = load_error(write_mapping("system: attendance\nfields: {a: b}\n", header=False))
    assert str(error) == f"{error.file} line 1: missing keys 'entity', 'direction'"


@pytest.mark.parametrize(("content", "message"), [(b"", "empty"), (b"\xff\xfe", "not UTF-8")])
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.in.yaml"
    path.write_bytes(content)
    assert message in str(load_error(path))


def test_a_file_error_is_a_mapping_error_and_pickles(write_mapping: Writer) -> None:
    error = load_error(write_mapping("fields:\n  a: {from: x, transform: nope}\n"))
    assert isinstance(error, MappingError)
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error) and copy.line == error.line


def test_version_is_the_hash_of_the_bytes_and_changes_with_them(write_mapping: Writer) -> None:
    path = write_mapping("fields:\n  a: x\n")
    first = Mapping.load(path).version
    assert first.startswith("sha256:") and len(first) == len("sha256:") + 16
    assert Mapping.load(path).version == first
    path.write_text(path.read_text() + "# reviewed\n", encoding="utf-8")
    assert Mapping.load(path).version != first


def test_files_in_the_repository_are_named_relative_to_it() -> None:
    mapping = load_mapping("attendance", "attendance_event", "in")
    assert mapping.file == "mappings/attendance/attendance_event.in.yaml"
    assert mapping.path == REPO_ROOT / mapping.file


def test_load_mapping_finds_files_under_a_root(tmp_path: Path, write_mapping: Writer) -> None:
    folder = tmp_path / "mappings" / "attendance"
    folder.mkdir(parents=True)
    write_mapping("fields:\n  a: x\n", name="mappings/attendance/attendance_event.in.yaml")
    mapping = load_mapping("attendance", "attendance_event", "in", root=tmp_path)
    assert mapping.path == folder / "attendance_event.in.yaml"


def test_load_mapping_honours_the_environment(
    tmp_path: Path, write_mapping: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "attendance").mkdir()
    write_mapping("fields:\n  a: x\n", name="attendance/attendance_event.out.yaml")
    monkeypatch.setenv("HRHUB_MAPPINGS_DIR", str(tmp_path))
    with pytest.raises(MappingFileError, match="declares system/entity/direction"):
        load_mapping("attendance", "attendance_event", "out")  # the file says direction: in


def test_load_mapping_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no mapping for attendance nothing \\(in\\)"):
        load_mapping("attendance", "nothing", "in", root=tmp_path)


@pytest.mark.parametrize(
    ("system", "entity", "direction"),
    [("../etc", "x", "in"), ("attendance", "a/b", "in"), ("attendance", "x", "sideways")],
)
def test_mapping_path_refuses_odd_names(system: str, entity: str, direction: str) -> None:
    with pytest.raises(ValueError):
        mapping_path(system, entity, direction)


def test_every_mapping_in_the_repository_loads() -> None:
    """Each file loads as what its connector uses it for: an in-mapping named for a stream's
    entity (or the stream's own `mapping` stem), an out-mapping named for an operation."""
    from connectors._core.registry import get_connector

    files = sorted((REPO_ROOT / "mappings").glob("*/*.yaml"))
    assert files
    for path in files:
        spec = get_connector(path.parent.name)
        stem, direction = path.name.removesuffix(".yaml").rsplit(".", 1)
        if direction == "in":
            entities = {s.entity for s in spec.streams if s.mapping_name == stem}
            assert entities, f"{path}: no stream of {spec.system} reads with this mapping"
            for entity in entities:
                load_mapping(spec.system, entity, "in", name=stem)
        else:
            spec.operation(stem)  # raises, naming the known ones, for an orphan out-mapping
            load_mapping(spec.system, stem, "out")


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("fields:\n  a: {from: t, transform: {name: naive_local, zone: Asia}}\n", 5, "time zone"),
        ("fields:\n  a.99999999999: b\n", 5, "list index 99999999999 in field 'a.99999999999'"),
        (f"fields:\n  a.{'1' * 30}: b\n", 5, "is too large (at most 1000)"),
        ("fields:\n  a: \x1f\n", 5, "character #x001f is not allowed"),
    ],
)
def test_file_mistakes_found_by_fuzzing_name_file_and_line(
    write_mapping: Writer, body: str, line: int, message: str
) -> None:
    error = load_error(write_mapping(body))
    assert error.line == line, str(error)
    assert message in str(error)


def test_only_ascii_digits_make_a_list_index(write_mapping: Writer) -> None:
    # "²" is a digit to str.isdigit() but not to int(): it is a key, in sources and targets.
    mapping = Mapping.load(write_mapping("fields:\n  out.²: src.²\n  n: items.1\n"))
    record = {"src": {"²": "sq"}, "items": ["a", "b"]}
    assert mapping.apply(record) == {"out": {"²": "sq"}, "n": "b"}
    assert mapping.apply({"src": ["x", "y"], "items": {"1": "k"}}) == {"n": "k"}


def test_a_source_index_of_thousands_of_digits_reads_nothing(write_mapping: Writer) -> None:
    mapping = Mapping.load(write_mapping(f"fields:\n  a: items.{'1' * 5000}\n"))
    assert mapping.apply({"items": ["x"]}) == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("fields:\n  a: {default: 2024-13-01}\n", "month must be in 1..12"),
        ('fields:\n  a: {default: "\\U00110000"}\n', "chr() arg not in range"),
        (f"fields:\n  a: {{default: !!int {'9' * 5000}}}\n", "4300 digits"),
        ("fields:\n  a: {default: " + "[" * 5000 + "]" * 5000 + "}\n", "nested deeper"),
    ],
)
def test_yaml_that_pyyaml_refuses_without_a_mark_is_still_a_file_error(
    write_mapping: Writer, body: str, message: str
) -> None:
    error = load_error(write_mapping(body))
    assert error.entries[0].kind == "syntax"
    assert message in str(error) and str(error).startswith(f"{error.file}: invalid YAML")
