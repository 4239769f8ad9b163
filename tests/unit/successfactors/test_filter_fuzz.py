"""Whatever a client sends as $filter, the parser answers with ODataError or a predicate."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.successfactors.edm import ENTITY_SETS
from connectors.successfactors.odata_query import ODataError, parse_filter

CANDIDATE = ENTITY_SETS["Candidate"]
RECORD = {"candidateId": 1, "firstName": "Li", "country": None, "externalCandidate": True}

PIECES = st.sampled_from(
    [
        "candidateId",
        "firstName",
        "country",
        "externalCandidate",
        "lastModifiedDateTime",
        "creationDateTime",
        "education/backgroundElementId",
        "nope",
        "eq",
        "ne",
        "gt",
        "ge",
        "lt",
        "le",
        "and",
        "or",
        "not",
        "in",
        "(",
        ")",
        ",",
        "'CN'",
        "'a''b'",
        "'",
        "1",
        "2L",
        "1.5M",
        "1.5d",
        "-3",
        "true",
        "false",
        "null",
        "datetimeoffset'2024-01-01T00:00:00Z'",
        "datetime'2024-01-01T00:00:00'",
        "datetimeoffset'x'",
        "substringof",
        "startswith",
        "tolower",
        "length",
        "=",
        "/",
        "*",
        " ",
    ]
)


def _check(text: str) -> None:
    try:
        match = parse_filter(text, CANDIDATE)
    except ODataError as exc:
        assert exc.status == 400
        return
    assert match(RECORD) in (True, False)
    assert match({}) in (True, False)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_random_text_only_raises_odata_error(text) -> None:
    _check(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=12).map(" ".join))
def test_token_soup_only_raises_odata_error(text) -> None:
    _check(text)
