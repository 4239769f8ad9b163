"""Issue 12, Security: "The audit log detects any edit or deletion", on SQLite and PostgreSQL.

What tests/unit/ledger/test_audit.py does not already prove: an edit of every column of the
first, a middle and the last entry is named; deleting the first entry, or forging one into
the middle, is named. An unkeyed hash chain is blind to a forged entry appended at its end and
to a history rewritten with every later hash recomputed: the seals (an HMAC of each hash under
the audit key, which is not in the database) catch both. Entries cut off the end leave a
shorter chain that is still valid and sealed: the strict xfail below says so (and fails loudly
once that changes); an anchor (the head `verify_audit` reported earlier, kept outside the
ledger) catches it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import delete, insert, update

from hrhub.ledger import Ledger
from hrhub.ledger.audit import AuditAnchor, audit_key, entry_hash, entry_seal, verify_chain
from hrhub.ledger.sealing import Sealer
from hrhub.ledger.tables import AuditEntry

AUDIT = AuditEntry.__table__
ENTRIES = 5
TAIL_BLIND = "a chain cut back to an earlier state is valid: only an anchor kept outside sees it"


@pytest.fixture
def filled(ledger: Ledger) -> Iterator[Ledger]:
    for i in range(1, ENTRIES + 1):
        ledger.audit("auditor@corp", "mapping.approve", f"mappings/sf.yaml#v{i}", {"v": i})
    yield ledger


def _entry(ledger: Ledger, seq: int) -> AuditEntry:
    return next(e for e in ledger.audit_entries() if e.seq == seq)


def _run(ledger: Ledger, statement: Any) -> None:
    with ledger.engine.begin() as conn:
        conn.execute(statement)


def _forged(seq: int, prev_hash: str, **fields: Any) -> dict[str, Any]:
    """A complete entry with a correct hash: what someone with write access can compute."""
    entry = {
        "seq": seq,
        "at": fields.get("at"),
        "actor": "mallory@corp",
        "action": "mapping.approve",
        "subject": "mappings/sf.yaml#forged",
        "data": {"v": 0},
        "prev_hash": prev_hash,
    }
    return {**entry, "hash": entry_hash(**entry)}


EDITS = {
    "seq": lambda e: e.seq + 100,
    "at": lambda e: e.at + timedelta(seconds=1),
    "actor": lambda e: "mallory@corp",
    "action": lambda e: "mapping.reject",
    "subject": lambda e: e.subject + "#edited",
    "data": lambda e: {"v": 99},
    "prev_hash": lambda e: "f" * 64,
    "hash": lambda e: "e" * 64,
}


@pytest.mark.parametrize("seq", [1, 3, ENTRIES], ids=["first", "middle", "last"])
@pytest.mark.parametrize("column", list(EDITS))
def test_an_edit_of_any_column_of_any_entry_is_named(filled: Ledger, column: str, seq: int) -> None:
    entry = _entry(filled, seq)
    new = EDITS[column](entry)
    _run(filled, update(AUDIT).where(AUDIT.c.seq == seq).values({column: new}))
    result = filled.verify_audit()
    assert (result.ok, result.first_bad_seq, result.checked) == (False, seq, seq - 1)
    assert result.reason and f"seq {seq}" in result.reason


def test_deleting_the_first_entry_is_named(filled: Ledger) -> None:
    _run(filled, delete(AUDIT).where(AUDIT.c.seq == 1))
    result = filled.verify_audit()
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert "missing" in (result.reason or "")


def test_a_forged_entry_in_the_middle_is_named(filled: Ledger) -> None:
    """Entries 3.. moved up one, a forged seq 3 with a correct hash linking to entry 2."""
    e2 = _entry(filled, 2)
    _run(filled, update(AUDIT).where(AUDIT.c.seq >= 3).values(seq=-AUDIT.c.seq))
    _run(filled, update(AUDIT).where(AUDIT.c.seq < 0).values(seq=1 - AUDIT.c.seq))
    _run(filled, insert(AUDIT).values(_forged(3, e2.hash, at=e2.at)))
    unkeyed = verify_chain(filled.audit_entries())
    assert (unkeyed.ok, unkeyed.first_bad_seq) == (False, 4)
    result = filled.verify_audit()  # the seals name the forged entry itself
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "carries no seal" in (result.reason or "")


def test_a_forged_entry_in_place_of_a_deleted_one_is_named(filled: Ledger) -> None:
    e2 = _entry(filled, 2)
    _run(filled, delete(AUDIT).where(AUDIT.c.seq == 3))
    _run(filled, insert(AUDIT).values(_forged(3, e2.hash, at=e2.at)))
    unkeyed = verify_chain(filled.audit_entries())
    assert (unkeyed.ok, unkeyed.first_bad_seq) == (False, 4)
    assert "does not link" in (unkeyed.reason or "")
    result = filled.verify_audit()
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "carries no seal" in (result.reason or "")


def test_a_verification_reports_the_head_to_anchor_on(filled: Ledger) -> None:
    result = filled.verify_audit()
    last = _entry(filled, ENTRIES)
    assert (result.ok, result.head_seq, result.head_hash) == (True, ENTRIES, last.hash)
    filled.audit("auditor@corp", "mapping.approve", "mappings/sf.yaml#v6", {"v": 6})
    anchored = verify_chain(filled.audit_entries(), anchor=AuditAnchor(ENTRIES, last.hash))
    assert (anchored.ok, anchored.checked, anchored.head_seq) == (True, ENTRIES + 1, ENTRIES + 1)


# --- the tail: blind without an anchor ------------------------------------------------------------


def _cut_the_tail(ledger: Ledger, keep: int) -> None:
    _run(ledger, delete(AUDIT).where(AUDIT.c.seq > keep))


def _rewrite_from(ledger: Ledger, seq: int) -> None:
    """Edit entry `seq` and recompute its hash and every later one, as an insider could."""
    entries = ledger.audit_entries()
    prev = entries[seq - 2].hash if seq > 1 else "0" * 64
    for entry in entries[seq - 1 :]:
        data = {"v": 99} if entry.seq == seq else entry.data
        fields = {
            "seq": entry.seq,
            "at": entry.at,
            "actor": entry.actor,
            "action": entry.action,
            "subject": entry.subject,
            "data": data,
            "prev_hash": prev,
        }
        prev = entry_hash(**fields)
        _run(ledger, update(AUDIT).where(AUDIT.c.seq == entry.seq).values(**fields, hash=prev))


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=TAIL_BLIND)
@pytest.mark.parametrize("keep", [ENTRIES - 1, 0], ids=["last entry", "every entry"])
def test_cutting_off_the_end_is_detected_by_the_chain_alone(filled: Ledger, keep: int) -> None:
    _cut_the_tail(filled, keep)
    assert not filled.verify_audit().ok


def test_a_rewritten_history_is_detected_by_the_seals(filled: Ledger) -> None:
    _rewrite_from(filled, 3)
    assert verify_chain(filled.audit_entries()).ok  # the unkeyed chain alone: consistent
    result = filled.verify_audit()
    assert (result.ok, result.first_bad_seq, result.sealed) == (False, 3, True)
    assert "seal the audit key did not make" in (result.reason or "")


def test_a_forged_entry_appended_at_the_end_is_detected(filled: Ledger) -> None:
    last = _entry(filled, ENTRIES)
    _run(filled, insert(AUDIT).values(_forged(ENTRIES + 1, last.hash, at=last.at)))
    assert verify_chain(filled.audit_entries()).ok  # the unkeyed chain alone: consistent
    result = filled.verify_audit()
    assert (result.ok, result.first_bad_seq) == (False, ENTRIES + 1)
    assert "carries no seal" in (result.reason or "")


def test_a_seal_made_with_another_key_is_detected(filled: Ledger) -> None:
    last = _entry(filled, ENTRIES)
    forged = _forged(ENTRIES + 1, last.hash, at=last.at)
    forged["seal"] = entry_seal(audit_key(Fernet.generate_key()), forged["hash"])
    _run(filled, insert(AUDIT).values(forged))
    result = filled.verify_audit()
    assert (result.ok, result.first_bad_seq) == (False, ENTRIES + 1)


def test_entries_from_before_the_audit_key_verify_and_sealing_then_holds(ledger: Ledger) -> None:
    """A ledger made by an hrhub without seals: its entries verify, the new ones are sealed,
    and an unsealed entry after a sealed one is forged."""
    for i in range(1, 3):
        ledger.audit("auditor@corp", "mapping.approve", f"old#{i}", {"v": i})
    _run(ledger, update(AUDIT).values(seal=None))
    ledger.audit("auditor@corp", "mapping.approve", "new#3", {"v": 3})
    assert [e.seal is None for e in ledger.audit_entries()] == [True, True, False]
    assert ledger.verify_audit().ok
    last = _entry(ledger, 3)
    _run(ledger, insert(AUDIT).values(_forged(4, last.hash, at=last.at)))
    assert ledger.verify_audit().first_bad_seq == 4


def test_a_rotated_key_still_verifies_entries_sealed_before(ledger: Ledger) -> None:
    old_key, new_key = Fernet.generate_key(), Fernet.generate_key()
    before = Ledger(ledger.url, sealer=Sealer([old_key]))
    before.audit("auditor@corp", "mapping.approve", "a", {"v": 1})
    after = Ledger(ledger.url, sealer=Sealer([new_key, old_key]))
    after.audit("auditor@corp", "mapping.approve", "b", {"v": 2})
    assert after.verify_audit().ok
    assert not Ledger(ledger.url, sealer=Sealer([new_key])).verify_audit().ok
    for opened in (before, after):
        opened.close()


@pytest.mark.parametrize("keep", [ENTRIES - 1, 2, 0])
def test_an_anchor_sees_the_end_cut_off(filled: Ledger, keep: int) -> None:
    head = filled.verify_audit()
    anchor = AuditAnchor(head.head_seq or 0, head.head_hash or "")
    _cut_the_tail(filled, keep)
    result = verify_chain(filled.audit_entries(), anchor=anchor)
    assert (result.ok, result.first_bad_seq, result.checked) == (False, ENTRIES, keep)
    assert "deleted from its end" in (result.reason or "")


def test_an_anchor_sees_a_rewritten_history(filled: Ledger) -> None:
    head = filled.verify_audit()
    _rewrite_from(filled, 3)
    assert verify_chain(filled.audit_entries()).ok  # the unkeyed chain alone: consistent
    result = verify_chain(filled.audit_entries(), anchor=AuditAnchor(ENTRIES, head.head_hash or ""))
    assert (result.ok, result.first_bad_seq) == (False, ENTRIES)
    assert "rewritten" in (result.reason or "")
