"""The Ledger: the hub's own store of cursors, staged records, outbox, receipts,
dead letters and the audit log.

Every public method is one short transaction, so an Airflow task killed at any point
leaves the ledger consistent: the delivery guarantee is at-least-once plus idempotent
writes. SQLite (default) and PostgreSQL behave the same; where they differ in locking,
each gets its native mechanism (BEGIN IMMEDIATE vs row locks and advisory locks).
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    URL,
    Connection,
    Engine,
    and_,
    case,
    create_engine,
    event,
    func,
    insert,
    inspect,
    make_url,
    or_,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateIndex
from sqlmodel import Session, col, select

from hrhub.ledger.audit import (
    AuditAnchor,
    AuditVerification,
    append_entry,
    audit_key,
    count_entries,
    lock_for_append,
    verify_chain,
)
from hrhub.ledger.sealed_rows import sealed_payload, use_sealer
from hrhub.ledger.sealing import Sealer, default_sealer, sealed_fields
from hrhub.ledger.tables import (
    EXTRACTED,
    AuditEntry,
    Cursor,
    DeadLetter,
    JSONValueError,
    LedgerBase,
    LedgerInputError,
    OutboxItem,
    OutboxStatus,
    Receipt,
    ReviewHold,
    ReviewStateError,
    ReviewStatus,
    StagedRecord,
    as_utc,
    content_hash,
    idempotency_key,
    payload_hash,
    to_json_value,
    utcnow,
)

ENV_VAR = "HRHUB_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_S = 30.0
DEFAULT_LEASE = timedelta(minutes=10)
DEFAULT_MAX_ATTEMPTS = 10
_CHUNK = 500  # ids per IN (...) clause, well under every backend's parameter limit
_RACE_RETRIES = 5
_WRITE_OPTION = "hrhub_ledger_write"
_RACE_PGCODES = frozenset({"23505", "40001", "40P01"})  # unique, serialization, deadlock
_DDL_LOCK_ID = 0x68726875_6264  # advisory lock id for create_all on PostgreSQL

T = TypeVar("T")


# --------------------------------------------------------------------------- engine


def _project_root() -> Path:
    """The source checkout holding this package, or the working directory if installed."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else Path.cwd()


def database_url() -> str:
    """The ledger's URL: HRHUB_DATABASE_URL, else a SQLite file under <repo>/.hrhub/."""
    url = os.environ.get(ENV_VAR, "").strip()
    if url:
        return url
    folder = _project_root() / ".hrhub"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'ledger.db'}"


def normalize_url(url: str | URL) -> URL:
    """Pin plain postgres URLs to psycopg2 (SQLAlchemy 2.1 would pick psycopg 3)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed


def create_ledger_engine(url: str | URL) -> Engine:
    """An engine tuned for several processes sharing the ledger."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    if not in_memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        **({"poolclass": StaticPool} if in_memory else {}),
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; the busy timeout makes writers queue."""
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_on_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    """Writers take the write lock up front, so a read-then-write never hits SQLITE_BUSY."""
    immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _is_race(exc: DBAPIError) -> bool:
    """True when a concurrent writer won a race and the transaction can simply be retried."""
    pgcode = getattr(exc.orig, "pgcode", None)
    if pgcode is not None:
        return pgcode in _RACE_PGCODES
    return "UNIQUE constraint failed" in str(exc.orig)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class StageInput:
    """One extracted canonical record, as the extract step hands it to the ledger."""

    canonical_id: str
    entity: str
    source_system: str
    remote_id: str
    modified_at: datetime
    payload: Mapping[str, Any]

    @classmethod
    def of(cls, record: Any) -> StageInput:
        """From a canonical record (hrhub.models), its JSON form as the payload."""
        return cls(
            canonical_id=record.canonical_id,
            entity=record.entity,
            source_system=record.source_system,
            remote_id=record.remote_id,
            modified_at=record.modified_at,
            payload=record.model_dump(mode="json"),
        )


@dataclass(frozen=True, slots=True)
class Letter:
    """One record to park as a dead letter (`Ledger.dead_letter_many`): what it is, why it
    cannot go on, and the field to blame when one is."""

    system: str
    entity: str
    record_id: str
    reason: str
    payload: Any
    field: str | None = None
    error_class: str | None = None


@dataclass(frozen=True, slots=True)
class StageResult:
    """What staging did with each input; the counts add up to the number of inputs."""

    inserted: int = 0
    updated: int = 0
    skipped_stale: int = 0
    skipped_same: int = 0
    rejected: int = 0  # bad inputs, sent to dead letters with their reason


@dataclass(frozen=True, slots=True)
class _Prepared:
    canonical_id: str
    entity: str
    source_system: str
    remote_id: str
    modified_at: datetime
    payload: dict[str, Any]
    payload_hash: str


def _prepare(record: StageInput) -> _Prepared:
    """Validate and normalise one input outside the transaction, naming any bad field."""
    record_id = str(record.canonical_id or record.remote_id or "?")
    if not record.canonical_id:
        raise LedgerInputError(record_id, "canonical_id", "empty")
    if not isinstance(record.modified_at, datetime):
        raise LedgerInputError(record_id, "modified_at", f"not a datetime: {record.modified_at!r}")
    if not isinstance(record.payload, Mapping):
        raise LedgerInputError(record_id, "payload", "not a JSON object")
    modified_at = as_utc(record.modified_at, record_id=record_id, field="modified_at")
    try:
        payload = to_json_value(dict(record.payload))
    except JSONValueError as exc:
        raise LedgerInputError(record_id, exc.path, exc.problem) from exc
    return _Prepared(
        canonical_id=record.canonical_id,
        entity=record.entity,
        source_system=record.source_system,
        remote_id=str(record.remote_id),
        modified_at=modified_at,
        payload=payload,
        payload_hash=content_hash(payload),
    )


def _safe_json(value: Any) -> Any:
    """Best-effort JSON for a dead letter: a bad payload must not block its own report."""
    try:
        return to_json_value(value)
    except JSONValueError:
        return {"unserialisable": repr(value)[:10_000]}


# --------------------------------------------------------------------------- watermarks


def _as_number(value: str) -> Decimal | None:
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _as_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def later_watermark(current: str, candidate: str) -> str:
    """The later of two opaque watermarks: numbers and ISO times compare by value."""
    for parse in (_as_number, _as_time):
        a, b = parse(current), parse(candidate)
        if a is not None and b is not None:
            return candidate if b > a else current  # type: ignore[operator]
    return candidate if candidate > current else current


# --------------------------------------------------------------------------- ledger


class Ledger:
    """The hub's store. Safe to share between threads and processes."""

    def __init__(
        self,
        url: str | None = None,
        *,
        lease_timeout: timedelta = DEFAULT_LEASE,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        sealer: Sealer | None = None,
    ) -> None:
        self.url = url or database_url()
        self.engine = create_ledger_engine(self.url)
        self._writer = self.engine.execution_options(**{_WRITE_OPTION: True})
        self.lease_timeout = lease_timeout
        self.max_attempts = max_attempts
        # Sensitive values are sealed at rest with it (hrhub/ledger/sealing.py); every
        # session on this ledger's engine, the web's included, seals and unseals with it.
        self.sealer = sealer or default_sealer()
        use_sealer(self.engine, self.sealer)
        use_sealer(self._writer, self.sealer)
        self._audit_key_cache: list[bytes] | None = None

    @property
    def backend(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release pooled connections (tests, and processes that outlive their work)."""
        self.engine.dispose()

    @classmethod
    def open(cls, url: str | None = None) -> Ledger:
        """The ledger at `url` (default: HRHUB_DATABASE_URL), tables created if missing.

        What every step and command uses; `create_all` is idempotent, so opening twice is safe.
        """
        ledger = cls(url)
        ledger.create_all()
        return ledger

    def create_all(self) -> None:
        """Create missing ledger tables; safe to call from several processes at once."""
        with self._writer.begin() as conn:
            if self.backend == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _DDL_LOCK_ID})
            LedgerBase.metadata.create_all(conn)
            _add_missing_columns(conn)
            _update_indexes(conn)

    # ----------------------------------------------------------------- transactions

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def _write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one write transaction; retry if a concurrent writer won a race."""
        for attempt in range(_RACE_RETRIES):
            try:
                with Session(self._writer, expire_on_commit=False) as session, session.begin():
                    result = work(session)
                    session.flush()
                    return result
            except DBAPIError as exc:
                if attempt == _RACE_RETRIES - 1 or not _is_race(exc):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # ----------------------------------------------------------------- staging

    def stage(self, records: Iterable[StageInput], *, batch_id: str) -> StageResult:
        """Stage extracted records, de-duplicated by key and modification time.

        Overlapping extract windows and out-of-order pages deliver the same record more
        than once; only a newer version replaces what is staged.
        """
        good, bad = self._split(records)
        return self._write(lambda s: self._stage_in(s, good, bad, batch_id))

    def commit_batch(
        self,
        system: str,
        stream: str,
        records: Iterable[StageInput],
        new_watermark: str | None,
        batch_id: str,
    ) -> StageResult:
        """Stage a batch and advance its cursor atomically.

        The watermark moves only when the batch is durably staged, so a crash between
        the two can never skip records.
        """
        good, bad = self._split(records)

        def work(session: Session) -> StageResult:
            result = self._stage_in(session, good, bad, batch_id)
            if new_watermark is not None:
                self._advance_cursor(session, system, stream, new_watermark)
            return result

        return self._write(work)

    def get_watermark(self, system: str, stream: str) -> str | None:
        """Where the next incremental extract of this stream starts (None: from the start)."""
        with self._read() as session:
            cursor = session.get(Cursor, (system, stream))
            return cursor.watermark if cursor else None

    def set_stage(self, canonical_ids: Iterable[str], stage: str) -> int:
        """Move records to a flow stage; returns how many exist and were moved."""
        ids = list(dict.fromkeys(canonical_ids))

        def work(session: Session) -> int:
            moved, now = 0, utcnow()
            for chunk in _chunks(ids):
                stmt = (
                    update(StagedRecord)
                    .where(col(StagedRecord.canonical_id).in_(chunk))
                    .values(stage=stage, updated_at=now)
                )
                moved += session.exec(stmt).rowcount or 0
            return moved

        return self._write(work) if ids else 0

    def ids_in_stage(self, entity: str, stage: str, limit: int | None = None) -> list[str]:
        """Ids waiting at a stage, oldest change first, for the next batch task."""
        stmt = (
            select(StagedRecord.canonical_id)
            .where(StagedRecord.entity == entity, StagedRecord.stage == stage)
            .order_by(col(StagedRecord.modified_at), col(StagedRecord.canonical_id))
            .limit(limit)
        )
        with self._read() as session:
            return list(session.exec(stmt))

    def count_in_stage(self, entity: str, stage: str) -> int:
        """How many records of an entity are at a stage, counted on the (entity, stage) index:
        what a step reports as done before without reading it."""
        stmt = (
            select(func.count())
            .select_from(StagedRecord)
            .where(StagedRecord.entity == entity, StagedRecord.stage == stage)
        )
        with self._read() as session:
            return session.exec(stmt).one()

    def get_records(self, ids: Iterable[str]) -> list[StagedRecord]:
        """Records by id, in the order asked; unknown ids are left out."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, StagedRecord] = {}
        with self._read() as session:
            for chunk in _chunks(wanted):
                stmt = select(StagedRecord).where(col(StagedRecord.canonical_id).in_(chunk))
                found.update((r.canonical_id, r) for r in session.exec(stmt))
        return [found[i] for i in wanted if i in found]

    def staged_versions(self, ids: Iterable[str]) -> dict[str, datetime]:
        """The modified_at of the records staged under these ids (unknown ids left out): by
        primary key and without payloads, so an extract can tell an unchanged record from
        the list call alone."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, datetime] = {}
        with self._read() as session:
            for chunk in _chunks(wanted):
                stmt = select(StagedRecord.canonical_id, StagedRecord.modified_at).where(
                    col(StagedRecord.canonical_id).in_(chunk)
                )
                found.update((cid, modified) for cid, modified in session.exec(stmt))
        return found

    def iter_staged(
        self, entity: str, *, source_system: str | None = None, chunk_size: int = 1000
    ) -> Iterator[StagedRecord]:
        """Every staged record of one entity in canonical-id order, read a chunk at a time so a
        step can scan a large entity (a month of punches) with flat memory."""
        after = ""
        while True:
            stmt = select(StagedRecord).where(
                StagedRecord.entity == entity, col(StagedRecord.canonical_id) > after
            )
            if source_system is not None:
                stmt = stmt.where(StagedRecord.source_system == source_system)
            stmt = stmt.order_by(col(StagedRecord.canonical_id)).limit(chunk_size)
            with self._read() as session:
                rows = list(session.exec(stmt))
            yield from rows
            if len(rows) < chunk_size:
                return
            after = rows[-1].canonical_id

    def _split(self, records: Iterable[StageInput]) -> tuple[list[_Prepared], list[Any]]:
        good: list[_Prepared] = []
        bad: list[tuple[StageInput, LedgerInputError]] = []
        for record in records:
            try:
                good.append(_prepare(record))
            except LedgerInputError as exc:
                bad.append((record, exc))
        return good, bad

    def _stage_in(
        self,
        session: Session,
        good: Sequence[_Prepared],
        bad: Sequence[tuple[StageInput, LedgerInputError]],
        batch_id: str,
    ) -> StageResult:
        # Sorted (stably) so concurrent stagers lock and insert rows in the same order.
        ordered = sorted(good, key=lambda r: r.canonical_id)
        rows: dict[str, StagedRecord | _NewRow] = dict(
            self._lock_rows(session, [r.canonical_id for r in ordered])
        )
        outcomes: Counter[str] = Counter()
        now = utcnow()
        for record in ordered:
            outcomes[_apply(rows, record, batch_id, now)] += 1
        new = [row.columns(self.sealer) for row in rows.values() if isinstance(row, _NewRow)]
        if new:  # one multi-row INSERT: building an ORM object per new row cost more
            session.execute(insert(StagedRecord), new)
        for record, error in bad:
            session.add(_rejected_letter(record, error))
        return StageResult(
            inserted=outcomes["inserted"],
            updated=outcomes["updated"],
            skipped_stale=outcomes["skipped_stale"],
            skipped_same=outcomes["skipped_same"],
            rejected=len(bad),
        )

    def _lock_rows(self, session: Session, ids: list[str]) -> dict[str, StagedRecord]:
        rows: dict[str, StagedRecord] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            stmt = (
                select(StagedRecord)
                .where(col(StagedRecord.canonical_id).in_(chunk))
                .order_by(col(StagedRecord.canonical_id))
                .with_for_update()
            )
            rows.update((r.canonical_id, r) for r in session.exec(stmt))
        return rows

    def _advance_cursor(self, session: Session, system: str, stream: str, watermark: str) -> None:
        """Move the cursor forward (never back) inside the caller's batch transaction."""
        stmt = (
            select(Cursor).where(Cursor.system == system, Cursor.stream == stream).with_for_update()
        )
        cursor = session.exec(stmt).first()
        now = utcnow()
        if cursor is None:
            session.add(Cursor(system=system, stream=stream, watermark=watermark, updated_at=now))
            return
        cursor.watermark = later_watermark(cursor.watermark, watermark)
        cursor.updated_at = now

    # ----------------------------------------------------------------- outbox

    def enqueue(
        self,
        target_system: str,
        entity: str,
        canonical_id: str,
        payload: Mapping[str, Any],
        mapping_version: str,
    ) -> OutboxItem:
        """Owe one write to a target; the same content again returns the existing item."""
        write = [(canonical_id, payload)]
        (item,) = self.enqueue_many(target_system, entity, write, mapping_version)
        return item

    def enqueue_many(
        self,
        target_system: str,
        entity: str,
        writes: Iterable[tuple[str, Mapping[str, Any]]],
        mapping_version: str,
    ) -> list[OutboxItem]:
        """Owe writes (canonical id, payload) to a target in one transaction, an item each in
        order; content owed before returns its existing item. A payload that is not JSON
        raises `LedgerInputError` naming its record before anything is written."""
        keyed: list[tuple[str, str, dict[str, Any], str]] = []
        for canonical_id, payload in writes:
            try:
                clean = to_json_value(dict(payload))
            except JSONValueError as exc:
                raise LedgerInputError(canonical_id, exc.path, exc.problem) from exc
            digest = payload_hash(clean)
            key = idempotency_key(target_system, entity, canonical_id, digest)
            keyed.append((key, canonical_id, clean, digest))

        def work(session: Session) -> list[OutboxItem]:
            items: dict[str, OutboxItem] = {}
            for chunk in _chunks(list(dict.fromkeys(key for key, *_ in keyed))):
                stmt = select(OutboxItem).where(col(OutboxItem.idempotency_key).in_(chunk))
                items.update((item.idempotency_key, item) for item in session.exec(stmt))
            for key, canonical_id, clean, digest in keyed:
                if key not in items:
                    items[key] = OutboxItem(
                        idempotency_key=key,
                        target_system=target_system,
                        entity=entity,
                        canonical_id=canonical_id,
                        payload=clean,
                        payload_hash=digest,
                        mapping_version=mapping_version,
                    )
                    session.add(items[key])
            return [items[key] for key, *_ in keyed]

        return self._write(work) if keyed else []

    def claim(
        self, target_system: str, limit: int, *, claimant: str | None = None
    ) -> list[OutboxItem]:
        """Hand out pending writes to one worker; never the same item to two workers.

        In-flight items whose lease has run out are handed out again, so a killed
        worker loses nothing (the idempotency key makes the repeat harmless). So are the
        in-flight items `claimant` itself claimed before: Airflow starts a task's next try
        only once the previous one is over (failed, or declared dead for missing heartbeats),
        so a retry sends at once what its killed try held instead of waiting out the lease.
        """
        if limit <= 0:
            return []

        def work(session: Session) -> list[OutboxItem]:
            now = utcnow()
            reclaimable = col(OutboxItem.updated_at) < now - self.lease_timeout
            if claimant is not None:
                reclaimable = or_(reclaimable, col(OutboxItem.claimed_by) == claimant)
            stmt = (
                select(OutboxItem)
                .where(
                    OutboxItem.target_system == target_system,
                    or_(
                        col(OutboxItem.not_before).is_(None),
                        col(OutboxItem.not_before) <= now,
                    ),
                    or_(
                        col(OutboxItem.status) == OutboxStatus.PENDING.value,
                        and_(col(OutboxItem.status) == OutboxStatus.IN_FLIGHT.value, reclaimable),
                    ),
                )
                .order_by(col(OutboxItem.created_at), col(OutboxItem.idempotency_key))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            items = list(session.exec(stmt))
            for item in items:
                item.status = OutboxStatus.IN_FLIGHT.value
                item.updated_at = now
                item.claimed_by = claimant
            return items

        return self._write(work)

    def owed(self, target_system: str) -> int:
        """Writes not settled yet for one target (pending or in flight): a push task with none
        to send need not even open its connection."""
        stmt = (
            select(func.count())
            .select_from(OutboxItem)
            .where(
                OutboxItem.target_system == target_system,
                col(OutboxItem.status).in_(
                    [OutboxStatus.PENDING.value, OutboxStatus.IN_FLIGHT.value]
                ),
            )
        )
        with self._read() as session:
            return int(session.exec(stmt).one())

    def complete(self, key: str, remote_id: str) -> Receipt:
        """Record that a write landed: receipt and done, together. Twice is harmless."""
        (receipt,) = self.complete_many([(key, remote_id)])
        return receipt

    def complete_many(self, landed: Sequence[tuple[str, str]]) -> list[Receipt]:
        """`complete` for (key, remote id) pairs of one batch, in one transaction (a receipt
        each, in order). An unknown key raises KeyError and records none of them."""
        keys = list(dict.fromkeys(key for key, _ in landed))

        def work(session: Session) -> list[Receipt]:
            items: dict[str, OutboxItem] = {}
            receipts: dict[str, Receipt] = {}
            for chunk in _chunks(keys):
                key_in = col(OutboxItem.idempotency_key).in_(chunk)
                stmt = select(OutboxItem).where(key_in).with_for_update()
                items.update((item.idempotency_key, item) for item in session.exec(stmt))
                stmt_r = select(Receipt).where(col(Receipt.idempotency_key).in_(chunk))
                receipts.update((r.idempotency_key, r) for r in session.exec(stmt_r))
            now = utcnow()
            for key, remote_id in landed:
                item = items.get(key)
                if item is None:
                    raise KeyError(f"no outbox item with idempotency key {key}")
                if key not in receipts:
                    receipts[key] = Receipt(
                        idempotency_key=key,
                        target_system=item.target_system,
                        entity=item.entity,
                        canonical_id=item.canonical_id,
                        remote_id=str(remote_id),
                        mapping_version=item.mapping_version,
                    )
                    session.add(receipts[key])
                item.status = OutboxStatus.DONE.value
                item.last_error = None
                item.updated_at = now
            return [receipts[key] for key, _ in landed]

        return self._write(work) if landed else []

    def fail(
        self,
        key: str,
        error: str | BaseException,
        *,
        retriable: bool,
        field: str | None = None,
        error_class: str | None = None,
        retry_after: float | None = None,
    ) -> OutboxItem:
        """Record a failed write: retry later, or dead-letter it with its reason.

        A retriable failure goes back to pending until `max_attempts`; then, like a fatal
        one, the item is dead and a dead letter says why. A done item stays done.
        `retry_after` (seconds) keeps a retriable item from being claimed before then, so
        attempts are not spent while retrying cannot help.
        """
        message = str(error)
        if error_class is None and isinstance(error, BaseException):
            error_class = type(error).__name__

        def work(session: Session) -> OutboxItem:
            item = _locked_item(session, key)
            if item.status in (OutboxStatus.DONE.value, OutboxStatus.DEAD.value):
                return item
            item.attempts += 1
            item.last_error = message
            item.updated_at = utcnow()
            if retriable and item.attempts < self.max_attempts:
                item.status = OutboxStatus.PENDING.value
                if retry_after:
                    item.not_before = item.updated_at + timedelta(seconds=retry_after)
                return item
            item.status = OutboxStatus.DEAD.value
            session.add(_outbox_letter(item, message, retriable, field, error_class))
            return item

        return self._write(work)

    def requeue(self, key: str) -> OutboxItem:
        """Put a dead item back to pending (replay after a person fixed the cause)."""

        def work(session: Session) -> OutboxItem:
            item = _locked_item(session, key)
            if item.status == OutboxStatus.DEAD.value:
                item.status = OutboxStatus.PENDING.value
                item.attempts = 0
                item.updated_at = utcnow()
            return item

        return self._write(work)

    def reopen(self, key: str, reason: str, *, actor: str = "hrhub.reconcile") -> OutboxItem:
        """Owe a landed write again because its target no longer holds it (a repair).

        The receipt goes (the write is no longer landed) and the item is pending again, so
        the next push re-sends it; the receipt's facts and the reason go to the audit log in
        the same transaction. An item that is not done is left as it is.
        """

        def work(session: Session) -> OutboxItem:
            item = _locked_item(session, key)
            if item.status != OutboxStatus.DONE.value:
                return item
            receipt = session.get(Receipt, key)
            item.status = OutboxStatus.PENDING.value
            item.attempts = 0
            item.last_error = reason
            item.updated_at = utcnow()
            if receipt is not None:
                session.delete(receipt)
            lock_for_append(session)
            append_entry(
                session,
                at=item.updated_at,
                actor=actor,
                action="write.reopened",
                subject=item.canonical_id,
                key=self._audit_keys()[0],
                data={
                    "idempotency_key": key,
                    "target_system": item.target_system,
                    "operation": item.entity,
                    "remote_id": receipt.remote_id if receipt else None,
                    "written_at": receipt.written_at.isoformat() if receipt else None,
                    "reason": reason,
                },
            )
            return item

        return self._write(work)

    def outbox_item(self, key: str) -> OutboxItem | None:
        """One outbox item by idempotency key."""
        with self._read() as session:
            return session.get(OutboxItem, key)

    def receipt_for(self, key: str) -> Receipt | None:
        """The receipt of a write, if it landed."""
        with self._read() as session:
            return session.get(Receipt, key)

    def outbox_items(self, target_system: str, entity: str) -> list[OutboxItem]:
        """Every write owed to or made in a target for one operation, oldest first."""
        with self._read() as session:
            stmt = (
                select(OutboxItem)
                .where(OutboxItem.target_system == target_system, OutboxItem.entity == entity)
                .order_by(col(OutboxItem.created_at), col(OutboxItem.idempotency_key))
            )
            return list(session.exec(stmt))

    def landed_writes(
        self, target_system: str, entity: str, *, written_before: datetime | None = None
    ) -> list[tuple[Receipt, OutboxItem]]:
        """Writes that landed (receipt and the outbox item it settled), oldest first; with
        `written_before`, only those written earlier (e.g. messages old enough to remind)."""
        with self._read() as session:
            stmt = (
                select(Receipt, OutboxItem)
                .join(OutboxItem, col(OutboxItem.idempotency_key) == col(Receipt.idempotency_key))
                .where(Receipt.target_system == target_system, Receipt.entity == entity)
                .order_by(col(Receipt.written_at), col(Receipt.idempotency_key))
            )
            if written_before is not None:
                stmt = stmt.where(col(Receipt.written_at) < written_before)
            return [(receipt, item) for receipt, item in session.exec(stmt)]

    def iter_writes(
        self, target_system: str, entity: str, *, chunk_size: int = 1000
    ) -> Iterator[tuple[OutboxItem, Receipt | None]]:
        """Every write of one operation with its receipt (None: not landed), in key order,
        streamed `chunk_size` rows at a time from one query (as `verify_audit` reads the
        chain), so a reconciliation reads 100,000 payloads with flat memory."""
        stmt = (
            select(OutboxItem, Receipt)
            .outerjoin(Receipt, col(Receipt.idempotency_key) == col(OutboxItem.idempotency_key))
            .where(OutboxItem.target_system == target_system, OutboxItem.entity == entity)
            .order_by(col(OutboxItem.idempotency_key))
            .execution_options(yield_per=chunk_size)
        )
        with self._read() as session:
            yield from session.exec(stmt)

    # ----------------------------------------------------------------- dead letters

    def dead_letter(
        self,
        system: str,
        entity: str,
        record_id: str,
        reason: str,
        payload: Any,
        field: str | None = None,
        error_class: str | None = None,
    ) -> DeadLetter:
        """Park a record that cannot go on, with a reason naming it, so nothing else waits."""
        letter = Letter(system, entity, record_id, reason, payload, field, error_class)
        (parked,) = self.dead_letter_many([letter])
        return parked

    def dead_letter_many(self, letters: Sequence[Letter]) -> list[DeadLetter]:
        """`dead_letter` for several records in one transaction, in order."""
        rows = [
            DeadLetter(
                system=letter.system,
                entity=letter.entity,
                record_id=str(letter.record_id),
                field=letter.field,
                reason=letter.reason,
                payload=_safe_json(letter.payload),
                error_class=letter.error_class,
            )
            for letter in letters
        ]

        def work(session: Session) -> list[DeadLetter]:
            session.add_all(rows)
            return rows

        return self._write(work) if rows else []

    def dead_letters(self, open_only: bool = True) -> list[DeadLetter]:
        """Dead letters, oldest first; open ones are those not replayed yet."""
        stmt = select(DeadLetter).order_by(col(DeadLetter.id))
        if open_only:
            stmt = stmt.where(col(DeadLetter.replayed_at).is_(None))
        with self._read() as session:
            return list(session.exec(stmt))

    def mark_replayed(self, id: int) -> DeadLetter:
        """Close a dead letter after its record was sent through again."""

        def work(session: Session) -> DeadLetter:
            letter = session.get(DeadLetter, id, with_for_update=True)
            if letter is None:
                raise KeyError(f"no dead letter with id {id}")
            letter.replayed_at = utcnow()
            letter.replay_count += 1
            return letter

        return self._write(work)

    def renew_dead_letter(
        self, id: int, reason: str, *, field: str | None = None, error_class: str | None = None
    ) -> DeadLetter:
        """Keep a dead letter open with the reason its latest replay failed (a person reads
        why it fails now, not why it failed first)."""

        def work(session: Session) -> DeadLetter:
            letter = session.get(DeadLetter, id, with_for_update=True)
            if letter is None:
                raise KeyError(f"no dead letter with id {id}")
            letter.reason = reason
            letter.field = field
            letter.error_class = error_class
            return letter

        return self._write(work)

    # ----------------------------------------------------------------- human review

    def hold_review(self, hold: ReviewHold) -> tuple[ReviewHold, bool]:
        """Keep a result and its writes out of the outbox until a person decides.

        Holding the same result again returns the existing hold and False, whatever its state:
        a retried scoring run neither duplicates nor reopens a review.
        """

        def work(session: Session) -> tuple[ReviewHold, bool]:
            existing = session.get(ReviewHold, hold.result_id, with_for_update=True)
            if existing is not None:
                return existing, False
            session.add(hold)
            return hold, True

        return self._write(work)

    def review_hold(self, result_id: str) -> ReviewHold | None:
        """One review by result id, whatever its state."""
        with self._read() as session:
            return session.get(ReviewHold, result_id)

    def review_holds(self, status: str | None = ReviewStatus.PENDING.value) -> list[ReviewHold]:
        """Reviews in one state (None: all), longest waiting first."""
        stmt = select(ReviewHold).order_by(col(ReviewHold.held_at), col(ReviewHold.result_id))
        if status is not None:
            stmt = stmt.where(ReviewHold.status == status)
        with self._read() as session:
            return list(session.exec(stmt))

    def settle_review(
        self,
        result_id: str,
        *,
        status: ReviewStatus,
        by: str,
        reason: str,
        writes: Sequence[Mapping[str, Any]],
        final_result: Mapping[str, Any] | None,
        audit_data: Mapping[str, Any],
    ) -> tuple[ReviewHold, list[OutboxItem]]:
        """Record a person's decision, queue the writes it releases and audit it, in one
        transaction: no decision exists without its writes and its audit entry.

        Raises ReviewStateError for an unknown review or one already decided.
        """
        rows = list({row.idempotency_key: row for row in map(_outbox_row, writes)}.values())

        def work(session: Session) -> tuple[ReviewHold, list[OutboxItem]]:
            hold = session.get(ReviewHold, result_id, with_for_update=True)
            if hold is None:
                raise ReviewStateError(result_id, "no such review")
            if hold.status != ReviewStatus.PENDING.value:
                raise ReviewStateError(
                    result_id,
                    f"already decided ({hold.status} by {hold.decided_by} at "
                    f"{hold.decided_at.isoformat() if hold.decided_at else '?'}); "
                    "a decided review cannot be decided again",
                )
            items: list[OutboxItem] = []
            for row in rows:
                existing = session.get(OutboxItem, row.idempotency_key)
                if existing is None:
                    session.add(row)
                items.append(existing or row)
            now = utcnow()
            hold.status = status.value
            hold.decided_at = now
            hold.decided_by = by
            hold.decision_reason = reason
            hold.final_result = to_json_value(dict(final_result)) if final_result else None
            lock_for_append(session)
            append_entry(
                session,
                at=now,
                actor=by,
                action=f"review.{status.value}",
                subject=f"review:{result_id}",
                data=audit_data,
                key=self._audit_keys()[0],
            )
            return hold, items

        return self._write(work)

    # ----------------------------------------------------------------- audit

    def audit(
        self, actor: str, action: str, subject: str, data: Mapping[str, Any] | None = None
    ) -> AuditEntry:
        """Append to the hash-chained audit log (the only way to write it)."""

        key = self._audit_keys()[0]

        def work(session: Session) -> AuditEntry:
            lock_for_append(session)
            return append_entry(
                session,
                at=utcnow(),
                actor=actor,
                action=action,
                subject=subject,
                data=data,
                key=key,
            )

        return self._write(work)

    def audit_entries(self, since_seq: int = 0) -> list[AuditEntry]:
        """Entries after `since_seq`, in chain order."""
        stmt = (
            select(AuditEntry).where(col(AuditEntry.seq) > since_seq).order_by(col(AuditEntry.seq))
        )
        with self._read() as session:
            return list(session.exec(stmt))

    def verify_audit(self, anchor: AuditAnchor | None = None) -> AuditVerification:
        """Recompute the chain and its seals and name the first entry edited, deleted, moved
        or forged; with `anchor` (a head recorded earlier), also an end cut off."""
        stmt = select(AuditEntry).order_by(col(AuditEntry.seq)).execution_options(yield_per=1000)
        keys = self._audit_keys()
        with self._read() as session:
            return verify_chain(session.exec(stmt), anchor=anchor, keys=keys)

    def _audit_keys(self) -> list[bytes]:
        """The audit keys, current first: derived from the ledger keys (rotation keeps the
        old ones, so entries sealed before still verify)."""
        if self._audit_key_cache is None:
            self._audit_key_cache = [audit_key(k) for k in self.sealer.raw_keys]
        return self._audit_key_cache

    # ----------------------------------------------------------------- status

    def staged_remote_ids(self, source_system: str, entity: str) -> set[str]:
        """Remote ids staged from one system's entity: the hub side of a reconciliation."""
        with self._read() as session:
            rows = session.exec(
                select(StagedRecord.remote_id).where(
                    StagedRecord.source_system == source_system, StagedRecord.entity == entity
                )
            ).all()
        return set(rows)

    def staged_fields(
        self, entity: str, fields: Sequence[str], *, where: Mapping[str, str] | None = None
    ) -> list[tuple[str | None, ...]]:
        """Top-level payload fields of every staged record of `entity` (as text), optionally
        only where payload fields equal the given values; read in SQL, so a step can rank
        100,000 screening results without loading their payloads.

        A field sealed at rest (an employee's id_number) is read as stored and unsealed here,
        a string as it is and any other value as JSON text; SQL cannot match a sealed value,
        so `where` naming one raises ValueError."""
        sealed = sealed_fields(entity)
        for name in where or {}:
            if name in sealed:
                raise ValueError(
                    f"{entity} field {name!r} is sealed at rest (hrhub/ledger/sealing.py), so "
                    "SQL cannot match it: read the records (iter_staged) and compare them"
                )
        if sealed.intersection(fields):
            return self._sealed_fields(entity, fields, sealed, where or {})
        payload = col(StagedRecord.payload)
        stmt = select(*(payload[name].as_string() for name in fields)).where(
            StagedRecord.entity == entity
        )
        for name, value in (where or {}).items():
            stmt = stmt.where(payload[name].as_string() == value)
        with self._read() as session:
            rows = session.exec(stmt).all()
        # One column comes back as bare values, several as rows.
        return [(row,) for row in rows] if len(fields) == 1 else [tuple(row) for row in rows]

    def _sealed_fields(
        self, entity: str, fields: Sequence[str], sealed: frozenset[str], where: Mapping[str, str]
    ) -> list[tuple[str | None, ...]]:
        """`staged_fields` when some of `fields` are sealed: those are read as JSON (with the
        record id an error names) and unsealed in Python."""
        payload = col(StagedRecord.payload)
        columns = [payload[n] if n in sealed else payload[n].as_string() for n in fields]
        stmt = select(StagedRecord.canonical_id, *columns).where(StagedRecord.entity == entity)
        for name, value in where.items():
            stmt = stmt.where(payload[name].as_string() == value)
        with self._read() as session:
            rows = session.exec(stmt).all()
        found = []
        for record_id, *values in rows:
            stored = {n: v for n, v in zip(fields, values, strict=True) if n in sealed}
            plain = self.sealer.unseal(entity, stored, record_id=record_id)
            found.append(
                tuple(
                    _as_text(plain[n]) if n in sealed else v
                    for n, v in zip(fields, values, strict=True)
                )
            )
        return found

    def open_dead_letter_ids(self, system: str, entity: str) -> set[str]:
        """Record ids of one system's entity waiting in dead letters."""
        with self._read() as session:
            rows = session.exec(
                select(DeadLetter.record_id).where(
                    DeadLetter.system == system,
                    DeadLetter.entity == entity,
                    col(DeadLetter.replayed_at).is_(None),
                )
            ).all()
        return set(rows)

    def status(self) -> dict[str, Any]:
        """Counts for `hrhub ledger status`: JSON-ready, one read transaction."""
        with self._read() as session:
            return {
                "database": make_url(self.url).render_as_string(hide_password=True),
                "staged": _staged_counts(session),
                "outbox": _outbox_counts(session),
                "receipts": _count(session, Receipt),
                "dead_letters_open": session.exec(
                    select(func.count())
                    .select_from(DeadLetter)
                    .where(col(DeadLetter.replayed_at).is_(None))
                ).one(),
                "audit_entries": count_entries(session),
                "cursors": _cursor_rows(session),
            }

    def flow_counts(self) -> dict[str, Any]:
        """What the flow summary counts, aggregated by the database in one read transaction
        (a run of 100,000 candidates is never loaded): staged records per entity and stage,
        outbox items per target, operation and status, receipts per target and operation,
        open dead letters per (system, entity, error class) with one example reason, and
        reviews per status."""
        with self._read() as session:
            return {
                "staged": _staged_counts(session),
                "outbox": _outbox_by_operation(session),
                "receipts": _receipts_by_operation(session),
                "dead_letters": _dead_letter_groups(session),
                "reviews": _review_counts(session),
            }

    def write_tallies(self) -> list[dict[str, Any]]:
        """Per (target system, operation), where each owed write is, each counted once:
        `landed` (a receipt), else `dead_letters` (an open dead letter names it), else
        `pending` (queued or in flight), else `lost`, which the guarantee says is 0.

        Two aggregates, so no step compares every write with every dead letter: one over the
        outbox (with its receipt), one driven by the open dead letters (few, and each finds
        its write by key)."""
        landed = col(Receipt.idempotency_key).is_not(None)
        queued = col(OutboxItem.status).in_(
            [OutboxStatus.PENDING.value, OutboxStatus.IN_FLIGHT.value]
        )
        group = (col(OutboxItem.target_system), col(OutboxItem.entity))
        joined = select(
            OutboxItem.target_system,
            OutboxItem.entity,
            func.count(),
            func.coalesce(func.sum(case((landed, 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(~landed, queued), 1), else_=0)), 0),
        ).outerjoin(Receipt, col(Receipt.idempotency_key) == col(OutboxItem.idempotency_key))
        key = col(OutboxItem.idempotency_key)
        lettered = (
            select(
                OutboxItem.target_system,
                OutboxItem.entity,
                func.count(func.distinct(key)),
                func.count(func.distinct(case((queued, key)))),
            )
            .select_from(DeadLetter)
            .join(OutboxItem, key == col(DeadLetter.outbox_key))
            .outerjoin(Receipt, col(Receipt.idempotency_key) == key)
            .where(col(DeadLetter.replayed_at).is_(None), ~landed)
        )
        with self._read() as session:
            totals = list(session.exec(joined.group_by(*group).order_by(*group)))
            letters = {
                (target, op): (int(dead), int(dead_queued))
                for target, op, dead, dead_queued in session.exec(lettered.group_by(*group))
            }
        rows = []
        for target, operation, owed, n_landed, n_queued in totals:
            dead, dead_queued = letters.get((target, operation), (0, 0))
            pending = int(n_queued) - dead_queued
            rows.append(
                {
                    "target_system": target,
                    "operation": operation,
                    "owed": int(owed),
                    "landed": int(n_landed),
                    "dead_letters": dead,
                    "pending": pending,
                    "lost": int(owed) - int(n_landed) - dead - pending,
                }
            )
        return rows


# --------------------------------------------------------------------------- helpers


def _as_text(value: Any) -> str | None:
    """A payload value as `staged_fields` gives it: text, or JSON text for anything else."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


@dataclass(slots=True)
class _NewRow:
    """A staged row this batch inserts (the columns of `StagedRecord`)."""

    canonical_id: str
    entity: str
    source_system: str
    remote_id: str
    modified_at: datetime
    payload: dict[str, Any]
    payload_hash: str
    stage: str
    batch_id: str
    updated_at: datetime

    def columns(self, sealer: Sealer) -> dict[str, Any]:
        """Column values as stored, the payload sealed: a bulk INSERT bypasses the ORM events
        that seal (hrhub/ledger/sealed_rows.py). No deep copy of the payload, unlike `asdict`."""
        values = {name: getattr(self, name) for name in self.__slots__}
        values["payload"] = sealed_payload(sealer, self.entity, self.payload)
        return values


def _apply(
    rows: dict[str, StagedRecord | _NewRow], record: _Prepared, batch_id: str, now: datetime
) -> str:
    """Merge one input into the staged rows (a new one is a `_NewRow`); returns the outcome
    it counts as."""
    row = rows.get(record.canonical_id)
    if row is None:
        rows[record.canonical_id] = _NewRow(
            canonical_id=record.canonical_id,
            entity=record.entity,
            source_system=record.source_system,
            remote_id=record.remote_id,
            modified_at=record.modified_at,
            payload=record.payload,
            payload_hash=record.payload_hash,
            stage=EXTRACTED,
            batch_id=batch_id,
            updated_at=now,
        )
        return "inserted"
    if record.modified_at < row.modified_at:
        return "skipped_stale"
    if record.payload_hash == row.payload_hash:
        if record.modified_at == row.modified_at:
            return "skipped_same"
    else:
        row.payload = record.payload
        row.payload_hash = record.payload_hash
        row.stage = EXTRACTED  # changed content goes through the flow again
        row.batch_id = batch_id
    row.modified_at = record.modified_at
    row.remote_id = record.remote_id
    row.source_system = record.source_system
    row.entity = record.entity
    row.updated_at = now
    return "updated"


def _rejected_letter(record: StageInput, error: LedgerInputError) -> DeadLetter:
    return DeadLetter(
        system=str(record.source_system),
        entity=str(record.entity),
        record_id=error.record_id,
        field=error.field,
        reason=f"{record.entity} {error.record_id} from {record.source_system}: {error}",
        payload=_safe_json(record.payload),
        error_class=type(error).__name__,
    )


def _outbox_letter(
    item: OutboxItem,
    message: str,
    retriable: bool,
    field: str | None,
    error_class: str | None,
) -> DeadLetter:
    where = f", field {field!r}" if field else ""
    gave_up = f" (gave up after {item.attempts} attempts)" if retriable else ""
    return DeadLetter(
        system=item.target_system,
        entity=item.entity,
        record_id=item.canonical_id,
        field=field,
        reason=(
            f"{item.entity} {item.canonical_id} could not be written to "
            f"{item.target_system}{where}: {message}{gave_up}"
        ),
        payload=item.payload,
        error_class=error_class,
        outbox_key=item.idempotency_key,
    )


def _outbox_row(write: Mapping[str, Any]) -> OutboxItem:
    """A new outbox row for one released write, keyed as `Ledger.enqueue` keys it."""
    canonical_id = str(write["canonical_id"])
    try:
        clean = to_json_value(dict(write["payload"]))
    except JSONValueError as exc:
        raise LedgerInputError(canonical_id, exc.path, exc.problem) from exc
    digest = payload_hash(clean)
    return OutboxItem(
        idempotency_key=idempotency_key(
            write["target_system"], write["operation"], canonical_id, digest
        ),
        target_system=write["target_system"],
        entity=write["operation"],
        canonical_id=canonical_id,
        payload=clean,
        payload_hash=digest,
        mapping_version=write["mapping_version"],
    )


# Columns added to a table after ledgers were created with it: (table, column, SQL type). All
# nullable, so the rows written before stay valid; `create_all` adds what a ledger lacks.
_ADDED_COLUMNS = (
    ("ledger_outbox", "claimed_by", "TEXT"),
    ("ledger_audit", "seal", "VARCHAR(64)"),
)


def _add_missing_columns(conn: Connection) -> None:
    inspector = inspect(conn)
    for table, column, sql_type in _ADDED_COLUMNS:
        if column not in {c["name"] for c in inspector.get_columns(table)}:
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}"))


# Indexes a newer hrhub replaced: dropped from ledgers made before (each costs every write).
_SUPERSEDED_INDEXES = ("ix_ledger_staged_entity_stage",)


def _update_indexes(conn: Connection) -> None:
    """Give a ledger made by an older hrhub the indexes this one declares (`create_all`
    creates them only with a new table) and drop the ones they replace."""
    # IF NOT EXISTS, not reflection: reflection does not see SQLite's expression indexes.
    for table in LedgerBase.metadata.sorted_tables:
        for index in table.indexes:
            conn.execute(CreateIndex(index, if_not_exists=True))
    for index_name in _SUPERSEDED_INDEXES:
        conn.execute(text(f"DROP INDEX IF EXISTS {index_name}"))


def _locked_item(session: Session, key: str) -> OutboxItem:
    item = session.get(OutboxItem, key, with_for_update=True)
    if item is None:
        raise KeyError(f"no outbox item with idempotency key {key}")
    return item


def _count(session: Session, table: type[LedgerBase]) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def _staged_counts(session: Session) -> dict[str, dict[str, int]]:
    stmt = select(StagedRecord.entity, StagedRecord.stage, func.count()).group_by(
        col(StagedRecord.entity), col(StagedRecord.stage)
    )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for entity, stage, n in session.exec(stmt):
        counts[entity][stage] = n
    return {entity: dict(sorted(stages.items())) for entity, stages in sorted(counts.items())}


def _outbox_counts(session: Session) -> dict[str, int]:
    counts = {status.value: 0 for status in OutboxStatus}
    stmt = select(OutboxItem.status, func.count()).group_by(col(OutboxItem.status))
    for status, n in session.exec(stmt):
        counts[status] = n
    return counts


def _outbox_by_operation(session: Session) -> dict[str, dict[str, dict[str, int]]]:
    """target -> operation -> status -> count, every status present (0 if none)."""
    stmt = select(OutboxItem.target_system, OutboxItem.entity, OutboxItem.status, func.count())
    stmt = stmt.group_by(
        col(OutboxItem.target_system), col(OutboxItem.entity), col(OutboxItem.status)
    )
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for target, operation, status, n in session.exec(stmt):
        statuses = counts[target].setdefault(operation, {s.value: 0 for s in OutboxStatus})
        statuses[status] = n
    return {t: dict(sorted(ops.items())) for t, ops in sorted(counts.items())}


def _receipts_by_operation(session: Session) -> dict[str, dict[str, int]]:
    stmt = select(Receipt.target_system, Receipt.entity, func.count()).group_by(
        col(Receipt.target_system), col(Receipt.entity)
    )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for target, operation, n in session.exec(stmt):
        counts[target][operation] = n
    return {t: dict(sorted(ops.items())) for t, ops in sorted(counts.items())}


def _dead_letter_groups(session: Session) -> list[dict[str, Any]]:
    """Open dead letters per (system, entity, error class), most first, each with the reason
    of its oldest letter as the example a person reads."""
    stmt = (
        select(
            DeadLetter.system,
            DeadLetter.entity,
            DeadLetter.error_class,
            func.count(),
            func.min(DeadLetter.id),
        )
        .where(col(DeadLetter.replayed_at).is_(None))
        .group_by(col(DeadLetter.system), col(DeadLetter.entity), col(DeadLetter.error_class))
    )
    groups = list(session.exec(stmt))
    first_ids = [first for *_, first in groups]
    reasons: dict[int, str] = {}
    for start in range(0, len(first_ids), _CHUNK):
        chunk = first_ids[start : start + _CHUNK]
        found = select(DeadLetter.id, DeadLetter.reason).where(col(DeadLetter.id).in_(chunk))
        reasons.update((id_, reason) for id_, reason in session.exec(found))
    rows = [
        {
            "system": system,
            "entity": entity,
            "error_class": error_class,
            "count": n,
            "example": reasons.get(first, ""),
        }
        for system, entity, error_class, n, first in groups
    ]
    return sorted(
        rows, key=lambda r: (-r["count"], r["system"], r["entity"], r["error_class"] or "")
    )


def _review_counts(session: Session) -> dict[str, int]:
    counts = {status.value: 0 for status in ReviewStatus}
    stmt = select(ReviewHold.status, func.count()).group_by(col(ReviewHold.status))
    for status, n in session.exec(stmt):
        counts[status] = n
    return counts


def _cursor_rows(session: Session) -> list[dict[str, str]]:
    stmt = select(Cursor).order_by(col(Cursor.system), col(Cursor.stream))
    return [
        {
            "system": c.system,
            "stream": c.stream,
            "watermark": c.watermark,
            "updated_at": c.updated_at.isoformat(),
        }
        for c in session.exec(stmt)
    ]
