"""The signed-link verifier, fuzzed: whatever a person opens, `verify_link` returns the claims
of a genuine, unexpired link or raises LinkError (LinkForged, LinkExpired, LinkNotYours), and
it never accepts a link that is not exactly one hrhub signed.

Why a mutated token can never pass: the HMAC is computed over the body *as text* (its base64
characters), not over the bytes they decode to, and the signature is compared as text. So a
mutation that decodes to the same claims (a padding "=" added, a last base64 character
changed only in bits the decoder drops) still changes the signed text and is refused. The
only mutations a link survives are the ones that leave the token itself untouched: the URL
around it (`link_token` takes the `t` parameter or the last path segment, so a trailing "/"
or a new leading path segment does not change the token). The property is therefore stated on
the extracted token: accepted exactly when `link_token(mutated) == token`, with the claims it
was signed with.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from hrhub.links import (
    LinkError,
    LinkExpired,
    LinkForged,
    LinkNotYours,
    link_token,
    sign_link,
    sign_token,
    verify_link,
)

from .support import JSON_VALUES, fuzz

SECRET = "link-secret-for-fuzzing"
NOW = datetime(2025, 6, 17, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)
CANDIDATES = st.sampled_from(["successfactors:candidate:1", "successfactors:candidate:2"])
CLAIMS = st.fixed_dictionaries(
    {"interview": st.text(max_size=12)},
    optional={"candidate": CANDIDATES | st.text(max_size=8), "round": st.text(max_size=8)},
)
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def refused(token: str, **kw: Any) -> LinkError:
    with pytest.raises(LinkError) as caught:
        verify_link(token, secret=SECRET, now=NOW, **kw)
    assert str(caught.value)  # a reason a person can act on
    event(type(caught.value).__name__)
    return caught.value


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# Strings shaped like tokens: random claims, correctly encoded, with a made-up signature.
FORGED = st.tuples(
    JSON_VALUES | CLAIMS.map(lambda c: {**c, "exp": 2**40}), st.text(B64, max_size=43)
).map(lambda t: f"{_b64(json.dumps(t[0]).encode())}.{t[1]}")


@fuzz(share=2)
@given(
    st.one_of(
        st.text(max_size=60),
        st.text(B64 + ".", max_size=60),
        FORGED,
        st.text(max_size=20).map(lambda t: f"https://room.test/room?t={t}"),
        st.text(max_size=20).map(lambda t: f"https://room.test/i/{t}"),
    )
)
@example("é.x")  # non-ASCII text reached the ASCII-only HMAC and compare_digest
@example("a.é")
@example("http://[")  # not even a URL
@example("a" * 10_000 + ".b")
def test_random_text_is_never_a_link(text: str) -> None:
    assert isinstance(refused(text), LinkForged)


def _mutations(text: str) -> st.SearchStrategy[str]:
    """`text` with one to three characters flipped, inserted or deleted, or cut short."""

    @st.composite
    def mutate(draw: st.DrawFn) -> str:
        chars = list(text)
        for _ in range(draw(st.integers(1, 3))):
            where = draw(st.integers(0, len(chars)))
            action = draw(st.sampled_from(["flip", "insert", "delete", "cut"]))
            noise = st.sampled_from([*B64, "=", ".", "/", "?", "%", "+", " "]) | st.characters()
            if action == "flip" and where < len(chars):
                chars[where] = draw(noise)
            elif action == "insert":
                chars.insert(where, draw(noise))
            elif action == "delete" and where < len(chars):
                del chars[where]
            elif action == "cut":
                del chars[where:]
        return "".join(chars)

    return mutate()


@st.composite
def minted(draw: st.DrawFn) -> tuple[dict[str, Any], str, str]:
    """(claims, token, the form it is opened in: the token, a sign_link URL or `?t=`)."""
    claims = draw(CLAIMS)
    token = sign_token(claims, secret=SECRET, expires_at=LATER)
    form = draw(st.sampled_from(["token", "path", "query"]))
    if form == "path":
        return (
            claims,
            token,
            sign_link("https://room.test/i", claims, secret=SECRET, expires_at=LATER),
        )
    if form == "query":
        return claims, token, f"https://room.test/room?t={token}"
    return claims, token, token


@fuzz(share=3)
@given(minted().flatmap(lambda m: st.tuples(st.just(m), _mutations(m[2]))))
def test_a_mutated_link_is_refused_unless_its_token_is_untouched(
    case: tuple[tuple[dict[str, Any], str, str], str],
) -> None:
    (claims, token, _opened), mutated = case
    try:
        same_token = link_token(mutated) == token
    except LinkError:
        same_token = False
    if not same_token:
        assert isinstance(refused(mutated), LinkForged), mutated
        return
    event("token untouched")
    found = verify_link(mutated, secret=SECRET, now=NOW)
    assert {k: v for k, v in found.items() if k != "exp"} == claims


@fuzz()
@given(minted())
def test_a_genuine_link_gives_its_claims_back_and_expires(
    case: tuple[dict[str, Any], str, str],
) -> None:
    claims, _token, opened = case
    found = verify_link(opened, secret=SECRET, now=NOW)
    assert found == {**claims, "exp": int(LATER.timestamp())}
    with pytest.raises(LinkExpired):
        verify_link(opened, secret=SECRET, now=LATER)
    with pytest.raises(LinkForged):
        verify_link(opened, secret=SECRET + "x", now=NOW)


@fuzz()
@given(minted(), CANDIDATES | st.text(max_size=8))
def test_a_link_opened_by_another_candidate_is_not_theirs(
    case: tuple[dict[str, Any], str, str], someone: str
) -> None:
    claims, _token, opened = case
    if claims.get("candidate") == someone:
        assert (
            verify_link(opened, secret=SECRET, now=NOW, candidate=someone)["candidate"] == someone
        )
    else:  # another candidate's link, or a round link that names nobody
        assert isinstance(refused(opened, candidate=someone), LinkNotYours)
