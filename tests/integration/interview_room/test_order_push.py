"""Ordering AI interviews through the outbox: interview orders are mapped with
mappings/interview_room/create_orders.out.yaml, queued on a SQLite ledger and pushed to the
room's simulator on loopback, with links signed by the hub's own link code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors._core.retry import retry_policy
from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.sim_data import QUESTION_BANK
from connectors.interview_room.simulator import InterviewRoomSimulator
from hrhub.flow.push import enqueue_writes, push, push_all
from hrhub.ledger import Ledger
from hrhub.links import link_token, sign_link

SYSTEM, OPERATION = "interview_room", "create_orders"


@pytest.fixture
def room() -> Iterator[InterviewRoomSimulator]:
    with InterviewRoomSimulator(seeded=0) as server:
        yield server


@pytest.fixture
def client(room: InterviewRoomSimulator) -> InterviewRoomClient:
    return client_for(room)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    store = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield store
    store.close()


def client_for(room: InterviewRoomSimulator) -> InterviewRoomClient:
    return InterviewRoomClient(
        room.url,
        workspace=room.WORKSPACE,
        api_key=room.API_KEY,
        link_secret=room.link_secret,
        retry=retry_policy(initial=0.01, cap=0.05, max_delay=30),
    )


def order(
    room: InterviewRoomSimulator,
    client: InterviewRoomClient,
    n: int,
    *,
    language: str = "zh",
    family: str = "sales",
    question_ids: tuple[str, ...] = ("q_sales", "q_motivation"),
    door: bool = True,
) -> dict[str, Any]:
    """An interview order as the invite step queues it, with a genuine personal link: the
    room's door (`…/room?t=<token>`, what candidates are sent) or sign_link's `…/<token>`."""
    interview_id = f"hrhub:interview:{7000 + n}-ai"
    candidate_id = f"successfactors:candidate:{40 + n}"
    expires = room.now() + timedelta(hours=2)
    if door:
        link = client.room_link(interview_id, candidate_id, expires)
    else:
        claims = {"interview": interview_id, "candidate": candidate_id}
        link = sign_link(f"{room.url}/i", claims, secret=room.link_secret, expires_at=expires)
    bank = {qid: q.text(language) for qid, q in QUESTION_BANK.items()}
    return {
        "canonical_id": interview_id,
        "application_id": f"successfactors:application:{7000 + n}",
        "candidate_id": candidate_id,
        "candidate_name": "张伟" if language == "zh" else "Emily Clarke",
        "language": language,
        "job_id": "successfactors:job:1009",
        "job_family": family,
        "questions": [
            {"id": qid, "text": bank.get(qid, "请介绍一下你自己。")} for qid in question_ids
        ],
        "link_url": link,
    }


def two_orders(room: InterviewRoomSimulator, client: InterviewRoomClient) -> list[dict[str, Any]]:
    return [
        order(room, client, 1),
        order(
            room,
            client,
            2,
            language="en",
            family="data_engineering",
            question_ids=("q_pipeline", "q_team", "q_motivation"),
            door=False,
        ),
    ]


def orders_by_external_id(room: InterviewRoomSimulator) -> dict[str, dict[str, Any]]:
    with room.lock:
        found: dict[str, dict[str, Any]] = {}
        for o in room.orders.values():
            assert o["external_id"] not in found, f"two orders for {o['external_id']}"
            found[o["external_id"]] = dict(o)
        return found


def receipts(ledger: Ledger) -> dict[str, str]:
    """canonical id -> remote id of every landed order."""
    return {r.canonical_id: r.remote_id for r, _ in ledger.landed_writes(SYSTEM, OPERATION)}


def test_orders_land_in_the_room_with_their_fields_and_receipts_hold_the_rooms_ids(
    room: InterviewRoomSimulator, client: InterviewRoomClient, ledger: Ledger
) -> None:
    records = two_orders(room, client)
    queued = enqueue_writes(SYSTEM, OPERATION, records, ledger=ledger)
    assert (queued.queued, queued.dead_letters) == (2, 0)
    pushed = push(SYSTEM, client=client, ledger=ledger)
    assert (pushed.claimed, pushed.landed, pushed.dead_letters) == (2, 2, 0)

    in_room = orders_by_external_id(room)
    assert set(in_room) == {r["canonical_id"] for r in records}
    landed = receipts(ledger)
    for record in records:
        stored = in_room[record["canonical_id"]]
        assert stored["application_id"] == record["application_id"]
        assert stored["candidate"] == {
            "id": record["candidate_id"],
            "name": record["candidate_name"],
            "language": record["language"],
        }
        assert stored["job"] == {"id": record["job_id"], "family": record["job_family"]}
        assert stored["questions"] == record["questions"]
        assert stored["link_token"] == link_token(record["link_url"])  # the room keeps the token
        assert stored["status"] == "created"
        assert landed[record["canonical_id"]] == stored["id"]
        # the receipt's remote id is the room's own key for the order
        assert client.get_order(stored["id"])["external_id"] == record["canonical_id"]
    assert ledger.dead_letters() == []


def test_the_ordered_link_opens_the_candidates_interview(
    room: InterviewRoomSimulator, client: InterviewRoomClient, ledger: Ledger
) -> None:
    records = two_orders(room, client)
    enqueue_writes(SYSTEM, OPERATION, records, ledger=ledger)
    push(SYSTEM, client=client, ledger=ledger)
    for record in records:
        token = link_token(record["link_url"])
        opened = client.session.get(f"{room.url}/room", params={"t": token}, timeout=10)
        assert opened.status_code == 200, opened.text
        assert opened.json()["order_id"] == receipts(ledger)[record["canonical_id"]]
        assert opened.json()["language"] == record["language"]


def test_the_same_orders_again_create_no_second_order(
    room: InterviewRoomSimulator, client: InterviewRoomClient, ledger: Ledger, tmp_path: Path
) -> None:
    records = two_orders(room, client)
    enqueue_writes(SYSTEM, OPERATION, records, ledger=ledger)
    push(SYSTEM, client=client, ledger=ledger)
    first = receipts(ledger)
    before = orders_by_external_id(room)

    # A rerun of the step: the outbox already holds these writes, done; nothing is sent.
    enqueue_writes(SYSTEM, OPERATION, records, ledger=ledger)
    again = push(SYSTEM, client=client, ledger=ledger)
    assert (again.claimed, again.landed) == (0, 0)
    assert len(ledger.outbox_items(SYSTEM, OPERATION)) == 2
    assert receipts(ledger) == first

    # A ledger that lost track (restored from a backup, say): the room answers with the
    # orders that exist, keyed by external_id, and the new receipts name the same orders.
    other = Ledger.open(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        enqueue_writes(SYSTEM, OPERATION, records, ledger=other)
        resent = push(SYSTEM, client=client, ledger=other)
        assert (resent.claimed, resent.landed) == (2, 2)
        assert receipts(other) == first
    finally:
        other.close()
    assert orders_by_external_id(room) == before


def test_a_room_that_loses_replies_still_gets_one_order_each(tmp_path: Path) -> None:
    """Half the calls are cut; most of those after the order was made (the reply lost): the
    client's retry meets the order that exists, so the receipt still names the one order."""
    with InterviewRoomSimulator("drop=0.4,drop_after=0.75,seed=7", seeded=0) as room:
        client = client_for(room)
        records = [order(room, client, n) for n in range(1, 7)]
        ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
        try:
            enqueue_writes(SYSTEM, OPERATION, records, ledger=ledger)
            pushed = push(SYSTEM, client=client, ledger=ledger)
            assert pushed.landed == 6, pushed
            assert room.counters["dropped_after"] > 0  # the case this test is about happened
            in_room = orders_by_external_id(room)
            assert receipts(ledger) == {k: o["id"] for k, o in in_room.items()}
            assert len(in_room) == 6
        finally:
            ledger.close()


def test_an_order_with_a_question_outside_the_bank_is_a_dead_letter_naming_the_field(
    room: InterviewRoomSimulator, client: InterviewRoomClient, ledger: Ledger
) -> None:
    good = order(room, client, 1)
    bad = order(room, client, 2, question_ids=("q_sales", "q_salary"))
    queued = enqueue_writes(SYSTEM, OPERATION, [bad, good], ledger=ledger)
    assert queued.queued == 2  # the mapping copies questions; the room is the judge of ids
    pushed = push(SYSTEM, client=client, ledger=ledger)
    assert (pushed.landed, pushed.dead_letters, pushed.requeued) == (1, 1, 0)

    assert set(orders_by_external_id(room)) == {good["canonical_id"]}
    assert set(receipts(ledger)) == {good["canonical_id"]}
    [letter] = ledger.dead_letters()
    assert (letter.system, letter.entity, letter.record_id) == (
        SYSTEM,
        OPERATION,
        bad["canonical_id"],
    )
    assert letter.field == "questions.1.id"
    assert letter.error_class == "RecordRejected"
    assert "q_salary" in letter.reason and "questions.1.id" in letter.reason
    assert bad["candidate_name"] not in letter.reason
    assert letter.payload is not None and letter.payload["questions"][1]["id"] == "q_salary"


def test_push_all_sends_every_owed_write_in_rounds(
    room: InterviewRoomSimulator, client: InterviewRoomClient, ledger: Ledger
) -> None:
    records = [order(room, client, n) for n in range(1, 8)]
    enqueue_writes(SYSTEM, OPERATION, records, ledger=ledger)
    pushed = push_all(SYSTEM, client=client, ledger=ledger, limit=3)
    assert (pushed.claimed, pushed.landed, pushed.requeued) == (7, 7, 0)
    assert len(orders_by_external_id(room)) == 7 and len(receipts(ledger)) == 7
    again = push_all(SYSTEM, client=client, ledger=ledger, limit=3)
    assert (again.claimed, again.landed) == (0, 0)


def test_push_all_stops_after_a_round_the_room_refuses(tmp_path: Path) -> None:
    """Every call fails: the first round requeues its writes and the push ends, the rest wait
    for the next run (a system that is down never keeps the task busy)."""
    with InterviewRoomSimulator("error_rate=1.0", seeded=0) as room:
        client = InterviewRoomClient(
            room.url,
            workspace=room.WORKSPACE,
            api_key=room.API_KEY,
            link_secret=room.link_secret,
            retry=retry_policy(initial=0.01, cap=0.02, max_delay=0.1, max_attempts=2),
        )
        ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
        try:
            enqueue_writes(
                SYSTEM, OPERATION, [order(room, client, n) for n in range(1, 8)], ledger=ledger
            )
            pushed = push_all(SYSTEM, client=client, ledger=ledger, limit=3)
            assert (pushed.claimed, pushed.landed, pushed.requeued) == (3, 0, 3)
            assert len(ledger.outbox_items(SYSTEM, OPERATION)) == 7
            assert receipts(ledger) == {}
        finally:
            ledger.close()
