"""Signed interview links: genuine ones verify, altered, foreign or expired ones are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hrhub.links import LinkExpired, LinkForged, sign_link, verify_link

NOW = datetime(2024, 6, 17, 2, 0, tzinfo=UTC)
SECRET = "link-secret-for-tests"


def link(**claims: object) -> str:
    return sign_link(
        "https://room.example.com/i",
        claims or {"round": "job:1:r1"},
        secret=SECRET,
        expires_at=NOW + timedelta(hours=2),
    )


def test_a_genuine_link_gives_back_its_claims() -> None:
    url = link(round="job:1:r1", candidate="candidate:successfactors:42")
    assert url.startswith("https://room.example.com/i/")
    claims = verify_link(url, secret=SECRET, now=NOW)
    assert claims["round"] == "job:1:r1"
    assert claims["candidate"] == "candidate:successfactors:42"
    assert claims["exp"] == int((NOW + timedelta(hours=2)).timestamp())


def test_an_expired_link_is_refused_with_its_expiry() -> None:
    with pytest.raises(LinkExpired, match="expired at 2024-06-17T04:00:00"):
        verify_link(link(), secret=SECRET, now=NOW + timedelta(hours=2))


def test_altered_foreign_and_truncated_links_are_forged() -> None:
    url = link()
    body, signature = url.rsplit("/", 1)[1].split(".")
    other = sign_link("x", {"round": "job:2"}, secret=SECRET, expires_at=NOW + timedelta(1))
    swapped = f"{other.rsplit('/', 1)[1].split('.')[0]}.{signature}"
    for bad in (swapped, body, f"{body}.", url + "x"):
        with pytest.raises(LinkForged):
            verify_link(bad, secret=SECRET, now=NOW)
    with pytest.raises(LinkForged, match="not issued by hrhub"):
        verify_link(url, secret="another-secret", now=NOW)


def test_naive_expiry_or_empty_secret_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sign_link("x", {}, secret=SECRET, expires_at=datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="secret"):
        sign_link("x", {}, secret="", expires_at=NOW)
