"""Properties over small random worlds: the engine is safe, complete (equal to the naive oracle)
and independent of input order; plans never double-book nor exceed the daily limit; repairs
move exactly the bookings that clash."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hrhub.scheduling import (
    Booking,
    Interviewer,
    free_slots,
    merge,
    naive_free_slots,
    naive_plan,
    plan,
    reschedule,
)
from tests.unit.scheduling.worlds import (
    World,
    clashes,
    covered,
    in_business_hours,
    intervals,
    utc,
    worlds,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(worlds())
def test_no_slot_clashes_or_leaves_availability_or_business_hours(world: World) -> None:
    policy = world.policy
    by_id = {person.id: person for person in world.interviewers}
    for request in world.requests:
        for slot in free_slots(request, world.interviewers, policy):
            start, end = utc(slot)
            assert end - start == policy.duration
            assert policy.window_start <= start and end <= policy.window_end
            assert in_business_hours(slot, policy)
            if request.availability:
                assert covered(slot, merge(request.availability))
            assert len(slot.interviewer_ids) == policy.panel_size
            for name in slot.interviewer_ids:
                assert not request.interviewer_ids or name in request.interviewer_ids
                assert clashes(slot, by_id[name], policy.buffer) == []
                day = slot.start.astimezone(policy.zone).date()
                load = sum(
                    item.start.astimezone(policy.zone).date() == day for item in by_id[name].booked
                )
                assert load < policy.daily_limit


@SETTINGS
@given(worlds())
def test_engine_finds_exactly_what_the_naive_oracle_finds(world: World) -> None:
    for request in world.requests:
        engine = free_slots(request, world.interviewers, world.policy)
        naive = naive_free_slots(request, world.interviewers, world.policy)
        assert {slot.start for slot in engine} == {slot.start for slot in naive}
        assert engine == naive  # same panels too: same rule, least-loaded then id


@SETTINGS
@given(worlds(), st.data())
def test_results_do_not_depend_on_input_order(world: World, data: st.DataObject) -> None:
    shuffled = [
        Interviewer(
            person.id,
            data.draw(st.permutations(person.busy)),
            data.draw(st.permutations(person.booked)),
        )
        for person in data.draw(st.permutations(world.interviewers))
    ]
    requests = data.draw(st.permutations(world.requests))
    for request in requests:
        again = replace(request, availability=data.draw(st.permutations(request.availability)))
        assert free_slots(again, shuffled, world.policy) == free_slots(
            request, world.interviewers, world.policy
        )
    assert plan(requests, shuffled, world.policy) == plan(
        world.requests, world.interviewers, world.policy
    )


@SETTINGS
@given(worlds(max_interviewers=3, max_requests=8))
def test_plan_never_double_books_nor_exceeds_the_daily_limit(world: World) -> None:
    policy = world.policy
    result = plan(world.requests, world.interviewers, policy)
    assert set(result.assignments) | set(result.unplaced) == {
        r.candidate_id for r in world.requests
    }
    assert not set(result.assignments) & set(result.unplaced)
    assert all(result.unplaced.values())
    by_id = {person.id: person for person in world.interviewers}
    slots_of: dict[str, list] = {name: [] for name in by_id}
    for slot in result.assignments.values():
        for name in slot.interviewer_ids:
            slots_of[name].append(slot)
    for name, slots in slots_of.items():
        person = by_id[name]
        for slot in slots:
            # Busy time, existing interviews and the other new ones, each buffer-separated.
            start, end = utc(slot)
            others = [utc(s) for s in slots if s is not slot]
            assert clashes(slot, person, policy.buffer) == []
            assert all(
                not (o_start < end + policy.buffer and start - policy.buffer < o_end)
                for o_start, o_end in others
            )
        days = Counter(
            item.start.astimezone(policy.zone).date() for item in (*person.booked, *slots)
        )
        for slot in slots:
            assert days[slot.start.astimezone(policy.zone).date()] <= policy.daily_limit
    # The naive greedy plan is the oracle for the whole plan, too.
    oracle = naive_plan(world.requests, world.interviewers, policy)
    assert result.assignments == oracle.assignments
    assert set(result.unplaced) == set(oracle.unplaced)


@SETTINGS
@given(worlds(max_interviewers=3, max_requests=6), st.data())
def test_reschedule_moves_only_clashing_bookings_and_keeps_the_plan_valid(
    world: World, data: st.DataObject
) -> None:
    policy = world.policy
    planned = plan(world.requests, world.interviewers, policy)
    requests = {r.candidate_id: r for r in world.requests}
    bookings = [
        Booking(f"i-{cid}", cid, slot, requests[cid].availability, requests[cid].interviewer_ids)
        for cid, slot in planned.assignments.items()
    ]
    # New busy time (leave, a changed shift) for some interviewers.
    changed = [
        Interviewer(
            person.id,
            [*person.busy, *data.draw(intervals(policy.window_start, 2 * 24 * 60, 2))],
            person.booked,
        )
        for person in world.interviewers
    ]
    result = reschedule(bookings, changed, policy)
    by_id = {person.id: person for person in changed}
    clashing = {
        b.interview_id
        for b in bookings
        if any(clashes(b.slot, by_id[name], policy.buffer) for name in b.slot.interviewer_ids)
    }
    assert {b.interview_id for b in result.kept} == {b.interview_id for b in bookings} - clashing
    assert {m.booking.interview_id for m in result.moved} | {
        b.interview_id for b, _ in result.unplaceable
    } == clashing
    for move in result.moved:
        assert move.reason.startswith("interviewer ")
        if move.booking.availability:
            assert covered(move.new_slot, merge(move.booking.availability))
    final = [*(b.slot for b in result.kept), *(m.new_slot for m in result.moved)]
    for name, person in by_id.items():
        mine = sorted(utc(s) for s in final if name in s.interviewer_ids)
        for (_, end), (start, _) in pairwise(mine):
            assert end + policy.buffer <= start
        for move in result.moved:
            if name in move.new_slot.interviewer_ids:
                assert clashes(move.new_slot, person, policy.buffer) == []
                assert in_business_hours(move.new_slot, policy)
        days = Counter(
            item.start.astimezone(policy.zone).date()
            for item in (*person.booked, *(s for s in final if name in s.interviewer_ids))
        )
        for move in result.moved:
            if name in move.new_slot.interviewer_ids:
                assert days[move.new_slot.start.astimezone(policy.zone).date()] <= (
                    policy.daily_limit
                )
