"""Hostile forms, paths and query strings sent to hrhub's web app (the pages Airflow mounts).

The real app (`create_app`) over a seeded ledger (`seed.py`: results held for review, dead
letters), with an authenticator that takes the session token as the login, as the web tests
do; roles from a `[hrhub_web] roles` line. Each request asks for JSON, so a refusal comes back
as `{status, reason, detail}`. A hostile request must be refused with a 4xx naming the field at
fault, change nothing (reviews, letters, outbox, stages), and leave the app answering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from hrhub.ledger import DeadLetter, Ledger, OutboxItem, StagedRecord
from hrhub.ledger.tables import ReviewHold
from hrhub.reliability.hostile.corpus import (
    HostileInput,
    Kind,
    Verdict,
    accepted,
    names_in,
    refused,
)
from hrhub.reliability.hostile.seed import OWNER, Seeded, seed
from hrhub.reliability.hostile.values import INJECTIONS

__all__ = ["ENTRY_POINT", "cases", "world"]

ENTRY_POINT = "web"
SECRET = "hostile-form-secret"
ROLES = f"hr:hr_admin,rec:recruiter:{OWNER},boss:recruiting_manager,aud:auditor"
SESSION_COOKIE = "_token"
HUGE = "9" * 30  # past any 64-bit integer a database column holds
MAPPING = "successfactors/candidate.in.yaml"


async def _token_is_login(token: str, method: str) -> str:
    from hrhub.web.auth import Refused

    if token == "forged":
        raise Refused(401, "session_invalid", "Signature verification failed")
    return token


@dataclass
class World:
    ledger: Ledger
    client: Any
    seeded: Seeded

    def csrf(self, login: str) -> str:
        from hrhub.web.auth import Viewer, form_token
        from hrhub.web.roles import RoleDirectory

        assignment = RoleDirectory.parse(ROLES).get(login)
        if assignment is None:
            return ""
        return form_token(SECRET, Viewer.of(assignment, login))


@contextmanager
def world(folder: Path) -> Iterator[World]:
    from fastapi.testclient import TestClient

    from hrhub.web import WebSettings, create_app
    from hrhub.web.roles import RoleDirectory

    ledger = Ledger.open(f"sqlite:///{folder / 'ledger.db'}")
    try:
        seeded = seed(ledger)
        settings = WebSettings(
            roles=RoleDirectory.parse(ROLES),
            authenticate=_token_is_login,
            secret=SECRET,
            ledger_url=ledger.url,
        )
        with TestClient(create_app(settings), raise_server_exceptions=True) as client:
            yield World(ledger, client, seeded)
    finally:
        ledger.close()


def snapshot(ledger: Ledger) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a request could change, except the audit log (refusals are audited)."""
    with Session(ledger.engine) as session:
        return {
            "letters": [
                (d.id, d.reason, d.replayed_at, d.replay_count)
                for d in session.exec(select(DeadLetter).order_by(DeadLetter.id))
            ],
            "outbox": [
                (o.idempotency_key, o.status, o.attempts)
                for o in session.exec(select(OutboxItem).order_by(OutboxItem.idempotency_key))
            ],
            "reviews": [
                (h.result_id, h.status, h.decided_by)
                for h in session.exec(select(ReviewHold).order_by(ReviewHold.result_id))
            ],
            "stages": [
                (r.canonical_id, r.stage)
                for r in session.exec(select(StagedRecord).order_by(StagedRecord.canonical_id))
            ],
        }


@dataclass(frozen=True)
class Call:
    """One request: who sends it, where, and what; `csrf` is "ok", "missing" or "forged"."""

    method: str
    path: Callable[[World], str]
    form: dict[str, str] | None = None
    login: str | None = "hr"
    csrf: str = "ok"
    content: bytes | None = None
    content_type: str | None = None


def feed_call(call: Call, field: str | None) -> Callable[[World], Verdict]:
    def feed(world: World) -> Verdict:
        before = snapshot(world.ledger)
        client = world.client
        client.cookies.clear()
        if call.login is not None:
            client.cookies.set(SESSION_COOKIE, call.login)
        headers = {"accept": "application/json"}
        data = None
        if call.form is not None:
            data = dict(call.form)
            if call.csrf == "ok":
                data["csrf"] = world.csrf(call.login or "")
            elif call.csrf == "forged":
                data["csrf"] = "0" * 64
        if call.content_type is not None:
            headers["content-type"] = call.content_type
        response = client.request(
            call.method,
            call.path(world),
            data=data if call.content is None else None,
            content=call.content,
            headers=headers,
            follow_redirects=False,
        )
        unchanged = snapshot(world.ledger) == before
        client.cookies.set(SESSION_COOKIE, "hr")
        alive = client.get("/reviews", headers={"accept": "text/html"}).status_code == 200
        if response.status_code >= 500:
            return Verdict(Kind.CRASHED, f"HTTP {response.status_code}: {response.text[:500]}")
        if response.status_code < 400:
            return accepted(
                f"HTTP {response.status_code}; ledger {'unchanged' if unchanged else 'changed'}",
                neighbours_ok=alive,
            )
        try:
            body = response.json()
            message = f"{body['status']} {body['reason']}: {body['detail']}"
        except (ValueError, KeyError, TypeError):
            message = f"HTTP {response.status_code}: {response.text[:300]}"
        names = None if field is None else names_in(message, field)
        return refused(message, names_record=names, neighbours_ok=alive and unchanged)

    return feed


def _review(n: int = 0) -> Callable[[World], str]:
    return lambda w: f"/reviews/{w.seeded.review_ids[n]}"


def _letter(n: int = 0) -> Callable[[World], str]:
    return lambda w: f"/dead-letters/{w.seeded.letter_ids[n]}/replay"


def _fixed(path: str) -> Callable[[World], str]:
    return lambda _w: path


def _decide(**form: str) -> Call:
    return Call("POST", _review(), form=form)


REASON = "checked the answers myself"

# name -> (what is wrong, the request, the field the refusal must name or None)
_CALLS: dict[str, tuple[str, Call, str | None]] = {
    "decision_missing": ("no decision", _decide(reason=REASON), "decision"),
    "decision_unknown": (
        "a decision that is SQL",
        _decide(decision=INJECTIONS["sql"], reason=REASON),
        "decision",
    ),
    "reason_missing": ("no reason", _decide(decision="approve"), "reason"),
    "reason_blank": ("a reason of spaces", _decide(decision="approve", reason="   \t "), "reason"),
    "reason_oversized": (
        "a reason of 5,000 characters",
        _decide(decision="approve", reason="x" * 5000),
        "reason",
    ),
    "change_unknown_decision": (
        "a changed decision that is a script",
        _decide(decision="change", reason=REASON, new_decision=INJECTIONS["html"]),
        "new_decision",
    ),
    "change_nan_score": (
        "a changed score that is NaN",
        _decide(decision="change", reason=REASON, new_decision="pass", new_score="nan"),
        "new_score",
    ),
    "change_inf_score": (
        "a changed score that is infinite",
        _decide(decision="change", reason=REASON, new_decision="pass", new_score="inf"),
        "new_score",
    ),
    "change_huge_score": (
        "a changed score of 1e400",
        _decide(decision="change", reason=REASON, new_decision="pass", new_score="1e400"),
        "new_score",
    ),
    "change_negative_score": (
        "a changed score below 0",
        _decide(decision="change", reason=REASON, new_decision="pass", new_score="-5"),
        "new_score",
    ),
    "change_text_score": (
        "a changed score that is text",
        _decide(decision="change", reason=REASON, new_decision="pass", new_score="high"),
        "new_score",
    ),
    "approve_with_score": (
        "a score with an approval",
        _decide(decision="approve", reason=REASON, new_score="90"),
        "new_score",
    ),
    "csrf_missing": (
        "a form without its anti-forgery value",
        Call("POST", _review(), form={"decision": "approve", "reason": REASON}, csrf="missing"),
        None,
    ),
    "csrf_forged": (
        "a form with a forged anti-forgery value",
        Call("POST", _review(), form={"decision": "approve", "reason": REASON}, csrf="forged"),
        None,
    ),
    "json_body": (
        "a decision posted as JSON",
        Call(
            "POST", _review(), content=b'{"decision": "approve"}', content_type="application/json"
        ),
        None,
    ),
    "multipart_body": (
        "a decision posted as multipart",
        Call(
            "POST",
            _review(),
            content=b"--b\r\n\r\n--b--\r\n",
            content_type="multipart/form-data; boundary=b",
        ),
        None,
    ),
    "review_unknown": (
        "a decision on a result that does not exist",
        Call(
            "POST",
            _fixed("/reviews/hrhub:interview_result:nope"),
            form={"decision": "approve", "reason": REASON},
        ),
        "nope",
    ),
    "review_traversal": (
        "a result id that climbs directories",
        Call(
            "POST",
            _fixed("/reviews/..%2F..%2Fetc%2Fpasswd"),
            form={"decision": "approve", "reason": REASON},
        ),
        None,
    ),
    "review_crlf": (
        "a result id with a header break",
        Call(
            "POST",
            _fixed("/reviews/x%0D%0ASet-Cookie:%20a=b"),
            form={"decision": "approve", "reason": REASON},
        ),
        None,
    ),
    "review_wrong_role": (
        "an auditor deciding a review",
        Call("POST", _review(), form={"decision": "approve", "reason": REASON}, login="aud"),
        None,
    ),
    "review_not_signed_in": (
        "no session at all",
        Call(
            "POST",
            _review(),
            form={"decision": "approve", "reason": REASON},
            login=None,
            csrf="missing",
        ),
        None,
    ),
    "review_forged_session": (
        "a forged session",
        Call(
            "POST",
            _review(),
            form={"decision": "approve", "reason": REASON},
            login="forged",
            csrf="missing",
        ),
        None,
    ),
    "replay_ids_superscript": (
        "ids that are superscript digits",
        Call("POST", _fixed("/dead-letters/replay"), form={"ids": "²,³"}),
        "ids",
    ),
    "replay_ids_arabic_digits": (
        "ids in Arabic-Indic digits",
        Call("POST", _fixed("/dead-letters/replay"), form={"ids": "١٢٣"}),
        "ids",
    ),
    "replay_ids_huge": (
        "an id of 5,000 digits",
        Call("POST", _fixed("/dead-letters/replay"), form={"ids": "9" * 5000}),
        "ids",
    ),
    "replay_ids_past_int64": (
        "an id past any database integer",
        Call("POST", _fixed("/dead-letters/replay"), form={"ids": HUGE}),
        "ids",
    ),
    "replay_ids_sql": (
        "ids that are SQL",
        Call("POST", _fixed("/dead-letters/replay"), form={"ids": "1) OR 1=1 --"}),
        "ids",
    ),
    "replay_ids_empty": (
        "no ids",
        Call("POST", _fixed("/dead-letters/replay"), form={"ids": ""}),
        "ids",
    ),
    "replay_ids_too_many": (
        "51 ids",
        Call(
            "POST",
            _fixed("/dead-letters/replay"),
            form={"ids": ",".join(str(i) for i in range(1, 52))},
        ),
        "ids",
    ),
    "replay_unknown_letter": (
        "a letter that does not exist",
        Call("POST", _fixed("/dead-letters/987654/replay"), form={}),
        "987654",
    ),
    "replay_letter_text": (
        "a letter id that is text",
        Call("POST", _fixed("/dead-letters/abc/replay"), form={}),
        "letter_id",
    ),
    "replay_letter_past_int64": (
        "a letter id past any database integer",
        Call("POST", _fixed(f"/dead-letters/{HUGE}/replay"), form={}),
        None,
    ),
    "replay_wrong_role": (
        "a recruiter replaying",
        Call("POST", _letter(), form={}, login="rec"),
        None,
    ),
    "letters_after_past_int64": (
        "a page cursor past any database integer",
        Call("GET", _fixed(f"/dead-letters?after={HUGE}")),
        "after",
    ),
    "letters_system_oversized": (
        "a system filter of 500 characters",
        Call("GET", _fixed("/dead-letters?system=" + "s" * 500)),
        "system",
    ),
    "audit_before_past_int64": (
        "an audit cursor past any database integer",
        Call("GET", _fixed(f"/audit?before={HUGE}"), login="aud"),
        "before",
    ),
    "mapping_before_past_int64": (
        "a mapping history cursor past any database integer",
        Call("GET", _fixed(f"/mappings/{MAPPING}?before={HUGE}"), login="aud"),
        "before",
    ),
    "reviews_page_zero": ("page 0", Call("GET", _fixed("/reviews?page=0")), "page"),
    "reviews_page_text": (
        "a page that is text",
        Call("GET", _fixed("/reviews?page=first")),
        "page",
    ),
    "candidates_stage_unknown": (
        "a stage filter that is a script",
        Call("GET", _fixed("/candidates?stage=%3Cscript%3E")),
        "stage",
    ),
    "candidates_job_sql": (
        "a requisition filter that is SQL",
        Call("GET", _fixed("/candidates?job=1%27%20OR%201%3D1--")),
        "job",
    ),
    "candidates_q_oversized": (
        "a search of 10,000 characters",
        Call("GET", _fixed("/candidates?q=" + "a" * 10_000)),
        "q",
    ),
    "approve_traversal": (
        "approving a mapping path that climbs directories",
        Call(
            "POST",
            _fixed("/mappings/successfactors/..%2F..%2F..%2Fetc%2Fpasswd/approve"),
            form={"version": "sha256:0"},
            login="aud",
        ),
        None,
    ),
    "approve_unknown_system": (
        "approving a mapping of no system",
        Call(
            "POST",
            _fixed("/mappings/oracle/candidate.in.yaml/approve"),
            form={"version": "x"},
            login="aud",
        ),
        "oracle",
    ),
    "approve_version_missing": (
        "approving without the version shown",
        Call(
            "POST",
            _fixed("/mappings/successfactors/candidate.in.yaml/approve"),
            form={},
            login="aud",
        ),
        "version",
    ),
    "approve_stale_version": (
        "approving a version the file no longer has",
        Call(
            "POST",
            _fixed("/mappings/successfactors/candidate.in.yaml/approve"),
            form={"version": "sha256:0000000000000000"},
            login="aud",
        ),
        "version",
    ),
    "approve_note_oversized": (
        "an approval note of 20,000 characters",
        Call(
            "POST",
            _fixed("/mappings/successfactors/candidate.in.yaml/approve"),
            form={"version": "x", "note": "n" * 20_000},
            login="aud",
        ),
        "note",
    ),
}


def cases() -> list[HostileInput]:
    return [
        HostileInput(ENTRY_POINT, name, problem, feed_call(call, field))
        for name, (problem, call, field) in _CALLS.items()
    ]
