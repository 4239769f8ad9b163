"""Forged, altered, expired and malformed signed links: the verifier the hub signs with
(`hrhub.links`, connectors/_core/links.py) and the interview room's door that checks them.

Every hostile link must be refused with the reason a person can act on: `LinkForged`,
`LinkExpired` or `LinkNotYours` from `verify_link`; 403 / 410 / 404 from the room's door
(`/room?t=` and `/room/<token>`), 422 naming `link_token` from its orders API. The room keeps
answering the genuine link afterwards. A link that must not open but does is `accepted`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from connectors._core.errors import ConnectorError
from hrhub.bench.interviews import interview_order, room_client
from hrhub.links import LinkError, sign_token, verify_link
from hrhub.reliability.hostile.corpus import HostileInput, Kind, Verdict, accepted, refused
from hrhub.reliability.hostile.values import INJECTIONS
from hrhub.sandbox import start_sandbox, stop_sandbox

__all__ = ["ENTRY_POINT", "cases", "world"]

ENTRY_POINT = "links"
INTERVIEW = "hrhub:interview:8801-ai"
CANDIDATE = "successfactors:candidate:8801"
OTHER = "successfactors:candidate:8802"


@dataclass
class World:
    room: Any  # the interview room simulator
    client: Any  # the hub's room client
    secret: str
    genuine: str  # the token of the order the room holds

    def sign(self, claims: dict[str, Any], *, hours: float = 24) -> str:
        expires = datetime.now(UTC) + timedelta(hours=hours)
        return sign_token(claims, secret=self.secret, expires_at=expires)

    def sign_raw(self, payload: bytes) -> str:
        """A token whose body is `payload`, signed with the real secret: genuine bytes that
        are not what hrhub signs (claims that are not an object, an exp that is no time)."""
        body = base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")
        digest = hmac.new(self.secret.encode(), body.encode("ascii"), hashlib.sha256).digest()
        return f"{body}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii')}"


@contextmanager
def world(folder: Path) -> Iterator[World]:
    systems = start_sandbox(["interview_room"], "", {"interview_room": {"seeded": 0}})
    try:
        room = systems[0].server
        client = room_client(room)
        order = interview_order(room, INTERVIEW, "successfactors:application:8801", CANDIDATE)
        client.create_order(order)
        yield World(room, client, room.LINK_SECRET, order["link_token"])
    finally:
        stop_sandbox(systems)


Token = Callable[[World], str]


def feed_verify(token: Token, candidate: str | None = None) -> Callable[[World], Verdict]:
    """The verifier itself: a LinkError is the refusal; claims back mean the link opened."""

    def feed(world: World) -> Verdict:
        try:
            claims = verify_link(token(world), secret=world.secret, candidate=candidate)
        except LinkError as exc:
            return refused(f"{type(exc).__name__}: {exc}", neighbours_ok=_genuine_opens(world))
        return accepted(f"opened with claims {claims!r}")

    return feed


def _genuine_opens(world: World) -> bool:
    """The genuine link still verifies: one bad link changes nothing for the good ones."""
    try:
        verify_link(world.genuine, secret=world.secret, candidate=CANDIDATE)
    except LinkError:
        return False
    return True


def feed_door(token: Token, form: str) -> Callable[[World], Verdict]:
    """The room's door: `form` "query" (`/room?t=`) or "path" (`/room/<token>`)."""

    def feed(world: World) -> Verdict:
        value = token(world)
        url = (
            f"{world.room.url}/room?t={quote(value, safe='')}"
            if form == "query"
            else f"{world.room.url}/room/{quote(value, safe='')}"
        )
        response = requests.get(url, timeout=10, headers={"accept": "application/json"})
        if response.status_code >= 500:
            return Verdict(Kind.CRASHED, f"HTTP {response.status_code}: {response.text[:300]}")
        if response.status_code < 400:
            return accepted(f"HTTP {response.status_code}: the door opened")
        try:
            body = response.json()
            message = f"{response.status_code} {body.get('reason')}: {body.get('message')}"
        except ValueError:
            message = f"HTTP {response.status_code}: {response.text[:200]}"
        return refused(message, neighbours_ok=_door_opens(world))

    return feed


def _door_opens(world: World) -> bool:
    response = requests.get(
        f"{world.room.url}/room/{world.genuine}", timeout=10, headers={"accept": "application/json"}
    )
    return response.status_code in (200, 409)  # 409: already completed, still its door


def feed_order(token: Token) -> Callable[[World], Verdict]:
    """The orders API: a new order whose link_token is hostile must be refused (422 naming
    link_token) and create nothing."""

    def feed(world: World) -> Verdict:
        value = token(world)
        interview = f"hrhub:interview:{hashlib.sha256(value.encode()).hexdigest()[:12]}-hostile"
        order = interview_order(world.room, interview, "successfactors:application:1", CANDIDATE)
        order["link_token"] = value

        try:
            world.client.create_order(order)
        except ConnectorError as exc:
            created = interview in world.room._by_external
            return refused(
                str(exc),
                names_record="link_token" in str(exc),
                neighbours_ok=not created and _door_opens(world),
            )
        return accepted("the room took the order")

    return feed


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _altered(world: World) -> str:
    body, _, signature = world.genuine.partition(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["candidate"] = OTHER
    return f"{_b64(json.dumps(claims).encode())}.{signature}"


def _other_secret(world: World) -> str:
    expires = datetime.now(UTC) + timedelta(hours=1)
    claims = {"interview": INTERVIEW, "candidate": CANDIDATE}
    return sign_token(claims, secret="not-the-room-secret", expires_at=expires)


def _expired(world: World) -> str:
    return world.sign({"interview": INTERVIEW, "candidate": CANDIDATE}, hours=-1)


def _exp(value: str) -> Token:
    return lambda w: w.sign_raw(f'{{"interview": "{INTERVIEW}", "exp": {value}}}'.encode())


# name -> (what is wrong, the token)
_TOKENS: dict[str, tuple[str, Token]] = {
    "empty": ("no token at all", lambda _w: ""),
    "no_signature": ("claims without a signature", lambda w: w.genuine.partition(".")[0]),
    "signature_only": ("a signature without claims", lambda w: "." + w.genuine.partition(".")[2]),
    "forged_signature": (
        "a signature of zeros",
        lambda w: w.genuine.partition(".")[0] + "." + "A" * 43,
    ),
    "altered_claims": ("the candidate changed, the signature kept", _altered),
    "other_secret": ("signed with another secret", _other_secret),
    "truncated": ("the link cut off", lambda w: w.genuine[: len(w.genuine) // 2]),
    "expired": ("past its expiry", _expired),
    "exp_text": ("genuine, but exp is text", _exp('"tomorrow"')),
    "exp_float": ("genuine, but exp is a fraction", _exp("1e12")),
    "exp_far_past": ("genuine, but exp before year 1", _exp("-99999999999999999")),
    "exp_nan": ("genuine, but exp is NaN", _exp("NaN")),
    "claims_list": ("genuine, but the claims are a list", lambda w: w.sign_raw(b'["exp", 1]')),
    "claims_not_json": (
        "genuine, but the claims are not JSON",
        lambda w: w.sign_raw(b"\xff\xfe not json"),
    ),
    "claims_nested": (
        "genuine, but the claims nest 100,000 deep",
        lambda w: w.sign_raw(b"[" * 100_000 + b"]" * 100_000),
    ),
    "non_ascii": ("a token with Chinese in it", lambda w: w.genuine + "链接"),
    "oversized": ("a token of 100,000 characters", lambda w: w.genuine + "A" * 100_000),
    "nul_byte": ("a NUL byte inside the token", lambda w: w.genuine.replace(".", "\x00.", 1)),
    "crlf": ("a header break inside the token", lambda w: w.genuine + INJECTIONS["crlf"]),
    "traversal": ("a path for a token", lambda _w: INJECTIONS["traversal"]),
    "sql": ("SQL for a token", lambda _w: INJECTIONS["sql"]),
    "malformed_url": ("a URL that is not one", lambda _w: "http://["),
}


def cases() -> list[HostileInput]:
    found = [
        HostileInput(ENTRY_POINT, f"verify/{name}", problem, feed_verify(token))
        for name, (problem, token) in _TOKENS.items()
    ]
    found += [
        HostileInput(
            ENTRY_POINT,
            "verify/another_candidate",
            "a genuine link presented by another candidate",
            feed_verify(lambda w: w.genuine, candidate=OTHER),
        ),
        HostileInput(
            ENTRY_POINT,
            "verify/round_link_as_personal",
            "a round link (no candidate) presented as a personal one",
            feed_verify(lambda w: w.sign({"interview": INTERVIEW}), candidate=CANDIDATE),
        ),
    ]
    door = (
        "empty",
        "forged_signature",
        "altered_claims",
        "expired",
        "exp_far_past",
        "non_ascii",
        "oversized",
        "nul_byte",
        "crlf",
        "claims_nested",
    )
    for name in door:
        problem, token = _TOKENS[name]
        for form in ("query", "path"):
            if form == "path" and name == "empty":
                continue
            found.append(
                HostileInput(ENTRY_POINT, f"room_{form}/{name}", problem, feed_door(token, form))
            )
    found += [
        HostileInput(
            ENTRY_POINT,
            "room_path/unknown_interview",
            "a genuine link for an interview the room never had",
            feed_door(
                lambda w: w.sign({"interview": "hrhub:interview:none-ai", "candidate": CANDIDATE}),
                "path",
            ),
        ),
        HostileInput(
            ENTRY_POINT,
            "room_path/another_candidate",
            "a genuine link naming another candidate for this interview",
            feed_door(lambda w: w.sign({"interview": INTERVIEW, "candidate": OTHER}), "path"),
        ),
    ]
    for name in ("forged_signature", "expired", "other_secret", "oversized"):
        problem, token = _TOKENS[name]
        found.append(
            HostileInput(
                ENTRY_POINT,
                f"order/{name}",
                f"an order whose link is: {problem}",
                feed_order(token),
            )
        )
    return found
