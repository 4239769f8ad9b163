"""reschedule: only bookings that now clash move; the rest stay exactly as they were."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from connectors._core.busy import CHINA
from hrhub.scheduling import Booking, Interval, Interviewer, Policy, Slot, reschedule

MONDAY = date(2026, 6, 1)
POLICY = Policy(datetime(2026, 6, 1, tzinfo=CHINA), datetime(2026, 6, 3, tzinfo=CHINA))


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), CHINA)


def booking(name: str, start: datetime, *who: str, **kwargs: object) -> Booking:
    slot = Slot(start, start + POLICY.duration, tuple(who))
    return Booking(f"i-{name}", f"c-{name}", slot, **kwargs)  # type: ignore[arg-type]


BOOKINGS = [
    booking("a", at(10), "u1"),  # u1 goes on leave Monday morning
    booking("b", at(10, 0, 1), "u1"),  # u1 on Tuesday: untouched
    booking("c", at(10), "u2"),  # another interviewer: untouched
    booking("d", at(14), "u3"),  # u3's new meeting ends exactly one buffer before
]


def people(**busy: list[Interval]) -> list[Interviewer]:
    return [Interviewer(name, busy=busy.get(name, [])) for name in ("u1", "u2", "u3")]


def test_only_touched_bookings_move_and_the_others_stay_identical() -> None:
    leave = Interval(at(9), at(12), "leave")
    off = Interval(at(0), at(9), "off_shift")  # touches the leave, but not booking a
    meeting = Interval(at(12, 30), at(13, 45), "meeting")
    result = reschedule(BOOKINGS, people(u1=[off, leave], u3=[meeting]), POLICY)
    assert [b.interview_id for b in result.kept] == ["i-b", "i-c", "i-d"]
    assert all(kept is original for kept, original in zip(result.kept, BOOKINGS[1:], strict=True))
    assert result.unplaceable == []
    (move,) = result.moved
    assert move.booking is BOOKINGS[0]
    assert move.reason == "interviewer u1: leave"
    # The same interviewer, as near the old time as possible: Monday afternoon.
    assert move.new_slot == Slot(at(13, 30), at(14, 15), ("u1",))


def test_nothing_changed_means_nothing_moves() -> None:
    result = reschedule(BOOKINGS, people(), POLICY)
    assert result.kept == sorted(BOOKINGS, key=lambda b: b.interview_id)
    assert result.moved == [] and result.unplaceable == []


def test_the_buffer_counts_as_a_clash() -> None:
    meeting = Interval(at(12, 30), at(13, 50), "meeting")  # 10 min before d's 14:00
    result = reschedule(BOOKINGS, people(u3=[meeting]), POLICY)
    assert [m.booking.interview_id for m in result.moved] == ["i-d"]
    assert result.moved[0].reason == "interviewer u3: meeting"
    assert result.moved[0].new_slot.interviewer_ids == ("u3",)


def test_another_interviewer_takes_over_when_the_same_one_cannot() -> None:
    away = Interval(at(0), at(0, 0, 2), "leave")  # u1 on leave the whole window
    result = reschedule(BOOKINGS, people(u1=[away]), POLICY)
    moved = {m.booking.interview_id: m for m in result.moved}
    assert set(moved) == {"i-a", "i-b"}
    # u2 has c at 10:00 Monday (kept, with its buffer), so a goes to u3 at 10:00.
    assert moved["i-a"].new_slot == Slot(at(10), at(10, 45), ("u3",))
    assert moved["i-b"].new_slot == Slot(at(10, 0, 1), at(10, 45, 1), ("u2",))
    assert all(m.reason == "interviewer u1: leave" for m in moved.values())


def test_eligible_interviewers_bound_the_move_and_unplaceable_is_explained() -> None:
    away = Interval(at(0), at(0, 0, 2), "leave")
    stuck = booking("e", at(10), "u1", eligible=["u1"])
    result = reschedule([stuck], people(u1=[away]), POLICY)
    assert result.moved == [] and result.kept == []
    assert result.unplaceable == [(stuck, "interviewer u1: leave; no other free slot")]


def test_kept_bookings_count_toward_the_daily_limit() -> None:
    policy = Policy(POLICY.window_start, POLICY.window_end, daily_limit=1)
    bookings = [
        booking("a", at(10), "u1", eligible=["u1"]),
        booking("b", at(16), "u1", eligible=["u1"]),  # Monday afternoon, now on leave
    ]
    leave = Interval(at(15), at(18), "leave")
    result = reschedule(bookings, people(u1=[leave]), policy)
    assert [b.interview_id for b in result.kept] == ["i-a"]
    # Monday is full with a (limit 1): b goes to Tuesday, nearest its old time.
    assert result.moved[0].new_slot == Slot(at(9, 0, 1), at(9, 45, 1), ("u1",))


def test_interviewer_gone_from_the_list_and_availability_respected() -> None:
    only_u2 = [Interviewer("u2")]
    moved_one = booking("a", at(10), "u1", availability=[Interval(at(15), at(17))])
    result = reschedule([moved_one], only_u2, POLICY)
    (move,) = result.moved
    assert move.reason == "interviewer u1: no longer available"
    assert move.new_slot == Slot(at(15), at(15, 45), ("u2",))


def test_existing_interviews_in_booked_also_clash() -> None:
    other = Interviewer("u2", booked=[Interval(at(10, 30), at(11, 15))])
    result = reschedule([BOOKINGS[2]], [other], POLICY)
    assert result.moved[0].reason == "interviewer u2: another interview"


def test_result_does_not_depend_on_input_order() -> None:
    away = Interval(at(0), at(0, 0, 2), "leave")
    expected = reschedule(BOOKINGS, people(u1=[away]), POLICY)
    rng = random.Random(7)
    for _ in range(5):
        shuffled = rng.sample(BOOKINGS, len(BOOKINGS))
        interviewers = rng.sample(people(u1=[away]), 3)
        assert reschedule(shuffled, interviewers, POLICY) == expected
