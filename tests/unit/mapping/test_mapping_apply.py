"""Applying a mapping: paths, defaults, required fields, errors naming the record, batches."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hrhub.mapping import TRANSFORMS, Mapping, MappingError, register_transform

Writer = Callable[..., Path]


@pytest.fixture
def candidate(write_mapping: Writer) -> Mapping:
    return Mapping.load(
        write_mapping(
            """\
            fields:
              remote_id: {from: candidateId, transform: str, required: true}
              name:
                from: [lastName, firstName]
                transform: {name: concat, sep: ""}
                personal_data: true
              contact.mobile:
                from: cellPhone
                transform: cn_mobile
                personal_data: true
              contact.email: {from: contactEmail, transform: lower}
              modified_at: {from: lastModifiedDateTime, transform: sf_date, required: true}
              first_school: education.results.0.school
              tags.0: {default: imported}
              tags.1: source
              stage:
                from: status
                transform: {name: enum, map: {"10": screening, "20": interview}}
              extra: {default: {reviewed: false}}
            """
        )
    )


SF_CANDIDATE = {
    "candidateId": 1001,
    "firstName": "伟",
    "lastName": "张",
    "cellPhone": "+86 138-0013-8000",
    "contactEmail": "Zhang.Wei@Example.CN",
    "lastModifiedDateTime": "/Date(1587072082000+0000)/",
    "education": {"results": [{"school": "复旦大学"}, {"school": "MIT"}]},
    "source": "referral",
    "status": "20",
}


def test_apply_builds_the_nested_target(candidate: Mapping) -> None:
    assert candidate.apply(SF_CANDIDATE) == {
        "remote_id": "1001",
        "name": "张伟",
        "contact": {"mobile": "13800138000", "email": "zhang.wei@example.cn"},
        "modified_at": datetime(2020, 4, 16, 21, 21, 22, tzinfo=UTC),
        "first_school": "复旦大学",
        "tags": ["imported", "referral"],
        "stage": "interview",
        "extra": {"reviewed": False},
    }


def test_absent_null_and_empty_values_are_left_out(candidate: Mapping) -> None:
    record = {
        "candidateId": "C1",
        "lastModifiedDateTime": "/Date(0)/",
        "cellPhone": None,
        "contactEmail": "",
        "education": {"results": []},
    }
    assert candidate.apply(record) == {
        "remote_id": "C1",
        "modified_at": datetime(1970, 1, 1, tzinfo=UTC),
        "tags": ["imported"],
        "extra": {"reviewed": False},
    }


def test_defaults_are_copied_not_shared(candidate: Mapping) -> None:
    first = candidate.apply(SF_CANDIDATE)
    first["extra"]["reviewed"] = True
    assert candidate.apply(SF_CANDIDATE)["extra"] == {"reviewed": False}


def test_a_missing_required_field_names_record_field_source_file_and_line(
    candidate: Mapping,
) -> None:
    record = {**SF_CANDIDATE, "lastModifiedDateTime": None}
    with pytest.raises(MappingError) as caught:
        candidate.apply(record, record_id="1001")
    error = caught.value
    assert str(error) == (
        f"record attendance:1001 field 'modified_at' (from 'lastModifiedDateTime', "
        f"{candidate.file} line 15): required but missing or empty"
    )
    assert (error.field, error.source, error.record_id, error.line) == (
        "modified_at",
        "lastModifiedDateTime",
        "1001",
        15,
    )
    assert error.as_dict()["field"] == "modified_at"


def test_a_transform_failure_quotes_the_value(candidate: Mapping) -> None:
    with pytest.raises(MappingError, match="enum: unknown value '99'; allowed: '10', '20'"):
        candidate.apply({**SF_CANDIDATE, "status": "99"}, record_id="1001")


def test_personal_data_stays_out_of_error_messages(candidate: Mapping) -> None:
    with pytest.raises(MappingError) as caught:
        candidate.apply({**SF_CANDIDATE, "cellPhone": "+1 415 555 0100"}, record_id="1001")
    message = str(caught.value)
    assert "field 'contact.mobile' (from 'cellPhone'" in message
    assert "cn_mobile: not a Chinese mobile number: <redacted>" in message
    assert "415" not in message


def test_errors_survive_pickling(candidate: Mapping) -> None:
    with pytest.raises(MappingError) as caught:
        candidate.apply({**SF_CANDIDATE, "status": "99"}, record_id="1001")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert str(copy) == str(caught.value)
    assert copy.as_dict() == caught.value.as_dict()


def test_a_record_that_is_not_an_object_is_an_error(candidate: Mapping) -> None:
    with pytest.raises(MappingError, match="expected an object, got list"):
        candidate.apply([1, 2])  # type: ignore[arg-type]


def test_apply_many_isolates_bad_records(candidate: Mapping) -> None:
    records = [
        SF_CANDIDATE,
        {**SF_CANDIDATE, "candidateId": 1002, "lastModifiedDateTime": "2020-04-16"},
        "not a record",
        {**SF_CANDIDATE, "candidateId": 1003},
        {**SF_CANDIDATE, "candidateId": None},
    ]
    mapped, failed = candidate.apply_many(records, "candidateId")
    assert [m["remote_id"] for m in mapped] == ["1001", "1003"]
    assert [e.record_id for e in failed] == ["1002", None, None]
    assert "record attendance:1002 field 'modified_at'" in str(failed[0])
    assert "sf_date: cannot parse '2020-04-16'" in str(failed[0])
    assert str(failed[1]).startswith("a record of attendance")
    assert "field 'remote_id'" in str(failed[2])


def test_a_transform_bug_fails_the_record_not_the_batch(write_mapping: Writer) -> None:
    @register_transform("test_inverse")
    def inverse(value: Any) -> float:
        return 1 / value

    try:
        mapping = Mapping.load(write_mapping("fields:\n  n: {from: x, transform: test_inverse}\n"))
        mapped, failed = mapping.apply_many([{"x": 2}, {"x": 0}, {"x": 4}], "x")
    finally:
        del TRANSFORMS["test_inverse"]
    assert mapped == [{"n": 0.5}, {"n": 0.25}]
    assert [e.record_id for e in failed] == ["0"]
    assert "test_inverse: unexpected ZeroDivisionError: division by zero" in str(failed[0])


def test_source_list_indices_and_digit_keys(write_mapping: Writer) -> None:
    mapping = Mapping.load(
        write_mapping(
            """\
            fields:
              first: items.0.name
              last: items.1.name
              coded: codes.0
              missing: items.5.name
              through_text: title.0
            """
        )
    )
    record = {"items": [{"name": "a"}, {"name": "b"}], "codes": {"0": "zero"}, "title": "x"}
    assert mapping.apply(record) == {"first": "a", "last": "b", "coded": "zero"}


def test_target_lists_fill_gaps_with_none(write_mapping: Writer) -> None:
    mapping = Mapping.load(write_mapping("fields:\n  rows.1.v: x\n  rows.0.w: y\n"))
    assert mapping.apply({"x": 1}) == {"rows": [None, {"v": 1}]}
    assert mapping.apply({"x": 1, "y": 2}) == {"rows": [{"w": 2}, {"v": 1}]}


def test_a_transform_returning_nothing_counts_as_missing(write_mapping: Writer) -> None:
    mapping = Mapping.load(
        write_mapping(
            """\
            fields:
              name: {from: [a, b], transform: concat, default: unknown}
              kind: {from: k, transform: {name: enum, map: {x: 1}, default: null}, required: true}
            """
        )
    )
    with pytest.raises(MappingError, match=r"field 'kind'.*required but missing"):
        mapping.apply({"a": " ", "k": "y"}, record_id="r1")
    assert mapping.apply({"a": " ", "k": "x"}) == {"name": "unknown", "kind": 1}
