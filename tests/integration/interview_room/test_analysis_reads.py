"""What an incremental extract of the room's analyses costs: the sessions list says each
session's version (updated_at), so the overlap window's re-listing of sessions already staged
at that version makes no analysis call. A changed analysis, a late arrival inside the window
and a full (reconciliation) read are still fetched. Room simulator on loopback, its clock moved
by the test, and a temporary SQLite ledger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.sim_data import iso
from connectors.interview_room.simulator import InterviewRoomSimulator
from hrhub.bench.interviews import interview_order, room_client
from hrhub.flow.extract import extract_stream
from hrhub.ledger import Ledger
from hrhub.models import InterviewAnalysis
from tests.integration.flow_score.world import Clock

SYSTEM, STREAM = "interview_room", "interview_analyses"
SESSIONS = 6  # completing 10 s apart: all inside the stream's 300 s overlap window


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def room(clock: Clock) -> Iterator[InterviewRoomSimulator]:
    with InterviewRoomSimulator(
        seeded=0, clock=clock, auto_start=True, session_seconds=1
    ) as server:
        yield server


@pytest.fixture
def client(room: InterviewRoomSimulator) -> InterviewRoomClient:
    return room_client(room)


def complete(
    room: InterviewRoomSimulator, client: InterviewRoomClient, clock: Clock, n: int
) -> str:
    """Order interview `n` and let its session complete 10 s later; the session id."""
    interview_id = f"hrhub:interview:{8000 + n}-ai"
    client.create_order(
        interview_order(
            room,
            interview_id,
            f"successfactors:application:{8000 + n}",
            f"successfactors:candidate:{60 + n}",
        )
    )
    clock.now += 10
    room.tick()
    with room.lock:
        return next(s["id"] for s in room.sessions.values() if s["external_id"] == interview_id)


def analysis_calls(room: InterviewRoomSimulator) -> list[str]:
    """Session ids of the analysis calls the room answered since its stats were reset."""
    with room.lock:
        return [path.split("/")[-2] for _, path in room.calls if path.endswith("/analysis")]


def extract(client: InterviewRoomClient, ledger: Ledger, **kwargs):
    return extract_stream(SYSTEM, STREAM, client=client, ledger=ledger, **kwargs)


def staged(ledger: Ledger, session_id: str):
    (row,) = ledger.get_records([InterviewAnalysis.make_canonical_id(SYSTEM, session_id)])
    return row


@pytest.fixture
def first_read(
    room: InterviewRoomSimulator, client: InterviewRoomClient, clock: Clock, ledger: Ledger
) -> list[str]:
    """SESSIONS completed sessions, extracted once (one analysis call each); stats reset."""
    sessions = [complete(room, client, clock, n) for n in range(SESSIONS)]
    summary = extract(client, ledger)
    assert (summary.read, summary.inserted, summary.unchanged) == (SESSIONS, SESSIONS, 0)
    assert sorted(analysis_calls(room)) == sorted(sessions)
    room.reset_stats()
    return sessions


def test_a_second_read_with_nothing_new_fetches_no_analysis(
    room: InterviewRoomSimulator, client: InterviewRoomClient, ledger: Ledger, first_read
) -> None:
    watermark = ledger.get_watermark(SYSTEM, STREAM)
    summary = extract(client, ledger)
    assert analysis_calls(room) == []
    # The window listed every session again; each was known at its version.
    assert (summary.unchanged, summary.read, summary.inserted, summary.updated) == (
        SESSIONS,
        0,
        0,
        0,
    )
    assert ledger.get_watermark(SYSTEM, STREAM) == watermark


def test_one_new_session_costs_one_analysis_call(
    room: InterviewRoomSimulator,
    client: InterviewRoomClient,
    clock: Clock,
    ledger: Ledger,
    first_read,
) -> None:
    new = complete(room, client, clock, SESSIONS)
    summary = extract(client, ledger)
    assert analysis_calls(room) == [new]
    assert (summary.read, summary.inserted, summary.unchanged) == (1, 1, SESSIONS)
    with room.lock:
        newest = iso(datetime.fromtimestamp(room.sessions[new]["updated_at"], UTC))
    assert ledger.get_watermark(SYSTEM, STREAM) == newest


def test_a_reanalysed_session_is_read_again(
    room: InterviewRoomSimulator,
    client: InterviewRoomClient,
    clock: Clock,
    ledger: Ledger,
    first_read,
) -> None:
    changed = first_read[2]
    before = staged(ledger, changed)
    clock.now += 5
    with room.lock:  # the room re-analysed it: new content, a new updated_at
        session = room.sessions[changed]
        session["updated_at"] = clock.now
        room.orders[session["order_id"]]["candidate"]["language"] = "en"
    summary = extract(client, ledger)
    assert analysis_calls(room) == [changed]
    assert (summary.read, summary.updated, summary.unchanged) == (1, 1, SESSIONS - 1)
    after = staged(ledger, changed)
    assert after.modified_at > before.modified_at
    assert (before.payload["language"], after.payload["language"]) == ("zh", "en")
    assert after.payload_hash != before.payload_hash


def test_a_late_arrival_inside_the_overlap_window_is_read(
    room: InterviewRoomSimulator,
    client: InterviewRoomClient,
    clock: Clock,
    ledger: Ledger,
    first_read,
) -> None:
    late = complete(room, client, clock, SESSIONS)
    watermark = datetime.fromisoformat(ledger.get_watermark(SYSTEM, STREAM)).timestamp()
    with room.lock:  # reported now, but its updated_at is before the watermark
        room.sessions[late]["updated_at"] = room.sessions[late]["completed_at"] = watermark - 100
    summary = extract(client, ledger)
    assert analysis_calls(room) == [late]
    assert (summary.read, summary.inserted, summary.unchanged) == (1, 1, SESSIONS)
    assert staged(ledger, late).remote_id == late


def test_a_full_read_still_fetches_every_analysis(
    room: InterviewRoomSimulator, client: InterviewRoomClient, ledger: Ledger, first_read
) -> None:
    summary = extract(client, ledger, full=True)
    assert sorted(analysis_calls(room)) == sorted(first_read)
    assert (summary.read, summary.records, summary.unchanged) == (SESSIONS, SESSIONS, 0)


def test_the_client_fetches_what_unchanged_does_not_name(
    room: InterviewRoomSimulator, client: InterviewRoomClient, first_read
) -> None:
    asked: list[dict[str, str]] = []

    def unchanged(versions):
        asked.append(dict(versions))
        return {first_read[0], first_read[1]}

    pages = list(client.read_stream(STREAM, unchanged=unchanged))
    read = [record["session_id"] for page in pages for record in page]
    assert sorted(read) == sorted(first_read[2:])
    assert sorted(analysis_calls(room)) == sorted(first_read[2:])
    # What it was asked about is the list call's own answer: every session and its updated_at.
    listed = {sid: v for page in asked for sid, v in page.items()}
    with room.lock:
        assert listed == {
            sid: iso(datetime.fromtimestamp(room.sessions[sid]["updated_at"], UTC))
            for sid in first_read
        }
