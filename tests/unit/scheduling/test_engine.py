"""free_slots and plan on hand-made schedules: buffers, lunch, limits, zones, panels, reasons."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from connectors._core.busy import CHINA, Shift, busy_intervals
from hrhub.models import Candidate, TimeSlot
from hrhub.scheduling import (
    Interval,
    Interviewer,
    Policy,
    SchedulingInputError,
    Slot,
    SlotRequest,
    free_slots,
    plan,
)
from hrhub.scheduling.calendar import to_us
from hrhub.scheduling.engine import Schedule

MONDAY = date(2026, 6, 1)
POLICY = Policy(datetime(2026, 6, 1, tzinfo=CHINA), datetime(2026, 6, 3, tzinfo=CHINA))


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), CHINA)


def starts(slots: list[Slot]) -> list[str]:
    return [f"{s.start.astimezone(CHINA):%a %H:%M}" for s in slots]


def monday_morning(candidate: str = "c1", **kwargs: object) -> SlotRequest:
    return SlotRequest(candidate, [Interval(at(9), at(12))], **kwargs)  # type: ignore[arg-type]


def test_a_free_interviewer_gets_every_grid_start_in_business_hours() -> None:
    slots = free_slots(SlotRequest("c1"), [Interviewer("u1")], POLICY)
    monday = [s for s in starts(slots) if s.startswith("Mon")]
    # 09:00-11:15 in the morning, 13:30-17:15 in the afternoon: never across lunch or 18:00.
    assert monday[0] == "Mon 09:00" and "Mon 11:15" in monday and "Mon 11:30" not in monday
    assert "Mon 13:15" not in monday and monday[-1] == "Mon 17:15"
    assert len(monday) == 10 + 16
    assert all(s.interviewer_ids == ("u1",) for s in slots)
    assert all(s.start.tzinfo is not None and s.end - s.start == POLICY.duration for s in slots)


def test_no_interviewers_means_no_slots_and_a_reason() -> None:
    assert free_slots(monday_morning(), [], POLICY) == []
    result = plan([monday_morning("c1"), SlotRequest("c2")], [], POLICY)
    assert result.assignments == {}
    assert result.unplaced == {"c1": "no interviewers to book", "c2": "no interviewers to book"}


def test_buffer_keeps_busy_time_at_a_distance() -> None:
    person = Interviewer("u1", busy=[Interval(at(10), at(10, 30), "meeting")])
    got = starts(free_slots(monday_morning(), [person], POLICY))
    # 09:00 would end 09:45 + 15 min buffer = 10:00: touches the meeting, allowed.
    assert got == ["Mon 09:00", "Mon 10:45", "Mon 11:00", "Mon 11:15"]


def test_busy_interval_in_utc_is_respected_in_shanghai_hours() -> None:
    leave = Interval(datetime(2026, 6, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, 2, tzinfo=UTC))
    got = starts(free_slots(monday_morning(), [Interviewer("u1", busy=[leave])], POLICY))
    assert got[0] == "Mon 10:15"  # 01:00-02:00Z is 09:00-10:00 in Shanghai, plus the buffer
    # The same with the window and the availability given in UTC too.
    policy = Policy(POLICY.window_start.astimezone(UTC), POLICY.window_end.astimezone(UTC))
    utc_request = SlotRequest(
        "c1", [{"start": "2026-06-01T01:00:00Z", "end": "2026-06-01T04:00:00Z"}]
    )
    assert starts(free_slots(utc_request, [Interviewer("u1", busy=[leave])], policy)) == got


def test_overlapping_shifts_and_leave_are_merged() -> None:
    pieces = [
        Interval(at(0), at(9, 30), "off_shift"),
        Interval(at(9), at(10), "leave"),
        Interval(at(9, 45), at(10, 15), "left"),
        Interval(at(10, 15), at(10, 30), "absent"),  # touching
    ]
    merged = [Interval(at(0), at(10, 30))]
    slots = free_slots(monday_morning(), [Interviewer("u1", busy=pieces)], POLICY)
    assert slots == free_slots(monday_morning(), [Interviewer("u1", busy=merged)], POLICY)
    assert starts(slots) == ["Mon 10:45", "Mon 11:00", "Mon 11:15"]


def test_connector_busy_intervals_are_used_as_they_come() -> None:
    """Shifts 10:00-17:00 from the attendance rules: off_shift outside them, leave on Tuesday."""
    days = [MONDAY, MONDAY + timedelta(days=1)]
    shifts = [
        Shift("u1", d, datetime.combine(d, time(10), CHINA), at(17, 0, i))
        for i, d in enumerate(days)
    ]
    busy = busy_intervals(
        ["u1"],
        POLICY.window_start,
        POLICY.window_end,
        shifts=shifts,
        leave=[("u1", at(9, 0, 1), at(18, 0, 1))],
        punches=[],
        now=POLICY.window_start - timedelta(days=1),
    )["u1"]
    person = Interviewer("u1", busy=[b.as_dict() for b in busy])
    got = starts(free_slots(SlotRequest("c1"), [person], POLICY))
    assert got[0] == "Mon 10:15" and got[-1] == "Mon 16:00"  # buffers inside the shift
    assert not [s for s in got if s.startswith("Tue")]


def test_daily_limit_counts_existing_interviews() -> None:
    policy = Policy(POLICY.window_start, POLICY.window_end, daily_limit=2)
    booked = [Interval(at(14), at(14, 45)), Interval(at(16), at(16, 45))]
    person = Interviewer("u1", booked=booked)
    got = starts(free_slots(SlotRequest("c1"), [person], policy))
    assert got and all(s.startswith("Tue") for s in got)
    # Existing interviews outside the window still block their own time only.
    person = Interviewer("u1", booked=[Interval(at(9, 0, -1), at(9, 45, -1))])
    assert starts(free_slots(SlotRequest("c1"), [person], policy))[0] == "Mon 09:00"


def test_panel_is_least_loaded_then_by_id() -> None:
    policy = Policy(POLICY.window_start, POLICY.window_end, panel_size=2)
    people = [
        Interviewer("u3"),
        Interviewer("u1", booked=[Interval(at(16), at(16, 45))]),
        Interviewer("u2"),
    ]
    slots = free_slots(monday_morning(), people, policy)
    assert slots[0].interviewer_ids == ("u2", "u3")  # u1 has an interview that day
    request = SlotRequest("c1", [Interval(at(9, 0, 1), at(10, 0, 1))])  # Tuesday: all equal
    assert free_slots(request, people, policy)[0].interviewer_ids == ("u1", "u2")


def test_eligible_interviewers_only_and_unknown_ids_refused() -> None:
    people = [Interviewer("u1", busy=[Interval(at(9), at(12))]), Interviewer("u2")]
    assert free_slots(monday_morning(interviewer_ids=["u1"]), people, POLICY) == []
    assert {s.interviewer_ids for s in free_slots(monday_morning(), people, POLICY)} == {("u2",)}
    with pytest.raises(SchedulingInputError, match=r"unknown interviewer.*u9") as caught:
        free_slots(monday_morning(interviewer_ids=["u2", "u9"]), people, POLICY)
    assert (caught.value.owner, caught.value.field) == ("candidate c1", "interviewer_ids")
    result = plan([monday_morning(interviewer_ids=["u9"])], people, POLICY)
    assert result.unplaced == {"c1": "unknown interviewer(s): u9"}
    with pytest.raises(SchedulingInputError, match="given twice"):
        free_slots(monday_morning(), [Interviewer("u1"), Interviewer("u1")], POLICY)


def test_plan_is_greedy_fewest_options_first() -> None:
    person = Interviewer("u1")
    policy = Policy(POLICY.window_start, POLICY.window_end, daily_limit=1)
    narrow = SlotRequest("z-narrow", [Interval(at(9), at(9, 45))])  # exactly one option
    wide = SlotRequest("a-wide")  # any time, sorts first by id
    weekend = SlotRequest("c-weekend", [Interval(at(9, 0, 5), at(18, 0, 5))])  # Saturday
    pair = SlotRequest("d-pair", interviewer_ids=["u1"])
    result = plan([wide, narrow, weekend, pair], [person], policy)
    assert result.assignments["z-narrow"].start == at(9)  # booked first despite its id
    assert result.assignments["a-wide"].start == at(9, 0, 1)  # Monday is full: limit 1
    assert result.unplaced["c-weekend"].startswith("the candidate's availability holds no")
    assert result.unplaced["d-pair"].startswith("every free slot was taken")
    with pytest.raises(SchedulingInputError, match="requested twice"):
        plan([wide, wide], [person], policy)


def test_panel_larger_than_the_pool_is_explained() -> None:
    policy = Policy(POLICY.window_start, POLICY.window_end, panel_size=2)
    result = plan([monday_morning(interviewer_ids=["u1"])], [Interviewer("u1")], policy)
    assert result.unplaced == {"c1": "needs 2 interviewers, 1 eligible"}


def test_booking_splits_free_time_and_respects_buffers() -> None:
    schedule = Schedule([Interviewer("u1")], POLICY)
    schedule.book([0], to_us(at(10)), to_us(at(10, 45)))
    monday = [i for i in schedule.free_time("u1") if i.start < at(18)]
    assert monday == [
        Interval(at(9), at(9, 45)),
        Interval(at(11), at(12)),
        Interval(at(13, 30), at(18)),
    ]
    got = starts(schedule.slots(monday_morning()))
    # 09:00-09:45 is exactly one buffer before 10:00; 09:15 would be too close.
    assert got == ["Mon 09:00", "Mon 11:00", "Mon 11:15"]


def test_request_from_a_canonical_candidate() -> None:
    candidate = Candidate(
        source_system="successfactors",
        remote_id="42",
        modified_at=at(8),
        name="张伟",
        availability=[TimeSlot(start=at(9), end=at(10))],
    )
    request = SlotRequest.for_candidate(candidate, ["u1"])
    assert request.candidate_id == "successfactors:candidate:42"
    assert request.availability == (Interval(at(9), at(10)),)
    assert starts(free_slots(request, [Interviewer("u1")], POLICY)) == ["Mon 09:00", "Mon 09:15"]
