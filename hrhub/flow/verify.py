"""Read back what the hub wrote: a landed write its target no longer holds is owed again.

A receipt says a write landed; it cannot say the record is still there. Someone may delete an
interview record in SuccessFactors or cancel an order in the room's console, and the target
then disagrees with the ledger without anyone being told. The daily reconciliation asks each
target, in bulk, which of the records the hub created are gone (`client.absent(operation,
remote_ids)`, offered by connectors for their `read_back_operations`), and re-opens the newest
write of each (`Ledger.reopen`: receipt removed, item pending, the facts in the audit log); the
push after it re-creates the record. Records a target owns (an application's status on SAP's
own record) and messages (a notice is never re-sent) are not read back; the result says which
operations were checked and which could not be.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from connectors._core.registry import get_connector
from hrhub.ledger import Ledger

log = logging.getLogger(__name__)

READ_BACK_CHUNK = 500  # remote ids per `absent` call


@dataclass
class VerifySummary:
    """One operation of one target: how many landed records were read back, how many were
    gone and re-opened, or why it could not be checked."""

    system: str
    operation: str
    landed: int = 0
    checked: int = 0
    absent: int = 0
    reopened: list[str] = field(default_factory=list)
    not_checked: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_target(
    system: str, client: Any, ledger: Ledger, *, flavor: str | None = None
) -> list[VerifySummary]:
    """Read back every operation of `system` (its product's operations, manifest order)."""
    spec = get_connector(system)
    flavor = flavor or spec.default_flavor
    readable = set(getattr(client, "read_back_operations", ()))
    landed = {
        (t["target_system"], t["operation"]): int(t["landed"]) for t in ledger.write_tallies()
    }
    summaries = []
    for op in spec.manifest.get("operations", []):
        if op.get("flavor") not in (None, flavor):
            continue
        name = op["name"]
        if name not in readable:
            summary = VerifySummary(system, name, landed=landed.get((system, name), 0))
            summary.not_checked = (
                f"{system} offers no read-back of {name} to hrhub (a record the system owns, "
                "a message, or no API to read it)"
            )
            summaries.append(summary)
            continue
        summaries.append(verify_operation(system, name, client, ledger))
    return summaries


def verify_operation(system: str, operation: str, client: Any, ledger: Ledger) -> VerifySummary:
    """Ask the target which landed records of one operation are gone; re-open the newest
    write of each (several writes of one record, e.g. an interview rescheduled, share it)."""
    summary = VerifySummary(system, operation)
    newest: dict[str, tuple[Any, str]] = {}  # remote id -> (written_at, idempotency key)
    for item, receipt in ledger.iter_writes(system, operation):
        if receipt is None:
            continue
        summary.landed += 1
        seen = newest.get(receipt.remote_id)
        if seen is None or receipt.written_at > seen[0]:
            newest[receipt.remote_id] = (receipt.written_at, item.idempotency_key)
    remote_ids = sorted(newest)
    for start in range(0, len(remote_ids), READ_BACK_CHUNK):
        chunk = remote_ids[start : start + READ_BACK_CHUNK]
        summary.checked += len(chunk)
        for remote_id in sorted(client.absent(operation, chunk)):
            key = newest[remote_id][1]
            reason = f"{system} no longer holds {remote_id} (read back by the reconciliation)"
            ledger.reopen(key, reason)
            summary.absent += 1
            summary.reopened.append(key)
    if summary.absent:
        log.warning(
            "%s.%s: %d of %d records gone from the target, re-opened for the next push",
            system,
            operation,
            summary.absent,
            summary.checked,
        )
    return summary
