"""Selection: rank the scored outcomes and send the top share to interview.

Ranking is by fit score, highest first, ties by candidate id, so the same applicants give the
same ranks whatever order they arrived in. The shortlist is the top `ceil(share x scored)`
ranks, minus anyone who fails a must-have (their place is not handed down: the share is a cap,
not a quota). Unparseable outcomes are never ranked or shortlisted; they keep their reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from hrhub.scoring.screening.outcome import ScreeningOutcome


def shortlist_size(scored: int, share: float) -> int:
    """How many of `scored` applicants the top `share` is (rounded up; 0 of 0)."""
    if not 0 < share <= 1:
        raise ValueError(f"shortlist share must be in (0, 1], got {share}")
    return math.ceil(scored * share - 1e-9)


def rank(
    outcomes: Iterable[ScreeningOutcome], share: float, earlier: Iterable[float] = ()
) -> list[ScreeningOutcome]:
    """Ranked scored outcomes first (rank 1 = best), then the unparseable by candidate id.

    `earlier`: fit scores of the job's applicants screened in earlier runs. The new outcomes are
    ranked among them and the top share is taken of all, so an applicant arriving late is held
    to the same bar; the earlier ones keep the places they were given.
    """
    outcomes = list(outcomes)
    before = sorted(earlier, reverse=True)
    scored = sorted(
        (o for o in outcomes if o.scored),
        key=lambda o: (-(o.fit_score or 0.0), o.candidate_id),
    )
    unparseable = sorted((o for o in outcomes if not o.scored), key=lambda o: o.candidate_id)
    total = len(before) + len(scored)
    size = shortlist_size(total, share)
    ahead = 0  # earlier scores above the current outcome's
    for position, outcome in enumerate(scored, start=1):
        score = outcome.fit_score or 0.0
        while ahead < len(before) and before[ahead] > score:
            ahead += 1
        outcome.rank = position + ahead
        outcome.shortlisted = outcome.rank <= size and outcome.must_haves_met
        outcome.explanation = _with_selection(outcome, total, size, share)
    for outcome in unparseable:
        outcome.rank = None
        outcome.shortlisted = False
    return scored + unparseable


def _with_selection(outcome: ScreeningOutcome, total: int, size: int, share: float) -> str:
    base = outcome.explanation.split(" Selection: ")[0]
    if outcome.shortlisted:
        verdict = "shortlisted for interview"
    elif outcome.rank is not None and outcome.rank <= size:
        verdict = "not shortlisted: a must-have is not met"
    else:
        verdict = "not shortlisted"
    return (
        f"{base} Selection: ranked {outcome.rank} of {total}; the top {share:.0%} "
        f"({size}) go to interview; {verdict}."
    )
