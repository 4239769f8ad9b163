"""Repair booked interviews after interviewers' busy time changed (new leave, a changed shift).

Only bookings that now clash move: a booking clashes when one of its interviewers has busy time
or another interview inside [start - buffer, end + buffer), or is no longer in the interviewer
list. Every other booking stays exactly as it was and keeps its place in the interviewers' free
time and daily load, so candidates who were not affected never get a second notice.

A clashing booking is moved, hardest first (fewest options, then interview id), to the slot
nearest its old time (earlier wins a tie) where the same interviewers are all free; failing that,
to the nearest slot with any eligible interviewers, the old ones preferred in the panel. Each move
carries a short reason naming interviewer ids and busy reasons only ("interviewer u123: leave"),
never names or times, because it goes into the candidate's notice.

`Interviewer.booked` must not contain the bookings being checked (they would clash with
themselves); it holds other interviews the hub does not move.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from hrhub.scheduling._inputs import ids_of, intervals_of, name_of
from hrhub.scheduling.calendar import to_us
from hrhub.scheduling.engine import Interviewer, Schedule, Slot, lowest_bit
from hrhub.scheduling.errors import SchedulingInputError
from hrhub.scheduling.intervals import Interval
from hrhub.scheduling.policy import Policy

__all__ = ["Booking", "Move", "RescheduleResult", "reschedule"]


@dataclass(frozen=True)
class Booking:
    """A booked interview: the candidate's `availability` (empty: any business time) and the
    interviewers `eligible` to take it over (empty: everyone) bound where it may move."""

    interview_id: str
    candidate_id: str
    slot: Slot
    availability: Sequence[Interval] = ()
    eligible: Sequence[str] = ()

    def __post_init__(self) -> None:
        owner = f"booking {name_of(self.interview_id, 'booking', 'interview_id')}"
        name_of(self.candidate_id, owner, "candidate_id")
        if not isinstance(self.slot, Slot):
            raise SchedulingInputError(owner, "slot", "expected a Slot")
        availability = intervals_of(self.availability, owner=owner, name="availability")
        object.__setattr__(self, "availability", availability)
        object.__setattr__(self, "eligible", ids_of(self.eligible, owner=owner, name="eligible"))


@dataclass(frozen=True)
class Move:
    """A booking moved to `new_slot`, and why (ids and busy reasons only)."""

    booking: Booking
    new_slot: Slot
    reason: str


@dataclass(frozen=True)
class RescheduleResult:
    """Bookings kept as they were, moved, and those that could not be placed again (why)."""

    kept: list[Booking]
    moved: list[Move]
    unplaceable: list[tuple[Booking, str]]


class _Clashes:
    """Each interviewer's busy time and other interviews, to test bookings against.

    Kept unmerged, so a reason names only what overlaps (not the off-shift time next to it).
    """

    def __init__(self, interviewers: Sequence[Interviewer], buffer: int) -> None:
        self.buffer = buffer
        self.known: dict[str, list[tuple[int, int, str]]] = {}
        for person in interviewers:
            items = [(item, item.reason or "busy") for item in person.busy]
            items += [(item, "another interview") for item in person.booked]
            self.known[person.id] = sorted(
                (to_us(item.start), to_us(item.end), reason) for item, reason in items
            )

    def reasons(self, slot: Slot) -> list[str]:
        """One "interviewer u1: leave" for each interviewer of `slot` who can no longer take it."""
        low, high = to_us(slot.start) - self.buffer, to_us(slot.end) + self.buffer
        out = []
        for name in slot.interviewer_ids:
            if name not in self.known:
                out.append(f"interviewer {name}: no longer available")
                continue
            found = set()
            for start, end, reason in self.known[name]:
                if start >= high:
                    break
                if low < end:
                    found.add(reason)
            if found:
                out.append(f"interviewer {name}: {', '.join(sorted(found))}")
        return out


def _nearest(mask: int, grid: list[int], target: int) -> int:
    """The set bit of `mask` whose grid start is nearest `target`; the earlier one on a tie."""
    at = bisect_right(grid, target - 1)  # first grid start >= target
    after = mask >> at
    later = at + lowest_bit(after) if after else None
    before = mask & ((1 << at) - 1)
    earlier = before.bit_length() - 1 if before else None
    if later is None:
        return earlier  # type: ignore[return-value]
    if earlier is None:
        return later
    return earlier if target - grid[earlier] <= grid[later] - target else later


def reschedule(
    bookings: Sequence[Booking], interviewers: Sequence[Interviewer], policy: Policy
) -> RescheduleResult:
    """Keep every booking that still fits; move the others; see the module docstring."""
    seen: set[str] = set()
    for booking in bookings:
        if booking.interview_id in seen:
            raise SchedulingInputError(f"booking {booking.interview_id}", "interview_id", "twice")
        seen.add(booking.interview_id)
    schedule = Schedule(interviewers, policy)
    clashes = _Clashes(interviewers, schedule.calendar.buffer)
    kept: list[Booking] = []
    touched: list[tuple[Booking, str]] = []
    for booking in bookings:
        reasons = clashes.reasons(booking.slot)
        if reasons:
            touched.append((booking, "; ".join(reasons)))
        else:
            kept.append(booking)
    for booking in kept:
        panel = [schedule.index[name] for name in booking.slot.interviewer_ids]
        schedule.book(panel, to_us(booking.slot.start), to_us(booking.slot.end))

    grid, duration = schedule.calendar.grid, schedule.calendar.duration
    size = policy.panel_size
    queue = []
    for booking, reason in touched:
        same = sorted(
            schedule.index[name] for name in booking.slot.interviewer_ids if name in schedule.index
        )
        names = booking.eligible or schedule.ids
        pool = sorted({*same, *(schedule.index[n] for n in names if n in schedule.index)})
        allowed = schedule.allowed(booking.availability)
        options = schedule.feasible(allowed, pool).bit_count()
        queue.append((options, booking.interview_id, booking, reason, same, pool, allowed))
    queue.sort(key=lambda item: (item[0], item[1]))

    moved: list[Move] = []
    unplaceable: list[tuple[Booking, str]] = []
    for _, _, booking, reason, same, pool, allowed in queue:
        target = to_us(booking.slot.start)
        panel: list[int] | None = None
        if len(same) == size == len(booking.slot.interviewer_ids):
            together = allowed
            for p in same:
                together &= schedule.masks[p]
            if together:
                bit = _nearest(together, grid, target)
                panel = same
        if panel is None:
            mask = schedule.feasible(allowed, pool)
            if not mask:
                unplaceable.append((booking, f"{reason}; no other free slot"))
                continue
            bit = _nearest(mask, grid, target)
            panel = schedule.choose(bit, pool, prefer=frozenset(same))
            assert panel is not None  # feasible guarantees enough free interviewers
        schedule.book(panel, grid[bit], grid[bit] + duration)
        moved.append(Move(booking, schedule.slot(bit, panel), reason))

    return RescheduleResult(
        kept=sorted(kept, key=lambda b: b.interview_id),
        moved=sorted(moved, key=lambda m: m.booking.interview_id),
        unplaceable=sorted(unplaceable, key=lambda item: item[0].interview_id),
    )
