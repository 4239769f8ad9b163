"""sch_slots: interview scheduling of N candidates, interval engine vs naive pairwise check.

The world is seeded and shaped like the hub's real input: 500 interviewers over two weeks whose
busy time comes from the attendance rules (`connectors._core.busy`: 09:00-18:00 shifts, ~10%
leave days, weekends off), plus 1-3 h meetings and some existing interviews; N candidates with
availability on a few weekdays and a job whose panel is ~20 of the interviewers.

Both contenders run the same greedy plan (fewest options first, earliest slot) on the same
`Interviewer` objects: the engine (`hrhub.scheduling.plan`) for all N candidates, the naive
check (`naive_plan`: every grid start against every busy interval, one by one) on the first
candidates only, reported per candidate per second. On that sample both must propose the same
plan; the result says whether they did.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from hrhub.bench import Report, Result, rate_row, ratio, result
from hrhub.scheduling import (
    Interval,
    Interviewer,
    Plan,
    Policy,
    SlotRequest,
    naive_plan,
    plan,
)

NAIVE_SAMPLE = 200
INTERVIEWERS = 500
DAYS = 14
PANEL = 20
JOBS = 40
FIRST_DAY = date(2026, 6, 1)  # a Monday
SEED = 20260601
ENGINE_BUDGET_SECONDS = 10.0


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    from connectors._core.busy import CHINA

    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


def _interviewers(rng: random.Random, days: list[date]) -> list[Interviewer]:
    """500 people: attendance-derived busy time, meetings and existing interviews."""
    from connectors._core.busy import Shift, busy_intervals

    userids = [f"u{n:03d}" for n in range(INTERVIEWERS)]
    workdays = [day for day in days if day.weekday() < 5]
    shifts = [Shift(u, d, _at(d, 9), _at(d, 18)) for u in userids for d in workdays]
    leave = []
    for userid in userids:
        for day in workdays:
            if rng.random() < 0.10:
                start, end = rng.choice([(9, 18), (9, 13), (13, 18)])
                leave.append((userid, _at(day, start), _at(day, end)))
    start, end = _at(days[0], 0), _at(days[-1], 0) + timedelta(days=1)
    attendance = busy_intervals(
        userids, start, end, shifts=shifts, leave=leave, punches=[], now=start - timedelta(days=1)
    )
    people = []
    for userid in userids:
        busy: list[Any] = [item.as_dict() for item in attendance[userid]]
        booked = []
        for day in workdays:
            for _ in range(rng.choice([0, 0, 1, 1, 2])):
                begin = _at(day, 9, 30) + timedelta(minutes=30 * rng.randrange(14))
                busy.append(Interval(begin, begin + timedelta(hours=rng.randint(1, 3)), "meeting"))
            if rng.random() < 0.3:
                begin = _at(day, 9) + timedelta(minutes=15 * rng.randrange(33))
                booked.append(Interval(begin, begin + timedelta(minutes=45)))
        people.append(Interviewer(userid, busy, booked))
    return people


def _requests(rng: random.Random, candidates: int, days: list[date]) -> list[SlotRequest]:
    """Candidates with a few available weekdays (full day or half) and their job's panel."""
    userids = [f"u{n:03d}" for n in range(INTERVIEWERS)]
    panels = [sorted(rng.sample(userids, PANEL)) for _ in range(JOBS)]
    workdays = [day for day in days if day.weekday() < 5]
    out = []
    for n in range(candidates):
        availability = []
        if rng.random() >= 0.1:  # one in ten says "any time"
            for day in sorted(rng.sample(workdays, rng.randint(2, 4))):
                start, end = rng.choice([(9, 18), (9, 18), (9, 12), (13, 18)])
                availability.append(Interval(_at(day, start), _at(day, end)))
        out.append(SlotRequest(f"c{n:05d}", availability, rng.choice(panels)))
    return out


def _timed(function: Any, *args: Any) -> tuple[Plan, float]:
    started = time.perf_counter()
    outcome = function(*args)
    return outcome, time.perf_counter() - started


def _plan_row(contender: str, label: str, candidates: int, seconds: float, outcome: Plan) -> Result:
    assigned, unplaced = len(outcome.assignments), len(outcome.unplaced)
    return rate_row(contender, label, candidates, seconds, assigned=assigned, unplaced=unplaced)


def sch_slots(candidates: int = 10_000, *, report: Report) -> Result:
    """Plan `candidates` with the engine, a sample with the naive check; compare per second."""
    rng = random.Random(SEED)
    days = [FIRST_DAY + timedelta(days=n) for n in range(DAYS)]
    sample = min(candidates, NAIVE_SAMPLE)
    report(f"seeding {INTERVIEWERS} interviewers over {DAYS} days and {candidates:,} candidates")
    interviewers = _interviewers(rng, days)
    requests = _requests(rng, candidates, days)
    policy = Policy(window_start=_at(days[0], 0), window_end=_at(days[-1], 0) + timedelta(days=1))

    report(f"engine: planning {candidates:,} candidates")
    engine_plan, engine_seconds = _timed(plan, requests, interviewers, policy)
    report(f"naive: planning the first {sample:,} candidates (sample)")
    naive_sample, naive_seconds = _timed(naive_plan, requests[:sample], interviewers, policy)
    report(f"engine: the same {sample:,} candidates, to compare the plans")
    engine_sample = plan(requests[:sample], interviewers, policy)

    engine = _plan_row("engine", "interval engine", candidates, engine_seconds, engine_plan)
    naive = _plan_row("naive", "pairwise check*", sample, naive_seconds, naive_sample)
    reasons = Counter(engine_plan.unplaced.values())
    busy = sum(len(person.busy) for person in interviewers)
    existing = sum(len(person.booked) for person in interviewers)
    agree = engine_sample.assignments == naive_sample.assignments and set(
        engine_sample.unplaced
    ) == set(naive_sample.unplaced)
    return result(
        "sch_slots",
        title=(
            f"Interview scheduling: {candidates:,} candidates, {INTERVIEWERS} interviewers, "
            f"{DAYS} days"
        ),
        contenders=[engine, naive],
        ratios=[ratio(engine, naive, metric="rate", threshold=10.0)],
        columns=[
            ("label", "contender"),
            ("rows", "candidates"),
            ("seconds", "seconds"),
            ("rate", "candidates/s"),
            ("assigned", "assigned"),
        ],
        params={
            "candidates": candidates,
            "naive_sample": sample,
            "interviewers": INTERVIEWERS,
            "days": DAYS,
            "panel": PANEL,
            "seed": SEED,
        },
        source={
            "interviewers": INTERVIEWERS,
            "busy_intervals": busy,
            "existing_interviews": existing,
            "engine_assigned": len(engine_plan.assignments),
            "engine_unplaced": len(engine_plan.unplaced),
            "unplaced_without_reason": sum(not reason for reason in engine_plan.unplaced.values()),
            "engine_seconds": engine_seconds,
            "engine_under_10s": engine_seconds < ENGINE_BUDGET_SECONDS,
            "sample_plans_agree": agree,
        },
        notes=[
            "both run the same greedy plan (fewest options first, ties by candidate id, earliest "
            "slot, least-loaded interviewer): the engine on interval arithmetic and grid-start "
            "bit masks, the peer checking every grid start against every busy interval",
            f"* the naive check is timed on the first {sample:,} candidates against the full "
            "world, reported per second; on that sample the two plans "
            + ("agree" if agree else "DIFFER"),
            f"engine: all {candidates:,} candidates in {engine_seconds:.2f} s "
            f"({'under' if engine_seconds < ENGINE_BUDGET_SECONDS else 'over'} the 10 s budget); "
            f"{len(engine_plan.assignments):,} assigned, {len(engine_plan.unplaced):,} unplaced",
            "unplaced reasons: "
            + (", ".join(f"{count:,} x {why}" for why, count in reasons.most_common()) or "none"),
            f"world: {busy:,} busy intervals (shifts, leave, meetings) and {existing:,} "
            "existing interviews",
        ],
    )
