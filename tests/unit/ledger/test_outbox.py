"""Outbox: idempotent enqueue, exclusive claims, leases, receipts, failures."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from hrhub.ledger import (
    Ledger,
    LedgerInputError,
    OutboxItem,
    OutboxStatus,
    idempotency_key,
    payload_hash,
)
from hrhub.ledger.tables import utcnow


def _enqueue(ledger: Ledger, n: int = 1, target: str = "dingtalk") -> list[OutboxItem]:
    return [
        ledger.enqueue(target, "interview_result", f"cand:{i}", {"score": i}, "map-v1")
        for i in range(n)
    ]


def test_idempotency_key_covers_every_part() -> None:
    base = ("dingtalk", "candidate", "cand:1", payload_hash({"a": 1}))
    key = idempotency_key(*base)
    assert key == idempotency_key(*base)
    assert len(key) == 64
    for i, other in enumerate(["yonyou", "job", "cand:2", payload_hash({"a": 2})]):
        changed = list(base)
        changed[i] = other
        assert idempotency_key(*changed) != key


def test_enqueue_twice_is_one_item(ledger: Ledger) -> None:
    first = ledger.enqueue("dingtalk", "candidate", "cand:1", {"a": 1, "b": 2}, "map-v1")
    again = ledger.enqueue("dingtalk", "candidate", "cand:1", {"b": 2, "a": 1}, "map-v2")
    assert again.idempotency_key == first.idempotency_key
    assert again.mapping_version == "map-v1"
    assert first.idempotency_key == idempotency_key(
        "dingtalk", "candidate", "cand:1", payload_hash({"a": 1, "b": 2})
    )
    assert ledger.status()["outbox"]["pending"] == 1
    changed = ledger.enqueue("dingtalk", "candidate", "cand:1", {"a": 9}, "map-v1")
    assert changed.idempotency_key != first.idempotency_key
    assert ledger.status()["outbox"]["pending"] == 2


def test_concurrent_enqueue_of_one_write_is_one_item(ledger_url: str, ledger: Ledger) -> None:
    workers = [Ledger(ledger_url) for _ in range(4)]
    start = threading.Barrier(len(workers))
    keys: list[str] = []
    errors: list[BaseException] = []

    def enqueue(worker: Ledger) -> None:
        try:
            start.wait()
            for i in range(10):
                item = worker.enqueue("yonyou", "candidate", f"cand:{i}", {"i": i}, "map-v1")
                keys.append(item.idempotency_key)
        except BaseException as exc:  # surfaced below: a thread cannot fail the test
            errors.append(exc)

    threads = [threading.Thread(target=enqueue, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for w in workers:
        w.close()
    assert not errors
    assert len(keys) == 40
    assert len(set(keys)) == 10
    assert ledger.status()["outbox"]["pending"] == 10


def test_enqueue_many_owes_each_write_once_in_one_call(ledger: Ledger) -> None:
    before = ledger.enqueue("successfactors", "status", "app:2", {"s": "old"}, "map-v0")
    writes = [
        ("app:1", {"s": "a"}),
        ("app:2", {"s": "old"}),  # owed before: its existing item comes back
        ("app:3", {"s": "c"}),
        ("app:1", {"s": "a"}),  # the same write twice in one call: one item
    ]
    items = ledger.enqueue_many("successfactors", "status", writes, "map-v1")
    assert [i.canonical_id for i in items] == ["app:1", "app:2", "app:3", "app:1"]
    assert items[1].idempotency_key == before.idempotency_key
    assert items[1].mapping_version == "map-v0"
    assert items[0].idempotency_key == items[3].idempotency_key
    assert ledger.status()["outbox"]["pending"] == 3
    assert ledger.enqueue_many("successfactors", "status", [], "map-v1") == []


def test_enqueue_many_with_a_bad_payload_writes_nothing_and_names_the_record(
    ledger: Ledger,
) -> None:
    writes = [("app:1", {"s": "a"}), ("app:2", {"s": float("nan")})]
    with pytest.raises(LedgerInputError, match="app:2"):
        ledger.enqueue_many("successfactors", "status", writes, "map-v1")
    assert ledger.status()["outbox"].get("pending", 0) == 0


def test_enqueue_done_item_again_stays_done(ledger: Ledger) -> None:
    [item] = _enqueue(ledger)
    ledger.claim("dingtalk", 1)
    ledger.complete(item.idempotency_key, "R-1")
    again = ledger.enqueue("dingtalk", "interview_result", "cand:0", {"score": 0}, "map-v1")
    assert again.status == OutboxStatus.DONE
    assert ledger.claim("dingtalk", 10) == []


def test_claim_moves_pending_to_in_flight_once(ledger: Ledger) -> None:
    _enqueue(ledger, 3)
    _enqueue(ledger, 1, target="yonyou")
    claimed = ledger.claim("dingtalk", 2)
    assert [i.canonical_id for i in claimed] == ["cand:0", "cand:1"]
    assert {i.status for i in claimed} == {OutboxStatus.IN_FLIGHT}
    assert [i.canonical_id for i in ledger.claim("dingtalk", 10)] == ["cand:2"]
    assert ledger.claim("dingtalk", 10) == []
    assert ledger.claim("dingtalk", 0) == []
    assert len(ledger.claim("yonyou", 10)) == 1


def test_concurrent_claims_never_share_an_item(ledger_url: str, ledger: Ledger) -> None:
    keys = {i.idempotency_key for i in _enqueue(ledger, 240)}
    workers = [Ledger(ledger_url) for _ in range(3)]
    start = threading.Barrier(len(workers))
    claimed: list[list[str]] = [[] for _ in workers]
    errors: list[BaseException] = []

    def drain(worker: Ledger, sink: list[str]) -> None:
        try:
            start.wait()
            while batch := worker.claim("dingtalk", 7):
                sink.extend(i.idempotency_key for i in batch)
                time.sleep(0.005)  # "send" the batch, giving the other workers a turn
        except BaseException as exc:  # surfaced below: a thread cannot fail the test
            errors.append(exc)

    threads = [
        threading.Thread(target=drain, args=(worker, sink))
        for worker, sink in zip(workers, claimed, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for w in workers:
        w.close()
    assert not errors
    every = [k for sink in claimed for k in sink]
    assert len(every) == len(set(every)), "an item was handed to two workers"
    assert set(every) == keys
    assert sum(1 for sink in claimed if sink) >= 2, "the workers did not actually overlap"


def _age_in_flight(ledger: Ledger, by: timedelta) -> None:
    with ledger.engine.begin() as conn:
        conn.execute(update(OutboxItem).values(updated_at=utcnow() - by))


def test_expired_lease_is_reclaimed(ledger_url: str, ledger: Ledger) -> None:
    [item] = _enqueue(ledger)
    assert len(ledger.claim("dingtalk", 10)) == 1  # this worker is then killed
    other = Ledger(ledger_url, lease_timeout=timedelta(minutes=5))
    _age_in_flight(ledger, timedelta(minutes=4))
    assert other.claim("dingtalk", 10) == []
    _age_in_flight(ledger, timedelta(minutes=6))
    [again] = other.claim("dingtalk", 10)
    assert again.idempotency_key == item.idempotency_key
    assert other.claim("dingtalk", 10) == []  # the new lease is fresh
    other.close()


def test_a_claimant_takes_back_what_it_held_in_flight_before_the_lease_ends(
    ledger: Ledger,
) -> None:
    """A task's retry (the same claimant) resends what its killed try held; nobody else can
    take those items until the lease runs out."""
    keys = {item.idempotency_key for item in _enqueue(ledger, 2)}
    first = ledger.claim("dingtalk", 10, claimant="dag/run/push_dingtalk/-1")
    assert {item.idempotency_key for item in first} == keys
    assert ledger.claim("dingtalk", 10, claimant="dag/other-run/push_dingtalk/-1") == []
    assert ledger.claim("dingtalk", 10) == []
    again = ledger.claim("dingtalk", 10, claimant="dag/run/push_dingtalk/-1")
    assert {item.idempotency_key for item in again} == keys
    assert {ledger.outbox_item(k).claimed_by for k in keys} == {"dag/run/push_dingtalk/-1"}


def test_complete_writes_receipt_and_marks_done(ledger: Ledger) -> None:
    [item] = _enqueue(ledger)
    ledger.claim("dingtalk", 1)
    receipt = ledger.complete(item.idempotency_key, "DT-42")
    assert (receipt.remote_id, receipt.mapping_version) == ("DT-42", "map-v1")
    assert (receipt.target_system, receipt.canonical_id) == ("dingtalk", "cand:0")
    assert receipt.written_at.tzinfo is not None
    assert ledger.receipt_for(item.idempotency_key) == receipt
    done = ledger.outbox_item(item.idempotency_key)
    assert done is not None and done.status == OutboxStatus.DONE


def test_complete_many_records_a_batch_of_receipts_at_once(ledger: Ledger) -> None:
    items = ledger.enqueue_many(
        "successfactors", "status", [(f"a:{i}", {"i": i}) for i in range(3)], "v1"
    )
    keys = [item.idempotency_key for item in items]
    ledger.claim("successfactors", 10)
    first = ledger.complete(keys[0], "R0")
    receipts = ledger.complete_many([(keys[0], "other"), (keys[1], "R1"), (keys[2], "R2")])
    assert [r.remote_id for r in receipts] == ["R0", "R1", "R2"]  # a receipt stays as it was
    assert receipts[0].idempotency_key == first.idempotency_key
    assert ledger.status()["outbox"] == {"pending": 0, "in_flight": 0, "done": 3, "dead": 0}
    with pytest.raises(KeyError, match="no outbox item"):
        ledger.complete_many([(keys[0], "R0"), ("missing", "X")])
    assert ledger.complete_many([]) == []


def test_complete_twice_is_harmless(ledger: Ledger) -> None:
    [item] = _enqueue(ledger)
    first = ledger.complete(item.idempotency_key, "DT-42")
    second = ledger.complete(item.idempotency_key, "DT-43")
    assert second.remote_id == first.remote_id == "DT-42"
    assert ledger.status()["receipts"] == 1
    assert ledger.status()["outbox"]["done"] == 1


def test_unknown_keys_are_reported(ledger: Ledger) -> None:
    with pytest.raises(KeyError, match="no outbox item"):
        ledger.complete("f" * 64, "R")
    with pytest.raises(KeyError, match="no outbox item"):
        ledger.fail("f" * 64, "boom", retriable=True)
    assert ledger.receipt_for("f" * 64) is None


def test_retriable_failure_goes_back_to_pending(ledger: Ledger) -> None:
    [item] = _enqueue(ledger)
    ledger.claim("dingtalk", 1)
    failed = ledger.fail(item.idempotency_key, "HTTP 503", retriable=True)
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 1, "HTTP 503")
    assert ledger.dead_letters() == []
    assert [i.idempotency_key for i in ledger.claim("dingtalk", 5)] == [item.idempotency_key]


def test_fatal_failure_is_dead_lettered(ledger: Ledger) -> None:
    [item] = _enqueue(ledger)
    ledger.claim("dingtalk", 1)
    dead = ledger.fail(
        item.idempotency_key,
        ValueError("unknown enum value 'maybe'"),
        retriable=False,
        field="status",
    )
    assert (dead.status, dead.attempts) == ("dead", 1)
    [letter] = ledger.dead_letters()
    assert (letter.system, letter.entity, letter.record_id) == (
        "dingtalk",
        "interview_result",
        "cand:0",
    )
    assert letter.field == "status"
    assert letter.error_class == "ValueError"
    assert letter.outbox_key == item.idempotency_key
    assert letter.payload == {"score": 0}
    assert "cand:0" in letter.reason and "'status'" in letter.reason
    assert "unknown enum value" in letter.reason
    assert ledger.claim("dingtalk", 5) == []
    ledger.fail(item.idempotency_key, "again", retriable=False)  # no second letter
    assert len(ledger.dead_letters()) == 1


def test_retries_end_in_dead_letters(ledger_url: str, ledger: Ledger) -> None:
    [item] = _enqueue(ledger)
    strict = Ledger(ledger_url, max_attempts=3)
    for _ in range(3):
        strict.claim("dingtalk", 1)
        last = strict.fail(item.idempotency_key, "HTTP 503", retriable=True)
    assert (last.status, last.attempts) == ("dead", 3)
    [letter] = strict.dead_letters()
    assert "gave up after 3 attempts" in letter.reason
    strict.close()


def test_late_failure_does_not_undo_done(ledger: Ledger) -> None:
    [item] = _enqueue(ledger)
    ledger.complete(item.idempotency_key, "DT-1")
    after = ledger.fail(item.idempotency_key, "timeout", retriable=False)
    assert after.status == OutboxStatus.DONE
    assert ledger.dead_letters() == []


def test_requeue_replays_a_dead_item(ledger: Ledger) -> None:
    [item] = _enqueue(ledger)
    ledger.fail(item.idempotency_key, "mapping bug", retriable=False)
    requeued = ledger.requeue(item.idempotency_key)
    assert (requeued.status, requeued.attempts) == ("pending", 0)
    assert len(ledger.claim("dingtalk", 5)) == 1
