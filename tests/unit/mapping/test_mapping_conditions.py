"""Conditional field rules (``when``): declarative tests of the source record, compiled once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hrhub.mapping import Mapping, MappingError, MappingFileError
from hrhub.mapping.engine import Condition, inspect_mapping

Writer = Callable[..., Path]


@pytest.fixture
def statuses(write_mapping: Writer) -> Mapping:
    return Mapping.load(
        write_mapping(
            """\
            fields:
              open_title:
                from: title
                when: {path: status, equals: "A"}
              closed_title:
                from: title
                when: {path: status, in: [C, 9]}
                default: (closed)
              contact:
                from: mobile
                when: [{path: consent, equals: true}, {path: mobile, present: true}]
              anonymous:
                from: nickname
                when: {path: name, present: false}
              code:
                from: code
                required: true
                when: {path: kind, equals: 2}
            """
        )
    )


def test_conditions_are_compiled_once_into_the_rule(statuses: Mapping) -> None:
    rules = {rule.target: rule for rule in statuses.fields}
    assert rules["open_title"].when == (Condition("status", "equals", "A", 7),)
    assert rules["closed_title"].when[0].value == ("C", 9)
    assert [c.test for c in rules["contact"].when] == ["equals", "present"]
    assert all(callable(rule.applies) for rule in rules.values())
    assert rules["contact"].source_paths == ("mobile", "consent", "mobile")
    assert rules["closed_title"].when[0].describe() == "status in ['C', 9]"


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"status": "A", "title": "x"}, {"open_title": "x", "closed_title": "(closed)"}),
        ({"status": "C", "title": "x"}, {"closed_title": "x"}),
        # 9 in the file matches "9" from the system, and 9 from another: codes compare as text
        ({"status": "9", "title": "x"}, {"closed_title": "x"}),
        ({"status": 9, "title": "x"}, {"closed_title": "x"}),
        ({"status": "B", "title": "x"}, {"closed_title": "(closed)"}),
        ({}, {"closed_title": "(closed)"}),
    ],
)
def test_equals_and_in_pick_the_rule_or_fall_back_to_the_default(
    statuses: Mapping, record: dict, expected: dict
) -> None:
    out = statuses.apply({"name": "n", **record})
    assert {k: v for k, v in out.items() if k in ("open_title", "closed_title")} == expected


def test_every_condition_of_a_list_must_hold(statuses: Mapping) -> None:
    base = {"name": "n", "status": "B"}
    assert statuses.apply({**base, "consent": True, "mobile": "138"})["contact"] == "138"
    assert "contact" not in statuses.apply({**base, "consent": False, "mobile": "138"})
    assert "contact" not in statuses.apply({**base, "consent": True, "mobile": ""})
    # a boolean matches only a boolean: the text "true" is not consent
    assert "contact" not in statuses.apply({**base, "consent": "true", "mobile": "138"})


def test_present_false_holds_for_absent_null_and_empty(statuses: Mapping) -> None:
    for name in ({}, {"name": None}, {"name": ""}):
        assert statuses.apply({"nickname": "nick", **name})["anonymous"] == "nick"
    assert "anonymous" not in statuses.apply({"nickname": "nick", "name": "张伟"})


def test_required_is_enforced_only_when_the_condition_holds(statuses: Mapping) -> None:
    assert "code" not in statuses.apply({"name": "n", "kind": 1})
    assert statuses.apply({"name": "n", "kind": "2", "code": "E1"})["code"] == "E1"
    with pytest.raises(MappingError, match="required but missing") as caught:
        statuses.apply({"name": "n", "kind": 2}, record_id="r1")
    assert (caught.value.field, caught.value.record_id) == ("code", "r1")


def test_apply_collecting_reports_every_failing_field(write_mapping: Writer) -> None:
    mapping = Mapping.load(
        write_mapping(
            """\
            fields:
              a: {from: x, transform: int}
              b: {from: y, required: true}
              c: z
            """
        )
    )
    out, errors = mapping.apply_collecting({"x": "not a number", "z": 3})
    assert out == {"c": 3}
    assert [(e.field, e.line) for e in errors] == [("a", 5), ("b", 6)]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("{from: x, when: {path: s}}", "a condition needs 'path' and exactly one test"),
        ("{from: x, when: {path: s, equals: 1, in: [1]}}", "exactly one test"),
        ("{from: x, when: {path: s, equal: 1}}", "unknown key 'equal'"),
        ("{from: x, when: {path: s, equals: [1]}}", "'equals' must be text or a number"),
        ("{from: x, when: {path: s, in: []}}", "'in' needs at least 1 items"),
        ("{from: x, when: {path: s, present: yes please}}", "'present' must be true or false"),
        ("{from: x, when: {path: 'a b', equals: 1}}", "'a b' is not a valid dotted path"),
        ("{from: x, when: []}", "'when' needs at least 1 items"),
        ("{default: 1, when: {path: s, equals: 1}}", "'when' needs 'from' for field 'a'"),
    ],
)
def test_a_bad_condition_names_file_line_and_field(
    write_mapping: Writer, rule: str, message: str
) -> None:
    path = write_mapping(f"fields:\n  a: {rule}\n")
    with pytest.raises(MappingFileError) as caught:
        Mapping.load(path)
    assert (caught.value.line, caught.value.field) == (5, "a"), str(caught.value)
    assert message in str(caught.value)
    if rule.startswith("{from: x, when"):
        assert caught.value.entries[0].kind == "condition"
    assert str(caught.value).startswith(f"{path} line 5: ")


def test_inspect_keeps_the_sound_fields_of_a_file_with_mistakes(write_mapping: Writer) -> None:
    found = inspect_mapping(
        write_mapping(
            """\
            fields:
              good: {from: x, when: {path: s, equals: 1}}
              bad: {from: x, when: {path: s}}
            """
        )
    )
    assert found.mapping is not None
    assert [rule.target for rule in found.mapping.fields] == ["good"]
    assert [(p.line, p.field) for p in found.problems] == [(6, "bad")]
    assert found.line("fields", "good", "when") == 5
