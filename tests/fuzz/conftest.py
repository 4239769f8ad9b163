"""Hypothesis settings of the fuzz suite: a quick deterministic profile for `make test`, and a
long one for a deep run by hand.

The quick profile ("ci", the default) derandomizes and keeps no example database, so every
run of `make test` tries the same inputs and a failure reproduces anywhere; its example counts
keep the whole of tests/fuzz under a minute. The long profile draws fresh random inputs, many
more of them, and keeps hypothesis's example database, so a failure it finds is replayed
first on the next run. A deep run:

    HYPOTHESIS_PROFILE=long nice -n 10 .venv/bin/pytest -q -p no:cacheprovider tests/fuzz

The chosen profile is registered as "hrhub-fuzz" and never loaded as hypothesis's default:
tests take it with `support.fuzz()`, so hypothesis tests elsewhere in the suite keep theirs.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

PROFILE_ENV = "HYPOTHESIS_PROFILE"
PROFILES = ("ci", "long")

# The deadline is for hangs (a parser that backtracks or loops on some input), not for speed:
# it is generous because `make test` shares the machine with other workers.
settings.register_profile(
    "hrhub-fuzz-ci",
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=5),
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "hrhub-fuzz-long",
    max_examples=5000,
    derandomize=False,
    deadline=timedelta(seconds=5),
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _chosen() -> str:
    """The profile `HYPOTHESIS_PROFILE` names ("ci" when unset); another name is a mistake."""
    name = os.environ.get(PROFILE_ENV) or "ci"
    if name not in PROFILES:
        raise ValueError(f"{PROFILE_ENV}={name!r}: the fuzz suite knows {', '.join(PROFILES)}")
    return name


settings.register_profile("hrhub-fuzz", settings.get_profile(f"hrhub-fuzz-{_chosen()}"))
