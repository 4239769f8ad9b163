"""When a person cannot interview, from an attendance system's shifts, leave and punches.

DingTalk attendance and the attendance terminals' system both know these three things, so both
connectors turn them into busy intervals with the same rules. Pure functions over what a client
reads, so the rules are testable without a server:
- outside the planned shift (or all day without one) the person is off work;
- approved leave is busy;
- today, an off-duty punch before the planned end means they have left; no on-duty punch two
  hours into a shift (and no leave) means they are not in today.
Existing interviews are the hub's own knowledge and are added by the schedule step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

__all__ = ["CHINA", "BusyInterval", "Shift", "busy_intervals", "merge"]

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
ABSENT_AFTER = timedelta(hours=2)


@dataclass(frozen=True, order=True)
class BusyInterval:
    """[start, end) in which a person cannot be booked, and why."""

    start: datetime
    end: datetime
    reason: str  # off_shift | leave | left | absent

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "reason": self.reason}


@dataclass(frozen=True)
class Shift:
    """One person's planned working time on one day."""

    userid: str
    day: date
    on: datetime
    off: datetime


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), CHINA)
    return start, start + timedelta(days=1)


def busy_intervals(
    userids: Iterable[str],
    start: datetime,
    end: datetime,
    *,
    shifts: Iterable[Shift],
    leave: Iterable[tuple[str, datetime, datetime]],
    punches: Iterable[tuple[str, datetime, str]],
    now: datetime,
) -> dict[str, list[BusyInterval]]:
    """Busy intervals per user within [start, end), merged and sorted.

    `leave`: (userid, start, end); `punches`: (userid, time, "OnDuty" | "OffDuty").
    """
    users = list(dict.fromkeys(userids))
    by_user_day: dict[tuple[str, date], Shift] = {(s.userid, s.day): s for s in shifts}
    punched: dict[tuple[str, date], list[tuple[datetime, str]]] = defaultdict(list)
    for userid, when, check_type in punches:
        punched[(userid, when.astimezone(CHINA).date())].append((when, check_type))
    out: dict[str, list[BusyInterval]] = {u: [] for u in users}
    for userid, leave_start, leave_end in leave:
        if userid in out:
            out[userid].append(BusyInterval(leave_start, leave_end, "leave"))

    today = now.astimezone(CHINA).date()
    day = start.astimezone(CHINA).date()
    last = (end - timedelta(microseconds=1)).astimezone(CHINA).date()
    while day <= last:
        day_start, day_end = _day_bounds(day)
        for userid in users:
            shift = by_user_day.get((userid, day))
            if shift is None:
                out[userid].append(BusyInterval(day_start, day_end, "off_shift"))
                continue
            out[userid].append(BusyInterval(day_start, shift.on, "off_shift"))
            out[userid].append(BusyInterval(shift.off, day_end, "off_shift"))
            if day == today:
                out[userid].extend(_today(shift, punched.get((userid, day), []), out[userid], now))
        day += timedelta(days=1)
    return {u: merge(out[u], start, end) for u in users}


def _today(
    shift: Shift, punches: list[tuple[datetime, str]], known: list[BusyInterval], now: datetime
) -> list[BusyInterval]:
    on_leave = any(b.reason == "leave" and b.start < shift.off and b.end > shift.on for b in known)
    left = [t for t, kind in punches if kind == "OffDuty" and t < shift.off]
    if left:
        return [BusyInterval(min(left), shift.off, "left")]
    arrived = any(kind == "OnDuty" for _, kind in punches)
    if not arrived and not on_leave and now >= shift.on + ABSENT_AFTER:
        return [BusyInterval(shift.on, shift.off, "absent")]
    return []


def merge(intervals: Iterable[BusyInterval], start: datetime, end: datetime) -> list[BusyInterval]:
    """Clip to [start, end) and join overlapping or touching intervals (the first reason wins,
    except that leave and absence outrank off_shift, which is the least informative)."""
    rank = {"off_shift": 0, "left": 1, "absent": 2, "leave": 3}
    clipped = sorted(
        BusyInterval(max(b.start, start), min(b.end, end), b.reason)
        for b in intervals
        if b.end > start and b.start < end and b.end > b.start
    )
    merged: list[BusyInterval] = []
    for b in clipped:
        if merged and b.start <= merged[-1].end:
            last = merged[-1]
            reason = max(last.reason, b.reason, key=lambda r: rank.get(r, 0))
            merged[-1] = BusyInterval(last.start, max(last.end, b.end), reason)
        else:
            merged.append(b)
    return merged
