"""What the status pages read from the ledger: aggregates the database computes, never a
scan of every record in Python, so a ledger of 100,000 candidates answers in milliseconds.

A `Scope` limits what a recruiter sees to the applications of the requisitions they own
(the staged jobs whose `recruiter_ids` name them); other roles see every requisition.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, col, select

from hrhub.ledger import Cursor, DeadLetter, Ledger, OutboxItem, OutboxStatus, Receipt, StagedRecord
from hrhub.ledger.tables import JsonText, ReviewHold, ReviewStatus, utcnow
from hrhub.models import Stage

T = TypeVar("T")
log = logging.getLogger(__name__)
APPLICATION = "application"
JOB = "job"
# The largest id or sequence number a ledger column holds (a signed 64-bit integer): a query
# parameter past it is refused as malformed, before the database refuses to compare with it.
MAX_ROW_ID = 2**63 - 1


@dataclass(frozen=True)
class Scope:
    """The requisitions a viewer may see: `None` is all of them."""

    job_ids: frozenset[str] | None
    owner_id: str | None = None

    @property
    def everything(self) -> bool:
        return self.job_ids is None

    def key(self) -> Hashable:
        return self.job_ids

    def allows_job(self, job_id: str | None) -> bool:
        return self.job_ids is None or (job_id is not None and job_id in self.job_ids)


EVERYTHING = Scope(None)


def owned_jobs(ledger: Ledger, owner_id: str) -> frozenset[str]:
    """Canonical ids of the staged jobs whose recruiters include `owner_id`.

    Jobs are few (hundreds), so their recruiter lists are read and matched here; JSON
    containment is spelled differently by every database."""
    stmt = select(StagedRecord.canonical_id, StagedRecord.payload).where(
        col(StagedRecord.entity) == JOB
    )
    with Session(ledger.engine) as session:
        return frozenset(
            cid
            for cid, payload in session.exec(stmt)
            if owner_id in (payload or {}).get("recruiter_ids", [])
        )


def payload_text(name: str) -> Any:
    """A string field of a staged record's payload, as SQL (each database spells it its way,
    with the key written out so the ledger's index on `job_id` serves a recruiter's scope)."""
    return JsonText(StagedRecord.payload, name)


def payload_values(session: Session, name: str, ids: Iterable[str | None]) -> dict[str, str]:
    """One payload field of the staged records `ids` (a page's worth), by id."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    stmt = select(StagedRecord.canonical_id, payload_text(name)).where(
        col(StagedRecord.canonical_id).in_(wanted)
    )
    return {cid: value for cid, value in session.exec(stmt) if value is not None}


def _in_scope(stmt: Any, scope: Scope) -> Any:
    if scope.job_ids is None:
        return stmt
    return stmt.where(payload_text("job_id").in_(sorted(scope.job_ids)))


def stage_counts(ledger: Ledger, scope: Scope) -> dict[str, int]:
    """Applications per flow stage, in the flow's order (every stage, 0 where none)."""
    stmt = (
        select(StagedRecord.stage, func.count())
        .where(col(StagedRecord.entity) == APPLICATION)
        .group_by(col(StagedRecord.stage))
    )
    with Session(ledger.engine) as session:
        found = dict(session.exec(_in_scope(stmt, scope)).all())
    ordered = {stage.value: int(found.pop(stage.value, 0)) for stage in Stage}
    ordered.update({stage: int(n) for stage, n in sorted(found.items())})
    return ordered


@dataclass(frozen=True)
class SystemRow:
    """One system as the status page shows it."""

    system: str
    last_sync: datetime | None
    lag: timedelta | None
    open_errors: int
    pending_writes: int
    last_write: datetime | None


def system_rows(ledger: Ledger, now: datetime | None = None) -> list[SystemRow]:
    """Per system: last extract (its cursors' latest move), lag, open dead letters, writes
    waiting in the outbox, and the last write that landed."""
    now = now or utcnow()
    with Session(ledger.engine) as session:
        synced = dict(
            session.exec(
                select(Cursor.system, func.max(Cursor.updated_at)).group_by(col(Cursor.system))
            ).all()
        )
        errors = dict(
            session.exec(
                select(DeadLetter.system, func.count())
                .where(col(DeadLetter.replayed_at).is_(None))
                .group_by(col(DeadLetter.system))
            ).all()
        )
        waiting = dict(
            session.exec(
                select(OutboxItem.target_system, func.count())
                .where(
                    col(OutboxItem.status).in_(
                        [OutboxStatus.PENDING.value, OutboxStatus.IN_FLIGHT.value]
                    )
                )
                .group_by(col(OutboxItem.target_system))
            ).all()
        )
        written = dict(
            session.exec(
                select(Receipt.target_system, func.max(Receipt.written_at)).group_by(
                    col(Receipt.target_system)
                )
            ).all()
        )
    rows = []
    for system in sorted(set(synced) | set(errors) | set(waiting) | set(written)):
        last = _aware(synced.get(system))
        rows.append(
            SystemRow(
                system=system,
                last_sync=last,
                lag=(now - last) if last else None,
                open_errors=int(errors.get(system, 0)),
                pending_writes=int(waiting.get(system, 0)),
                last_write=_aware(written.get(system)),
            )
        )
    return rows


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates bypass the column type on SQLite, which keeps no zone: the ledger is UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def open_counts(ledger: Ledger) -> dict[str, int]:
    """Open dead letters and results waiting for a person."""
    with Session(ledger.engine) as session:
        letters = session.exec(
            select(func.count())
            .select_from(DeadLetter)
            .where(col(DeadLetter.replayed_at).is_(None))
        ).one()
        reviews = session.exec(
            select(func.count())
            .select_from(ReviewHold)
            .where(col(ReviewHold.status) == ReviewStatus.PENDING.value)
        ).one()
    return {"dead_letters_open": int(letters), "reviews_pending": int(reviews)}


@dataclass(frozen=True)
class HourCount:
    hour: datetime
    staged: int
    landed: int


def throughput(ledger: Ledger, now: datetime | None = None, hours: int = 24) -> list[HourCount]:
    """Records staged and writes landed per hour over the last `hours` hours."""
    now = (now or utcnow()).replace(minute=0, second=0, microsecond=0)
    since = now - timedelta(hours=hours - 1)
    with Session(ledger.engine) as session:
        staged = _per_hour(session, StagedRecord.updated_at, since)
        landed = _per_hour(session, Receipt.written_at, since)
    return [
        HourCount(hour, staged.get(hour, 0), landed.get(hour, 0))
        for hour in (since + timedelta(hours=i) for i in range(hours))
    ]


def _per_hour(session: Session, column: Any, since: datetime) -> dict[datetime, int]:
    """Counts per hour, grouped by the database (each spells 'truncate to the hour' its way)."""
    if session.get_bind().dialect.name == "postgresql":
        hour = func.date_trunc("hour", column)
    else:
        hour = func.strftime("%Y-%m-%d %H:00:00", column)
    stmt = select(hour, func.count()).where(col(column) >= since).group_by(hour)
    return {_aware(value): int(n) for value, n in session.exec(stmt)}  # type: ignore[misc]


@dataclass(frozen=True)
class Latency:
    """Seconds from a write being owed (outbox) to its receipt, per target system."""

    system: str
    writes: int
    p50: float
    p95: float


def write_latency(ledger: Ledger, now: datetime | None = None, hours: int = 24) -> list[Latency]:
    """Per target system, the writes landed in the last `hours` hours and the p50 and p95 of
    their seconds from owed to landed (the database subtracts: no timestamp is parsed here)."""
    since = (now or utcnow()) - timedelta(hours=hours)
    seconds: dict[str, list[float]] = {}
    with Session(ledger.engine) as session:
        took = _seconds_between(session, Receipt.written_at, OutboxItem.created_at)
        stmt = (
            select(Receipt.target_system, took)
            .join(OutboxItem, col(OutboxItem.idempotency_key) == col(Receipt.idempotency_key))
            .where(col(Receipt.written_at) >= since)
        )
        for system, value in session.exec(stmt):
            seconds.setdefault(system, []).append(max(float(value or 0.0), 0.0))
    return [
        Latency(system, len(values), _percentile(values, 50), _percentile(values, 95))
        for system, values in sorted(seconds.items())
    ]


def _seconds_between(session: Session, later: Any, earlier: Any) -> Any:
    """`later - earlier` in seconds, as SQL (each database spells it its way)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _percentile(values: list[float], pct: float) -> float:
    """Nearest rank: the value at rank ceil(pct% of n)."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, math.ceil(pct * len(ordered) / 100) - 1))
    return ordered[index]


class TTLCache:
    """Dashboard aggregates shared by every viewer of the same scope for a few seconds: fifty
    HR admins watching one page cost the database one query set, not fifty.

    One computation per key at a time: viewers who ask while it runs wait for its value
    instead of each starting the same queries (fifty at once when an entry expires under
    load). With `refresh_behind`, an expired value younger than `max_stale` seconds is
    returned at once while one refresh runs behind it (`run_behind`: a thread), so no viewer
    waits for the queries; a failed refresh is logged and tried again by the next viewer.
    Expired entries are dropped once the cache holds more than `max_entries`."""

    def __init__(
        self,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_stale: float = 60.0,
        max_entries: int = 1024,
        run_behind: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self.max_stale = max_stale
        self.max_entries = max_entries
        self.run_behind = run_behind or _in_thread
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._refreshing: set[Hashable] = set()
        # Per-key computing locks, striped; re-entrant, so a computation may use the cache.
        self._computing = [threading.RLock() for _ in range(64)]

    def get(self, key: Hashable, compute: Callable[[], T], *, refresh_behind: bool = False) -> T:
        age, value = self._entry(key)
        if age < self.seconds:
            return value
        if refresh_behind and age < self.max_stale:
            self._refresh(key, compute)
            return value
        with self._computing[hash(key) % len(self._computing)]:
            age, value = self._entry(key)  # computed while this viewer waited
            if age < self.seconds:
                return value
            value = compute()
            self._store(key, value)
            return value

    def _entry(self, key: Hashable) -> tuple[float, Any]:
        """(age in seconds, value) of the key's entry; infinite age when there is none."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return math.inf, None
        return self.clock() - entry[0], entry[1]

    def _store(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = (self.clock(), value)
            if len(self._entries) > self.max_entries:
                now = self.clock()
                for old in [k for k, (at, _) in self._entries.items() if now - at >= self.seconds]:
                    del self._entries[old]

    def _refresh(self, key: Hashable, compute: Callable[[], Any]) -> None:
        """Start one refresh of `key` unless one is running."""
        with self._lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)

        def refresh() -> None:
            try:
                self._store(key, compute())
            except Exception:
                log.exception("refreshing the cached %r failed; the next viewer tries again", key)
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        self.run_behind(refresh)


def _in_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="hrhub-cache-refresh", daemon=True).start()
