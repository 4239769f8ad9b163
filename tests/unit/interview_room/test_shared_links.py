"""One link implementation for the hub and the room: hrhub.links re-exports connectors/_core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import hrhub.links
from connectors._core import links

NOW = datetime(2025, 6, 15, 8, 0, tzinfo=UTC)


def test_the_hub_and_the_room_use_the_same_functions() -> None:
    for name in links.__all__:
        assert getattr(hrhub.links, name) is getattr(links, name), name


def test_a_token_is_found_in_every_form_a_link_takes() -> None:
    claims = {"interview": "hrhub:interview:A1-ai", "candidate": "successfactors:candidate:1"}
    expires = NOW + timedelta(hours=1)
    token = links.sign_token(claims, secret="s3cret-for-tests", expires_at=expires)
    hub_link = links.sign_link(
        "https://room.example.com/i", claims, secret="s3cret-for-tests", expires_at=expires
    )
    assert hub_link == f"https://room.example.com/i/{token}"
    for form in (token, hub_link, f"https://room.example.com/room?t={token}"):
        assert links.link_token(form) == token
        verified = links.verify_link(form, secret="s3cret-for-tests", now=NOW)
        assert verified == {**claims, "exp": int(expires.timestamp())}
