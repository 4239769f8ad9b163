"""Signed, expiring interview links.

An invitation carries a link to the interview room. The link holds claims (which interview
round, and for a personal link which candidate) and an expiry, signed with the hub's secret
(HMAC-SHA256), so the room can trust it without a database lookup and refuse a forged,
altered or expired one with a reason a person can act on.

DingTalk sends one content to up to 100 people per call, so an invitation sent to many
candidates carries a round link (no candidate in it); the room learns who opened it from
DingTalk's in-app login (免登 code -> userid) and only admits people invited to that round.
A personal link (`candidate` set) is for channels that send one message per person.

It lives in connectors/_core because two sides use it: the hub signs links (hrhub.links
re-exports this module) and the interview room's simulator checks them, with one
implementation so the two can never disagree on the format.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "LinkError",
    "LinkExpired",
    "LinkForged",
    "LinkNotYours",
    "link_token",
    "sign_link",
    "sign_token",
    "verify_link",
]


class LinkError(ValueError):
    """The link cannot be trusted; `reason` says why in words for the person who opened it."""


class LinkForged(LinkError):
    """Malformed, altered, or signed with another secret."""


class LinkExpired(LinkError):
    """Genuine but past its expiry."""


class LinkNotYours(LinkError):
    """Genuine and unexpired, but issued for another candidate than the one presenting it."""


# Far longer than any token hrhub signs; a longer one is refused before any work is done.
MAX_TOKEN_CHARS = 4096


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode("utf-8"), body.encode("ascii"), hashlib.sha256).digest())


def sign_token(claims: Mapping[str, Any], *, secret: str, expires_at: datetime) -> str:
    """`<claims>.<signature>`: the claims and the expiry, signed. `expires_at` must be aware."""
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    if not secret:
        raise ValueError("a link secret is required")
    payload = {**claims, "exp": int(expires_at.timestamp())}
    body = _b64(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    return f"{body}.{_signature(secret, body)}"


def sign_link(
    base_url: str, claims: Mapping[str, Any], *, secret: str, expires_at: datetime
) -> str:
    """`base_url/<token>`: the claims and the expiry, signed. `expires_at` must be aware."""
    token = sign_token(claims, secret=secret, expires_at=expires_at)
    return f"{base_url.rstrip('/')}/{token}"


def link_token(url_or_token: str) -> str:
    """The token of a link: its `t` query parameter (`.../room?t=<token>`, the interview
    room's door), else its last path segment (`sign_link`'s form); a token passes as is.
    LinkForged for text that is not even a URL ("http://[" say)."""
    try:
        parts = urlsplit(url_or_token)
    except ValueError:
        raise LinkForged("this link is malformed") from None
    in_query = parse_qs(parts.query).get("t")
    if in_query:
        return in_query[0]
    return url_or_token.rstrip("/").rsplit("/", 1)[-1]


def verify_link(
    url_or_token: str,
    *,
    secret: str,
    now: datetime | None = None,
    candidate: str | None = None,
) -> dict[str, Any]:
    """The claims of a genuine, unexpired link; LinkForged or LinkExpired otherwise.

    With `candidate`, the link must also be the personal link of that candidate:
    LinkNotYours for another candidate's link or a round link (which names nobody).
    """
    if not secret:  # an empty key would accept links anyone can sign
        raise ValueError("a link secret is required")
    token = link_token(url_or_token)
    if len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise LinkForged("this link is malformed")
    body, dot, signature = token.partition(".")
    if not dot or not body or not signature:
        raise LinkForged("this link is incomplete")
    if not hmac.compare_digest(signature, _signature(secret, body)):
        raise LinkForged("this link was not issued by hrhub or has been altered")
    try:
        claims = json.loads(_unb64(body))
    except (binascii.Error, ValueError) as exc:
        raise LinkForged("this link is malformed") from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        raise LinkForged("this link is malformed")
    moment = now or datetime.now(UTC)
    if moment.timestamp() >= claims["exp"]:
        try:
            expired = datetime.fromtimestamp(claims["exp"], UTC).isoformat()
        except (OverflowError, OSError, ValueError):  # an expiry no calendar has
            raise LinkForged("this link is malformed") from None
        raise LinkExpired(f"this link expired at {expired}; ask the recruiter for a new one")
    if candidate is not None and claims.get("candidate") != candidate:
        raise LinkNotYours("this link was issued for another candidate")
    return claims
