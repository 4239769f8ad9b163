"""What a scoring run reads: only the analyses waiting to be scored, never the history of the
ones scored before, with the same results as scoring everything at once. The room's simulator
on loopback (its clock moved by the test) and temporary SQLite ledgers; no audio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.simulator import InterviewRoomSimulator
from hrhub.bench.interviews import interview_order, room_client
from hrhub.flow.extract import extract_stream
from hrhub.flow.score import ScoreSummary, score_interviews
from hrhub.ledger import Ledger
from hrhub.models import InterviewAnalysis, InterviewResult
from tests.integration.flow_score.world import Clock

SYSTEM, STREAM = "interview_room", "interview_analyses"
FAMILIES = ("sales", "customer_service", "data_engineering")
EARLIER = 4  # analyses scored by the first run


ANALYSIS = InterviewAnalysis.entity


class ReadSpy:
    """Wraps a ledger's record reads: the analyses each run loads, and any full scan."""

    def __init__(self, ledger: Ledger) -> None:
        self.analyses_read: list[str] = []
        self.scans: list[str] = []
        get_records, iter_staged = ledger.get_records, ledger.iter_staged

        def records(ids: Any) -> list[Any]:
            rows = get_records(ids)
            self.analyses_read += [r.canonical_id for r in rows if r.entity == ANALYSIS]
            return rows

        def staged(entity: str, **kwargs: Any) -> Iterator[Any]:
            self.scans.append(entity)
            for row in iter_staged(entity, **kwargs):
                if row.entity == ANALYSIS:
                    self.analyses_read.append(row.canonical_id)
                yield row

        ledger.get_records = records  # type: ignore[method-assign]
        ledger.iter_staged = staged  # type: ignore[method-assign]


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


def open_ledger(tmp_path: Path, name: str) -> Ledger:
    return Ledger.open(f"sqlite:///{tmp_path / name}")


def complete(
    room: InterviewRoomSimulator, client: InterviewRoomClient, clock: Clock, n: int
) -> str:
    """Order interview `n` and let its session complete; the analysis's canonical id."""
    interview_id = f"hrhub:interview:{9100 + n}-ai"
    client.create_order(
        interview_order(
            room,
            interview_id,
            f"successfactors:application:{9100 + n}",
            f"successfactors:candidate:{300 + n}",
            family=FAMILIES[n % len(FAMILIES)],
        )
    )
    clock.now += 10
    room.tick()
    with room.lock:
        session = next(s for s in room.sessions.values() if s["external_id"] == interview_id)
    return InterviewAnalysis.make_canonical_id(SYSTEM, session["id"])


def extract_and_score(client: InterviewRoomClient, ledger: Ledger) -> ScoreSummary:
    extract_stream(SYSTEM, STREAM, client=client, ledger=ledger)
    return score_interviews(ledger, recordings=None)


def results(ledger: Ledger) -> dict[str, dict[str, Any]]:
    return {r.canonical_id: r.payload for r in ledger.iter_staged("interview_result")}


def test_a_run_reads_and_scores_only_the_new_analysis(
    room: InterviewRoomSimulator, client: InterviewRoomClient, clock: Clock, tmp_path: Path
) -> None:
    ledger = open_ledger(tmp_path, "ledger.db")
    for n in range(EARLIER):
        complete(room, client, clock, n)
    first = extract_and_score(client, ledger)
    assert (first.scored, first.skipped, first.dead_letters) == (EARLIER, 0, 0)

    new = complete(room, client, clock, EARLIER)
    spy = ReadSpy(ledger)
    second = extract_and_score(client, ledger)
    assert (second.scored, second.skipped, second.dead_letters) == (1, EARLIER, 0)
    assert spy.analyses_read == [new]  # the analyses scored before were not read
    assert spy.scans == []  # no staged entity was scanned whole
    scored = results(ledger)
    assert len(scored) == EARLIER + 1
    assert InterviewResult.make_canonical_id("hrhub", new.rsplit(":", 1)[-1]) in scored

    # Nothing new: nothing read, nothing scored, the history still counted as skipped.
    again = ReadSpy(ledger)
    third = score_interviews(ledger, recordings=None)
    assert (third.scored, third.skipped) == (0, EARLIER + 1)
    assert again.analyses_read == [] and again.scans == []

    # The same results as one run over every analysis at once.
    reference = open_ledger(tmp_path, "reference.db")
    once = extract_and_score(client, reference)
    assert once.scored == EARLIER + 1
    assert results(reference) == scored
    outbox = {i.canonical_id for i in ledger.outbox_items("successfactors", "interview_assessment")}
    assert outbox == {
        i.canonical_id for i in reference.outbox_items("successfactors", "interview_assessment")
    }


def test_a_reanalysed_interview_is_read_again_but_not_scored_twice(
    room: InterviewRoomSimulator, client: InterviewRoomClient, clock: Clock, tmp_path: Path
) -> None:
    ledger = open_ledger(tmp_path, "ledger.db")
    ids = [complete(room, client, clock, n) for n in range(EARLIER)]
    extract_and_score(client, ledger)
    before = results(ledger)
    session_id = ids[1].rsplit(":", 1)[-1]
    clock.now += 5
    with room.lock:  # the room re-analysed it: new content, a new updated_at
        session = room.sessions[session_id]
        session["updated_at"] = clock.now
        room.orders[session["order_id"]]["candidate"]["language"] = "en"
    assert extract_stream(SYSTEM, STREAM, client=client, ledger=ledger).updated == 1

    spy = ReadSpy(ledger)
    summary = score_interviews(ledger, recordings=None)
    assert spy.analyses_read == [ids[1]]  # its changed content, and nothing else
    assert (summary.scored, summary.skipped, summary.queued_writes) == (0, EARLIER, 0)
    assert results(ledger) == before  # its interview keeps the result it had
    assert ledger.count_in_stage(ANALYSIS, "scored") == EARLIER
