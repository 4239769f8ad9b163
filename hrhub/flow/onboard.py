"""onboard: a new hire's first week, from the attendance terminals back into the eHR.

HR judge how a new hire settles in from their first days' check-ins, and they look in the eHR,
not in the attendance system. This step finds the employees whose hire date lies in the last
`days` days (staged from the eHR), picks their punches of the first `days` days after that date
(staged from the attendance system, already de-duplicated across terminals), and queues them
as check-in records for the eHR through the outbox: idempotent per event, so running it every
day of the week re-sends nothing that landed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hrhub.flow.push import enqueue_writes
from hrhub.ledger import Ledger
from hrhub.models import DEFAULT_TIMEZONE

__all__ = ["CHECKIN_OPERATIONS", "CheckinSummary", "first_week_checkins"]

# The eHR operation that records check-ins, per product of the eHR connection.
CHECKIN_OPERATIONS = {"nc": "nc_checkin", "bip": "bip_checkin"}
_CHECKS = {"in", "out"}  # break and overtime punches are not check-ins


@dataclass
class CheckinSummary:
    target_system: str
    operation: str
    new_hires: int = 0
    punches: int = 0
    queued: int = 0
    dead_letters: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def first_week_checkins(
    *,
    ledger: Ledger,
    today: date,
    target_system: str = "yonyou",
    operation: str = "nc_checkin",
    days: int = 7,
    timezone: str = DEFAULT_TIMEZONE,
) -> CheckinSummary:
    """Queue the first-week check-ins of everyone hired in the `days` days up to `today`."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days!r}")
    zone = ZoneInfo(timezone)
    summary = CheckinSummary(target_system, operation)
    hired: dict[str, date] = {}
    for record in ledger.iter_staged("employee", source_system=target_system):
        code, start = record.payload.get("employee_code"), record.payload.get("hire_date")
        if code and start and today - timedelta(days=days) <= date.fromisoformat(start) <= today:
            hired[str(code)] = date.fromisoformat(start)
    summary.new_hires = len(hired)
    if not hired:
        return summary
    records = []
    for record in ledger.iter_staged("attendance_event"):
        payload = record.payload
        start = hired.get(str(payload.get("person_code")))
        if start is None or payload.get("direction") not in _CHECKS:
            continue
        day = datetime.fromisoformat(payload["punch_time"]).astimezone(zone).date()
        if start <= day < start + timedelta(days=days):
            records.append({**payload, "canonical_id": record.canonical_id})
    summary.punches = len(records)
    queued = enqueue_writes(target_system, operation, records, ledger=ledger)
    summary.queued, summary.dead_letters = queued.queued, queued.dead_letters
    return summary
