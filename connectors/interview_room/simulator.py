"""A local AI interview room: hrhub's own interview platform, and the reference of its API.

The room is where a candidate, following the signed link of their invitation, answers the
interview's questions; the hub orders interviews from it and reads back what it analysed.
There is no vendor behind it, so this module is the API's definition.

Auth: every /api/v1 call carries `Authorization: Bearer <api key>` and `X-Room-Workspace:
<workspace>` (the key belongs to one workspace). Anything else is 401 with
`WWW-Authenticate: Bearer` and a body saying what was wrong. Errors are
`{"error": <code>, "message": <text>[, "field": <dotted path>]}`. Times are ISO 8601 UTC with
milliseconds (`2025-03-01T08:00:00.000Z`), fixed width, so they sort as text.

- `POST /api/v1/orders` — order an interview::

      {"external_id": "hrhub:interview:A5001-ai",          # idempotency key
       "application_id": "successfactors:application:A5001",
       "candidate": {"id": "successfactors:candidate:42", "name": "张伟", "language": "zh"},
       "job": {"id": "successfactors:job:7", "family": "sales"},
       "questions": [{"id": "q_sales", "text": "请介绍一次你超额完成销售目标的经历。"}, ...],
       "link_token": "<the signed link's token, or the whole link>"}

  201 with the order; a repeat of an `external_id` answers 200 with the order that exists
  (`X-Idempotent-Replay: true`), unchanged, so a retried write creates nothing. language is zh
  or en; family sales, customer_service or data_engineering; question ids come from the shared
  bank (sim_data.QUESTION_BANK). The link token must be genuine, unexpired and issued for this
  interview and candidate. A bad order is 422 naming the `field` (`candidate.language`,
  `questions.1.id`, `link_token`). The order: `{id, external_id, application_id, candidate, job,
  questions, status: created|in_progress|completed, session_id, room_url, created_at}`.
- `GET /api/v1/orders/{id}` — one order (404 if unknown).
- `GET /room?t=<token>` or `GET /room/<token>` (the form the hub's schedule step signs) — the
  candidate's door (no API key: the signed link is the credential).
  The token is checked with the shared link code (connectors/_core/links.py, HMAC-SHA256):
  forged or altered → 403 reason "forged"; past its expiry → 410 "expired"; genuine but for
  another candidate than the order's → 403 "not your interview"; no order for its interview →
  404 "unknown interview"; already done → 409 "completed". A valid open starts the session (or
  rejoins it). JSON `{reason, message}` / `{session_id, ...}` for API callers, a small page for
  browsers (Accept: text/html).
- Sessions complete `session_seconds` after they start, on the simulator's clock (`clock`);
  `auto_start=True` starts each order's session when it is created (load tests).
- `GET /api/v1/sessions?status=completed&updated_since=<ISO>&cursor=<c>&limit=<n>` — session
  summaries `{id, order_id, external_id, candidate_id, status, started_at, completed_at,
  updated_at}` in a stable order (updated_at, id), `{"data": [...], "next_cursor": c|null}`.
  The cursor is the key of the page's last row, so sessions completing while a client pages
  are appended after it, never shifted into pages already read. limit 1..200 (default 50).
- `GET /api/v1/sessions/{id}` — one summary.
- `GET /api/v1/sessions/{id}/analysis` — for a completed session (409 `not_completed` before):
  `{session_id, order_id, external_id, application_id, candidate_id, job_id, job_family,
  language, status, started_at, completed_at, updated_at, segments: [{question_id,
  question_text, speaker, start_ms, end_ms, text, language}], platform_signals: {...},
  consent: {audio_consent, automated_decision_opt_out, recorded_at, notice_version},
  recording: {available, path, content_type, sample_rate, channels, duration_ms, size_bytes}}`.
  Segment times are offsets into the recording, computed from the clips' lengths.
- `GET /api/v1/sessions/{id}/recording` — `audio/wav`: the session's answers (in the
  candidate's language, strong or weak per candidate, sim_data.answer_quality) from
  recordings/manifest.json, SILENCE_MS apart. `Range: bytes=a-b` answers 206 with
  Content-Range (416 when unsatisfiable). Without audio consent there is no recording: 403
  `no_audio_consent`. Without the fixtures: 500 `fixtures_missing`, saying how to make them.
- `POST /api/v1/webhooks` `{url, secret (>= 16 chars), events: ["session.completed"]}` → 201
  `{id, url, events, created_at}`; `GET /api/v1/webhooks`; `DELETE /api/v1/webhooks/{id}`.
  On completion the room POSTs `{"event": "session.completed", "session_id", "order_id",
  "completed_at"}` with `X-Room-Timestamp` (epoch seconds, simulator clock),
  `X-Room-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body>` (signing.py),
  `X-Room-Event` and `X-Room-Delivery` (the same id on every attempt, to de-duplicate); a
  non-2xx or unreachable receiver is retried `webhook_attempts` times with backoff.
- `DELETE /api/v1/candidates/{candidate id}` — the right to erasure: the room forgets the
  candidate (the hub's candidate id, as its orders name it), every order and session of
  theirs with its questions, link, transcript, platform signals, consent and recording. 200
  `{candidate_id, orders_deleted: [ids], sessions_deleted: [ids]}`; 404 `not_found` when the
  room holds nothing of them (never did, or already forgot them), so a repeat is harmless.
- `GET /api/v1/me` — the workspace and its counts (a cheap authenticated call).

Faults come from the shared FaultSpec (latency_ms, error_rate, rate_limit, drop, drop_after,
slow_page_ms on the sessions list, duplicate and out_of_order within a page). token_expiry
does not apply: API keys do not expire.
"""

from __future__ import annotations

import base64
import binascii
import copy
import heapq
import hmac
import html
import itertools
import json
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from connectors._core.links import (
    LinkError,
    LinkExpired,
    LinkForged,
    link_token,
    sign_token,
    verify_link,
)
from connectors._core.simulator import Abort, FaultSpec, Request, Response, SimulatorServer, route
from connectors.interview_room.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    webhook_signature,
)
from connectors.interview_room.sim_audio import FIXTURES_DIR, FixturesMissing, RecordingLibrary
from connectors.interview_room.sim_data import (
    JOB_FAMILIES,
    LANGUAGES,
    QUESTION_BANK,
    answer_quality,
    consent_for,
    from_epoch,
    iso,
    platform_signals,
    seed_orders,
    short_id,
)

__all__ = ["InterviewRoomSimulator"]

API = "/api/v1"
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MAX_QUESTIONS = 10
MIN_WEBHOOK_SECRET = 16
EVENTS = ("session.completed",)
WEBHOOK_TIMEOUT_S = 5.0


def _error(status: int, code: str, message: str, **extra: Any) -> Abort:
    return Abort(Response(status, {"error": code, "message": message, **extra}))


def _invalid(field: str, message: str) -> Abort:
    return _error(422, "invalid_order", f"{field}: {message}", field=field)


def _text(value: Any, field: str, *, max_length: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field, "is required (a non-empty string)")
    if len(value) > max_length:
        raise _invalid(field, f"is longer than {max_length} characters")
    return value.strip()


def _object(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _invalid(field, "is required (an object)")
    return value


def _choice(value: Any, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _invalid(field, f"must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


class InterviewRoomSimulator(SimulatorServer):
    """The interview room's API and the candidate's door, on 127.0.0.1 (see the module doc).

    Public helpers for tests and benchmarks: `now`, `tick`, `count_stream`, `orders`,
    `sessions`, `rows`, `deliveries`, `delivered`, `link_for`, `auto_start`, `session_seconds`.
    `as_of` (default: the clock's time at construction) ends the seeded history: `seeded`
    orders whose sessions completed before it, one every 20 minutes. `api_key` and
    `link_secret` replace the sandbox's; `transcript_note`, when set, is a sentence every
    candidate adds to their first answer (recognisable test data in the transcripts).
    """

    system: ClassVar[str] = "interview_room"
    WORKSPACE: ClassVar[str] = "hrhub-sandbox"
    API_KEY: ClassVar[str] = "room-sandbox-key-7c41e9d2"
    LINK_SECRET: ClassVar[str] = "room-sandbox-link-secret-52d8"

    def __init__(
        self,
        faults: FaultSpec | str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        seeded: int = 24,
        as_of: datetime | None = None,
        clock: Callable[[], float] = time.time,
        session_seconds: float = 10.0,
        auto_start: bool = False,
        link_secret: str = LINK_SECRET,
        api_key: str = API_KEY,
        transcript_note: str | None = None,
        fixtures_dir: Path = FIXTURES_DIR,
        webhook_attempts: int = 4,
        webhook_backoff_s: float = 0.2,
        tick_seconds: float = 0.1,
    ) -> None:
        super().__init__(faults, host=host, port=port)
        self.seed = seed
        self._clock = clock
        self.session_seconds = session_seconds
        self.auto_start = auto_start
        self.link_secret = link_secret
        self.api_key = api_key
        self.transcript_note = transcript_note
        self.library = RecordingLibrary(fixtures_dir)
        self.webhook_attempts = webhook_attempts
        self.webhook_backoff_s = webhook_backoff_s
        self.tick_seconds = tick_seconds
        self.as_of = as_of or from_epoch(clock())

        self.orders: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self._by_external: dict[str, str] = {}
        self._due: list[tuple[float, str]] = []  # (completes_at, session id), a heap
        self.webhooks: dict[str, dict[str, Any]] = {}
        self.deliveries: list[dict[str, Any]] = []
        self._delivered = threading.Condition(self.lock)
        self._outbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._workers: list[threading.Thread] = []
        self._seed(seeded)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> str:
        url = super().start()
        if not self._workers:
            self._stopping.clear()
            for target, name in ((self._tick_loop, "tick"), (self._deliver_loop, "webhooks")):
                worker = threading.Thread(
                    target=target, name=f"simulator-interview-room-{name}", daemon=True
                )
                worker.start()
                self._workers.append(worker)
        return url

    def stop(self) -> None:
        self._stopping.set()
        self._outbox.put(None)
        for worker in self._workers:
            worker.join(timeout=5)
        self._workers = []
        super().stop()

    def connection_extra(self) -> dict[str, str]:
        return {}

    # -- time and state --------------------------------------------------------------------

    def now(self) -> datetime:
        """Simulator time (the clock), aware UTC."""
        return from_epoch(self._clock())

    def tick(self) -> list[str]:
        """Complete every session whose time has come; queue their webhooks. The ids done."""
        return self._complete_due(self._clock())

    def _complete_due(self, moment: float) -> list[str]:
        done = []
        with self.lock:
            while self._due and self._due[0][0] <= moment:
                _, session_id = heapq.heappop(self._due)
                session = self.sessions.get(session_id)
                if session is None:  # deleted before it completed (console, erasure)
                    continue
                session["status"] = "completed"
                session["completed_at"] = session["updated_at"] = session["completes_at"]
                self.orders[session["order_id"]]["status"] = "completed"
                done.append(session_id)
                self._queue_webhooks(session)
        return done

    def count_stream(self, stream: str) -> int:
        """Completed sessions: what a full read of `interview_analyses` returns."""
        if stream != "interview_analyses":
            raise KeyError(f"interview_room simulator has no stream {stream!r}")
        self.tick()
        with self.lock:
            return sum(1 for s in self.sessions.values() if s["status"] == "completed")

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Copies of the stored "orders" or "sessions", in creation order (read-only: for
        reconciliations and tests, safe while requests are served)."""
        if table not in ("orders", "sessions"):
            raise KeyError(f"interview_room simulator has no table {table!r} (orders, sessions)")
        with self.lock:
            return [copy.deepcopy(row) for row in getattr(self, table).values()]

    def delete_order(self, order_id: str) -> dict[str, Any]:
        """Remove an order (and its session), as an operator cancelling it in the room's
        console would: drift the hub's daily reconciliation must find and repair."""
        with self.lock:
            order = self.orders.pop(order_id)
            self._by_external.pop(order["external_id"], None)
            for session_id in [k for k, v in self.sessions.items() if v["order_id"] == order_id]:
                del self.sessions[session_id]
            return copy.deepcopy(order)

    def link_for(self, external_id: str, candidate_id: str, *, expires_in: float = 3600.0) -> str:
        """A genuine link token, as the hub would sign it (tests, demos, load scripts)."""
        expires = self.now() + timedelta(seconds=expires_in)
        claims = {"interview": external_id, "candidate": candidate_id}
        return sign_token(claims, secret=self.link_secret, expires_at=expires)

    def delivered(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until `count` webhook deliveries have finished (landed or given up)."""
        with self._delivered:
            self._delivered.wait_for(
                lambda: sum(1 for d in self.deliveries if d["done"]) >= count, timeout
            )
            return [dict(d) for d in self.deliveries]

    def _seed(self, count: int) -> None:
        for body in seed_orders(count, self.as_of):
            completed = body.pop("_completed_at").timestamp()
            started = completed - body.pop("_duration_s")
            body["link_token"] = sign_token(
                {"interview": body["external_id"], "candidate": body["candidate"]["id"]},
                secret=self.link_secret,
                expires_at=from_epoch(completed) + timedelta(hours=1),
            )
            order = self._new_order(body, created_at=started - 86_400)
            self._start_session(order, started, completes_at=completed, by="seed")
        self._complete_due(self.as_of.timestamp())

    def _new_order(self, body: Mapping[str, Any], created_at: float) -> dict[str, Any]:
        order = {
            "id": short_id("ord", self.seed, body["external_id"]),
            "external_id": body["external_id"],
            "application_id": body["application_id"],
            "candidate": dict(body["candidate"]),
            "job": dict(body["job"]),
            "questions": [dict(q) for q in body["questions"]],
            "link_token": body["link_token"],
            "status": "created",
            "session_id": None,
            "created_at": created_at,
        }
        with self.lock:
            self.orders[order["id"]] = order
            self._by_external[order["external_id"]] = order["id"]
        return order

    def _start_session(
        self, order: dict[str, Any], started: float, *, completes_at: float, by: str
    ) -> dict[str, Any]:
        with self.lock:
            session = {
                "id": short_id("ses", self.seed, order["id"]),
                "order_id": order["id"],
                "external_id": order["external_id"],
                "candidate_id": order["candidate"]["id"],
                "status": "in_progress",
                "started_by": by,
                "started_at": started,
                "completes_at": completes_at,
                "completed_at": None,
                "updated_at": started,
            }
            self.sessions[session["id"]] = session
            order["session_id"] = session["id"]
            order["status"] = "in_progress"
            heapq.heappush(self._due, (completes_at, session["id"]))
            return session

    def _tick_loop(self) -> None:
        while not self._stopping.wait(self.tick_seconds):
            self.tick()

    # -- dispatch --------------------------------------------------------------------------

    def _dispatch(self, req: Request) -> Response:
        self.tick()  # whatever the ticker's phase, an answer reflects the clock's "now"
        return super()._dispatch(req)

    def _auth(self, req: Request) -> None:
        header = req.header("authorization") or ""
        scheme, _, key = header.partition(" ")
        workspace = req.header("x-room-workspace") or ""
        problem = None
        if scheme.lower() != "bearer" or not key.strip():
            problem = "send 'Authorization: Bearer <api key>'"
        elif not hmac.compare_digest(key.strip().encode(), self.api_key.encode()):
            problem = "the API key is not valid"
        elif not hmac.compare_digest(workspace.encode(), self.WORKSPACE.encode()):
            problem = f"the API key does not belong to workspace {workspace!r}"
        if problem:
            raise Abort(
                Response(
                    401,
                    {"error": "unauthorized", "message": problem},
                    headers={"WWW-Authenticate": 'Bearer realm="interview-room"'},
                )
            )

    # -- orders ----------------------------------------------------------------------------

    @route("POST", rf"^{API}/orders$")
    def create_order(self, req: Request) -> Response:
        self._auth(req)
        body = req.json()
        if not isinstance(body, Mapping):
            raise _invalid("(body)", "must be a JSON object")
        external_id = _text(body.get("external_id"), "external_id")
        with self.lock:
            existing = self._by_external.get(external_id)
            if existing is not None:
                order = self.orders[existing]
                return Response(
                    200, self._order_view(order, req), headers={"X-Idempotent-Replay": "true"}
                )
            clean = self._validated(body, external_id)
            order = self._new_order(clean, created_at=self._clock())
            if self.auto_start:
                started = self._clock()
                self._start_session(
                    order, started, completes_at=started + self.session_seconds, by="auto"
                )
            return Response(201, self._order_view(order, req))

    def _validated(self, body: Mapping[str, Any], external_id: str) -> dict[str, Any]:
        """The order as stored, or 422 naming the first bad field."""
        application_id = _text(body.get("application_id"), "application_id")
        candidate = _object(body.get("candidate"), "candidate")
        cand = {
            "id": _text(candidate.get("id"), "candidate.id"),
            "name": _text(candidate.get("name"), "candidate.name"),
            "language": _choice(candidate.get("language"), "candidate.language", LANGUAGES),
        }
        job = _object(body.get("job"), "job")
        clean_job = {
            "id": _text(job.get("id"), "job.id"),
            "family": _choice(job.get("family"), "job.family", JOB_FAMILIES),
        }
        questions = body.get("questions")
        if not isinstance(questions, list) or not questions:
            raise _invalid("questions", "is required (a non-empty list)")
        if len(questions) > MAX_QUESTIONS:
            raise _invalid("questions", f"holds {len(questions)}; at most {MAX_QUESTIONS}")
        clean_questions, seen = [], set()
        for n, question in enumerate(questions):
            item = _object(question, f"questions.{n}")
            qid = _choice(item.get("id"), f"questions.{n}.id", tuple(QUESTION_BANK))
            if qid in seen:
                raise _invalid(f"questions.{n}.id", f"{qid} is asked twice")
            seen.add(qid)
            text = _text(item.get("text"), f"questions.{n}.text", max_length=1000)
            clean_questions.append({"id": qid, "text": text})
        # The token, or the whole link the hub sent the candidate: the room keeps the token.
        token = link_token(_text(body.get("link_token"), "link_token", max_length=4096))
        claims = self._claims(token, field="link_token")
        if claims.get("interview") != external_id:
            raise _invalid("link_token", "was issued for another interview")
        if claims.get("candidate") != cand["id"]:
            raise _invalid("link_token", "was issued for another candidate")
        return {
            "external_id": external_id,
            "application_id": application_id,
            "candidate": cand,
            "job": clean_job,
            "questions": clean_questions,
            "link_token": token,
        }

    def _claims(self, token: str, *, field: str) -> dict[str, Any]:
        try:
            return verify_link(token, secret=self.link_secret, now=self.now())
        except LinkError as exc:
            raise _invalid(field, str(exc)) from None

    @route("GET", rf"^{API}/orders/(?P<order_id>[^/]+)$")
    def get_order(self, req: Request, order_id: str) -> Response:
        self._auth(req)
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                raise _error(404, "not_found", f"no order {order_id!r}")
            return Response(200, self._order_view(order, req))

    def _order_view(self, order: Mapping[str, Any], req: Request) -> dict[str, Any]:
        view = {k: v for k, v in order.items() if k not in ("link_token", "created_at")}
        view["room_url"] = f"{req.base_url}/room?t={order['link_token']}"
        view["created_at"] = iso(from_epoch(order["created_at"]))
        return view

    # -- the candidate's door --------------------------------------------------------------

    @route("GET", r"^/room(?:/(?P<token>[^/]+))?$")
    def room(self, req: Request, token: str | None = None) -> Response:
        html_page = "text/html" in (req.header("accept") or "")
        token = token or req.arg("t") or ""
        try:
            claims = verify_link(token, secret=self.link_secret, now=self.now())
        except LinkExpired as exc:
            return _refusal(410, "expired", str(exc), html_page)
        except LinkForged as exc:
            return _refusal(403, "forged", str(exc), html_page)
        with self.lock:
            order_id = self._by_external.get(str(claims.get("interview")))
            order = self.orders.get(order_id or "")
            if order is None:
                message = "this interview is not (or no longer) scheduled in the room"
                return _refusal(404, "unknown interview", message, html_page)
            if claims.get("candidate") != order["candidate"]["id"]:
                message = "this link belongs to another candidate's interview"
                return _refusal(403, "not your interview", message, html_page)
            session = self.sessions.get(order["session_id"] or "")
            if session is not None and session["status"] == "completed":
                message = "this interview is already completed; thank you"
                return _refusal(409, "completed", message, html_page)
            rejoined = session is not None
            if session is None:
                started = self._clock()
                session = self._start_session(
                    order, started, completes_at=started + self.session_seconds, by="link"
                )
            welcome = {
                "session_id": session["id"],
                "order_id": order["id"],
                "status": session["status"],
                "rejoined": rejoined,
                "started_at": iso(from_epoch(session["started_at"])),
                "language": order["candidate"]["language"],
                "questions": [q["text"] for q in order["questions"]],
            }
        if html_page:
            items = "".join(f"<li>{html.escape(q)}</li>" for q in welcome["questions"])
            page = f"<!doctype html><title>Interview</title><h1>Welcome</h1><ol>{items}</ol>"
            return Response(200, page, content_type="text/html; charset=utf-8")
        return Response(200, welcome)

    # -- sessions --------------------------------------------------------------------------

    @route("GET", rf"^{API}/sessions$", page=True)
    def list_sessions(self, req: Request) -> Response:
        self._auth(req)
        status = req.arg("status")
        if status not in (None, "completed", "in_progress"):
            raise _error(400, "bad_request", "status must be completed or in_progress")
        limit = _limit(req.arg("limit"))
        since_ms = _since_ms(req.arg("updated_since"))
        after = _cursor_key(req.arg("cursor"))
        with self.lock:
            rows = sorted(
                (
                    s
                    for s in self.sessions.values()
                    if (status is None or s["status"] == status)
                    and _ms(s["updated_at"]) >= since_ms
                ),
                key=_sort_key,
            )
            if after is not None:
                rows = [s for s in rows if _sort_key(s) > after]
            page = rows[:limit]
            more = len(rows) > limit
            data = [self._summary(s) for s in page]
        next_cursor = _encode_cursor(_sort_key(page[-1])) if more and page else None
        return Response(200, {"data": self.apply_list_faults(data), "next_cursor": next_cursor})

    @route("GET", rf"^{API}/sessions/(?P<session_id>[^/]+)$")
    def get_session(self, req: Request, session_id: str) -> Response:
        self._auth(req)
        with self.lock:
            return Response(200, self._summary(self._session(session_id)))

    def _session(self, session_id: str) -> dict[str, Any]:
        session = self.sessions.get(session_id)
        if session is None:
            raise _error(404, "not_found", f"no session {session_id!r}")
        return session

    def _completed(self, session_id: str) -> dict[str, Any]:
        session = self._session(session_id)
        if session["status"] != "completed":
            raise _error(409, "not_completed", f"session {session_id!r} is still in progress")
        return session

    @staticmethod
    def _summary(session: Mapping[str, Any]) -> dict[str, Any]:
        completed = session["completed_at"]
        return {
            "id": session["id"],
            "order_id": session["order_id"],
            "external_id": session["external_id"],
            "candidate_id": session["candidate_id"],
            "status": session["status"],
            "started_at": iso(from_epoch(session["started_at"])),
            "completed_at": None if completed is None else iso(from_epoch(completed)),
            "updated_at": iso(from_epoch(session["updated_at"])),
        }

    @route("GET", rf"^{API}/sessions/(?P<session_id>[^/]+)/analysis$")
    def analysis(self, req: Request, session_id: str) -> Response:
        self._auth(req)
        with self.lock:
            session = dict(self._completed(session_id))
            order = dict(self.orders[session["order_id"]])
        return Response(200, self._analysis(session, order))

    def _plan(self, order: Mapping[str, Any]) -> list[Any]:
        try:
            return self.library.place(
                order["candidate"]["language"],
                [q["id"] for q in order["questions"]],
                answer_quality(order["candidate"]["id"]),
            )
        except FixturesMissing as exc:
            raise _error(500, "fixtures_missing", str(exc)) from None

    def _analysis(self, session: Mapping[str, Any], order: Mapping[str, Any]) -> dict[str, Any]:
        language = order["candidate"]["language"]
        candidate_id = order["candidate"]["id"]
        placed = self._plan(order)
        texts = {q["id"]: q["text"] for q in order["questions"]}
        consent = consent_for(candidate_id, from_epoch(session["started_at"]))
        available = consent["audio_consent"]
        question_ids = [q["id"] for q in order["questions"]]
        return {
            **self._summary(session),
            "session_id": session["id"],
            "application_id": order["application_id"],
            "job_id": order["job"]["id"],
            "job_family": order["job"]["family"],
            "language": language,
            "segments": [
                {
                    "question_id": p.clip.question_id,
                    "question_text": texts[p.clip.question_id],
                    "speaker": "candidate",
                    "start_ms": p.start_ms,
                    "end_ms": p.end_ms,
                    "text": f"{p.clip.text} {self.transcript_note}"
                    if self.transcript_note and n == 0
                    else p.clip.text,
                    "language": language,
                }
                for n, p in enumerate(placed)
            ],
            "platform_signals": platform_signals(
                candidate_id, question_ids, answer_quality(candidate_id)
            ),
            "consent": consent,
            "recording": {
                "available": available,
                "path": f"{API}/sessions/{session['id']}/recording" if available else None,
                "content_type": "audio/wav",
                "sample_rate": 16_000,
                "channels": 1,
                "duration_ms": placed[-1].end_ms if placed else 0,
                "size_bytes": self.library.size_bytes(placed) if available else None,
            },
        }

    @route("GET", rf"^{API}/sessions/(?P<session_id>[^/]+)/recording$")
    def recording(self, req: Request, session_id: str) -> Response:
        self._auth(req)
        with self.lock:
            session = dict(self._completed(session_id))
            order = dict(self.orders[session["order_id"]])
        consent = consent_for(order["candidate"]["id"], from_epoch(session["started_at"]))
        if not consent["audio_consent"]:
            raise _error(
                403,
                "no_audio_consent",
                f"session {session_id!r}: the candidate did not consent to audio analysis, "
                "so the room keeps no recording",
            )
        try:
            data = self.library.render(self._plan(order))
        except FixturesMissing as exc:
            raise _error(500, "fixtures_missing", str(exc)) from None
        return _ranged(data, req.header("range"))

    # -- webhooks --------------------------------------------------------------------------

    @route("POST", rf"^{API}/webhooks$")
    def add_webhook(self, req: Request) -> Response:
        self._auth(req)
        body = req.json()
        if not isinstance(body, Mapping):
            raise _error(422, "invalid_webhook", "the body must be a JSON object", field="(body)")
        url = body.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise _error(422, "invalid_webhook", "url must be an http(s) URL", field="url")
        secret = body.get("secret")
        if not isinstance(secret, str) or len(secret) < MIN_WEBHOOK_SECRET:
            message = f"secret must be a string of at least {MIN_WEBHOOK_SECRET} characters"
            raise _error(422, "invalid_webhook", message, field="secret")
        events = body.get("events") or list(EVENTS)
        if not isinstance(events, list) or any(e not in EVENTS for e in events):
            message = f"events must be a list of {', '.join(EVENTS)}"
            raise _error(422, "invalid_webhook", message, field="events")
        with self.lock:
            hook = {
                "id": short_id("whk", self.seed, url, next(self._ids)),
                "url": url,
                "events": sorted(set(events)),
                "created_at": iso(self.now()),
            }
            self.webhooks[hook["id"]] = {**hook, "secret": secret}
        return Response(201, hook)

    @route("GET", rf"^{API}/webhooks$")
    def list_webhooks(self, req: Request) -> Response:
        self._auth(req)
        with self.lock:
            hooks = [{k: v for k, v in h.items() if k != "secret"} for h in self.webhooks.values()]
        return Response(200, {"data": hooks, "next_cursor": None})

    @route("DELETE", rf"^{API}/webhooks/(?P<hook_id>[^/]+)$")
    def delete_webhook(self, req: Request, hook_id: str) -> Response:
        self._auth(req)
        with self.lock:
            if self.webhooks.pop(hook_id, None) is None:
                raise _error(404, "not_found", f"no webhook {hook_id!r}")
        return Response(204)

    @route("DELETE", rf"^{API}/candidates/(?P<candidate_id>[^/]+)$")
    def erase_candidate(self, req: Request, candidate_id: str) -> Response:
        self._auth(req)
        with self.lock:
            orders = [o["id"] for o in self.orders.values() if o["candidate"]["id"] == candidate_id]
            sessions = [
                s["id"]
                for s in self.sessions.values()
                if s["candidate_id"] == candidate_id or s["order_id"] in orders
            ]
            if not orders and not sessions:
                raise _error(404, "not_found", "the room holds nothing of this candidate")
            for order_id in orders:
                order = self.orders.pop(order_id)
                self._by_external.pop(order["external_id"], None)
            for session_id in sessions:
                del self.sessions[session_id]
        body = {
            "candidate_id": candidate_id,
            "orders_deleted": orders,
            "sessions_deleted": sessions,
        }
        return Response(200, body)

    @route("GET", rf"^{API}/me$")
    def me(self, req: Request) -> Response:
        self._auth(req)
        with self.lock:
            completed = sum(1 for s in self.sessions.values() if s["status"] == "completed")
            return Response(
                200,
                {
                    "workspace": self.WORKSPACE,
                    "orders": len(self.orders),
                    "completed_sessions": completed,
                },
            )

    def _queue_webhooks(self, session: Mapping[str, Any]) -> None:
        """Called with the lock held, once per completed session."""
        event = {
            "event": "session.completed",
            "session_id": session["id"],
            "order_id": session["order_id"],
            "completed_at": iso(from_epoch(session["completed_at"])),
        }
        for hook in self.webhooks.values():
            if event["event"] not in hook["events"]:
                continue
            delivery = {
                "id": short_id("dlv", self.seed, hook["id"], session["id"]),
                "webhook_id": hook["id"],
                "session_id": session["id"],
                "attempts": [],
                "delivered": False,
                "done": False,
            }
            self.deliveries.append(delivery)
            self._outbox.put({"delivery": delivery, "hook": dict(hook), "event": event})

    def _deliver_loop(self) -> None:
        while True:
            job = self._outbox.get()
            if self._stopping.is_set():
                return
            if job is not None:  # None: a wake-up left by an earlier stop()
                self._deliver(job["delivery"], job["hook"], job["event"])

    def _deliver(
        self, delivery: dict[str, Any], hook: Mapping[str, Any], event: Mapping[str, Any]
    ) -> None:
        body = json.dumps(event, separators=(",", ":")).encode("utf-8")
        for attempt in range(self.webhook_attempts):
            timestamp = str(int(self._clock()))
            request = urllib.request.Request(
                hook["url"],
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "interview-room-webhooks/1",
                    "X-Room-Event": str(event["event"]),
                    "X-Room-Delivery": delivery["id"],
                    TIMESTAMP_HEADER: timestamp,
                    SIGNATURE_HEADER: webhook_signature(hook["secret"], timestamp, body),
                },
            )
            status: int | None
            try:
                with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as resp:
                    status = resp.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except (urllib.error.URLError, OSError):
                status = None
            with self._delivered:
                delivery["attempts"].append(status)
                ok = status is not None and 200 <= status < 300
                if ok or attempt == self.webhook_attempts - 1:
                    delivery["delivered"], delivery["done"] = ok, True
                    self._delivered.notify_all()
                    return
            if self._stopping.wait(self.webhook_backoff_s * 2**attempt):
                return


# -- helpers ---------------------------------------------------------------------------------


def _refusal(status: int, reason: str, message: str, html_page: bool) -> Response:
    if html_page:
        page = (
            f"<!doctype html><title>Interview link</title><h1>{html.escape(reason)}</h1>"
            f"<p>{html.escape(message)}</p>"
        )
        return Response(status, page, content_type="text/html; charset=utf-8")
    return Response(status, {"error": "link_refused", "reason": reason, "message": message})


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _sort_key(session: Mapping[str, Any]) -> tuple[int, str]:
    return _ms(session["updated_at"]), session["id"]


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        message = f"limit must be a whole number from 1 to {MAX_LIMIT}, not {raw!r}"
        raise _error(400, "bad_request", message, field="limit")
    return int(raw)


def _since_ms(raw: str | None) -> int:
    if not raw:
        return 0
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        message = f"updated_since must be ISO 8601 with an offset, not {raw!r}"
        raise _error(400, "bad_request", message, field="updated_since") from None
    if moment.tzinfo is None:
        message = f"updated_since needs an offset (Z or +08:00), got {raw!r}"
        raise _error(400, "bad_request", message, field="updated_since")
    return _ms(moment.timestamp())


def _encode_cursor(key: tuple[int, str]) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _cursor_key(raw: str | None) -> tuple[int, str] | None:
    if not raw:
        return None
    try:
        ms, session_id = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(ms, int) or not isinstance(session_id, str):
            raise ValueError
    except (binascii.Error, ValueError, TypeError):
        raise _error(400, "bad_cursor", f"cursor {raw!r} is not one this API issued") from None
    return ms, session_id


def _ranged(data: bytes, header: str | None) -> Response:
    """The WAV, or the byte range asked for (one range: `bytes=a-b`, `a-`, `-n`)."""
    total = len(data)
    base = {"Accept-Ranges": "bytes"}
    if not header:
        return Response(200, data, headers=base, content_type="audio/wav")
    unit, _, spec = header.partition("=")
    first, dash, last = spec.strip().partition("-")
    try:
        if unit.strip() != "bytes" or not dash or "," in spec:
            raise ValueError
        if first == "":
            start, end = max(0, total - int(last)), total - 1
        else:
            start = int(first)
            end = min(int(last), total - 1) if last else total - 1
        if start > end or start >= total:
            raise ValueError
    except ValueError:
        return Response(
            416,
            {"error": "range_not_satisfiable", "message": f"cannot serve {header!r} of {total}"},
            headers={**base, "Content-Range": f"bytes */{total}"},
        )
    return Response(
        206,
        data[start : end + 1],
        headers={**base, "Content-Range": f"bytes {start}-{end}/{total}"},
        content_type="audio/wav",
    )
