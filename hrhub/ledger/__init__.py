"""The hub's own store: cursors, staged records, outbox, receipts, dead letters, audit.

SQLite by default, PostgreSQL via HRHUB_DATABASE_URL. No Airflow or connector imports:
every step, the CLI and the web app can use it alike.
"""

from hrhub.ledger.audit import AuditVerification, entry_hash, verify_chain
from hrhub.ledger.store import (
    DEFAULT_LEASE,
    DEFAULT_MAX_ATTEMPTS,
    ENV_VAR,
    Ledger,
    Letter,
    StageInput,
    StageResult,
    create_ledger_engine,
    database_url,
    later_watermark,
    normalize_url,
)
from hrhub.ledger.tables import (
    EXTRACTED,
    GENESIS_HASH,
    LEDGER_TABLES,
    AuditEntry,
    Cursor,
    DeadLetter,
    JSONValueError,
    LedgerBase,
    LedgerInputError,
    OutboxItem,
    OutboxStatus,
    Receipt,
    StagedRecord,
    canonical_json,
    content_hash,
    idempotency_key,
    payload_hash,
)

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_MAX_ATTEMPTS",
    "ENV_VAR",
    "EXTRACTED",
    "GENESIS_HASH",
    "LEDGER_TABLES",
    "AuditEntry",
    "AuditVerification",
    "Cursor",
    "DeadLetter",
    "JSONValueError",
    "Ledger",
    "LedgerBase",
    "LedgerInputError",
    "Letter",
    "OutboxItem",
    "OutboxStatus",
    "Receipt",
    "StageInput",
    "StageResult",
    "StagedRecord",
    "canonical_json",
    "content_hash",
    "create_ledger_engine",
    "database_url",
    "entry_hash",
    "idempotency_key",
    "later_watermark",
    "normalize_url",
    "payload_hash",
    "verify_chain",
]
