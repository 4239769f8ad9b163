"""Free interview slots by interval arithmetic: who can interview whom, and when.

Per interviewer the engine computes free time once::

    free = (business hours ∩ window) − merge(busy ∪ booked, each widened by the buffer)

and turns it into a bit mask over the policy's grid of slot starts (bit j set: the slot at grid
start j lies inside one free interval; found by bisecting the grid per free interval, not by
walking minutes). A request is then a handful of integer operations: the candidate's allowed
starts AND the OR of its eligible interviewers' masks. Booking splits the one free interval it
falls in and clears the starts it now blocks, so a planner never recomputes anything.

Rules and assumptions:
- the buffer keeps [start - buffer, end + buffer) clear of everything the interviewer has: other
  interviews, meetings, leave and the edges of the shift (preparation and notes happen in
  working time), so two interviews of one person are at least one buffer apart;
- an interviewer with no busy data is assumed free during business hours: the caller decides
  what "no shift known" means (the attendance connectors already mark such days off_shift);
- busy intervals that overlap are merged; a slot never crosses lunch or the end of business
  hours and always lies inside the candidate's availability (availability intervals that touch
  are one stretch);
- the daily limit counts an interviewer's interviews starting on that local day, existing ones
  included; the panel is the least-loaded free interviewers that day, then by id.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

from hrhub.scheduling._inputs import ids_of, intervals_of, name_of
from hrhub.scheduling.calendar import Calendar, from_us, to_us
from hrhub.scheduling.errors import SchedulingInputError
from hrhub.scheduling.intervals import Interval, merge_spans, subtract_spans
from hrhub.scheduling.policy import Policy

__all__ = ["Interviewer", "Schedule", "Slot", "SlotRequest", "free_slots"]


@dataclass(frozen=True)
class Interviewer:
    """A person who can interview: `busy` (off shift, leave, punches, meetings) and `booked`
    (existing interviews, which also count toward the daily limit). Items may be `Interval`s,
    connector dicts (``BusyInterval.as_dict()``) or objects with ``start``/``end``."""

    id: str
    busy: Sequence[Interval] = ()
    booked: Sequence[Interval] = ()

    def __post_init__(self) -> None:
        owner = f"interviewer {name_of(self.id, 'interviewer')}"
        object.__setattr__(self, "busy", intervals_of(self.busy, owner=owner, name="busy"))
        object.__setattr__(self, "booked", intervals_of(self.booked, owner=owner, name="booked"))


@dataclass(frozen=True)
class SlotRequest:
    """One candidate to schedule: empty `availability` means any business time in the
    window, empty `interviewer_ids` means every interviewer is eligible."""

    candidate_id: str
    availability: Sequence[Interval] = ()
    interviewer_ids: Sequence[str] = ()

    def __post_init__(self) -> None:
        owner = f"candidate {name_of(self.candidate_id, 'candidate')}"
        availability = intervals_of(self.availability, owner=owner, name="availability")
        object.__setattr__(self, "availability", availability)
        ids = ids_of(self.interviewer_ids, owner=owner, name="interviewer_ids")
        object.__setattr__(self, "interviewer_ids", ids)

    @classmethod
    def for_candidate(cls, candidate: Any, interviewer_ids: Sequence[str] = ()) -> SlotRequest:
        """From a canonical `Candidate` (its canonical_id and stated availability)."""
        return cls(candidate.canonical_id, tuple(candidate.availability), tuple(interviewer_ids))


@dataclass(frozen=True, order=True)
class Slot:
    """A proposed interview: [start, end) in the policy's time zone and its panel (by id)."""

    start: datetime
    end: datetime
    interviewer_ids: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        Interval.checked(self.start, self.end, owner="slot")
        ids = ids_of(self.interviewer_ids, owner="slot", name="interviewer_ids")
        object.__setattr__(self, "interviewer_ids", ids)


def _at_least(masks: Iterable[int], count: int, everything: int) -> int:
    """Bits set in at least `count` of `masks` (bit-sliced counting; count is small)."""
    if count == 1:
        union = 0
        for mask in masks:
            union |= mask
        return union
    levels = [everything] + [0] * count
    for mask in masks:
        for level in range(count, 0, -1):
            levels[level] |= levels[level - 1] & mask
    return levels[count]


def lowest_bit(mask: int) -> int:
    """Index of the lowest set bit of a non-zero mask."""
    return (mask & -mask).bit_length() - 1


class Schedule:
    """The engine's state: every interviewer's free time and load, updated as slots are booked.

    Interviewers are addressed by index (sorted by id) for speed; `index` maps ids to them.
    """

    def __init__(self, interviewers: Iterable[Interviewer], policy: Policy) -> None:
        self.policy = policy
        self.calendar = cal = Calendar(policy)
        people = sorted(interviewers, key=lambda person: person.id)
        for before, after in pairwise(people):
            if before.id == after.id:
                raise SchedulingInputError(f"interviewer {after.id}", "id", "given twice")
        self.ids: list[str] = [person.id for person in people]
        self.index: dict[str, int] = {name: n for n, name in enumerate(self.ids)}
        self.everyone: list[int] = list(range(len(people)))
        self._pools: dict[tuple[str, ...], list[int]] = {}
        self.free_starts: list[list[int]] = []
        self.free_ends: list[list[int]] = []
        self.masks: list[int] = []
        """Per interviewer: grid starts at which they are free and under the daily limit."""
        self.loads: list[list[int]] = []
        """Per interviewer, per window day: interviews starting that day."""
        pad = cal.buffer
        for person in people:
            blocked = merge_spans(
                (to_us(item.start) - pad, to_us(item.end) + pad)
                for item in (*person.busy, *person.booked)
            )
            free = subtract_spans(cal.periods, blocked)
            self.free_starts.append([start for start, _ in free])
            self.free_ends.append([end for _, end in free])
            load = [0] * len(cal.days)
            for item in person.booked:
                day = cal.day_of_us(to_us(item.start))
                if day is not None:
                    load[day] += 1
            mask = cal.starts_within(free)
            for day, count in enumerate(load):
                if count >= policy.daily_limit:
                    mask &= ~cal.day_masks[day]
            self.masks.append(mask)
            self.loads.append(load)

    # ----------------------------------------------------------------- requests

    def pool(self, request: SlotRequest) -> list[int]:
        """Indexes of the request's eligible interviewers; unknown ids are an input error.
        Each distinct list is resolved once: the candidates of one job share its panel."""
        if not request.interviewer_ids:
            return self.everyone
        pool = self._pools.get(request.interviewer_ids)
        if pool is not None:
            return pool
        unknown = [name for name in request.interviewer_ids if name not in self.index]
        if unknown:
            raise SchedulingInputError(
                f"candidate {request.candidate_id}",
                "interviewer_ids",
                f"unknown interviewer(s): {', '.join(sorted(unknown))}",
            )
        pool = self._pools[request.interviewer_ids] = sorted(
            self.index[name] for name in request.interviewer_ids
        )
        return pool

    def allowed(self, availability: Sequence[Interval]) -> int:
        """Grid starts whose slot lies in the availability (all of the grid if none given)."""
        if not availability:
            return self.calendar.all
        return self.calendar.starts_within(
            merge_spans((to_us(item.start), to_us(item.end)) for item in availability)
        )

    def feasible(self, allowed: int, pool: Sequence[int]) -> int:
        """Allowed starts at which at least panel_size of `pool` are free."""
        masks = self.masks
        return allowed & _at_least(
            (masks[p] for p in pool), self.policy.panel_size, self.calendar.all
        )

    def choose(
        self, bit: int, pool: Sequence[int], prefer: frozenset[int] = frozenset()
    ) -> list[int] | None:
        """The panel at grid start `bit`: `prefer`red first, then least-loaded that day, then
        id; None when fewer than panel_size are free."""
        flag = 1 << bit
        day = self.calendar.day_of[bit]
        masks, loads = self.masks, self.loads
        free = [p for p in pool if masks[p] & flag]
        if len(free) < self.policy.panel_size:
            return None
        free.sort(key=lambda p: (p not in prefer, loads[p][day], p))
        return free[: self.policy.panel_size]

    def slot(self, bit: int, panel: Iterable[int]) -> Slot:
        """The `Slot` of grid start `bit` with `panel`."""
        start, end = self.calendar.slot_times(bit)
        return Slot(start, end, tuple(sorted(self.ids[p] for p in panel)))

    def slots(self, request: SlotRequest) -> list[Slot]:
        """Every free slot of `request`, earliest first, each with its panel."""
        pool = self.pool(request)
        mask = self.feasible(self.allowed(request.availability), pool)
        out = []
        while mask:
            bit = lowest_bit(mask)
            mask ^= 1 << bit
            panel = self.choose(bit, pool)
            if panel is not None:
                out.append(self.slot(bit, panel))
        return out

    # ----------------------------------------------------------------- booking

    def book(self, panel: Iterable[int], start: int, end: int) -> None:
        """Book [start, end) µs for `panel`: split their free time, raise their load."""
        cal, pad = self.calendar, self.calendar.buffer
        low, high = start - pad, end + pad
        blocked = cal.starts_touching(low, high)
        day = cal.day_of_us(start)
        for p in panel:
            self._cut(p, low, high)
            mask = self.masks[p] & ~blocked
            if day is not None:
                self.loads[p][day] += 1
                if self.loads[p][day] >= self.policy.daily_limit:
                    mask &= ~cal.day_masks[day]
            self.masks[p] = mask

    def _cut(self, p: int, low: int, high: int) -> None:
        """Remove [low, high) from interviewer p's sorted free intervals (usually one split)."""
        starts, ends = self.free_starts[p], self.free_ends[p]
        first = bisect_right(ends, low)  # the first free interval ending after `low`
        last = first
        keep_starts: list[int] = []
        keep_ends: list[int] = []
        while last < len(starts) and starts[last] < high:
            if starts[last] < low:
                keep_starts.append(starts[last])
                keep_ends.append(low)
            if high < ends[last]:
                keep_starts.append(high)
                keep_ends.append(ends[last])
            last += 1
        if last > first:
            starts[first:last] = keep_starts
            ends[first:last] = keep_ends

    def free_time(self, interviewer_id: str) -> list[Interval]:
        """An interviewer's free business time in the window (buffers already taken off)."""
        p = self.index[interviewer_id]
        zone = self.calendar.zone
        return [
            Interval(from_us(start, zone), from_us(end, zone))
            for start, end in zip(self.free_starts[p], self.free_ends[p], strict=True)
        ]


def free_slots(
    request: SlotRequest, interviewers: Sequence[Interviewer], policy: Policy
) -> list[Slot]:
    """Every grid start where the candidate can be interviewed, earliest first.

    A slot [start, start + duration) lies in business hours, the candidate's availability and
    the window, and at least panel_size eligible interviewers are free for
    [start - buffer, end + buffer) and under their daily limit that day; the slot names them.
    """
    return Schedule(interviewers, policy).slots(request)
