"""The rules a schedule is made under: window, business hours, length, buffers, limits.

One frozen value, validated up front, so a typo (a naive window, a step that does not divide a
day, lunch overlapping the morning) fails before any interviewer is booked, with the field named.

Business hours are wall-clock periods per weekday in the policy's time zone (Monday = 0). Two
periods that touch are one period (a slot may run across their boundary); periods with a gap
between them, such as the morning and the afternoon around lunch, never share a slot. Slot
starts lie on a grid of `step` counted from local midnight.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from hrhub.models import DEFAULT_TIMEZONE
from hrhub.scheduling.errors import SchedulingInputError

__all__ = ["DAY", "DayHours", "Policy", "WeekHours", "default_business_hours"]

DAY = timedelta(days=1)
OWNER = "policy"

DayHours = tuple[tuple[time, time], ...]
WeekHours = Mapping[int, Sequence[tuple[time, time]]]


def default_business_hours() -> dict[int, list[tuple[time, time]]]:
    """Monday to Friday 09:00-12:00 and 13:30-18:00; the weekend is closed."""
    return {day: [(time(9), time(12)), (time(13, 30), time(18))] for day in range(5)}


@dataclass(frozen=True)
class Policy:
    """Scheduling rules; `business_hours` is normalised to one sorted tuple per weekday."""

    window_start: datetime
    window_end: datetime
    timezone: str = DEFAULT_TIMEZONE
    business_hours: WeekHours | tuple[DayHours, ...] = field(default_factory=default_business_hours)
    duration: timedelta = timedelta(minutes=45)
    buffer: timedelta = timedelta(minutes=15)
    step: timedelta = timedelta(minutes=15)
    daily_limit: int = 4
    panel_size: int = 1

    def __post_init__(self) -> None:
        for name in ("window_start", "window_end"):
            value = getattr(self, name)
            if not isinstance(value, datetime):
                raise SchedulingInputError(OWNER, name, "expected a timezone-aware datetime")
            if value.tzinfo is None or value.utcoffset() is None:
                raise SchedulingInputError(
                    OWNER, name, f"naive datetime {value.isoformat()}; give an offset"
                )
        if self.window_end <= self.window_start:
            raise SchedulingInputError(OWNER, "window_end", "is not after window_start")
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            raise SchedulingInputError(
                OWNER, "timezone", f"unknown IANA time zone {self.timezone!r}"
            ) from None
        _positive(self.duration, "duration", maximum=DAY)
        _positive(self.step, "step", maximum=DAY)
        if DAY % self.step:
            raise SchedulingInputError(OWNER, "step", f"{self.step} does not divide a day")
        if not isinstance(self.buffer, timedelta) or self.buffer < timedelta(0):
            raise SchedulingInputError(OWNER, "buffer", "expected a timedelta >= 0")
        for name in ("daily_limit", "panel_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SchedulingInputError(OWNER, name, f"expected an integer >= 1, got {value!r}")
        object.__setattr__(self, "business_hours", _week(self.business_hours))

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The policy's time zone."""
        return zoneinfo.ZoneInfo(self.timezone)

    def hours(self, weekday: int) -> DayHours:
        """Business periods of `weekday` (Monday = 0), sorted, as (start, end) wall times."""
        return self.business_hours[weekday]  # type: ignore[index]


def _positive(value: Any, name: str, *, maximum: timedelta) -> None:
    if not isinstance(value, timedelta) or not timedelta(0) < value <= maximum:
        raise SchedulingInputError(OWNER, name, f"expected a timedelta in (0, {maximum}]")


def _week(hours: Any) -> tuple[DayHours, ...]:
    """Weekday -> periods as a 7-tuple of sorted periods, touching periods joined."""
    if isinstance(hours, Mapping):
        for key in hours:
            if isinstance(key, bool) or not isinstance(key, int) or not 0 <= key <= 6:
                raise SchedulingInputError(
                    OWNER, "business_hours", f"weekday {key!r} is not 0 (Monday) to 6 (Sunday)"
                )
        days = [hours.get(day, ()) for day in range(7)]
    elif isinstance(hours, Sequence) and len(hours) == 7:
        days = list(hours)
    else:
        raise SchedulingInputError(
            OWNER, "business_hours", "expected a mapping weekday -> [(start, end), ...]"
        )
    return tuple(_day(periods, day) for day, periods in enumerate(days))


def _day(periods: Any, weekday: int) -> DayHours:
    where = f"business_hours[{weekday}]"
    checked: list[tuple[time, time]] = []
    for index, period in enumerate(periods or ()):
        try:
            start, end = period
        except (TypeError, ValueError):
            raise SchedulingInputError(
                OWNER, f"{where}[{index}]", "expected a (start, end) pair of times"
            ) from None
        for value in (start, end):
            if not isinstance(value, time) or value.tzinfo is not None:
                raise SchedulingInputError(
                    OWNER, f"{where}[{index}]", "expected wall times without a time zone"
                )
        if end <= start:
            raise SchedulingInputError(
                OWNER, f"{where}[{index}]", f"end {end} is not after start {start}"
            )
        checked.append((start, end))
    checked.sort()
    joined: list[tuple[time, time]] = []
    for start, end in checked:
        if joined and start < joined[-1][1]:
            raise SchedulingInputError(
                OWNER, where, f"periods overlap: {joined[-1]} and {(start, end)}"
            )
        if joined and start == joined[-1][1]:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return tuple(joined)
