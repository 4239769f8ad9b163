"""push: write results into a target system through the outbox, idempotently.

`enqueue_writes` maps canonical records with the operation's out-mapping and puts each payload
in the outbox under its idempotency key (target + operation + canonical id + payload hash), so
the same write is queued once however often a run is retried. `push` claims queued writes,
sends them in the connector's batches and settles each record by its own outcome: a receipt
for what landed, back to the queue for what the system may take later, dead letters (with the
system's message) for what it refused. Nothing else in the batch waits on a refused record.

Production gate. In production mode (`HRHUB_MODE=production`, or `production=True`) a write
whose mapping version no auditor approved (`hrhub mappings approve`) is not sent: it is held,
that is, its outbox item is dead and a dead letter (error class `MappingNotApproved`) names the
mapping file, its version and the command that approves it. The mapped payload stays in the
outbox, so nothing is lost; approving that version releases the held writes (`release_held`)
and the next push sends them. Both `enqueue_writes` (at once, so the operator sees it) and
`push` (for writes queued earlier in development mode, or before a revocation) apply it.
In development mode (the default) such writes go on and a warning is logged once per version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from connectors._core.errors import ConnectorError, RetriableError
from connectors._core.registry import get_connector
from hrhub.ledger import Ledger, OutboxItem, OutboxStatus
from hrhub.mapping import MappingError, load_mapping
from hrhub.mapping.approvals import NOT_APPROVED, ApprovalGate, out_mapping_key


@dataclass
class EnqueueSummary:
    target_system: str
    operation: str
    queued: int = 0
    dead_letters: int = 0  # includes `held`
    mapping_version: str = ""
    held: int = 0  # production mode, mapping version not approved: dead letters, releasable


@dataclass
class PushSummary:
    target_system: str
    claimed: int = 0
    landed: int = 0
    requeued: int = 0
    dead_letters: int = 0  # includes `held`
    held: int = 0  # production mode, mapping version not approved: dead letters, releasable

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def enqueue_writes(
    target_system: str,
    operation: str,
    records: Iterable[Mapping[str, Any]],
    *,
    ledger: Ledger,
    production: bool | None = None,
) -> EnqueueSummary:
    """Map canonical records (each with `canonical_id`) for `operation` and queue them.

    `production` (default: `$HRHUB_MODE`) holds the writes of an unapproved mapping version
    (see the module's docstring).
    """
    get_connector(target_system).operation(operation)  # unknown operations fail loudly
    mapping = load_mapping(target_system, operation, "out")
    summary = EnqueueSummary(target_system, operation, mapping_version=mapping.version)
    refusal = ApprovalGate.open(ledger, production).refusal(
        out_mapping_key(target_system, operation), mapping.version
    )
    mapped: list[tuple[str, dict[str, Any]]] = []
    for record in records:
        canonical_id = str(record["canonical_id"])
        try:
            mapped.append((canonical_id, mapping.apply(dict(record), record_id=canonical_id)))
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
    for item in ledger.enqueue_many(target_system, operation, mapped, mapping.version):
        if refusal is not None and _hold(ledger, item, refusal):
            summary.held += 1
            summary.dead_letters += 1
            continue
        summary.queued += 1
    return summary


def _hold(ledger: Ledger, item: OutboxItem, reason: str) -> bool:
    """Park a write of an unapproved mapping; False if it had already landed (nothing to do)."""
    if item.status == OutboxStatus.DONE.value:
        return False
    if item.status != OutboxStatus.DEAD.value:
        ledger.fail(item.idempotency_key, reason, retriable=False, error_class=NOT_APPROVED)
    return True


def release_held(ledger: Ledger, mapping_file: str, version: str) -> int:
    """Put back in the queue the writes held because `version` of `mapping_file` (an audit
    subject, `mappings/<system>/<file>`) was not approved; returns how many.

    Called once that version is approved: the writes it made wait for nothing else.
    """
    released = 0
    for letter in ledger.dead_letters(open_only=True):
        if letter.error_class != NOT_APPROVED or letter.outbox_key is None or letter.id is None:
            continue
        item = ledger.outbox_item(letter.outbox_key)
        if (
            item is None
            or item.mapping_version != version
            or out_mapping_key(item.target_system, item.entity) != mapping_file
        ):
            continue
        ledger.requeue(item.idempotency_key)
        ledger.mark_replayed(letter.id)
        released += 1
    return released


def push(
    target_system: str,
    *,
    client: Any,
    ledger: Ledger,
    limit: int = 1000,
    production: bool | None = None,
    claimant: str | None = None,
) -> PushSummary:
    """Send up to `limit` queued writes for `target_system` and settle every one of them.

    `production` (default: `$HRHUB_MODE`) holds the writes of an unapproved mapping version
    instead of sending them (see the module's docstring). `claimant` names the caller across
    its retries (see `Ledger.claim`): a retry also sends what its killed try held in flight.
    """
    summary = PushSummary(target_system)
    gate = ApprovalGate.open(ledger, production)
    items = ledger.claim(target_system, limit, claimant=claimant)
    summary.claimed = len(items)
    by_operation: dict[str, list[OutboxItem]] = defaultdict(list)
    for item in items:
        refusal = gate.refusal(
            out_mapping_key(item.target_system, item.entity), item.mapping_version
        )
        if refusal is not None:
            _hold(ledger, item, refusal)
            summary.held += 1
            summary.dead_letters += 1
            continue
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
        landed = [
            (item.idempotency_key, outcome.remote_id or "")
            for index, item in enumerate(group)
            if (outcome := settled.get(index)) is not None and outcome.ok
        ]
        ledger.complete_many(landed)  # the batch's receipts in one transaction
        summary.landed += len(landed)
        for index, item in enumerate(group):
            outcome = settled.get(index)
            if outcome is None:
                ledger.fail(item.idempotency_key, "no result for this record", retriable=True)
                summary.requeued += 1
            elif outcome.ok:
                continue  # its receipt is recorded above
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


def push_all(
    target_system: str,
    *,
    client: Any,
    ledger: Ledger,
    limit: int = 1000,
    production: bool | None = None,
    claimant: str | None = None,
) -> PushSummary:
    """`push` in rounds of `limit` until nothing more is owed now: a run sends all its writes,
    however many, with each round's memory bounded. A round that requeues any write (the
    system throttles, fails or is down) ends it: the rest wait for the next run rather than
    keeping a task busy against a system that refuses."""
    total = PushSummary(target_system)
    while True:
        done = push(
            target_system,
            client=client,
            ledger=ledger,
            limit=limit,
            production=production,
            claimant=claimant,
        )
        for name in ("claimed", "landed", "requeued", "dead_letters", "held"):
            setattr(total, name, getattr(total, name) + getattr(done, name))
        if not done.claimed or done.claimed < limit or done.requeued:
            return total
