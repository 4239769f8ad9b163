"""status(): the counts `hrhub ledger status` shows."""

from __future__ import annotations

import json

from hrhub.ledger import Ledger

from .support import rec


def test_status_of_an_empty_ledger(ledger: Ledger) -> None:
    status = ledger.status()
    assert status["staged"] == {}
    assert status["outbox"] == {"pending": 0, "in_flight": 0, "done": 0, "dead": 0}
    assert (status["receipts"], status["dead_letters_open"], status["audit_entries"]) == (0, 0, 0)
    assert status["cursors"] == []


def test_status_counts_everything(ledger: Ledger) -> None:
    ledger.commit_batch(
        "sf", "candidates", [rec(f"c{i}") for i in range(4)], "2025-03-01T09:00:00Z", "b1"
    )
    ledger.commit_batch("sf", "jobs", [rec("j1", entity="job")], "17", "b1")
    ledger.set_stage(["c0", "c1"], "screened")
    keys = [
        ledger.enqueue("dingtalk", "candidate", f"c{i}", {"i": i}, "v1").idempotency_key
        for i in range(4)
    ]
    ledger.claim("dingtalk", 3)
    ledger.complete(keys[0], "R0")
    ledger.fail(keys[1], "bad field", retriable=False)
    letter = ledger.dead_letter("sf", "candidate", "c9", "broken", {})
    ledger.mark_replayed(letter.id or 0)
    ledger.audit("ops", "replay", "c9", {})
    ledger.audit("ops", "approve", "mapping", {})

    status = ledger.status()
    assert status["staged"] == {
        "candidate": {"extracted": 2, "screened": 2},
        "job": {"extracted": 1},
    }
    assert status["outbox"] == {"pending": 1, "in_flight": 1, "done": 1, "dead": 1}
    assert status["receipts"] == 1
    assert status["dead_letters_open"] == 1
    assert status["audit_entries"] == 2
    assert [(c["system"], c["stream"], c["watermark"]) for c in status["cursors"]] == [
        ("sf", "candidates", "2025-03-01T09:00:00Z"),
        ("sf", "jobs", "17"),
    ]
    assert all(c["updated_at"].endswith("+00:00") for c in status["cursors"])
    json.dumps(status)  # ready for --json
