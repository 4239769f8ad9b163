"""Key predicates and $skiptoken."""

from __future__ import annotations

import base64

import pytest

from connectors.successfactors.edm import EntitySetDef, Prop
from connectors.successfactors.odata_query import (
    ODataError,
    decode_skiptoken,
    encode_skiptoken,
    parse_key,
    query_fingerprint,
)

COMPOSITE = EntitySetDef(
    "JobApplicationQuestionResponse",
    key=("applicationId", "order"),
    props=(
        Prop("applicationId", "Edm.Int64"),
        Prop("order", "Edm.Int64"),
        Prop("answer", "Edm.String"),
    ),
)
STRING_KEYED = EntitySetDef("Thing", key=("code",), props=(Prop("code", "Edm.String"),))


@pytest.mark.parametrize(
    "text",
    [
        "Candidate(123L)",
        "Candidate(candidateId=123L)",
        "(123)",
        "123L",
        "candidateId=123",
        " (123L) ",
    ],
)
def test_single_keys(text, candidate) -> None:
    assert parse_key(candidate, text) == {"candidateId": 123}


def test_application_key(application) -> None:
    assert parse_key(application, "JobApplication(applicationId=741)") == {"applicationId": 741}
    assert parse_key(application, "(514063L)") == {"applicationId": 514063}


def test_composite_and_string_keys() -> None:
    assert parse_key(COMPOSITE, "(applicationId=741L,order=2)") == {
        "applicationId": 741,
        "order": 2,
    }
    assert parse_key(COMPOSITE, "order=2, applicationId=741") == {"applicationId": 741, "order": 2}
    assert parse_key(STRING_KEYED, "('O''K')") == {"code": "O'K"}
    assert parse_key(STRING_KEYED, "(code='A,B')") == {"code": "A,B"}


@pytest.mark.parametrize(
    "text",
    [
        "()",
        "",
        "(abc)",
        "('123')",
        "(1.5M)",
        "(candidateId=)",
        "(candidateId=1,)",
        "(candidateId=1,candidateId=2)",
        "(firstName='x')",
        "(candidateId 1)",
        "(1,2)",
        "(-)",
        "('unterminated)",
    ],
)
def test_bad_single_keys(text, candidate) -> None:
    with pytest.raises(ODataError) as exc:
        parse_key(candidate, text)
    assert exc.value.status == 400


@pytest.mark.parametrize("text", ["(741)", "(applicationId=741)", "(order=1,answer='x')"])
def test_bad_composite_keys(text) -> None:
    with pytest.raises(ODataError) as exc:
        parse_key(COMPOSITE, text)
    assert exc.value.status == 400


def test_unknown_key_property_is_property_not_found(candidate) -> None:
    with pytest.raises(ODataError) as exc:
        parse_key(candidate, "(id=1)")
    assert exc.value.code == "COE_PROPERTY_NOT_FOUND"


def test_skiptoken_round_trip_and_opacity() -> None:
    fp = query_fingerprint("Candidate", "country eq 'CN'", "lastName")
    token = encode_skiptoken(2000, fp)
    assert decode_skiptoken(token, fp) == 2000
    assert "2000" not in token and "=" not in token and "/" not in token and "+" not in token
    assert encode_skiptoken(2000, fp) == token
    assert query_fingerprint("Candidate", None) != query_fingerprint("Candidate", "")


def test_skiptoken_from_another_query_is_refused() -> None:
    token = encode_skiptoken(1000, query_fingerprint("Candidate", "a"))
    with pytest.raises(ODataError) as exc:
        decode_skiptoken(token, query_fingerprint("Candidate", "b"))
    assert exc.value.status == 400


@pytest.mark.parametrize(
    "token",
    [
        "",
        "!!!",
        "not-base64-at-all",
        base64.urlsafe_b64encode(b"v1:-5:abc").decode(),
        base64.urlsafe_b64encode(b"v2:5:abc").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "a",
    ],
)
def test_garbage_skiptokens_are_400(token) -> None:
    with pytest.raises(ODataError) as exc:
        decode_skiptoken(token, "fp")
    assert exc.value.status == 400


def test_negative_offset_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        encode_skiptoken(-1, "fp")


@pytest.mark.parametrize(
    "text", ["1" * 5000, "(candidateId=" + "9" * 30 + "L)", "1e99999999999999999999M"]
)
def test_keys_off_the_scale_are_a_400(text, candidate) -> None:
    with pytest.raises(ODataError) as exc:
        parse_key(candidate, text)
    assert exc.value.status == 400


def test_a_skiptoken_with_an_offset_of_thousands_of_digits_is_a_400() -> None:
    # The tag is derived from the query, not secret: a client can forge the rest of a token.
    fp = query_fingerprint("Candidate", "", "")
    genuine = encode_skiptoken(0, fp)
    raw = base64.urlsafe_b64decode(genuine + "=" * (-len(genuine) % 4)).decode()
    forged = raw.replace(":0:", ":" + "1" * 5000 + ":")
    token = base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")
    with pytest.raises(ODataError) as exc:
        decode_skiptoken(token, fp)
    assert exc.value.status == 400
