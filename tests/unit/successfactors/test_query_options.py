"""$orderby, $select and $expand: parsing against the model, and sorting records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from connectors.successfactors.edm import ENTITY_SETS
from connectors.successfactors.odata_query import (
    ODataError,
    parse_count,
    parse_expand,
    parse_orderby,
    parse_select,
    sort_records,
)


def test_orderby_parses_directions(candidate) -> None:
    assert parse_orderby("lastName desc, firstName", candidate) == [
        ("lastName", True),
        ("firstName", False),
    ]
    assert parse_orderby(" lastModifiedDateTime  asc ", candidate) == [
        ("lastModifiedDateTime", False)
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("nickname", "COE_PROPERTY_NOT_FOUND"),
        ("lastName sideways", "COE_GENERAL_BAD_REQUEST"),
        ("lastName desc extra", "COE_GENERAL_BAD_REQUEST"),
        ("lastName,,firstName", "COE_GENERAL_BAD_REQUEST"),
        ("", "COE_GENERAL_BAD_REQUEST"),
        ("creationDateTime", "COE_GENERAL_BAD_REQUEST"),  # not sortable in SAP's EDMX
    ],
)
def test_orderby_errors(text, code, candidate) -> None:
    with pytest.raises(ODataError) as exc:
        parse_orderby(text, candidate)
    assert (exc.value.status, exc.value.code) == (400, code)


def test_sort_records_multi_key_stable_and_none_last(candidates) -> None:
    rows = [*candidates, {"candidateId": 4, "firstName": "Li", "lastName": None}]
    by = sort_records(rows, [("firstName", False), ("candidateId", True)])
    assert [r["candidateId"] for r in by] == [3, 2, 4, 1]
    asc = sort_records(rows, [("lastName", False)])
    assert [r["candidateId"] for r in asc][-1] == 4
    desc = sort_records(rows, [("lastName", True)])
    assert [r["candidateId"] for r in desc] == [2, 1, 3, 4]
    cities = sort_records(candidates, [("city", True)])
    assert [r["candidateId"] for r in cities] == [1, 3, 2]
    assert sort_records(rows, []) == rows


def test_sort_records_compares_instants_across_offsets() -> None:
    plus8 = timezone(timedelta(hours=8))
    rows = [
        {"id": 1, "t": datetime(2024, 1, 1, 9, tzinfo=plus8)},  # 01:00Z
        {"id": 2, "t": datetime(2024, 1, 1, 0, 30, tzinfo=UTC)},
        {"id": 3, "t": datetime(2024, 1, 1, 2)},  # naive: read as UTC
    ]
    assert [r["id"] for r in sort_records(rows, [("t", False)])] == [2, 1, 3]


def test_select(candidate, application) -> None:
    assert parse_select("", candidate) is None
    assert parse_select("*", candidate) is None
    assert parse_select("firstName, lastName,firstName", candidate) == ["firstName", "lastName"]
    assert parse_select("education", candidate) == ["education"]
    assert parse_select("applicationId,jobAppStatus/appStatusName", application) == [
        "applicationId",
        "jobAppStatus/appStatusName",
    ]
    assert parse_select("jobAppStatus/*", application) == ["jobAppStatus/*"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("nickname", "COE_PROPERTY_NOT_FOUND"),
        ("jobAppStatus/nope", "COE_PROPERTY_NOT_FOUND"),
        ("nope/appStatusName", "COE_PROPERTY_NOT_FOUND"),
        ("jobAppStatus/jobAppStatusLabel/locale", "COE_GENERAL_BAD_REQUEST"),
        ("applicationId,", "COE_GENERAL_BAD_REQUEST"),
    ],
)
def test_select_errors(text, code, application) -> None:
    with pytest.raises(ODataError) as exc:
        parse_select(text, application)
    assert (exc.value.status, exc.value.code) == (400, code)


def test_select_refuses_hidden_link_columns() -> None:
    trail = ENTITY_SETS["JobApplicationStatusAuditTrail"]
    assert "applicationId" in trail.hidden
    with pytest.raises(ODataError):
        parse_select("applicationId", trail)


def test_expand(candidate, application) -> None:
    assert parse_expand("", candidate) == []
    assert parse_expand("education,outsideWorkExperience", candidate) == [
        "education",
        "outsideWorkExperience",
    ]
    assert parse_expand("jobAppStatus, jobAppStatus", application) == ["jobAppStatus"]


@pytest.mark.parametrize("text", ["nope", "firstName", "education/candidate", "education,", ","])
def test_expand_errors(text, candidate) -> None:
    with pytest.raises(ODataError) as exc:
        parse_expand(text, candidate)
    assert exc.value.status == 400


def test_expand_unknown_nav_is_property_not_found(candidate) -> None:
    with pytest.raises(ODataError) as exc:
        parse_expand("tags", candidate)
    assert exc.value.code == "COE_PROPERTY_NOT_FOUND"
    assert "tags" in exc.value.message


@pytest.mark.parametrize(("text", "count"), [("0", 0), (" 25 ", 25), ("007", 7), ("0" * 5000, 0)])
def test_top_and_skip_read_as_counts(text: str, count: int) -> None:
    assert parse_count(text, "$top") == count


@pytest.mark.parametrize("text", ["", "-1", "1.5", "²", "٣", "1" * 5000, "1e3", "ten"])
def test_top_and_skip_that_are_not_counts_are_a_400_naming_the_option(text: str) -> None:
    with pytest.raises(ODataError) as exc:
        parse_count(text, "$skip")
    assert (exc.value.status, exc.value.code) == (400, "COE_GENERAL_BAD_REQUEST")
    assert "$skip" in exc.value.message
