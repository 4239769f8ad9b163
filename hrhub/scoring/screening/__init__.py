"""Resume screening: job fit with evidence, must-haves, and the top share sent to interview.

`screen` scores one resume, `screen_batch` a job's applicants (ranked, shortlisted), in two
steps where one parse serves several jobs: `parse_batch` (or a run's `ParsePool`), then
`screen_parsed` per job;
`JobProfile` says what the job requires. Protected attributes (name, gender, age, ethnicity,
nationality) are never used: see `hrhub.scoring.screening.fit`.
"""

from __future__ import annotations

from hrhub.scoring.screening.batch import (
    Parsed,
    ParsePool,
    Unreadable,
    parse_batch,
    screen,
    screen_batch,
    screen_parsed,
)
from hrhub.scoring.screening.fit import score
from hrhub.scoring.screening.outcome import (
    SCREENER_VERSION,
    MustHaveCheck,
    PartScore,
    ScreeningOutcome,
)
from hrhub.scoring.screening.profile import JobProfile, MustHave, ProfileError, parse_must_have
from hrhub.scoring.screening.select import rank, shortlist_size

__all__ = [
    "SCREENER_VERSION",
    "JobProfile",
    "MustHave",
    "MustHaveCheck",
    "ParsePool",
    "Parsed",
    "PartScore",
    "ProfileError",
    "ScreeningOutcome",
    "Unreadable",
    "parse_batch",
    "parse_must_have",
    "rank",
    "score",
    "screen",
    "screen_batch",
    "screen_parsed",
    "shortlist_size",
]
