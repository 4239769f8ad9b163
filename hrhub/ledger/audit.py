"""The hash chain of the audit log: appending under a lock, and verifying the chain.

Each entry's hash covers its own fields and the previous entry's hash, so editing,
deleting or reordering any entry breaks the chain at a point `verify_chain` can name.

The hash alone is not keyed: someone with write access to the database could append a
forged entry, or rewrite a history and recompute every later hash. So each entry also
carries a seal, an HMAC of its hash under the audit key (derived from the ledger key, which
lives outside the database: see hrhub/ledger/sealing.py); without the key no valid seal can
be made. Once an entry is sealed, every later one must be.

What neither can see: entries removed from the end (the shorter chain is still a valid,
sealed chain). The head a verification reports (`head_seq`, `head_hash`) is the anchor for
that: recorded outside the database (the run report, `hrhub ledger verify` output) and
passed back as `anchor` (`hrhub ledger verify --expect-head SEQ:HASH`), it must still be in
the chain, with the same hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
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

# Domain separation: the audit key is derived from a ledger key, never the key itself.
_SEAL_CONTEXT = b"hrhub.audit.seal.v1"
_ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")

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
    sealed: bool = False  # the seals were checked (an audit key was at hand)

    @property
    def head(self) -> str | None:
        """The head as `SEQ:HASH`, the form `--expect-head` takes back."""
        if self.head_seq is None or self.head_hash is None:
            return None
        return str(AuditAnchor(self.head_seq, self.head_hash))


@dataclass(frozen=True, slots=True)
class AuditAnchor:
    """A head of the chain recorded earlier, outside the ledger (a report, a run log)."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> AuditAnchor:
        """`SEQ:HASH` as a verification printed it; ValueError says what is wrong."""
        match = _ANCHOR.match(text.strip().lower())
        if not match:
            raise ValueError(
                f"audit head {text!r} is not SEQ:HASH (a number, a colon and 64 hex digits, "
                "as `hrhub ledger verify` prints it)"
            )
        return cls(int(match.group(1)), match.group(2))


def audit_key(ledger_key: bytes) -> bytes:
    """The key that seals audit entries, derived from one ledger key."""
    return hmac.new(ledger_key, _SEAL_CONTEXT, hashlib.sha256).digest()


def entry_seal(key: bytes, digest: str) -> str:
    """The seal of an entry: an HMAC of its hash (which covers every field and the chain)."""
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


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
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    data: Any,
    key: bytes | None,
) -> AuditEntry:
    """Append one entry after the current head, sealed with `key` (the audit key: required,
    so no writer can forget it; None only for a ledger without keys); the caller holds the
    append lock."""
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
        seal=entry_seal(key, digest) if key is not None else None,
    )
    session.add(entry)
    return entry


def count_entries(session: Session) -> int:
    """Number of audit entries."""
    return session.exec(select(func.count()).select_from(AuditEntry)).one()


def verify_chain(
    entries: Iterable[AuditEntry],
    *,
    anchor: AuditAnchor | None = None,
    keys: Sequence[bytes] = (),
) -> AuditVerification:
    """Walk entries in seq order and report the first one that breaks the chain.

    A missing seq means a deleted entry; a wrong prev_hash means a deleted or moved
    entry whose successors were renumbered; a wrong hash means an edited entry, or one
    whose place in the chain changed. With `keys` (audit keys, current first), a seal that
    none of them made, or a missing seal after the first sealed entry, means an entry
    written without the key: forged, or a rewritten history. With `anchor`, the chain must
    still hold that entry with that hash: otherwise its end was cut off.
    """
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    hash_at_anchor: str | None = None
    sealing_started = False
    for entry in entries:
        problem = _entry_problem(entry, expected_seq, prev_hash)
        if problem is None and keys:
            sealing_started = sealing_started or entry.seal is not None
            problem = _seal_problem(entry, keys, sealing_started)
        if problem is not None:
            bad_seq, reason = problem
            return AuditVerification(False, checked, bad_seq, reason, sealed=bool(keys))
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
        return AuditVerification(
            False, checked, bad_seq, reason, head_seq, head_hash, sealed=bool(keys)
        )
    return AuditVerification(
        True, checked, head_seq=head_seq, head_hash=head_hash, sealed=bool(keys)
    )


def _seal_problem(
    entry: AuditEntry, keys: Sequence[bytes], sealing_started: bool
) -> tuple[int, str] | None:
    if entry.seal is None:
        if not sealing_started:
            return None  # written before the ledger had an audit key
        return entry.seq, (
            f"entry seq {entry.seq} carries no seal though earlier entries do "
            "(written without the audit key: forged)"
        )
    if not any(hmac.compare_digest(entry_seal(k, entry.hash), entry.seal) for k in keys):
        return entry.seq, (
            f"entry seq {entry.seq} has a seal the audit key did not make "
            "(forged, or the history up to it was rewritten)"
        )
    return None


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
