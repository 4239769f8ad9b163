"""Small random scheduling worlds for the property tests, and the checks they share.

A world is one or two days, a few interviewers with random busy time and existing interviews
(given in mixed UTC offsets, so time zones are exercised everywhere), a policy with random
duration, buffer, limit and panel size, and a few candidates with random availability. Times
are on a 5-minute grid so that clashes at the exact buffer edge happen often.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone

from hypothesis import strategies as st

from hrhub.scheduling import (
    Interval,
    Interviewer,
    Policy,
    Slot,
    SlotRequest,
    default_business_hours,
)

SHANGHAI = timezone(timedelta(hours=8))
OFFSETS = [UTC, SHANGHAI, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))]
MONDAY = datetime(2026, 6, 1, tzinfo=SHANGHAI)
# The Saturday before Europe's clocks go forward (Sunday 29 March 2026, 02:00 -> 03:00).
DST_SATURDAY = datetime(2026, 3, 28, tzinfo=timezone(timedelta(hours=1)))
ALL_WEEK_WITH_NIGHT = {day: [(time(0), time(2, 30)), (time(3), time(23, 45))] for day in range(7)}
LONG_DAYS = {day: [(time(8), time(20))] for day in range(6)}


@dataclass(frozen=True)
class World:
    policy: Policy
    interviewers: list[Interviewer]
    requests: list[SlotRequest]


@st.composite
def intervals(draw: st.DrawFn, base: datetime, span_minutes: int, most: int) -> list[Interval]:
    """Up to `most` intervals of 5-180 minutes within `span_minutes` of `base`, mixed zones."""
    out = []
    for _ in range(draw(st.integers(0, most))):
        start = draw(st.integers(0, span_minutes // 5)) * 5
        length = draw(st.integers(1, 36)) * 5
        zone = draw(st.sampled_from(OFFSETS))
        begin = (base + timedelta(minutes=start)).astimezone(zone)
        reason = draw(st.sampled_from(["off_shift", "leave", "left", "absent", "meeting", ""]))
        out.append(Interval(begin, begin + timedelta(minutes=length), reason))
    return out


@st.composite
def worlds(draw: st.DrawFn, max_interviewers: int = 4, max_requests: int = 4) -> World:
    dst = draw(st.integers(0, 4)) == 0  # a fifth of the worlds span a daylight-saving change
    base = DST_SATURDAY if dst else MONDAY
    days = 2 if dst else draw(st.integers(1, 2))
    late_start = draw(st.sampled_from([0, 0, 0, 10 * 60 + 5]))  # sometimes mid-morning
    policy = Policy(
        window_start=base + timedelta(minutes=late_start),
        window_end=base + timedelta(days=days),
        timezone="Europe/Berlin" if dst else "Asia/Shanghai",
        business_hours=ALL_WEEK_WITH_NIGHT
        if dst
        else draw(st.sampled_from([default_business_hours(), LONG_DAYS])),
        duration=timedelta(minutes=draw(st.sampled_from([30, 45, 60]))),
        buffer=timedelta(minutes=draw(st.sampled_from([0, 10, 15]))),
        step=timedelta(minutes=draw(st.sampled_from([15, 30]))),
        daily_limit=draw(st.integers(1, 3)),
        panel_size=draw(st.sampled_from([1, 1, 2])),
    )
    span = days * 24 * 60
    people = 0 if draw(st.integers(0, 9)) == 0 else draw(st.integers(1, max_interviewers))
    ids = [f"u{n}" for n in range(people)]
    interviewers = [
        Interviewer(
            name,
            busy=draw(intervals(base, span, 5)),
            booked=[
                Interval(item.start, item.start + policy.duration)
                for item in draw(intervals(base, span, 2))
            ],
        )
        for name in ids
    ]
    requests = []
    for n in range(draw(st.integers(1, max(1, max_requests)))):
        pool = (
            draw(st.lists(st.sampled_from(ids), unique=True)) if ids and draw(st.booleans()) else []
        )
        # Availability mostly in the daytime, long enough for slots to fit often.
        availability = [
            Interval(a.start, a.end + timedelta(hours=3))
            for day in range(days)
            for a in draw(intervals(base + timedelta(days=day, hours=8), 9 * 60, 2))
        ]
        requests.append(SlotRequest(f"c{n}", availability, pool))
    return World(policy, interviewers, requests)


def utc(slot: Slot) -> tuple[datetime, datetime]:
    """Start and end in UTC: Python compares and subtracts datetimes sharing a tzinfo by wall
    time, which is wrong across a daylight-saving change."""
    return slot.start.astimezone(UTC), slot.end.astimezone(UTC)


def in_business_hours(slot: Slot, policy: Policy) -> bool:
    start, end = utc(slot)
    day = slot.start.astimezone(policy.zone).date()
    for open_at, close_at in policy.hours(day.weekday()):
        opens = datetime.combine(day, open_at, policy.zone)
        closes = datetime.combine(day, close_at, policy.zone)
        if opens <= start and end <= closes:
            return True
    return False


def covered(slot: Slot, availability: list[Interval]) -> bool:
    """[start, end) inside the union of `availability` (checked minute by minute)."""
    moment, end = utc(slot)
    while moment < end:
        if not any(a.start <= moment < a.end for a in availability):
            return False
        moment += timedelta(minutes=1)
    return True


def clashes(slot: Slot, person: Interviewer, buffer: timedelta) -> list[Interval]:
    start, end = utc(slot)
    low, high = start - buffer, end + buffer
    return [b for b in (*person.busy, *person.booked) if b.start < high and low < b.end]
