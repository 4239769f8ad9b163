"""Issue 12, Security: "Signed links refuse tampering, expiry and reuse by another candidate".

What tests/unit/test_links.py and tests/unit/interview_room/test_room_links.py do not
already prove: every single character of a token changed or cut off is refused, garbage of
every shape is a LinkForged (never a crash), a correctly signed body that is not claims is
refused, a link presented for another candidate is a LinkNotYours, and an empty secret can
never verify anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

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

NOW = datetime(2025, 6, 15, 8, 0, tzinfo=UTC)
SECRET = "link-secret-for-security-tests"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
ALICE = "successfactors:candidate:1"
BOB = "successfactors:candidate:2"


def token(claims: dict[str, object] | None = None, hours: float = 1) -> str:
    claims = claims or {"interview": "hrhub:interview:A1-ai", "candidate": ALICE}
    return sign_token(claims, secret=SECRET, expires_at=NOW + timedelta(hours=hours))


def _signed(body: bytes) -> str:
    """A token whose signature is right for any body: what only the secret's holder can make."""
    text = base64.urlsafe_b64encode(body).rstrip(b"=").decode()
    digest = hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).digest()
    return f"{text}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def test_changing_any_one_character_of_payload_or_signature_is_refused() -> None:
    genuine = token()
    changed = 0
    for at, char in enumerate(genuine):
        for other in _others(char):
            forged = genuine[:at] + other + genuine[at + 1 :]
            with pytest.raises(LinkForged):
                verify_link(forged, secret=SECRET, now=NOW)
            changed += 1
    assert changed >= 3 * len(genuine)


def _others(char: str) -> list[str]:
    """Three replacements for a character: its neighbours in the alphabet, and a dot."""
    at = ALPHABET.find(char)
    return [ALPHABET[(at + 1) % 64], ALPHABET[(at + 32) % 64], "." if char != "." else "A"]


def test_every_truncation_and_every_extension_is_refused() -> None:
    genuine = token()
    for cut in range(len(genuine)):
        with pytest.raises(LinkForged):
            verify_link(genuine[:cut], secret=SECRET, now=NOW)
    for extra in ("A", "=", ".", ".x", "%00"):
        with pytest.raises(LinkForged):
            verify_link(genuine + extra, secret=SECRET, now=NOW)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        ".",
        "..",
        "a.b.c",
        "é.abc",
        "abc.é",
        "令牌.签名",
        "\x00.\x00",
        " . ",
        "a" * 10_000,
        f"{'a' * 5000}.{'b' * 50}",
        "http://[::1",
        "https://room.example.com/room?t=",
        "https://room.example.com/room?t=%FF%FE",
        "https://room.example.com/room/",
        "==.==",
    ],
)
def test_garbage_is_a_forged_link_never_a_crash(garbage: str) -> None:
    with pytest.raises(LinkForged) as caught:
        verify_link(garbage, secret=SECRET, now=NOW)
    assert str(caught.value).startswith("this link")


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b'"text"', b"{}", b'{"exp": "soon"}', b"not json", b"\xff\xfe", b'{"exp": null}'],
)
def test_a_signed_body_that_is_not_claims_is_refused(body: bytes) -> None:
    with pytest.raises(LinkForged, match="malformed"):
        verify_link(_signed(body), secret=SECRET, now=NOW)


def test_the_signature_is_bound_to_the_secret_whatever_the_secret() -> None:
    for other in (SECRET + " ", SECRET.upper(), SECRET[:-1], "x"):
        with pytest.raises(LinkForged, match="not issued by hrhub"):
            verify_link(token(), secret=other, now=NOW)


def test_an_empty_secret_verifies_nothing() -> None:
    """An unset secret must not turn into a key anyone can sign with."""
    unsigned = _signed(b'{"candidate": "x", "exp": 9999999999}').split(".")[0]
    anyone = base64.urlsafe_b64encode(
        hmac.new(b"", unsigned.encode(), hashlib.sha256).digest()
    ).rstrip(b"=")
    with pytest.raises(ValueError, match="secret"):
        verify_link(f"{unsigned}.{anyone.decode()}", secret="", now=NOW)


def test_a_link_presented_by_another_candidate_is_not_theirs() -> None:
    mine = token({"interview": "hrhub:interview:A1-ai", "candidate": ALICE})
    assert verify_link(mine, secret=SECRET, now=NOW, candidate=ALICE)["candidate"] == ALICE
    with pytest.raises(LinkNotYours, match="another candidate"):
        verify_link(mine, secret=SECRET, now=NOW, candidate=BOB)
    round_link = token({"round": "job:1:r1"})
    with pytest.raises(LinkNotYours):
        verify_link(round_link, secret=SECRET, now=NOW, candidate=BOB)
    assert verify_link(round_link, secret=SECRET, now=NOW)["round"] == "job:1:r1"


def test_claims_cannot_be_moved_to_another_candidate_by_editing_the_payload() -> None:
    """Bob takes Alice's link and writes his own id into the payload: the signature fails."""
    body, signature = token().split(".")
    claims = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).replace(
        ALICE.encode(), BOB.encode()
    )
    edited = base64.urlsafe_b64encode(claims).rstrip(b"=").decode()
    with pytest.raises(LinkForged):
        verify_link(f"{edited}.{signature}", secret=SECRET, now=NOW, candidate=BOB)


def test_the_refusals_are_checked_in_a_safe_order() -> None:
    """A forged link is called forged even when expired or someone else's: a forger learns
    nothing about expiry or ownership from the answer."""
    expired = token(hours=-1)
    with pytest.raises(LinkExpired):
        verify_link(expired, secret=SECRET, now=NOW, candidate=BOB)
    body, signature = expired.split(".")
    with pytest.raises(LinkForged):
        verify_link(f"{body}.{signature[::-1]}", secret=SECRET, now=NOW, candidate=BOB)
    for error in (LinkForged, LinkExpired, LinkNotYours):
        assert issubclass(error, LinkError) and issubclass(error, ValueError)


def test_links_in_every_form_carry_the_same_guarantees() -> None:
    url = sign_link(
        "https://room.example.com/i",
        {"interview": "hrhub:interview:A1-ai", "candidate": ALICE},
        secret=SECRET,
        expires_at=NOW + timedelta(hours=1),
    )
    door = f"https://room.example.com/room?t={link_token(url)}"
    for form in (url, door):
        with pytest.raises(LinkNotYours):
            verify_link(form, secret=SECRET, now=NOW, candidate=BOB)
        with pytest.raises(LinkForged):
            verify_link(form[:-1] + ("A" if form[-1] != "A" else "B"), secret=SECRET, now=NOW)
