"""push: write results into a target system through the outbox, idempotently.

`enqueue_writes` maps canonical records with the operation's out-mapping and puts each payload
in the outbox under its idempotency key (target + operation + canonical id + payload hash), so
the same write is queued once however often a run is retried. `push` claims queued writes,
sends them in the connector's batches and settles each record by its own outcome: a receipt
for what landed, back to the queue for what the system may take later, dead letters (with the
system's message) for what it refused. Nothing else in the batch waits on a refused record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from connectors._core.errors import ConnectorError, RetriableError
from connectors._core.registry import get_connector
from hrhub.ledger import Ledger, OutboxItem
from hrhub.mapping import MappingError, load_mapping


@dataclass
class EnqueueSummary:
    target_system: str
    operation: str
    queued: int = 0
    dead_letters: int = 0
    mapping_version: str = ""


@dataclass
class PushSummary:
    target_system: str
    claimed: int = 0
    landed: int = 0
    requeued: int = 0
    dead_letters: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def enqueue_writes(
    target_system: str,
    operation: str,
    records: Iterable[Mapping[str, Any]],
    *,
    ledger: Ledger,
) -> EnqueueSummary:
    """Map canonical records (each with `canonical_id`) for `operation` and queue them."""
    get_connector(target_system).operation(operation)  # unknown operations fail loudly
    mapping = load_mapping(target_system, operation, "out")
    summary = EnqueueSummary(target_system, operation, mapping_version=mapping.version)
    for record in records:
        canonical_id = str(record["canonical_id"])
        try:
            payload = mapping.apply(dict(record), record_id=canonical_id)
        except MappingError as exc:
            ledger.dead_letter(
                system=target_system,
                entity=operation,
                record_id=canonical_id,
                reason=str(exc),
                payload=dict(record),
                field=exc.field,
                error_class=type(exc).__name__,
            )
            summary.dead_letters += 1
            continue
        ledger.enqueue(target_system, operation, canonical_id, payload, mapping.version)
        summary.queued += 1
    return summary


def push(target_system: str, *, client: Any, ledger: Ledger, limit: int = 1000) -> PushSummary:
    """Send up to `limit` queued writes for `target_system` and settle every one of them."""
    summary = PushSummary(target_system)
    items = ledger.claim(target_system, limit)
    summary.claimed = len(items)
    by_operation: dict[str, list[OutboxItem]] = defaultdict(list)
    for item in items:
        by_operation[item.entity].append(item)
    for operation, group in by_operation.items():
        try:
            outcomes = client.write(operation, [dict(item.payload) for item in group])
        except ConnectorError as exc:
            # The call as a whole failed (system down, throttled, credentials): nothing is
            # known to have landed, so every record goes back to the queue; attempts are
            # bounded by the ledger, which dead-letters a record that never lands.
            for item in group:
                ledger.fail(
                    item.idempotency_key,
                    exc,
                    retriable=True,
                    retry_after=getattr(exc, "retry_after", None),
                )
            summary.requeued += len(group)
            if not isinstance(exc, RetriableError):
                raise
            continue
        settled = {outcome.index: outcome for outcome in outcomes}
        for index, item in enumerate(group):
            outcome = settled.get(index)
            if outcome is None:
                ledger.fail(item.idempotency_key, "no result for this record", retriable=True)
                summary.requeued += 1
            elif outcome.ok:
                ledger.complete(item.idempotency_key, outcome.remote_id or "")
                summary.landed += 1
            elif outcome.retriable:
                ledger.fail(
                    item.idempotency_key,
                    outcome.error,
                    retriable=True,
                    retry_after=getattr(outcome.error, "retry_after", None),
                )
                summary.requeued += 1
            else:
                ledger.fail(
                    item.idempotency_key,
                    outcome.error,
                    retriable=False,
                    field=getattr(outcome.error, "field", None),
                    error_class=type(outcome.error).__name__,
                )
                summary.dead_letters += 1
    return summary
