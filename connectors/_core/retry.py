"""The one retry policy: retry only what is retriable, honour Retry-After, stay bounded.

Classification happens before retry (see error_table): only ``RetriableError`` and its
``RateLimited`` subclass are retried. Everything else, including plain exceptions from bugs,
surfaces on the first attempt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import tenacity
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from connectors._core.errors import RetriableError

__all__ = ["call_with_retry", "retry_policy", "stop_when_delay_spent", "wait_retry_after"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class wait_retry_after(wait_base):  # lower case, like tenacity's waits
    """The error's ``retry_after`` (floored, capped at ``max_delay``), else ``fallback``
    (capped at ``cap``)."""

    def __init__(self, fallback: wait_base, *, floor: float, cap: float, max_delay: float) -> None:
        self.fallback = fallback
        self.floor = floor
        self.cap = cap
        self.max_delay = max_delay

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None and outcome.failed else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is None:
            return min(self.fallback(retry_state), self.cap)
        # A Retry-After of 0 from a struggling server still gets a pause: no retry storms.
        return min(max(float(retry_after), self.floor), self.max_delay)


class stop_when_delay_spent(stop_base):  # lower case, like tenacity's stops
    """Stop before a sleep would take the call past ``max_delay`` seconds in total.

    Counts both wall time and the sleeps requested, so an injected fake sleep is bounded too.
    """

    def __init__(self, max_delay: float) -> None:
        self.max_delay = max_delay

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        spent = max(retry_state.seconds_since_start or 0.0, retry_state.idle_for)
        return spent + retry_state.upcoming_sleep > self.max_delay


def _log_retry(retry_state: tenacity.RetryCallState) -> None:
    exc = retry_state.outcome.exception() if retry_state.outcome else None
    log.warning(
        "retrying in %.1fs (attempt %d failed): %s",
        retry_state.upcoming_sleep,
        retry_state.attempt_number,
        exc,
    )


def retry_policy(
    *,
    max_attempts: int = 8,
    max_delay: float = 120.0,
    initial: float = 0.5,
    cap: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> tenacity.Retrying:
    """A ``Retrying`` for connector calls: at most ``max_attempts`` and ``max_delay`` seconds.

    Eight attempts ride out a system that fails one call in five (the fault matrix hrhub is
    held to) with a chance of a call still failing near 1 in 10,000; the time bound keeps a
    system that is really down from holding a worker.

    Waits the error's ``retry_after`` when set (at least ``initial``, at most ``max_delay``),
    else exponential backoff with jitter from ``initial`` to ``cap``. A wait that would take
    the call past ``max_delay`` is not slept: the error goes to the caller, ``retry_after``
    intact, so a task can defer instead of hammering early. ``reraise=True``: the caller sees
    the last real error, not a ``RetryError``.
    """
    if max_attempts < 1 or max_delay < 0 or initial <= 0 or cap < initial:
        raise ValueError("need max_attempts >= 1, max_delay >= 0, 0 < initial <= cap")
    backoff = tenacity.wait_exponential(multiplier=initial, max=cap) + tenacity.wait_random(
        0, initial
    )
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(RetriableError),
        wait=wait_retry_after(backoff, floor=initial, cap=cap, max_delay=max_delay),
        stop=tenacity.stop_after_attempt(max_attempts) | stop_when_delay_spent(max_delay),
        sleep=sleep,
        before_sleep=_log_retry,
        reraise=True,
    )


def call_with_retry(
    fn: Callable[..., T], *args: Any, policy: tenacity.Retrying | None = None, **kw: Any
) -> T:
    """Call ``fn(*args, **kw)`` under ``policy`` (default: ``retry_policy()``)."""
    # copy(): a Retrying keeps per-call state, and calls may nest (a token refresh inside).
    return (policy or retry_policy()).copy()(fn, *args, **kw)
