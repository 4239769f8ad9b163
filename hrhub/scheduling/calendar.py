"""A policy turned into numbers: business time in the window and the grid of slot starts.

The engine works on integer microseconds since the epoch ("µs"): exact, and far cheaper to
compare and sort than aware datetimes. Every grid start is computed from its local wall time
with zoneinfo, so the grid stays on the wall clock even in zones with daylight saving time (on
the day clocks change, local times that do not exist are skipped and repeated ones are taken at
their first occurrence).

Each grid start g satisfies: g is local midnight + k * step; [g, g + duration) lies inside one
business period of its local day and inside the window. Grid starts are sorted, so "the starts
whose slot lies inside [a, b)" is one contiguous index range found by bisection.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from hrhub.scheduling.intervals import clip_spans, merge_spans
from hrhub.scheduling.policy import DAY, Policy

__all__ = ["EPOCH", "Calendar", "from_us", "to_us"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact)."""
    return (moment - EPOCH) // MICROSECOND


def from_us(us: int, zone: object = UTC) -> datetime:
    """The aware datetime `us` microseconds after the epoch, in `zone`."""
    return (EPOCH + timedelta(microseconds=us)).astimezone(zone)  # type: ignore[arg-type]


def range_mask(low: int, high: int) -> int:
    """Bits low..high-1 set."""
    return ((1 << (high - low)) - 1) << low if high > low else 0


class Calendar:
    """Business periods, grid starts and local days of one policy, in µs."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.zone = policy.zone
        self.duration = policy.duration // MICROSECOND
        self.buffer = policy.buffer // MICROSECOND
        self.window = (to_us(policy.window_start), to_us(policy.window_end))
        first = policy.window_start.astimezone(self.zone).date()
        last = (policy.window_end - MICROSECOND).astimezone(self.zone).date()
        self.days: list[date] = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        self.day_index = {day: index for index, day in enumerate(self.days)}
        periods: list[tuple[int, int]] = []
        starts: list[tuple[int, int]] = []
        for index, day in enumerate(self.days):
            bounds = [
                (
                    to_us(datetime.combine(day, start, self.zone)),
                    to_us(datetime.combine(day, end, self.zone)),
                )
                for start, end in policy.hours(day.weekday())
            ]
            periods.extend(clip_spans(bounds, *self.window))
            starts.extend((g, index) for g in self._starts(day, bounds))
        self.periods = merge_spans(periods)
        """Business time inside the window, sorted and merged."""
        starts.sort()
        self.grid: list[int] = [g for g, _ in starts]
        self.day_of: list[int] = [index for _, index in starts]
        self.all = range_mask(0, len(self.grid))
        self.day_masks: list[int] = [0] * len(self.days)
        for bit, index in enumerate(self.day_of):
            self.day_masks[index] |= 1 << bit

    def _starts(self, day: date, bounds: list[tuple[int, int]]) -> Iterator[int]:
        """Grid starts of `day` whose slot lies inside one of `bounds` and the window."""
        if not bounds:
            return
        low, high = self.window
        step, duration = self.policy.step, self.duration
        midnight = datetime.combine(day, time())
        for k in range(DAY // step):
            wall = (midnight + k * step).time()
            moment = datetime.combine(day, wall, self.zone)
            if moment.astimezone(UTC).astimezone(self.zone).time() != wall:
                continue  # skipped by a daylight-saving change: no such local time
            g = to_us(moment)
            end = g + duration
            if low <= g and end <= high and any(a <= g and end <= b for a, b in bounds):
                yield g

    def starts_within(self, spans: Iterable[tuple[int, int]]) -> int:
        """Mask of the grid starts whose whole slot lies inside one of `spans`."""
        grid, duration = self.grid, self.duration
        mask = 0
        for start, end in spans:
            low = bisect_left(grid, start)
            high = bisect_right(grid, end - duration)
            if high > low:
                mask |= ((1 << (high - low)) - 1) << low
        return mask

    def starts_touching(self, start: int, end: int) -> int:
        """Mask of the grid starts whose slot overlaps [start, end)."""
        low = bisect_right(self.grid, start - self.duration)
        high = bisect_left(self.grid, end)
        return range_mask(low, high)

    def day_of_us(self, us: int) -> int | None:
        """Index of the local day of `us` in the window's days, None outside them."""
        return self.day_index.get(from_us(us, self.zone).date())

    def slot_times(self, bit: int) -> tuple[datetime, datetime]:
        """Start and end of grid start `bit`, in the policy's time zone."""
        start = self.grid[bit]
        return from_us(start, self.zone), from_us(start + self.duration, self.zone)
