"""Audit log: a linear hash chain that names the first tampered entry."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import text

from hrhub.ledger import GENESIS_HASH, Ledger, entry_hash
from hrhub.ledger.audit import verify_chain


def _fill(ledger: Ledger, n: int = 5) -> None:
    for i in range(1, n + 1):
        ledger.audit("auditor@corp", "mapping.approve", f"mappings/sf.yaml#v{i}", {"v": i})


def _sql(ledger: Ledger, statement: str, **params: Any) -> None:
    with ledger.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_entries_form_a_chain(ledger: Ledger) -> None:
    _fill(ledger, 3)
    entries = ledger.audit_entries()
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    first = entries[0]
    assert first.hash == entry_hash(
        seq=1,
        at=first.at,
        actor="auditor@corp",
        action="mapping.approve",
        subject="mappings/sf.yaml#v1",
        data={"v": 1},
        prev_hash=GENESIS_HASH,
    )
    assert [e.seq for e in ledger.audit_entries(since_seq=2)] == [3]


def test_verify_ok(ledger: Ledger) -> None:
    assert ledger.verify_audit() == (ok := ledger.verify_audit())
    assert (ok.ok, ok.checked, ok.first_bad_seq) == (True, 0, None)
    _fill(ledger)
    result = ledger.verify_audit()
    assert (result.ok, result.checked, result.first_bad_seq, result.reason) == (
        True,
        5,
        None,
        None,
    )


def test_hash_ignores_key_order_but_not_values() -> None:
    from datetime import UTC, datetime

    common: dict[str, Any] = {
        "seq": 1,
        "at": datetime(2025, 1, 1, tzinfo=UTC),
        "actor": "a",
        "action": "b",
        "subject": "c",
        "prev_hash": GENESIS_HASH,
    }
    assert entry_hash(data={"x": 1, "y": 2}, **common) == entry_hash(
        data={"y": 2, "x": 1}, **common
    )
    assert entry_hash(data={"x": 1}, **common) != entry_hash(data={"x": 2}, **common)


def test_edited_entry_is_named(ledger: Ledger) -> None:
    _fill(ledger)
    _sql(ledger, "UPDATE ledger_audit SET data = :d WHERE seq = 3", d='{"v": 99}')
    result = ledger.verify_audit()
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 3, 2)
    assert "edited" in (result.reason or "")


def test_edit_with_recomputed_hash_breaks_the_next_link(ledger: Ledger) -> None:
    _fill(ledger)
    e3 = ledger.audit_entries(since_seq=2)[0]
    forged = entry_hash(
        seq=3,
        at=e3.at,
        actor=e3.actor,
        action=e3.action,
        subject=e3.subject,
        data={"v": 99},
        prev_hash=e3.prev_hash,
    )
    _sql(
        ledger,
        "UPDATE ledger_audit SET data = :d, hash = :h WHERE seq = 3",
        d='{"v": 99}',
        h=forged,
    )
    unkeyed = verify_chain(ledger.audit_entries())
    assert (unkeyed.ok, unkeyed.first_bad_seq) == (False, 4)
    assert "does not link" in (unkeyed.reason or "")
    result = ledger.verify_audit()  # the seal names the edited entry itself
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "seal" in (result.reason or "")


def test_deleted_entry_is_named(ledger: Ledger) -> None:
    _fill(ledger)
    _sql(ledger, "DELETE FROM ledger_audit WHERE seq = 3")
    result = ledger.verify_audit()
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "missing" in (result.reason or "")


def test_deleted_and_renumbered_entry_is_named(ledger: Ledger) -> None:
    _fill(ledger)
    _sql(ledger, "DELETE FROM ledger_audit WHERE seq = 3")
    _sql(ledger, "UPDATE ledger_audit SET seq = seq - 1 WHERE seq = 4")
    _sql(ledger, "UPDATE ledger_audit SET seq = seq - 1 WHERE seq = 5")
    result = ledger.verify_audit()
    assert (result.ok, result.first_bad_seq) == (False, 3)


def test_swapped_hashes_are_named(ledger: Ledger) -> None:
    _fill(ledger)
    [e2, e3] = ledger.audit_entries(since_seq=1)[:2]
    _sql(ledger, "UPDATE ledger_audit SET hash = :h WHERE seq = 2", h=e3.hash)
    _sql(ledger, "UPDATE ledger_audit SET hash = :h WHERE seq = 3", h=e2.hash)
    result = ledger.verify_audit()
    assert (result.ok, result.first_bad_seq) == (False, 2)


def test_reordered_chain_is_named(ledger: Ledger) -> None:
    _fill(ledger)
    _sql(ledger, "UPDATE ledger_audit SET seq = -1 WHERE seq = 2")
    _sql(ledger, "UPDATE ledger_audit SET seq = 2 WHERE seq = 3")
    _sql(ledger, "UPDATE ledger_audit SET seq = 3 WHERE seq = -1")
    result = ledger.verify_audit()
    assert (result.ok, result.first_bad_seq) == (False, 2)


def test_concurrent_appends_keep_one_chain(ledger_url: str, ledger: Ledger) -> None:
    writers = [Ledger(ledger_url) for _ in range(4)]
    start = threading.Barrier(len(writers))
    errors: list[BaseException] = []

    def append(writer: Ledger, n: int) -> None:
        try:
            start.wait()
            for i in range(15):
                writer.audit(f"worker-{n}", "step.run", f"batch-{i}", {"i": i})
        except BaseException as exc:  # surfaced below: a thread cannot fail the test
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(w, n)) for n, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for w in writers:
        w.close()
    assert not errors
    result = ledger.verify_audit()
    assert (result.ok, result.checked) == (True, 60)
    assert [e.seq for e in ledger.audit_entries()] == list(range(1, 61))


def test_no_api_to_rewrite_history() -> None:
    public = [name for name in dir(Ledger) if not name.startswith("_")]
    audit_api = [n for n in public if "audit" in n]
    assert sorted(audit_api) == ["audit", "audit_entries", "verify_audit"]
