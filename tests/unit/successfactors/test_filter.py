"""$filter: every operator, precedence, literals, functions, and SAP's refusals."""

from __future__ import annotations

import pytest

from connectors.successfactors.edm import ENTITY_SETS
from connectors.successfactors.odata_query import ODataError, parse_filter


def ids(text: str, entity, records, key: str = "candidateId", **kw) -> list[int]:
    match = parse_filter(text, entity, **kw)
    return [r[key] for r in records if match(r)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("candidateId eq 2", [2]),
        ("candidateId ne 2", [1, 3]),
        ("candidateId gt 2", [3]),
        ("candidateId ge 2", [2, 3]),
        ("candidateId lt 2", [1]),
        ("candidateId le 2", [1, 2]),
        ("candidateId eq 2L", [2]),
        ("firstName eq 'Bob'", [2]),
        ("lastName eq 'O''Neil'", [1]),
        ("firstName gt 'Bob'", [1]),
        ("externalCandidate eq true", [1, 3]),
        ("externalCandidate", [1, 3]),
        ("not externalCandidate", [2]),
        ("externalCandidate ne false", [1, 3]),
        ("country in ('CN','US')", [1, 2]),
        ("country in ('DE')", []),
        ("candidateId in (1, 3L)", [1, 3]),
        ("candidateId eq 1.0M", [1]),
        ("candidateId lt 1.5d", [1]),
        ("candidateId lt 1.5", [1]),
    ],
)
def test_operators(text, expected, candidate, candidates) -> None:
    assert ids(text, candidate, candidates) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # and binds tighter than or
        ("candidateId eq 1 or candidateId eq 2 and country eq 'CN'", [1]),
        ("(candidateId eq 1 or candidateId eq 2) and country eq 'US'", [2]),
        # not binds tighter than and
        ("not externalCandidate and candidateId gt 0", [2]),
        ("not (externalCandidate and candidateId eq 1)", [2, 3]),
        ("not not externalCandidate", [1, 3]),
        ("((candidateId eq 3))", [3]),
        ("candidateId ge 1 and candidateId le 3 and not (candidateId eq 2)", [1, 3]),
    ],
)
def test_precedence(text, expected, candidate, candidates) -> None:
    assert ids(text, candidate, candidates) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("country eq null", [3]),
        ("country ne null", [1, 2]),
        ("null eq country", [3]),
        ("city gt 'A'", [1, 3]),  # null is never greater
        ("city lt 'Z'", [1, 3]),
        ("not (city eq 'Berlin')", [1, 2]),
        ("country in ('CN', null)", [1, 3]),
    ],
)
def test_null_semantics(text, expected, candidate, candidates) -> None:
    assert ids(text, candidate, candidates) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lastModifiedDateTime ge datetimeoffset'2024-01-01T00:00:00Z'", [1, 3]),
        ("lastModifiedDateTime gt datetimeoffset'2024-01-01T00:00:00Z'", [1]),
        # 08:00 at +08:00 is midnight UTC
        ("lastModifiedDateTime eq datetimeoffset'2024-01-01T08:00:00+08:00'", [3]),
        ("lastModifiedDateTime eq datetimeoffset'2023-12-31T19:00:00-05:00'", [3]),
        ("lastModifiedDateTime eq datetimeoffset'2024-01-01T08:00:00+0800'", [3]),
        ("lastModifiedDateTime eq datetimeoffset'2024-01-02T03:04:05.000Z'", [1]),
        # seven fractional digits parse; below a microsecond is truncated
        ("lastModifiedDateTime lt datetimeoffset'2024-01-02T03:04:05.0000001Z'", [2, 3]),
        ("lastModifiedDateTime lt datetimeoffset'2024-01-02T03:04:05.123Z'", [1, 2, 3]),
        ("lastModifiedDateTime ge datetime'2024-01-01T00:00:00'", [1, 3]),
        ("lastModifiedDateTime ge datetime'2024-01-01T00:00'", [1, 3]),
        ("lastModifiedDateTime le datetimeoffset'2024-01-01T00:00:00'", [2, 3]),
    ],
)
def test_datetime_literals(text, expected, candidate, candidates) -> None:
    assert ids(text, candidate, candidates) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("substringof('Ne', lastName)", [1]),
        ("substringof('Ne', lastName) eq true", [1]),
        ("substringof('zz', lastName) eq false", [1, 2, 3]),
        ("startswith(firstName, 'B')", [2]),
        ("endswith(lastName, 'ee')", [3]),
        ("tolower(firstName) eq 'bob'", [2]),
        ("toupper(lastName) eq 'LEE'", [3]),
        ("trim(' Li ') eq firstName", [1]),
        ("length(firstName) eq 2", [1]),
        ("startswith(city, 'B')", [3]),  # null city is simply not a match
        ("tolower(city) eq null", [2]),
    ],
)
def test_functions(text, expected, candidate, candidates) -> None:
    assert ids(text, candidate, candidates) == expected


def test_numeric_kinds_compare_by_value(application) -> None:
    overall = ENTITY_SETS["InterviewOverallAssessment"]
    rows = [
        {"interviewOverallAssessmentId": 1, "averageRating": 4.5},
        {"interviewOverallAssessmentId": 2, "averageRating": 3.0},
    ]
    key = "interviewOverallAssessmentId"
    assert ids("averageRating ge 4.5M", overall, rows, key) == [1]
    assert ids("averageRating gt 3", overall, rows, key) == [1]
    assert ids("averageRating eq 3.0d", overall, rows, key) == [2]
    # averageRating of JobApplication is Edm.Decimal and not filterable in SAP's EDMX
    with pytest.raises(ODataError):
        parse_filter("averageRating ge 4.5M", application)


def test_blank_filter_matches_all(candidate, candidates) -> None:
    assert ids("  ", candidate, candidates) == [1, 2, 3]


def test_unknown_property_names_it(candidate) -> None:
    with pytest.raises(ODataError) as exc:
        parse_filter("nickname eq 'x'", candidate)
    assert exc.value.status == 400
    assert exc.value.code == "COE_PROPERTY_NOT_FOUND"
    assert "nickname" in exc.value.message


def test_non_filterable_property(candidate) -> None:
    assert not candidate.prop("creationDateTime").filterable
    with pytest.raises(ODataError) as exc:
        parse_filter("creationDateTime ge datetimeoffset'2024-01-01T00:00:00Z'", candidate)
    assert exc.value.status == 400
    assert "creationDateTime" in exc.value.message
    assert "filterable" in exc.value.message


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("firstName eq", 12),
        ("firstName eq 'Bob' and", 22),
        ("(firstName eq 'Bob'", 19),
        ("firstName eq 'Bob')", 18),
        ("firstName eq 'Bob", 13),
        ("firstName eq 'Bob' xor 1", 19),
        ("firstName ~ 'x'", 10),
        ("firstName eq 12abc", 13),
        ("country in 'CN'", 11),
        ("country in ('CN',)", 17),
        ("eq 1", 0),
        ("", None),
    ],
)
def test_syntax_errors_report_the_position(text, position, candidate) -> None:
    if position is None:  # blank is allowed, not an error
        parse_filter(text, candidate)
        return
    with pytest.raises(ODataError) as exc:
        parse_filter(text, candidate)
    assert exc.value.status == 400
    assert exc.value.code == "COE_GENERAL_BAD_REQUEST"
    assert f"position {position}" in exc.value.message


@pytest.mark.parametrize(
    "text",
    [
        "lastModifiedDateTime eq '2024-01-01'",
        "lastModifiedDateTime ge 20240101",
        "candidateId eq '1'",
        "firstName eq 1",
        "externalCandidate gt true",
        "firstName",
        "candidateId eq 1 and firstName",
        "substringof(1, firstName)",
        "startswith(firstName)",
        "frobnicate(firstName)",
        "country in ('CN', 1)",
        "lastModifiedDateTime eq datetimeoffset'yesterday'",
        "lastModifiedDateTime eq binary'00'",
        "education eq 1",
    ],
)
def test_type_and_shape_errors(text, candidate) -> None:
    with pytest.raises(ODataError) as exc:
        parse_filter(text, candidate)
    assert exc.value.status == 400


def test_navigation_paths_need_a_resolver(application) -> None:
    statuses = {1: {"appStatusId": 1, "appStatusName": "Screening"}}

    def resolve(record, nav):
        assert nav.name == "jobAppStatus"
        found = statuses.get(record.get("appStatusSetItemId"))
        return [found] if found else []

    apps = [
        {"applicationId": 1, "appStatusSetItemId": 1},
        {"applicationId": 2, "appStatusSetItemId": 9},
    ]
    text = "jobAppStatus/appStatusName eq 'Screening'"
    assert ids(text, application, apps, "applicationId", resolve=resolve) == [1]
    with pytest.raises(ODataError):
        parse_filter(text, application)
    with pytest.raises(ODataError) as exc:
        parse_filter("jobAppStatus/nope eq 1", application, resolve=resolve)
    assert exc.value.code == "COE_PROPERTY_NOT_FOUND"


def test_to_many_navigation_matches_any(candidate) -> None:
    edu = {1: [{"school": "Fudan"}, {"school": "MIT"}], 2: [{"school": "ETH"}]}

    def resolve(record, nav):
        return edu.get(record["candidateId"], []) if nav.name == "education" else []

    # school is not filterable in SAP's EDMX, so use a filterable one
    assert not ENTITY_SETS["CandidateBackground_Education"].prop("school").filterable
    with pytest.raises(ODataError):
        parse_filter("education/school eq 'MIT'", candidate, resolve=resolve)
    edu_ids = {1: [{"candidateId": 1, "backgroundElementId": 5}], 2: []}

    def resolve_ids(record, nav):
        return edu_ids.get(record["candidateId"], [])

    records = [{"candidateId": 1}, {"candidateId": 2}]
    assert ids("education/backgroundElementId eq 5", candidate, records, resolve=resolve_ids) == [1]


def test_deep_nesting_is_refused_cleanly(candidate) -> None:
    with pytest.raises(ODataError):
        parse_filter("(" * 500 + "candidateId eq 1" + ")" * 500, candidate)
    with pytest.raises(ODataError):
        parse_filter("not " * 500 + "externalCandidate", candidate)


def test_error_body_is_saps_envelope(candidate) -> None:
    with pytest.raises(ODataError) as exc:
        parse_filter("nickname eq 'x'", candidate)
    body = exc.value.body()
    assert body["error"]["code"] == "COE_PROPERTY_NOT_FOUND"
    assert body["error"]["message"]["lang"] == "en-US"
    assert "nickname" in body["error"]["message"]["value"]


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("candidateId eq " + "1" * 5000, 15),  # int() refuses 4300+ digits
        ("candidateId eq 1e99999999999999999999", 15),  # beyond Decimal's exponent
        ("candidateId eq 1e99999999999999999999M", 15),
        ("lastModifiedDateTime lt datetime'0001-01-01T00:00:00+01:00'", 24),  # before year 1 UTC
        ("lastModifiedDateTime gt datetime'9999-12-31T23:59:59-23:59'", 24),  # after year 9999
    ],
)
def test_literals_off_the_scale_are_a_400_naming_the_position(text, position, candidate) -> None:
    with pytest.raises(ODataError) as exc:
        parse_filter(text, candidate)
    assert (exc.value.status, exc.value.code) == (400, "COE_GENERAL_BAD_REQUEST")
    assert f"position {position}" in exc.value.message


def test_leading_zeros_do_not_count_against_an_integer_literal(candidate, candidates) -> None:
    assert ids("candidateId eq " + "0" * 5000 + "2", candidate, candidates) == [2]
