"""Selection: ranks, the top share (rounded up), must-haves and unparseable resumes."""

from __future__ import annotations

import random

import pytest

from hrhub.scoring.screening import ScreeningOutcome, rank, score, shortlist_size

from .support import job, parsed


def outcomes(count: int, profile=None) -> list[ScreeningOutcome]:
    """Applicants with falling experience, so candidate c00 is the best."""
    profile = profile or job(min_years=10)
    return [score(parsed(years=10 - n), profile, candidate_id=f"c{n:02d}") for n in range(count)]


def test_the_top_share_is_rounded_up() -> None:
    assert [shortlist_size(n, 0.3) for n in (0, 1, 3, 10, 11)] == [0, 1, 1, 3, 4]
    ranked = rank(outcomes(7), share=0.3)
    assert [o.rank for o in ranked] == list(range(1, 8))
    assert [o.candidate_id for o in ranked if o.shortlisted] == ["c00", "c01", "c02"]
    assert "ranked 1 of 7" in ranked[0].explanation and "shortlisted" in ranked[0].explanation


def test_ties_break_by_candidate_id_whatever_the_input_order() -> None:
    profile = job()
    same = [score(parsed(), profile, candidate_id=f"c{n}") for n in (5, 3, 9, 1)]
    expected = [o.candidate_id for o in rank(list(same), 0.5)]
    assert expected == ["c1", "c3", "c5", "c9"]
    for seed in range(5):
        shuffled = outcomes(10) + same
        random.Random(seed).shuffle(shuffled)
        baseline = [
            (o.candidate_id, o.rank, o.shortlisted) for o in rank(sorted(shuffled, key=id), 0.3)
        ]
        assert [(o.candidate_id, o.rank, o.shortlisted) for o in rank(shuffled, 0.3)] == baseline


def test_a_failed_must_have_is_never_shortlisted() -> None:
    profile = job(min_years=10, must_haves=("min_years>=9.5",))
    ranked = rank(outcomes(4, profile), share=1.0)
    assert [o.shortlisted for o in ranked] == [True, False, False, False]
    assert "a must-have is not met" in ranked[1].explanation


def test_unparseable_is_listed_with_its_reason_and_never_scored() -> None:
    bad = ScreeningOutcome.unparseable("c-bad", "binary file")
    ranked = rank([*outcomes(3), bad], share=1.0)
    assert ranked[-1] is bad
    assert (bad.rank, bad.shortlisted, bad.fit_score, bad.parts) == (None, False, None, {})
    assert bad.reason == "binary file" and "binary file" in bad.explanation
    assert [o.rank for o in ranked[:3]] == [1, 2, 3]  # the unparseable takes no place
    with pytest.raises(ValueError, match=r"c-bad.*binary file"):
        bad.to_screening_result("application-1", "job-1")


def test_late_applicants_are_ranked_among_the_earlier_scores() -> None:
    everyone = rank(outcomes(10), share=0.3)
    scores = {o.candidate_id: o.fit_score for o in everyone}
    shortlisted_together = {o.candidate_id for o in everyone if o.shortlisted}
    # The same ten screened in two runs: the first seven, then three late ones.
    first = rank([o for o in outcomes(10) if o.candidate_id not in ("c01", "c05", "c09")], 0.3)
    earlier = [o.fit_score for o in first if o.fit_score is not None]
    late = rank([o for o in outcomes(10) if o.candidate_id in ("c01", "c05", "c09")], 0.3, earlier)
    assert {o.candidate_id: o.rank for o in late} == {"c01": 2, "c05": 6, "c09": 10}
    assert [o.candidate_id for o in late if o.shortlisted] == ["c01"]
    assert "ranked 2 of 10" in late[0].explanation
    assert {o.candidate_id for o in late if o.shortlisted} <= shortlisted_together
    assert scores["c01"] == late[0].fit_score
