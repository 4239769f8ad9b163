"""Interview room client: order interviews, read analysed sessions, fetch recordings, check
webhooks. The API is hrhub's own; simulator.py's module docstring defines it.

No Airflow here: the hook builds this client from a Connection (login = workspace, password =
API key), tests build it directly.

- Write `create_orders`: one `POST /api/v1/orders` per record, keyed by `external_id` (the
  interview's canonical id). The room answers a repeat with the order that exists, so the call
  is retried like a read and a retried batch creates nothing twice. A record the room refuses
  (422) is rejected alone, naming its external_id and the field (`candidate.language`,
  `link_token`); the batch goes on.
- Stream `interview_analyses`: completed sessions by `updated_since` (the watermark minus the
  overlap), cursor-paged, each page turned into the sessions' analyses
  (`GET /api/v1/sessions/{id}/analysis`); mappings/interview_room/interview_analysis.in.yaml
  maps them to the canonical InterviewAnalysis. The list already names each session's
  `updated_at` (its version), so a caller that holds an analysis at that version (the overlap
  window lists it again) can say so through `unchanged` and is spared its analysis call.
- `download_recording` asks the size first (a one-byte Range) and refuses a recording over
  `max_bytes` before downloading it; the rest comes in Range chunks, each retried on its own.
- `verify_webhook` checks a completion webhook's signature and its timestamp's age.
- `erase("candidate", [candidate id])` (the right to erasure): `DELETE
  /api/v1/candidates/{id}` makes the room forget the candidate, every order and session with
  its transcript and recording; a 404 means the room holds nothing of them (already gone).
"""

from __future__ import annotations

import hmac
import json
import re
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import requests

from connectors._core.erasure import ERASED, FAILED, NOT_FOUND, SUBJECT, ErasureOutcome
from connectors._core.error_table import ErrorTable
from connectors._core.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    DataContractError,
    RecordRejected,
    RetriableError,
)
from connectors._core.http import ApiClient
from connectors._core.links import sign_token
from connectors._core.pagination import CursorPaginator
from connectors._core.ratelimit import RateBudget
from connectors._core.registry import get_connector
from connectors._core.write import BatchBreaker, WriteOutcome
from connectors.interview_room.signing import (
    SIGNATURE_HEADER,
    SIGNATURE_PREFIX,
    TIMESTAMP_HEADER,
    webhook_signature,
)

__all__ = ["InterviewRoomClient", "verify_webhook"]

SYSTEM = "interview_room"
API = "/api/v1"
STREAMS = ("interview_analyses",)
OPERATIONS = ("create_orders",)
DEFAULT_MAX_RECORDING_BYTES = 64 * 1024 * 1024  # an hour of 16 kHz PCM16 is ~115 MB
RECORDING_CHUNK_BYTES = 4 * 1024 * 1024
DEFAULT_WEBHOOK_TOLERANCE_S = 300.0
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")

# {session id: listed updated_at} -> the ids already held at that version (read_stream).
Unchanged = Callable[[Mapping[str, str]], Collection[str]]


class InterviewRoomClient(ApiClient):
    """One room workspace, one session, one API key (it does not expire)."""

    def __init__(
        self,
        base_url: str,
        *,
        workspace: str,
        api_key: str,
        link_secret: str | None = None,
        page_size: int = 50,
        max_recording_bytes: int = DEFAULT_MAX_RECORDING_BYTES,
        **kwargs: Any,
    ) -> None:
        if not workspace or not api_key:
            raise ConfigError(
                "the connection needs the workspace as login and the API key as password",
                system=SYSTEM,
            )
        if not 1 <= page_size <= 200:
            raise ConfigError(f"page_size must be 1..200, not {page_size!r}", system=SYSTEM)
        spec = get_connector(SYSTEM)
        kwargs.setdefault("error_table", ErrorTable.from_manifest(spec.errors))
        kwargs.setdefault("rate_budget", RateBudget.from_manifest(spec.rate_budget))
        super().__init__(base_url, system=SYSTEM, **kwargs)
        self.workspace = workspace
        self._api_key = api_key
        self.redactor.add_secret(api_key)
        self.link_secret = link_secret
        self.redactor.add_secret(link_secret)
        self.page_size = page_size
        self.max_recording_bytes = max_recording_bytes

    # -- hooks of ApiClient -------------------------------------------------------------------

    def before_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs["headers"]["Authorization"] = f"Bearer {self._api_key}"
        kwargs["headers"]["X-Room-Workspace"] = self.workspace
        return kwargs

    def vendor_error(self, resp: requests.Response) -> tuple[str | None, str | None] | None:
        """`{"error": code, "message": text}` of a failed call."""
        if resp.status_code < 400:
            return None
        body = _json_or_none(resp)
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            return body["error"], str(body.get("message") or "")
        return None

    # -- the connector contract ---------------------------------------------------------------

    def check(self) -> str:
        """One cheap authenticated call, for `test_connection`."""
        body = self.request_json("GET", f"{API}/me")
        return (
            f"connected to workspace {body.get('workspace', '?')}: {body.get('orders', '?')} "
            f"orders, {body.get('completed_sessions', '?')} completed sessions"
        )

    # read_stream takes `unchanged` (see there): what hrhub.flow.extract looks for.
    lists_versions = True

    def read_stream(
        self,
        stream: str,
        since: str | None = None,
        overlap_seconds: int = 0,
        *,
        unchanged: Unchanged | None = None,
    ) -> Iterator[list[dict[str, Any] | ConnectorError]]:
        """Pages of analyses of sessions completed since `since` (an updated_at) minus the
        overlap.

        `unchanged`, given a page's sessions as {session id: updated_at} (the list's own
        answer), returns the ids whose analysis the caller already holds at that version:
        those are not fetched again, so re-listing the overlap window costs no analysis
        calls. A session without an updated_at is always fetched.

        One session that cannot be read (its analysis malformed, a summary with no id) does
        not stop the stream: its error (DataContractError or RecordRejected naming it) stands
        in the page in place of its analysis, for the caller to dead-letter."""
        if stream not in STREAMS:
            raise ConfigError(
                f"interview_room has no stream {stream!r} (known: {', '.join(STREAMS)})",
                system=SYSTEM,
            )
        updated_since = _shift_iso(since, -overlap_seconds) if since else None
        for page in self.sessions(status="completed", updated_since=updated_since):
            unique = {s["id"]: s for s in page if isinstance(s, dict) and s.get("id")}
            nameless = [_nameless(s) for s in page if not (isinstance(s, dict) and s.get("id"))]
            known = unchanged(_versions(unique.values())) if unchanged else set()
            yield [self._analysis_or_error(sid) for sid in unique if sid not in known] + nameless

    def _analysis_or_error(self, session_id: str) -> dict[str, Any] | ConnectorError:
        """The analysis, or the error that concerns this session alone."""
        try:
            return self.fetch_analysis(session_id)
        except (RecordRejected, DataContractError) as exc:
            return exc

    def cursor_value(self, stream: str, record: dict[str, Any]) -> str | None:
        """The session's updated_at: fixed-width UTC text, so the ledger can keep the max."""
        return record.get("updated_at")

    # -- reading ------------------------------------------------------------------------------

    def sessions(
        self, *, status: str | None = "completed", updated_since: str | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of session summaries in the room's stable order (updated_at, id)."""
        params: dict[str, Any] = {"limit": self.page_size}
        if status:
            params["status"] = status
        if updated_since:
            params["updated_since"] = updated_since
        yield from self.paginate(
            f"{API}/sessions",
            paginator=CursorPaginator("next_cursor", "cursor"),
            params=params,
            data_selector="data",
        )

    def fetch_analysis(self, session_id: str) -> dict[str, Any]:
        """A completed session's analysis: transcript segments, signals, consent, recording."""
        try:
            body = self.request_json("GET", f"{API}/sessions/{session_id}/analysis")
        except (RecordRejected, DataContractError) as exc:
            exc.record_id = exc.record_id or session_id
            raise
        if not isinstance(body, dict) or body.get("session_id") != session_id:
            raise DataContractError(
                "the analysis does not name the session asked for",
                system=SYSTEM,
                record_id=session_id,
                field="session_id",
            )
        return body

    def room_link(self, interview_id: str, candidate_id: str, expires_at: datetime) -> str:
        """The candidate's signed door, `<base>/room?t=<token>`, bound to this interview and
        candidate (the claims the hub's schedule step signs); needs the link secret."""
        if not self.link_secret:
            raise ConfigError(
                "signing a room link needs the link_secret extra of the connection",
                system=SYSTEM,
            )
        claims = {"interview": interview_id, "candidate": candidate_id}
        token = sign_token(claims, secret=self.link_secret, expires_at=expires_at)
        return f"{self.base_url}/room?{urlencode({'t': token})}"

    def get_order(self, order_id: str) -> dict[str, Any]:
        return self.request_json("GET", f"{API}/orders/{order_id}")

    read_back_operations = OPERATIONS  # orders are hrhub's own: re-created when gone

    def absent(self, operation: str, remote_ids: Iterable[str]) -> set[str]:
        """Which of these orders (ids the room answered) the room no longer holds: what the
        daily reconciliation repairs. One call per order (the room has no bulk read); any
        answer but the order or a 404 raises, so an outage is never read as "deleted"."""
        if operation not in OPERATIONS:
            raise ConfigError(
                f"interview_room has no operation {operation!r} (known: {', '.join(OPERATIONS)})",
                system=SYSTEM,
            )
        missing = set()
        for order_id in remote_ids:
            try:
                self.get_order(str(order_id))
            except ConnectorError as exc:
                if exc.status != 404:
                    raise
                missing.add(str(order_id))
        return missing

    def erase(
        self, kind: str, remote_ids: Sequence[str], *, subject_id: str
    ) -> list[ErasureOutcome]:
        """Make the room forget candidates (kind "candidate": the hub's candidate ids, as the
        orders name them): one outcome per id. A call that fails (room down, refused) is a
        failed outcome carrying the error, so the caller retries it later."""
        if kind != SUBJECT:
            raise ConfigError(
                f"interview_room erases by candidate only, not {kind!r} (connector.yaml)",
                system=SYSTEM,
            )
        outcomes = []
        for candidate_id in remote_ids:
            path = f"{API}/candidates/{quote(str(candidate_id), safe='')}"
            try:
                body = self.request_json("DELETE", path)
            except ConnectorError as exc:
                if exc.status == 404:
                    outcomes.append(
                        ErasureOutcome(candidate_id, NOT_FOUND, "the room holds nothing of them")
                    )
                else:
                    outcomes.append(ErasureOutcome(candidate_id, FAILED, str(exc)))
                continue
            orders = len(body.get("orders_deleted") or []) if isinstance(body, dict) else 0
            sessions = len(body.get("sessions_deleted") or []) if isinstance(body, dict) else 0
            detail = f"{orders} orders and {sessions} sessions (transcripts, recordings) deleted"
            outcomes.append(ErasureOutcome(candidate_id, ERASED, detail))
        return outcomes

    def download_recording(self, session_id: str, *, max_bytes: int | None = None) -> bytes:
        """The session's WAV. A recording over `max_bytes` (default: the client's
        max_recording_bytes) is refused before it is downloaded (DataContractError naming the
        session and field "recording"); no audio consent is RecordRejected."""
        limit = self.max_recording_bytes if max_bytes is None else max_bytes
        path = f"{API}/sessions/{session_id}/recording"
        try:
            first = self.request("GET", path, headers={"Range": "bytes=0-0"})
            total = self._total_size(first, session_id)
            if total > limit:
                raise DataContractError(
                    f"the recording is {total:,} bytes, over the {limit:,}-byte limit "
                    "(max_bytes); refusing to download it",
                    system=SYSTEM,
                    record_id=session_id,
                    field="recording",
                )
            if first.status_code == 200:  # the server ignored Range and sent everything
                return self._checked_wav(first.content, total, session_id)
            chunks = [first.content]
            received = len(first.content)
            while received < total:
                end = min(received + RECORDING_CHUNK_BYTES, total) - 1
                resp = self.request("GET", path, headers={"Range": f"bytes={received}-{end}"})
                start, _, _ = self._content_range(resp, session_id)
                if start != received:
                    raise DataContractError(
                        f"asked for bytes from {received}, got a range from {start}",
                        system=SYSTEM,
                        record_id=session_id,
                        field="recording",
                    )
                chunks.append(resp.content)
                received += len(resp.content)
            return self._checked_wav(b"".join(chunks), total, session_id)
        except RecordRejected as exc:
            exc.record_id = exc.record_id or session_id
            if exc.vendor_code == "no_audio_consent":
                exc.field = "consent.audio_consent"
            raise

    def _total_size(self, resp: requests.Response, session_id: str) -> int:
        if resp.status_code == 200:
            return len(resp.content)
        return self._content_range(resp, session_id)[2]

    def _content_range(self, resp: requests.Response, session_id: str) -> tuple[int, int, int]:
        found = _CONTENT_RANGE.match(resp.headers.get("Content-Range", ""))
        if resp.status_code != 206 or found is None:
            raise DataContractError(
                f"a ranged recording request answered HTTP {resp.status_code} with "
                f"Content-Range {resp.headers.get('Content-Range')!r}",
                system=SYSTEM,
                record_id=session_id,
                field="recording",
            )
        start, end, total = (int(g) for g in found.groups())
        if len(resp.content) != end - start + 1:
            raise DataContractError(
                f"range {start}-{end} arrived with {len(resp.content)} bytes",
                system=SYSTEM,
                record_id=session_id,
                field="recording",
            )
        return start, end, total

    @staticmethod
    def _checked_wav(data: bytes, total: int, session_id: str) -> bytes:
        if len(data) != total or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
            raise DataContractError(
                f"the recording is not a complete WAV ({len(data)} of {total} bytes)",
                system=SYSTEM,
                record_id=session_id,
                field="recording",
            )
        return data

    # -- webhooks -----------------------------------------------------------------------------

    def register_webhook(
        self, url: str, secret: str, events: Sequence[str] = ("session.completed",)
    ) -> dict[str, Any]:
        """Ask the room to POST completion events to `url`, signed with `secret`."""
        self.redactor.add_secret(secret)
        return self.request_json(
            "POST", f"{API}/webhooks", json={"url": url, "secret": secret, "events": list(events)}
        )

    # -- writes -------------------------------------------------------------------------------

    def write(self, operation: str, records: Sequence[Mapping[str, Any]]) -> list[WriteOutcome]:
        """One outcome per record, in order (see the module docstring)."""
        if operation not in OPERATIONS:
            raise ConfigError(
                f"interview_room has no operation {operation!r} (known: {', '.join(OPERATIONS)})",
                system=SYSTEM,
            )
        outcomes = []
        breaker = BatchBreaker(SYSTEM)
        for index, record in enumerate(records):
            if breaker.tripped:
                outcomes.append(breaker.not_sent(index, _record_id(record, index)))
                continue
            try:
                order = self.create_order(record)
            except (RecordRejected, RetriableError, DataContractError) as exc:
                exc.record_id = exc.record_id or _record_id(record, index)
                breaker.trip_on(exc)
                outcomes.append(WriteOutcome(index, False, error=exc))
            else:
                outcomes.append(WriteOutcome(index, True, remote_id=str(order["id"])))
        return outcomes

    def create_order(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Order one interview (or get the order that exists for its external_id)."""
        external_id = record.get("external_id") if isinstance(record, Mapping) else None
        if not isinstance(external_id, str) or not external_id.strip():
            raise RecordRejected(
                "an order needs an external_id (the interview's canonical id): it is the key "
                "that makes a retried order harmless",
                system=SYSTEM,
                field="external_id",
            )
        try:
            body = self.request_json("POST", f"{API}/orders", json=dict(record))
        except RecordRejected as exc:
            exc.record_id = external_id
            found = _json_or_none(exc.response) if exc.response is not None else None
            if isinstance(found, dict) and isinstance(found.get("field"), str):
                exc.field = found["field"]
            raise
        except (RetriableError, DataContractError) as exc:
            exc.record_id = external_id
            raise
        if not isinstance(body, dict) or not body.get("id"):
            raise DataContractError(
                "the room answered an order without an id", system=SYSTEM, record_id=external_id
            )
        return body


def verify_webhook(
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    tolerance_s: float = DEFAULT_WEBHOOK_TOLERANCE_S,
    *,
    now: float | None = None,
) -> dict[str, Any]:
    """The event of a genuine, fresh completion webhook; AuthError otherwise.

    Refused: a missing or wrong signature (a tampered body, another secret), a timestamp more
    than `tolerance_s` from `now` (default: the current time) either way, so a captured
    delivery cannot be replayed later. A genuine body that is not an event is a
    DataContractError. Header names are matched case-insensitively.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    signature = lowered.get(SIGNATURE_HEADER.lower(), "")
    timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    if not signature.startswith(SIGNATURE_PREFIX) or not timestamp.isdigit():
        raise AuthError(
            f"webhook without a {SIGNATURE_HEADER} (sha256=...) and a numeric {TIMESTAMP_HEADER}",
            system=SYSTEM,
        )
    expected = webhook_signature(secret, timestamp, body)
    if not _equal(signature, expected):
        raise AuthError(
            "webhook signature does not match: the body was altered or signed with another secret",
            system=SYSTEM,
        )
    moment = time.time() if now is None else now
    age = moment - int(timestamp)
    if abs(age) > tolerance_s:
        raise AuthError(
            f"webhook timestamp is {age:+.0f} s from now, outside the {tolerance_s:g} s window "
            "(a replay, or a clock far off)",
            system=SYSTEM,
        )
    try:
        event = json.loads(body)
    except ValueError:
        raise DataContractError("webhook body is not JSON", system=SYSTEM) from None
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        raise DataContractError("webhook body has no event", system=SYSTEM, field="event")
    return event


def _equal(a: str, b: str) -> bool:
    """Constant time, so a signature cannot be guessed byte by byte."""
    return hmac.compare_digest(a.encode(), b.encode())


def _json_or_none(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


def _versions(sessions: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """{session id: updated_at} of the listed sessions that name their updated_at."""
    return {
        str(s["id"]): s["updated_at"]
        for s in sessions
        if isinstance(s.get("updated_at"), str) and s["updated_at"]
    }


def _record_id(record: Any, index: int) -> str:
    if isinstance(record, Mapping) and record.get("external_id"):
        return str(record["external_id"])
    return f"#{index}"


def _shift_iso(value: str, seconds: int) -> str:
    """An ISO 8601 watermark moved by `seconds`, in the room's own format."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise DataContractError(
            f"watermark {value!r} is not ISO 8601", system=SYSTEM, field="updated_at"
        ) from exc
    if moment.tzinfo is None:
        raise DataContractError(
            f"watermark {value!r} has no offset", system=SYSTEM, field="updated_at"
        )
    moved = moment + timedelta(seconds=seconds)
    return moved.isoformat(timespec="milliseconds")


def _nameless(summary: Any) -> DataContractError:
    """The error standing for a session summary the room listed without an id."""
    return DataContractError(
        f"the sessions list holds an entry with no session id: {str(summary)[:120]!r}",
        system=SYSTEM,
        field="id",
    )
