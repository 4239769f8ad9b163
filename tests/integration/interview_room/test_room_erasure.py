"""The interview room forgets a candidate (DELETE /api/v1/candidates/{id}) over loopback: their
orders, sessions, transcripts and recordings go, other candidates' stay, a repeat is not
found, and a room that is down answers failed instead of raising."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from connectors._core.erasure import ERASED, FAILED, NOT_FOUND
from connectors._core.errors import ConfigError
from connectors._core.retry import retry_policy
from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.simulator import InterviewRoomSimulator

ANNA, BO = "successfactors:candidate:41", "successfactors:candidate:42"


class Clock:
    def __init__(self) -> None:
        self.now = 1_780_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def room(clock: Clock) -> Iterator[InterviewRoomSimulator]:
    with InterviewRoomSimulator(
        seeded=0, clock=clock, session_seconds=60, tick_seconds=3600
    ) as server:
        yield server


@pytest.fixture
def client(room: InterviewRoomSimulator) -> Iterator[InterviewRoomClient]:
    with InterviewRoomClient(
        room.url,
        workspace=room.WORKSPACE,
        api_key=room.API_KEY,
        retry=retry_policy(initial=0.01, cap=0.02, max_attempts=2),
    ) as made:
        yield made


def order(room: InterviewRoomSimulator, client: InterviewRoomClient, n: int, who: str) -> str:
    interview = f"hrhub:interview:70{n}-ai"
    made = client.create_order(
        {
            "external_id": interview,
            "application_id": f"successfactors:application:70{n}",
            "candidate": {"id": who, "name": "Anna Erasable", "language": "en"},
            "job": {"id": "successfactors:job:1", "family": "sales"},
            "questions": [{"id": "q_sales", "text": "Tell us about a target you beat."}],
            "link_token": room.link_for(interview, who),
        }
    )
    return str(made["id"])


def start(room: InterviewRoomSimulator, order_id: str) -> None:
    """The candidate opens their link: the session starts."""
    token = room.orders[order_id]["link_token"]
    assert requests.get(f"{room.url}/room?t={token}", timeout=5).status_code == 200


def test_the_room_forgets_a_candidate_and_keeps_the_others(
    room: InterviewRoomSimulator, client: InterviewRoomClient, clock: Clock
) -> None:
    first, second = order(room, client, 1, ANNA), order(room, client, 2, ANNA)
    kept = order(room, client, 3, BO)
    for order_id in (first, second, kept):
        start(room, order_id)
    clock.now += 120
    room.tick()
    sessions = {s["order_id"]: s["id"] for s in room.rows("sessions")}
    assert client.fetch_analysis(sessions[first])["candidate_id"] == ANNA

    [outcome] = client.erase("candidate", [ANNA], subject_id=ANNA)

    assert outcome.status == ERASED and outcome.detail.startswith("2 orders and 2 sessions")
    assert [o["id"] for o in room.rows("orders")] == [kept]
    assert [s["order_id"] for s in room.rows("sessions")] == [kept]
    for gone in (sessions[first], sessions[second]):
        for path in (f"/api/v1/sessions/{gone}/analysis", f"/api/v1/sessions/{gone}/recording"):
            with pytest.raises(Exception) as raised:
                client.request_json("GET", path)
            assert getattr(raised.value, "status", None) == 404, path
    assert client.fetch_analysis(sessions[kept])["candidate_id"] == BO
    # Asked again: nothing left of the candidate.
    [again] = client.erase("candidate", [ANNA], subject_id=ANNA)
    assert again.status == NOT_FOUND


def test_a_session_erased_before_it_completes_does_not_break_the_room(
    room: InterviewRoomSimulator, client: InterviewRoomClient, clock: Clock
) -> None:
    running = order(room, client, 1, ANNA)
    other = order(room, client, 2, BO)
    start(room, running)
    start(room, other)

    client.erase("candidate", [ANNA], subject_id=ANNA)
    clock.now += 120

    # The room's clock passes the erased session's end: only the other one completes.
    assert room.tick() == [s["id"] for s in room.rows("sessions")]
    assert [(s["candidate_id"], s["status"]) for s in room.rows("sessions")] == [(BO, "completed")]


def test_a_room_that_is_down_answers_failed(
    room: InterviewRoomSimulator, client: InterviewRoomClient
) -> None:
    order(room, client, 1, ANNA)
    room.set_faults("error_rate=1")

    [outcome] = client.erase("candidate", [ANNA], subject_id=ANNA)

    assert outcome.status == FAILED and "HTTP 503" in outcome.detail
    assert len(room.rows("orders")) == 1
    room.set_faults(None)
    assert client.erase("candidate", [ANNA], subject_id=ANNA)[0].status == ERASED


def test_the_room_erases_by_candidate_only(client: InterviewRoomClient) -> None:
    with pytest.raises(ConfigError, match="create_orders"):
        client.erase("create_orders", ["ord1"], subject_id=ANNA)
