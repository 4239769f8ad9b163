"""flow_counts(), write_tallies() and iter_writes(): what the flow report and the target
reconciliation read, aggregated by the database on both backends."""

from __future__ import annotations

import json

from hrhub.ledger import Ledger, OutboxStatus
from hrhub.ledger.tables import ReviewHold

from .support import rec


def test_flow_counts_of_an_empty_ledger(ledger: Ledger) -> None:
    counts = ledger.flow_counts()
    assert counts == {
        "staged": {},
        "outbox": {},
        "receipts": {},
        "dead_letters": [],
        "reviews": {"pending": 0, "approved": 0, "changed": 0, "rejected": 0},
    }


def test_flow_counts_group_by_operation_error_class_and_status(ledger: Ledger) -> None:
    ledger.stage([rec(f"a{i}", entity="application") for i in range(5)], batch_id="b1")
    ledger.set_stage(["a0", "a1"], "screened")
    ledger.set_stage(["a2"], "rejected")
    keys = [
        ledger.enqueue("dingtalk", "work_notification", f"n{i}", {"i": i}, "v1").idempotency_key
        for i in range(3)
    ]
    ledger.enqueue("successfactors", "comment", "c1", {"c": 1}, "v1")
    ledger.claim("dingtalk", 3)
    ledger.complete(keys[0], "task:1")
    ledger.fail(keys[1], "user left", retriable=False, error_class="RecordRejected")
    ledger.dead_letter("yonyou", "person", "p1", "first reason", {}, error_class="MappingError")
    ledger.dead_letter("yonyou", "person", "p2", "second reason", {}, error_class="MappingError")
    closed = ledger.dead_letter("yonyou", "person", "p3", "replayed", {}, error_class="Other")
    ledger.mark_replayed(closed.id or 0)
    ledger.dead_letter("yonyou", "person", "p4", "no class", {})
    ledger.hold_review(ReviewHold(result_id="r1", candidate_id="c1", proposed_decision="reject"))

    counts = ledger.flow_counts()
    assert counts["staged"] == {"application": {"extracted": 2, "rejected": 1, "screened": 2}}
    assert counts["outbox"] == {
        "dingtalk": {"work_notification": {"pending": 0, "in_flight": 1, "done": 1, "dead": 1}},
        "successfactors": {"comment": {"pending": 1, "in_flight": 0, "done": 0, "dead": 0}},
    }
    assert counts["receipts"] == {"dingtalk": {"work_notification": 1}}
    assert counts["dead_letters"] == [
        {
            "system": "yonyou",
            "entity": "person",
            "error_class": "MappingError",
            "count": 2,
            "example": "first reason",
        },
        {
            "system": "dingtalk",
            "entity": "work_notification",
            "error_class": "RecordRejected",
            "count": 1,
            "example": counts["dead_letters"][1]["example"],
        },
        {
            "system": "yonyou",
            "entity": "person",
            "error_class": None,
            "count": 1,
            "example": "no class",
        },
    ]
    assert "user left" in counts["dead_letters"][1]["example"]
    assert counts["reviews"] == {"pending": 1, "approved": 0, "changed": 0, "rejected": 0}
    json.dumps(counts)  # plain JSON values


def test_write_tallies_count_each_write_once_by_where_it_is(ledger: Ledger) -> None:
    keys = [
        ledger.enqueue("interview_room", "create_orders", f"i{i}", {"i": i}, "v1").idempotency_key
        for i in range(6)
    ]
    ledger.claim("interview_room", 6)
    ledger.complete(keys[0], "ord-0")
    ledger.complete(keys[1], "ord-1")
    ledger.fail(keys[2], "refused", retriable=False)  # dead, open letter
    ledger.fail(keys[3], "busy", retriable=True)  # back to pending
    # keys[4] stays in flight; keys[5]: dead, and its letter closed without a requeue (lost).
    ledger.fail(keys[5], "refused", retriable=False)
    [letter] = [d for d in ledger.dead_letters() if d.outbox_key == keys[5]]
    ledger.mark_replayed(letter.id or 0)
    ledger.enqueue("dingtalk", "pre_entry", "p1", {"p": 1}, "v1")

    assert ledger.write_tallies() == [
        {
            "target_system": "dingtalk",
            "operation": "pre_entry",
            "owed": 1,
            "landed": 0,
            "dead_letters": 0,
            "pending": 1,
            "lost": 0,
        },
        {
            "target_system": "interview_room",
            "operation": "create_orders",
            "owed": 6,
            "landed": 2,
            "dead_letters": 1,
            "pending": 2,
            "lost": 1,
        },
    ]


def test_write_tallies_count_a_landed_write_once_even_with_an_open_letter(ledger: Ledger) -> None:
    key = ledger.enqueue("attendance", "upsert_employee", "e1", {"e": 1}, "v1").idempotency_key
    ledger.claim("attendance", 1)
    ledger.fail(key, "refused", retriable=False)
    ledger.requeue(key)  # replayed by hand, letter left open
    ledger.claim("attendance", 1)
    ledger.complete(key, "emp-1")
    ledger.dead_letter("attendance", "upsert_employee", "e2", "mapping", {})  # no outbox item
    [row] = ledger.write_tallies()
    assert (row["owed"], row["landed"], row["dead_letters"], row["pending"], row["lost"]) == (
        1,
        1,
        0,
        0,
        0,
    )


def test_iter_writes_reads_every_write_with_its_receipt_in_chunks(ledger: Ledger) -> None:
    keys = [
        ledger.enqueue("successfactors", "comment", f"c{i}", {"i": i}, "v1").idempotency_key
        for i in range(7)
    ]
    ledger.enqueue("successfactors", "application_status", "a1", {"a": 1}, "v1")
    ledger.claim("successfactors", 10)
    ledger.complete(keys[3], "commentId=3")
    writes = list(ledger.iter_writes("successfactors", "comment", chunk_size=3))
    assert sorted(item.idempotency_key for item, _ in writes) == sorted(keys)
    landed = {item.canonical_id: receipt.remote_id for item, receipt in writes if receipt}
    assert landed == {"c3": "commentId=3"}
    assert all(item.status == OutboxStatus.IN_FLIGHT.value for item, r in writes if r is None)


def test_write_tallies_count_a_requeued_write_with_an_open_letter_as_a_dead_letter(
    ledger: Ledger,
) -> None:
    keys = [
        ledger.enqueue("yonyou", "nc_checkin", f"k{i}", {"k": i}, "v1").idempotency_key
        for i in range(2)
    ]
    ledger.claim("yonyou", 2)
    ledger.fail(keys[0], "refused", retriable=False)
    ledger.requeue(keys[0])  # queued again, its letter not closed yet
    ledger.fail(keys[1], "busy", retriable=True)
    [row] = ledger.write_tallies()
    assert (row["owed"], row["landed"], row["dead_letters"], row["pending"], row["lost"]) == (
        2,
        0,
        1,
        1,
        0,
    )
