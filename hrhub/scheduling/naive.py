"""The reference: the naive pairwise check a hand-written scheduling DAG does.

For every grid start in the window (every `step` from local midnight, day after day) it checks
the candidate's slot against business hours, the candidate's availability and then every busy
interval and every booked interview of every eligible interviewer, one by one, on datetimes.
Nothing is precomputed or indexed, which is the point: it is short enough to be obviously right,
so the tests use it as the oracle for the engine, and the benchmark as the engine's peer.

Same rules as the engine (see `hrhub.scheduling.engine`), stated directly: the interviewer must
have nothing in [start - buffer, end + buffer) and fewer than daily_limit interviews starting
that local day; the panel is the least-loaded free interviewers, then by id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from hrhub.scheduling.engine import Interviewer, Slot, SlotRequest
from hrhub.scheduling.errors import SchedulingInputError
from hrhub.scheduling.intervals import Interval, merge
from hrhub.scheduling.planner import TAKEN, Plan
from hrhub.scheduling.policy import DAY, Policy

__all__ = ["naive_free_slots", "naive_plan"]

NO_SLOT = "no free slot"


def _days(policy: Policy) -> Iterator[date]:
    zone = policy.zone
    day = policy.window_start.astimezone(zone).date()
    last = (policy.window_end - timedelta(microseconds=1)).astimezone(zone).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def _slots(
    request: SlotRequest,
    interviewers: Sequence[Interviewer],
    policy: Policy,
    extra: Mapping[str, list[Interval]],
    *,
    first_only: bool = False,
) -> list[Slot]:
    zone = policy.zone
    by_id = {person.id: person for person in interviewers}
    eligible = list(request.interviewer_ids) or sorted(by_id)
    unknown = sorted(name for name in eligible if name not in by_id)
    if unknown:
        raise SchedulingInputError(
            f"candidate {request.candidate_id}",
            "interviewer_ids",
            f"unknown interviewer(s): {', '.join(unknown)}",
        )
    availability = merge(request.availability)
    found: list[Slot] = []
    for day in _days(policy):
        midnight = datetime.combine(day, datetime.min.time())
        for k in range(DAY // policy.step):
            wall = (midnight + k * policy.step).time()
            start = datetime.combine(day, wall, zone).astimezone(UTC)
            if start.astimezone(zone).time() != wall:
                continue  # no such local time that day (daylight saving)
            end = start + policy.duration
            if start < policy.window_start or end > policy.window_end:
                continue
            in_hours = False
            for open_at, close_at in policy.hours(day.weekday()):
                opens = datetime.combine(day, open_at, zone)
                closes = datetime.combine(day, close_at, zone)
                if opens <= start and end <= closes:
                    in_hours = True
            if not in_hours:
                continue
            if availability and not any(a.start <= start and end <= a.end for a in availability):
                continue
            low, high = start - policy.buffer, end + policy.buffer
            free: list[tuple[int, str]] = []
            for name in eligible:
                person = by_id[name]
                booked = [*person.booked, *extra.get(name, ())]
                clash = False
                for item in (*person.busy, *booked):
                    if item.start < high and low < item.end:
                        clash = True
                        break
                if clash:
                    continue
                load = 0
                for item in booked:
                    if item.start.astimezone(zone).date() == day:
                        load += 1
                if load >= policy.daily_limit:
                    continue
                free.append((load, name))
            if len(free) >= policy.panel_size:
                free.sort()
                panel = tuple(sorted(name for _, name in free[: policy.panel_size]))
                found.append(Slot(start.astimezone(zone), end.astimezone(zone), panel))
                if first_only:
                    return found
    return found


def naive_free_slots(
    request: SlotRequest, interviewers: Sequence[Interviewer], policy: Policy
) -> list[Slot]:
    """Every free slot of `request`, earliest first, found by checking every pair."""
    return _slots(request, interviewers, policy, {})


def naive_plan(
    requests: Sequence[SlotRequest], interviewers: Sequence[Interviewer], policy: Policy
) -> Plan:
    """The planner's greedy (fewest options first, ties by id, earliest slot) on the naive
    check: options counted by a full pass, each booking by a pass up to the first free slot."""
    seen: set[str] = set()
    unplaced: dict[str, str] = {}
    queue: list[tuple[int, str, SlotRequest]] = []
    for request in requests:
        if request.candidate_id in seen:
            raise SchedulingInputError(
                f"candidate {request.candidate_id}", "candidate_id", "requested twice"
            )
        seen.add(request.candidate_id)
        try:
            options = len(_slots(request, interviewers, policy, {}))
        except SchedulingInputError as exc:
            unplaced[request.candidate_id] = exc.problem
            continue
        queue.append((options, request.candidate_id, request))
    queue.sort(key=lambda item: (item[0], item[1]))
    extra: dict[str, list[Interval]] = defaultdict(list)
    assignments: dict[str, Slot] = {}
    for options, candidate_id, request in queue:
        if not options:
            unplaced[candidate_id] = NO_SLOT
            continue
        found = _slots(request, interviewers, policy, extra, first_only=True)
        if not found:
            unplaced[candidate_id] = TAKEN
            continue
        slot = found[0]
        assignments[candidate_id] = slot
        for name in slot.interviewer_ids:
            extra[name].append(Interval(slot.start, slot.end))
    return Plan(
        assignments={key: assignments[key] for key in sorted(assignments)},
        unplaced={key: unplaced[key] for key in sorted(unplaced)},
    )
