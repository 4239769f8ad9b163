"""Ledger tables and the pure helpers their keys and hashes are built from.

The tables live in their own SQLAlchemy registry so `create_all` touches only the ledger,
even when the database is shared with Airflow or other sqlmodel code.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import JSON, DateTime, Dialect, Index, String, Text, TypeDecorator
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import registry
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Field, SQLModel

GENESIS_HASH = "0" * 64
EXTRACTED = "extracted"


class OutboxStatus(StrEnum):
    """Life of one write: pending -> in_flight -> done, or dead after a fatal error."""

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    DEAD = "dead"


class LedgerInputError(ValueError):
    """Bad input for the ledger, naming the record and the field so a person can fix it."""

    def __init__(self, record_id: str, field: str, problem: str) -> None:
        self.record_id = record_id
        self.field = field
        self.problem = problem
        super().__init__(f"record {record_id!r}, field {field!r}: {problem}")


class ReviewStateError(ValueError):
    """A review asked for something its state forbids: deciding it twice, or an unknown one."""

    def __init__(self, result_id: str, problem: str) -> None:
        self.result_id = result_id
        self.problem = problem
        super().__init__(f"review of result {result_id!r}: {problem}")


class JSONValueError(ValueError):
    """A value JSON cannot carry, with the path to it (e.g. ``payload.scores[2]``)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def utcnow() -> datetime:
    """Aware UTC now: every time the ledger writes is UTC, whatever the host's zone."""
    return datetime.now(UTC)


def as_utc(value: datetime, *, record_id: str = "?", field: str = "modified_at") -> datetime:
    """Convert to aware UTC; a naive time is ambiguous across systems, so it is rejected."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise LedgerInputError(record_id, field, f"naive datetime {value.isoformat()} (no zone)")
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored as UTC and always read back aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value, field="timestamp")
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def to_json_value(value: Any, path: str = "payload") -> Any:
    """Normalise to plain JSON, so what is stored is exactly what was hashed.

    Raises JSONValueError naming the path of the first value JSON cannot carry (NaN, bytes...).
    """
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise JSONValueError(path, f"{value!r} is not a JSON number")
        return value
    if isinstance(value, dict):
        return {_json_key(k, path): to_json_value(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return _json_scalar(value, path)


def _json_key(key: Any, path: str) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, int | Enum):
        return str(key.value if isinstance(key, Enum) else key)
    raise JSONValueError(path, f"key {key!r} is not a string")


def _json_scalar(value: Any, path: str) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return to_json_value(value.value, path)
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(to_json_value(v, f"{path}[]") for v in value)
    if hasattr(value, "model_dump"):
        return to_json_value(value.model_dump(mode="json"), path)
    raise JSONValueError(path, f"{type(value).__name__} value is not JSON-serialisable")


def canonical_json(value: Any) -> str:
    """One spelling per value (sorted keys, no whitespace) so equal data hashes equal."""
    return json.dumps(
        to_json_value(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def sha256_hex(text: str) -> str:
    """Hex sha256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def payload_hash(payload: Any) -> str:
    """Content hash of a payload: detects real changes regardless of key order."""
    return sha256_hex(canonical_json(payload))


# Parts of a canonical record that say when or how it was sent, not what it says.
VOLATILE_KEYS = frozenset({"modified_at", "raw"})


def content_hash(payload: Mapping[str, Any]) -> str:
    """Hash of what a staged record says, without its volatile parts.

    SuccessFactors' effective-dated reads (and other systems' touch-on-read) return records
    whose lastModifiedDateTime moved while nothing else changed; comparing content hashes keeps
    such a record where it is in the flow instead of sending it through again.
    """
    return payload_hash({k: v for k, v in payload.items() if k not in VOLATILE_KEYS})


def idempotency_key(target_system: str, entity: str, canonical_id: str, payload_hash: str) -> str:
    """Key of one write: the same content to the same record is the same write, once."""
    return sha256_hex(canonical_json([target_system, entity, canonical_id, payload_hash]))


_JSON_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class JsonText(ColumnElement[str]):
    """A top-level field of a JSON column as text, its key written into the SQL.

    SQLAlchemy's `column["key"].as_string()` sends the key as a bound parameter, and no
    database matches a parameter against an expression index; this spells the key out, the
    same way in the index and in every query, so the index on it is used."""

    inherit_cache = True
    type = String()
    _traverse_internals: ClassVar[list[tuple[str, Any]]] = [
        ("column", InternalTraversal.dp_clauseelement),
        ("key", InternalTraversal.dp_string),
    ]

    def __init__(self, column: Any, key: str) -> None:
        if not _JSON_KEY.fullmatch(key):
            raise ValueError(f"JSON key {key!r} is not an identifier")
        self.column = coercions.expect(roles.ExpressionElementRole, column)
        self.key = key

    @property
    def _from_objects(self) -> list[Any]:
        return self.column._from_objects


@compiles(JsonText, "postgresql")
def _json_text_postgresql(element: JsonText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.column, **kw)} ->> '{element.key}')"


@compiles(JsonText)
def _json_text(element: JsonText, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite's spelling (the ledger runs on SQLite or PostgreSQL)."""
    return f"json_extract({compiler.process(element.column, **kw)}, '$.{element.key}')"


class LedgerBase(SQLModel, registry=registry()):
    """Base of the ledger tables, with a metadata of their own."""


class Cursor(LedgerBase, table=True):
    """Incremental-extract watermark per source system and stream."""

    __tablename__: ClassVar[str] = "ledger_cursor"

    system: str = Field(primary_key=True, max_length=64)
    stream: str = Field(primary_key=True, max_length=128)
    watermark: str = Field(sa_type=Text)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StagedRecord(LedgerBase, table=True):
    """A canonical record as last extracted, and the flow stage it has reached."""

    __tablename__: ClassVar[str] = "ledger_staged_record"
    # Indexes: after the class (one is on a payload field, which needs the column).

    canonical_id: str = Field(primary_key=True, max_length=255)
    entity: str = Field(max_length=64)
    source_system: str = Field(max_length=64)
    remote_id: str = Field(max_length=255)
    modified_at: datetime = Field(sa_type=UTCDateTime)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    payload_hash: str = Field(max_length=64)
    stage: str = Field(default=EXTRACTED, max_length=64)
    batch_id: str = Field(max_length=128)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutboxItem(LedgerBase, table=True):
    """One write owed to a target system; the key makes retries and replays harmless."""

    __tablename__: ClassVar[str] = "ledger_outbox"
    __table_args__ = (Index("ix_ledger_outbox_claim", "target_system", "status", "created_at"),)

    idempotency_key: str = Field(primary_key=True, max_length=64)
    target_system: str = Field(max_length=64)
    entity: str = Field(max_length=64)
    canonical_id: str = Field(max_length=255)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    payload_hash: str = Field(max_length=64)
    mapping_version: str = Field(max_length=128)
    status: str = Field(default=OutboxStatus.PENDING.value, max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    # Not claimed again before this time: the system said when a retry can help (a daily
    # message quota resets at midnight, a ban lifts after five minutes).
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Who claimed it last (an Airflow task instance, the same name across its tries), so a
    # retry takes back what its killed try held in flight without waiting out the lease.
    claimed_by: str | None = Field(default=None, sa_type=Text)


class Receipt(LedgerBase, table=True):
    """Proof a write landed: which remote record, which mapping version, when."""

    __tablename__: ClassVar[str] = "ledger_receipt"

    idempotency_key: str = Field(primary_key=True, max_length=64)
    target_system: str = Field(max_length=64)
    entity: str = Field(max_length=64)
    canonical_id: str = Field(max_length=255, index=True)
    remote_id: str = Field(max_length=255)
    mapping_version: str = Field(max_length=128)
    written_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeadLetter(LedgerBase, table=True):
    """A record that could not go on, with a reason a person can act on; replayable."""

    __tablename__: ClassVar[str] = "ledger_dead_letter"

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=64)
    entity: str = Field(max_length=64)
    record_id: str = Field(max_length=255)
    field: str | None = Field(default=None, max_length=255)
    reason: str = Field(sa_type=Text)
    payload: dict[str, Any] | list[Any] | None = Field(default=None, sa_type=JSON)
    error_class: str | None = Field(default=None, max_length=128)
    outbox_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    replayed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    replay_count: int = 0


class AuditEntry(LedgerBase, table=True):
    """Append-only, hash-chained log entry: who did what to which subject, and when."""

    __tablename__: ClassVar[str] = "ledger_audit"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=255)
    action: str = Field(max_length=128)
    subject: str = Field(sa_type=Text)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    prev_hash: str = Field(sa_type=String(64))
    hash: str = Field(sa_type=String(64))
    # HMAC of `hash` under the audit key (hrhub/ledger/audit.py); None before the ledger had one.
    seal: str | None = Field(default=None, sa_type=String(64))


class ReviewStatus(StrEnum):
    """Where a held result stands: waiting for a person, or what that person decided."""

    PENDING = "pending"
    APPROVED = "approved"
    CHANGED = "changed"
    REJECTED = "rejected"


class ReviewHold(LedgerBase, table=True):
    """A result a person must confirm, and the writes it would make, kept out of the outbox.

    The writes wait here, not in the outbox, so no push can send them before the decision;
    approving or changing the result moves them to the outbox in the same transaction.
    """

    __tablename__: ClassVar[str] = "ledger_review"

    result_id: str = Field(primary_key=True, max_length=255)
    candidate_id: str = Field(max_length=255)
    proposed_decision: str = Field(max_length=16)
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    result: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # Each: target_system, operation, canonical_id, payload, mapping_version.
    writes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default=ReviewStatus.PENDING.value, max_length=16, index=True)
    held_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=255)
    decision_reason: str | None = Field(default=None, sa_type=Text)
    final_result: dict[str, Any] | None = Field(default=None, sa_type=JSON)


# Records of an entity at a stage (the flow's batches), and per requisition: the status
# page's counts for a recruiter read the applications of their requisitions from this index
# instead of every application's payload.
Index(
    "ix_ledger_staged_entity_stage_job",
    StagedRecord.entity,  # type: ignore[arg-type]
    StagedRecord.stage,  # type: ignore[arg-type]
    JsonText(StagedRecord.payload, "job_id"),
)
# An entity's records in id order, a page at a time (the candidates list): written only when
# a record is first staged, as neither column ever changes.
Index("ix_ledger_staged_entity_id", StagedRecord.entity, StagedRecord.canonical_id)  # type: ignore[arg-type]
# The status page's throughput chart: records staged per hour of the last day.
Index("ix_ledger_staged_updated_at", StagedRecord.updated_at)  # type: ignore[arg-type]


class ErasedSubject(LedgerBase, table=True):
    """The tombstone of a candidate erased from the hub (the right to erasure): no personal
    data, only ids and what is left to do.

    `targets` are the records in other systems the erasure asked about, each with the system's
    last answer: {system, kind, remote_id, status (pending, erased, not_found, manual, failed),
    detail, attempts, updated_at}. A target still pending or failed is asked again by the next
    erasure call; `completed_at` is set once none is."""

    __tablename__: ClassVar[str] = "ledger_erased_subject"

    subject_id: str = Field(primary_key=True, max_length=255)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    requested_by: str = Field(max_length=255)
    erased_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # ledger part
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed: dict[str, int] = Field(default_factory=dict, sa_type=JSON)  # per table, all runs
    targets: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    # Writes in flight when the ledger part ran (a push holds their payload): their payloads
    # are wiped and the rows kept until the push settles them; the next call removes them.
    in_flight: int = 0


class ErasedRecord(LedgerBase, table=True):
    """One record an erasure removed, by its key: extract skips these (and anything naming an
    erased candidate), so a source that still holds the person does not bring them back."""

    __tablename__: ClassVar[str] = "ledger_erased_record"

    canonical_id: str = Field(primary_key=True, max_length=255)
    subject_id: str = Field(max_length=255, index=True)
    source_system: str = Field(max_length=64)
    entity: str = Field(max_length=64)
    remote_id: str = Field(max_length=255)


LEDGER_TABLES = (
    Cursor,
    StagedRecord,
    OutboxItem,
    Receipt,
    DeadLetter,
    AuditEntry,
    ReviewHold,
    ErasedSubject,
    ErasedRecord,
)
