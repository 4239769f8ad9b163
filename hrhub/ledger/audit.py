"""The hash chain of the audit log: appending under a lock, and verifying the chain.

Each entry's hash covers its own fields and the previous entry's hash, so editing,
deleting or reordering any entry breaks the chain at a point `verify_chain` can name.

What the chain alone cannot see: entries removed from its end (the shorter chain is still
a valid chain), and a history rewritten by someone who recomputes every later hash (the
hash is not keyed). The head a verification reports (`head_seq`, `head_hash`) is the
anchor for both: kept outside the database and passed back as `anchor`, it must still be
in the chain, with the same hash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from hrhub.ledger.tables import (
    GENESIS_HASH,
    AuditEntry,
    as_utc,
    canonical_json,
    sha256_hex,
    to_json_value,
)

# Arbitrary constant naming the audit append lock among PostgreSQL advisory locks.
AUDIT_LOCK_ID = 0x68726875_6261  # "hrhub" + "a"


@dataclass(frozen=True, slots=True)
class AuditVerification:
    """Outcome of a chain check: where it first breaks, and why, for the auditor."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
    head_seq: int | None = None  # the last entry checked: the anchor to keep elsewhere
    head_hash: str | None = None


@dataclass(frozen=True, slots=True)
class AuditAnchor:
    """A head of the chain recorded earlier, outside the ledger (a report, a run log)."""

    seq: int
    hash: str


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    data: Any,
    prev_hash: str,
) -> str:
    """Hash of one entry over a canonical JSON, so any change to any field shows."""
    document = {
        "seq": seq,
        "at": as_utc(at, field="at").isoformat(),
        "actor": actor,
        "action": action,
        "subject": subject,
        "data": data,
        "prev_hash": prev_hash,
    }
    return sha256_hex(canonical_json(document))


def _recomputed(entry: AuditEntry) -> str:
    return entry_hash(
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        subject=entry.subject,
        data=entry.data,
        prev_hash=entry.prev_hash,
    )


def lock_for_append(session: Session) -> None:
    """Serialise appenders so the chain stays linear.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the caller's transaction was
    opened with BEGIN IMMEDIATE, which already holds the single writer lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(:k)"), params={"k": AUDIT_LOCK_ID})


def append_entry(
    session: Session, *, at: datetime, actor: str, action: str, subject: str, data: Any
) -> AuditEntry:
    """Append one entry after the current head; the caller holds the append lock."""
    head_entry = session.exec(
        select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(1)
    ).first()
    seq = head_entry.seq + 1 if head_entry else 1
    prev_hash = head_entry.hash if head_entry else GENESIS_HASH
    clean = to_json_value(data if data is not None else {}, "data")
    at = as_utc(at, field="at")
    digest = entry_hash(
        seq=seq, at=at, actor=actor, action=action, subject=subject, data=clean, prev_hash=prev_hash
    )
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        data=clean,
        prev_hash=prev_hash,
        hash=digest,
    )
    session.add(entry)
    return entry


def count_entries(session: Session) -> int:
    """Number of audit entries."""
    return session.exec(select(func.count()).select_from(AuditEntry)).one()


def verify_chain(
    entries: Iterable[AuditEntry], *, anchor: AuditAnchor | None = None
) -> AuditVerification:
    """Walk entries in seq order and report the first one that breaks the chain.

    A missing seq means a deleted entry; a wrong prev_hash means a deleted or moved
    entry whose successors were renumbered; a wrong hash means an edited entry, or one
    whose place in the chain changed. With `anchor`, the chain must still hold that entry
    with that hash: otherwise its end was cut off, or its history rewritten.
    """
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    hash_at_anchor: str | None = None
    for entry in entries:
        problem = _entry_problem(entry, expected_seq, prev_hash)
        if problem is not None:
            bad_seq, reason = problem
            return AuditVerification(False, checked, bad_seq, reason)
        checked += 1
        expected_seq = entry.seq + 1
        prev_hash = entry.hash
        if anchor is not None and entry.seq == anchor.seq:
            hash_at_anchor = entry.hash
    head_seq = expected_seq - 1 if checked else None
    head_hash = prev_hash if checked else None
    problem = _anchor_problem(anchor, head_seq, hash_at_anchor)
    if problem is not None:
        bad_seq, reason = problem
        return AuditVerification(False, checked, bad_seq, reason, head_seq, head_hash)
    return AuditVerification(True, checked, head_seq=head_seq, head_hash=head_hash)


def _anchor_problem(
    anchor: AuditAnchor | None, head_seq: int | None, hash_at_anchor: str | None
) -> tuple[int, str] | None:
    if anchor is None:
        return None
    if head_seq is None or head_seq < anchor.seq:
        return anchor.seq, (
            f"the log ends at seq {head_seq or 0} but entry seq {anchor.seq} was recorded "
            "earlier (entries were deleted from its end)"
        )
    if hash_at_anchor != anchor.hash:
        return anchor.seq, (
            f"entry seq {anchor.seq} is not the one recorded earlier "
            "(the history up to it was rewritten)"
        )
    return None


def _entry_problem(entry: AuditEntry, expected_seq: int, prev_hash: str) -> tuple[int, str] | None:
    if entry.seq != expected_seq:
        return expected_seq, (
            f"entry seq {expected_seq} is missing (deleted or renumbered); "
            f"the chain continues at seq {entry.seq}"
        )
    if _recomputed(entry) != entry.hash:
        return entry.seq, f"entry seq {entry.seq} does not match its hash (edited or moved)"
    if entry.prev_hash != prev_hash:
        return entry.seq, (
            f"entry seq {entry.seq} does not link to entry seq {entry.seq - 1} "
            "(an entry before it was deleted, edited or reordered)"
        )
    return None
