"""Completion webhooks: delivered signed to a real local receiver, retried on errors, and
checked by verify_webhook (tampered bodies, other secrets and stale timestamps refused)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from connectors._core.errors import AuthError, DataContractError, FatalError, RecordRejected
from connectors.interview_room.client import InterviewRoomClient, verify_webhook
from connectors.interview_room.signing import webhook_signature
from connectors.interview_room.simulator import InterviewRoomSimulator

from .support import FakeClock, order_for

SECRET = "whsec-hrhub-tests-0042"


class Receiver:
    """A tiny HTTP endpoint that answers with the statuses it is given, then 204."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[bytes, dict[str, str]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((body, dict(self.headers.items())))
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/room"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver([500, 503])  # the first two attempts fail: the room must retry
    yield r
    r.close()


def test_a_completion_is_delivered_signed_and_retried_until_accepted(
    sim: InterviewRoomSimulator,
    client: InterviewRoomClient,
    clock: FakeClock,
    receiver: Receiver,
) -> None:
    hook = client.register_webhook(receiver.url, SECRET)
    assert hook["events"] == ["session.completed"] and "secret" not in hook
    order = order_for(sim, 1)
    client.write("create_orders", [order])
    session_id = requests.get(
        f"{sim.url}/room", params={"t": order["link_token"]}, timeout=5
    ).json()["session_id"]
    clock.advance(sim.session_seconds)
    summary = client.request_json("GET", f"/api/v1/sessions/{session_id}")
    assert summary["status"] == "completed"

    [delivery] = sim.delivered(1)
    assert delivery["delivered"] and delivery["attempts"] == [500, 503, 204]
    assert len(receiver.received) == 3
    delivery_ids = {headers["X-Room-Delivery"] for _, headers in receiver.received}
    assert delivery_ids == {delivery["id"]}  # one id across retries, to de-duplicate

    body, headers = receiver.received[-1]
    event = verify_webhook(body, headers, SECRET, tolerance_s=300, now=clock())
    assert event == {
        "event": "session.completed",
        "session_id": session_id,
        "order_id": summary["order_id"],
        "completed_at": summary["completed_at"],
    }
    assert headers["X-Room-Event"] == "session.completed"


def test_verify_webhook_refuses_tampering_other_secrets_and_stale_timestamps() -> None:
    now = 1_750_000_000
    body = json.dumps({"event": "session.completed", "session_id": "ses_1"}).encode()
    good = {
        "X-Room-Timestamp": str(now),
        "X-Room-Signature": webhook_signature(SECRET, now, body),
    }
    assert verify_webhook(body, good, SECRET, now=now)["session_id"] == "ses_1"
    lowered = {k.lower(): v for k, v in good.items()}
    assert verify_webhook(body, lowered, SECRET, now=now + 299)["event"] == "session.completed"

    tampered = body.replace(b"ses_1", b"ses_2")
    with pytest.raises(AuthError, match="altered"):
        verify_webhook(tampered, good, SECRET, now=now)
    with pytest.raises(AuthError, match="altered"):
        verify_webhook(body, good, "another-secret-entirely", now=now)
    # Replaying the same delivery under a fresh timestamp breaks the signature too.
    replayed = {**good, "X-Room-Timestamp": str(now + 3600)}
    with pytest.raises(AuthError, match="altered"):
        verify_webhook(body, replayed, SECRET, now=now + 3600)
    with pytest.raises(AuthError, match="outside the 300 s window"):
        verify_webhook(body, good, SECRET, tolerance_s=300, now=now + 301)
    with pytest.raises(AuthError, match="outside"):
        verify_webhook(body, good, SECRET, tolerance_s=300, now=now - 301)
    with pytest.raises(AuthError, match="X-Room-Signature"):
        verify_webhook(body, {"X-Room-Timestamp": str(now)}, SECRET, now=now)
    not_json = b"<xml/>"
    signature = webhook_signature(SECRET, now, not_json)
    signed = {"X-Room-Timestamp": str(now), "X-Room-Signature": signature}
    with pytest.raises(DataContractError, match="not JSON"):
        verify_webhook(not_json, signed, SECRET, now=now)


def test_an_unreachable_receiver_is_given_up_after_the_attempts(
    sim: InterviewRoomSimulator, client: InterviewRoomClient, clock: FakeClock
) -> None:
    gone = Receiver([])
    url = gone.url
    gone.close()  # nothing listens there any more
    client.register_webhook(url, SECRET)
    order = order_for(sim, 2)
    client.write("create_orders", [order])
    requests.get(f"{sim.url}/room", params={"t": order["link_token"]}, timeout=5)
    clock.advance(sim.session_seconds)
    sim.tick()  # or the room's ticker: either completes the session once
    [delivery] = sim.delivered(1)
    assert not delivery["delivered"]
    assert delivery["attempts"] == [None] * sim.webhook_attempts


def test_bad_webhook_registrations_name_the_field(client: InterviewRoomClient) -> None:
    with pytest.raises(RecordRejected) as short:
        client.register_webhook("https://hub.example.com/hooks", "short")
    assert short.value.status == 422 and "at least 16" in str(short.value)
    with pytest.raises(RecordRejected, match="http"):
        client.register_webhook("ftp://hub.example.com/hooks", SECRET)
    with pytest.raises(FatalError):
        client.request("DELETE", "/api/v1/webhooks/whk_nope")
