"""notify: remind the people who have not read their invitation.

Invitations go out through the outbox like every write (`push`); a landed one has a receipt
whose remote id is `<task id>:<userid>`. After a configurable time this step asks DingTalk
who of each task has read it and queues a reminder (the same facts, template `reminder`) for
each reader who has not. The reminder's outbox key is derived from its content, so running
this step twice queues it once; `max_reminders` bounds how often one person is reminded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hrhub.ledger import Ledger, OutboxItem, Receipt

TARGET = "dingtalk"
OPERATION = "work_notification"


@dataclass
class RemindSummary:
    checked: int = 0
    read: int = 0
    reminded: int = 0
    still_sending: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def remind_unread(
    *,
    client: Any,
    ledger: Ledger,
    after: timedelta,
    now: datetime | None = None,
    remind_templates: tuple[str, ...] = ("invite",),
    max_reminders: int = 1,
) -> RemindSummary:
    """Queue a reminder for every invitation sent more than `after` ago and still unread.

    `client` is the DingTalk client (it offers `send_result(task_id)`); `push` sends what
    this queues.
    """
    summary = RemindSummary()
    cutoff = (now or datetime.now(UTC)) - after
    landed = ledger.landed_writes(TARGET, OPERATION, written_before=cutoff)
    reminders = _reminders_so_far(ledger)
    by_task: dict[int, list[tuple[str, Receipt, OutboxItem]]] = defaultdict(list)
    for receipt, item in landed:
        if item.payload.get("template") not in remind_templates:
            continue
        task, _, userid = receipt.remote_id.partition(":")
        if task.isdigit() and userid:
            by_task[int(task)].append((userid, receipt, item))
    for task_id, rows in by_task.items():
        result = client.send_result(task_id, wait=0)
        for userid, _receipt, item in rows:
            summary.checked += 1
            if userid in result.read:
                summary.read += 1
                continue
            if userid not in result.unread:
                summary.still_sending += int(not result.done)
                continue
            if reminders.get(item.canonical_id, 0) >= max_reminders:
                continue
            number = reminders.get(item.canonical_id, 0) + 1
            payload = {**item.payload, "template": "reminder", "reminder_no": number}
            ledger.enqueue(TARGET, OPERATION, item.canonical_id, payload, item.mapping_version)
            reminders[item.canonical_id] = number
            summary.reminded += 1
    return summary


def _reminders_so_far(ledger: Ledger) -> dict[str, int]:
    """Reminders already queued or sent, per notification (canonical id)."""
    counts: dict[str, int] = defaultdict(int)
    for item in ledger.outbox_items(TARGET, OPERATION):
        if item.payload.get("template") == "reminder":
            counts[item.canonical_id] += 1
    return counts
