"""The ledger's part of the right to erasure: remove one candidate's personal data, keep a
tombstone of ids.

What is tied to a candidate: the staged records linked to their canonical id through
`candidate_id`, `application_id` or `interview_id` (their applications, resumes, screening
results, interviews, analyses, results), followed to the end; the writes (outbox items), the
receipts and the dead letters of those records and of the ids the flow derives from them
(`Links`: a hire's pre-hire, an interview's notifications); the review holds of their results.

What happens to each:
- staged records, review holds, outbox items, receipts and dead letters are deleted. Receipts
  go too: a receipt for a record the target has erased would make the daily read-back
  (hrhub.flow.verify) "repair" it, that is write the person back. No later run can re-create
  the candidate in a target, because nothing it would be made from is left and extract skips
  the tombstoned ids (`erased_among`);
- a write a push holds in flight right now keeps its row with the payload wiped, so the push
  can still settle it: if it lands, its receipt names the record to erase next call (the next
  call deletes the row);
- the tombstone (`ErasedSubject`, `ErasedRecord`) keeps ids only: the candidate's id, the keys of
  the records removed, and the records in other systems to ask about (receipts' remote ids,
  the source records), each with that system's last answer.

Nothing personal stays. Cursors are not personal and stay; the audit log is append-only and
holds no personal data by design (its entries name ids).

Every function is one transaction through the Ledger's session helpers; running an erasure
again removes what appeared since (a step that was running) and changes nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from hrhub.ledger.store import Ledger
from hrhub.ledger.tables import (
    DeadLetter,
    ErasedRecord,
    ErasedSubject,
    JsonText,
    OutboxItem,
    OutboxStatus,
    Receipt,
    ReviewHold,
    StagedRecord,
    utcnow,
)

__all__ = [
    "HUB_SYSTEM",
    "PENDING",
    "TABLES",
    "Links",
    "SubjectRecords",
    "Target",
    "erase_subject",
    "erased_among",
    "erased_remote_ids",
    "find_subject",
    "record_answers",
    "tombstone",
    "unfinished",
]

HUB_SYSTEM = "hrhub"  # records the hub made itself: no system holds them
LINK_FIELDS = ("candidate_id", "application_id", "interview_id")
PENDING = "pending"  # a target not asked yet
_SETTLED = frozenset({"erased", "not_found", "manual"})
_CHUNK = 500
TABLES = ("staged", "outbox", "receipts", "dead_letters", "reviews")

Target = tuple[str, str, str]  # (system, kind, remote id): kind is an operation or an entity


@dataclass(frozen=True)
class StagedKey:
    """A staged record's key facts (never its payload)."""

    canonical_id: str
    entity: str
    source_system: str
    remote_id: str


@dataclass(frozen=True)
class Links:
    """Ids the flow derives from a candidate's records, which no payload names: `exact` ids
    and id `prefixes` (e.g. every notification about one interview)."""

    exact: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()


@dataclass
class SubjectRecords:
    """Everything the ledger holds of one candidate, by key."""

    subject_id: str
    staged: list[StagedKey] = field(default_factory=list)
    outbox: list[str] = field(default_factory=list)  # idempotency keys, in flight excluded
    in_flight: list[str] = field(default_factory=list)  # held by a push right now
    receipts: list[tuple[str, str, str, str]] = field(default_factory=list)  # key, sys, op, id
    dead_letters: list[int] = field(default_factory=list)
    reviews: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Rows per table (the in-flight writes count as outbox)."""
        return {
            "staged": len(self.staged),
            "outbox": len(self.outbox) + len(self.in_flight),
            "receipts": len(self.receipts),
            "dead_letters": len(self.dead_letters),
            "reviews": len(self.reviews),
        }

    @property
    def empty(self) -> bool:
        return not any(self.counts().values())

    def targets(self) -> list[Target]:
        """Records other systems hold: what the hub wrote (receipts) and what it read (the
        source records), the candidate's own source record always among them."""
        found: dict[Target, None] = {}
        system, entity, remote = _parts(self.subject_id)
        if system != HUB_SYSTEM:
            found[(system, entity, remote)] = None
        for key in self.staged:
            if key.source_system != HUB_SYSTEM:
                found[(key.source_system, key.entity, key.remote_id)] = None
        for _, target_system, operation, remote_id in self.receipts:
            found[(target_system, operation, remote_id)] = None
        return list(found)


DeriveLinks = Callable[[Sequence[StagedKey]], Links]


def find_subject(
    ledger: Ledger, subject_id: str, derive: DeriveLinks | None = None
) -> SubjectRecords:
    """What the ledger holds of a candidate (read only: a dry run's plan)."""
    with ledger._read() as session:
        return _find(session, subject_id, derive, lease_start=utcnow() - ledger.lease_timeout)


def erase_subject(
    ledger: Ledger,
    subject_id: str,
    *,
    by: str,
    derive: DeriveLinks | None = None,
    targets: Callable[[SubjectRecords], Iterable[Target]] = SubjectRecords.targets,
) -> tuple[SubjectRecords, ErasedSubject]:
    """Delete what the ledger holds of a candidate and write (or extend) their tombstone, in
    one transaction: what was found (and removed), and the tombstone after.

    `derive` names the ids the flow derives from the candidate's records; `targets` turns what
    was found into the records other systems must be asked about (default: all of them)."""

    def work(session: Session) -> tuple[SubjectRecords, ErasedSubject]:
        now = utcnow()
        found = _find(session, subject_id, derive, lease_start=now - ledger.lease_timeout)
        _delete(session, found)
        _wipe_in_flight(session, found.in_flight, now)
        for key in found.staged:
            _remember(session, subject_id, key)
        if session.get(ErasedRecord, subject_id) is None:
            system, entity, remote = _parts(subject_id)
            _remember(session, subject_id, StagedKey(subject_id, entity, system, remote))
        subject = session.get(ErasedSubject, subject_id, with_for_update=True)
        if subject is None:
            subject = ErasedSubject(subject_id=subject_id, requested_by=by, requested_at=now)
            session.add(subject)
        subject.erased_at = now
        subject.in_flight = len(found.in_flight)
        subject.removed = _added(subject.removed, found.counts())
        subject.targets = _merged(subject.targets, targets(found), now)
        subject.completed_at = _completed(subject, now)
        return found, subject

    return ledger._write(work)


def record_answers(
    ledger: Ledger, subject_id: str, answers: Mapping[Target, tuple[str, str]]
) -> ErasedSubject:
    """Store each asked system's answer (status, detail) on the tombstone's targets; the
    erasure is complete once every target is settled and no write is left in flight."""

    def work(session: Session) -> ErasedSubject:
        subject = session.get(ErasedSubject, subject_id, with_for_update=True)
        if subject is None:
            raise KeyError(f"no erasure of {subject_id!r} to record answers on")
        now = utcnow()
        updated = []
        for target in subject.targets:
            answer = answers.get((target["system"], target["kind"], target["remote_id"]))
            if answer is not None:
                target = {
                    **target,
                    "status": answer[0],
                    "detail": answer[1][:1000],
                    "attempts": int(target.get("attempts", 0)) + 1,
                    "updated_at": now.isoformat(),
                }
            updated.append(target)
        subject.targets = updated
        subject.completed_at = _completed(subject, now)
        return subject

    return ledger._write(work)


def tombstone(ledger: Ledger, subject_id: str) -> ErasedSubject | None:
    """The erasure of a candidate, if one was made."""
    with ledger._read() as session:
        return session.get(ErasedSubject, subject_id)


def unfinished(ledger: Ledger) -> list[ErasedSubject]:
    """Erasures still waiting for a system (or a write in flight), oldest first."""
    stmt = (
        select(ErasedSubject)
        .where(col(ErasedSubject.completed_at).is_(None))
        .order_by(col(ErasedSubject.requested_at), col(ErasedSubject.subject_id))
    )
    with ledger._read() as session:
        return list(session.exec(stmt))


def erased_among(ledger: Ledger, ids: Iterable[str]) -> set[str]:
    """Which of these canonical ids an erasure removed (a record's own id, or the candidate id
    it names): one indexed read per 500 ids, so extract can ask per page."""
    wanted = sorted({i for i in ids if i})
    found: set[str] = set()
    if not wanted:
        return found
    with ledger._read() as session:
        for chunk in _chunks(wanted):
            stmt = select(ErasedRecord.canonical_id).where(
                col(ErasedRecord.canonical_id).in_(chunk)
            )
            found.update(session.exec(stmt))
    return found


def erased_remote_ids(ledger: Ledger, system: str, entity: str) -> set[str]:
    """Remote ids of one source's entity that erasures removed: records a source may still
    hold (until a person purges them there) that the hub must neither stage nor count as
    lost in a reconciliation."""
    stmt = select(ErasedRecord.remote_id).where(
        ErasedRecord.source_system == system, ErasedRecord.entity == entity
    )
    with ledger._read() as session:
        return set(session.exec(stmt))


# --------------------------------------------------------------------------- finding


def _find(
    session: Session, subject_id: str, derive: DeriveLinks | None, *, lease_start: datetime
) -> SubjectRecords:
    found = SubjectRecords(subject_id)
    # What an earlier call removed still names the writes and letters that may have appeared
    # since (a push that was in flight, a step that was running).
    removed = _remembered(session, subject_id)
    found.staged = _linked(session, {subject_id, *(k.canonical_id for k in removed)})
    links = derive([*removed, *found.staged]) if derive else Links()
    keys = [*removed, *found.staged]
    ids = {subject_id, *(k.canonical_id for k in keys), *links.exact}
    for item in _rows(session, OutboxItem, OutboxItem.canonical_id, ids, links.prefixes):
        held = item.status == OutboxStatus.IN_FLIGHT.value and item.updated_at >= lease_start
        (found.in_flight if held else found.outbox).append(item.idempotency_key)
    found.receipts = [
        (r.idempotency_key, r.target_system, r.entity, r.remote_id)
        for r in _rows(session, Receipt, Receipt.canonical_id, ids, links.prefixes)
    ]
    letters = {
        letter.id: None
        for letter in _rows(session, DeadLetter, DeadLetter.record_id, ids, links.prefixes)
    }
    keys = [*found.outbox, *found.in_flight]
    for chunk in _chunks(keys):
        stmt = select(DeadLetter.id).where(col(DeadLetter.outbox_key).in_(chunk))
        letters.update(dict.fromkeys(session.exec(stmt)))
    found.dead_letters = sorted(i for i in letters if i is not None)
    stmt_r = select(ReviewHold.result_id).where(
        or_(col(ReviewHold.candidate_id) == subject_id, col(ReviewHold.result_id).in_(ids))
    )
    found.reviews = sorted(session.exec(stmt_r))
    return found


def _remembered(session: Session, subject_id: str) -> list[StagedKey]:
    """The records earlier erasures of this candidate removed (their tombstoned keys)."""
    stmt = select(ErasedRecord).where(ErasedRecord.subject_id == subject_id)
    return [
        StagedKey(r.canonical_id, r.entity, r.source_system, r.remote_id)
        for r in session.exec(stmt)
    ]


def _linked(session: Session, start: set[str]) -> list[StagedKey]:
    """Staged records tied to these ids, followed through the link fields to the end."""
    links = [JsonText(StagedRecord.payload, name) for name in LINK_FIELDS]
    found: dict[str, StagedKey] = {}
    frontier = set(start)
    seen = set(start)
    while frontier:
        new: set[str] = set()
        for chunk in _chunks(sorted(frontier)):
            stmt = select(
                StagedRecord.canonical_id,
                StagedRecord.entity,
                StagedRecord.source_system,
                StagedRecord.remote_id,
            ).where(
                or_(col(StagedRecord.canonical_id).in_(chunk), *(link.in_(chunk) for link in links))
            )
            for cid, entity, source, remote in session.exec(stmt):
                if cid not in found:
                    found[cid] = StagedKey(cid, entity, source, remote)
                    new.add(cid)
        frontier = new - seen
        seen |= new
    return sorted(found.values(), key=lambda k: k.canonical_id)


def _rows(
    session: Session, table: Any, column: Any, ids: set[str], prefixes: Sequence[str]
) -> Iterator[Any]:
    """Rows whose `column` is one of `ids` or starts with one of `prefixes`."""
    seen: set[Any] = set()
    for chunk in _chunks(sorted(ids)):
        for row in session.exec(select(table).where(col(column).in_(chunk))):
            seen.add(_key(row))
            yield row
    for start in range(0, len(prefixes), 50):
        like = [col(column).startswith(p, autoescape=True) for p in prefixes[start : start + 50]]
        for row in session.exec(select(table).where(or_(*like))):
            if _key(row) not in seen:
                seen.add(_key(row))
                yield row


def _key(row: Any) -> Any:
    return getattr(row, "idempotency_key", None) or getattr(row, "id", None)


# --------------------------------------------------------------------------- removing


def _delete(session: Session, found: SubjectRecords) -> None:
    staged = [k.canonical_id for k in found.staged]
    receipts = [key for key, *_ in found.receipts]
    for table, column, values in (
        (StagedRecord, StagedRecord.canonical_id, staged),
        (Receipt, Receipt.idempotency_key, receipts),
        (OutboxItem, OutboxItem.idempotency_key, found.outbox),
        (DeadLetter, DeadLetter.id, found.dead_letters),
        (ReviewHold, ReviewHold.result_id, found.reviews),
    ):
        for chunk in _chunks(list(values)):
            session.execute(delete(table).where(col(column).in_(chunk)))


def _wipe_in_flight(session: Session, keys: list[str], now: datetime) -> None:
    """Keep the rows a push holds (so it can settle them) with nothing personal in them."""
    for chunk in _chunks(keys):
        stmt = select(OutboxItem).where(col(OutboxItem.idempotency_key).in_(chunk))
        for item in session.exec(stmt.with_for_update()):
            item.payload = {}
            item.last_error = "erased (right to erasure): payload removed while in flight"
            item.updated_at = now


def _remember(session: Session, subject_id: str, key: StagedKey) -> None:
    if session.get(ErasedRecord, key.canonical_id) is None:
        session.add(
            ErasedRecord(
                canonical_id=key.canonical_id,
                subject_id=subject_id,
                source_system=key.source_system,
                entity=key.entity,
                remote_id=key.remote_id,
            )
        )


def _added(before: Mapping[str, int] | None, counts: Mapping[str, int]) -> dict[str, int]:
    total = dict(before or {})
    for table, n in counts.items():
        total[table] = int(total.get(table, 0)) + n
    return total


def _merged(
    current: list[dict[str, Any]] | None, found: Iterable[Target], now: datetime
) -> list[dict[str, Any]]:
    """The tombstone's targets with the new ones added (pending); known ones keep their
    answer."""
    targets = [dict(t) for t in current or []]
    known = {(t["system"], t["kind"], t["remote_id"]) for t in targets}
    for system, kind, remote_id in found:
        if (system, kind, remote_id) not in known:
            known.add((system, kind, remote_id))
            targets.append(
                {
                    "system": system,
                    "kind": kind,
                    "remote_id": remote_id,
                    "status": PENDING,
                    "detail": "",
                    "attempts": 0,
                    "updated_at": now.isoformat(),
                }
            )
    return targets


def _completed(subject: ErasedSubject, now: datetime) -> datetime | None:
    settled = all(t["status"] in _SETTLED for t in subject.targets or [])
    if not settled or subject.in_flight:
        return None
    return subject.completed_at or now


def _parts(canonical_id: str) -> tuple[str, str, str]:
    """(system, entity, remote id) of a canonical id, '{system}:{entity}:{remote id}'."""
    system, entity, remote = [*canonical_id.split(":", 2), "", ""][:3]
    return system, entity, remote


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
