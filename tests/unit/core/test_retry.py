import logging

import pytest
import tenacity

from connectors._core.errors import (
    AuthError,
    ConfigError,
    DataContractError,
    FatalError,
    RateLimited,
    RecordRejected,
    RetriableError,
)
from connectors._core.retry import call_with_retry, retry_policy, wait_retry_after


class Script:
    """Raises the given errors in turn, then returns "ok"; counts calls."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self, *args, **kw):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return ("ok", args, kw)


def test_honours_retry_after(sleeps):
    fn = Script(RateLimited(retry_after=7), RetriableError(retry_after=3))
    assert call_with_retry(fn, policy=retry_policy(sleep=sleeps.append))[0] == "ok"
    assert sleeps == [7.0, 3.0]
    assert fn.calls == 3


def test_zero_retry_after_still_waits_a_floor(sleeps):
    fn = Script(RateLimited(retry_after=0))
    call_with_retry(fn, policy=retry_policy(initial=0.25, sleep=sleeps.append))
    assert sleeps == [0.25]


def test_retry_after_beyond_the_time_budget_is_handed_to_the_caller(sleeps):
    # Sleeping less than the server asked and calling early would only earn another 429:
    # the caller gets the error with its retry_after and can defer.
    fn = Script(*[RateLimited(retry_after=500) for _ in range(5)])
    with pytest.raises(RateLimited) as info:
        call_with_retry(fn, policy=retry_policy(max_delay=60, sleep=sleeps.append))
    assert info.value.retry_after == 500
    assert sleeps == []
    assert fn.calls == 1


def test_retry_after_is_capped_at_max_delay():
    wait = wait_retry_after(tenacity.wait_fixed(1), floor=0.5, cap=30, max_delay=60)
    state = tenacity.RetryCallState(None, None, (), {})
    state.set_exception((RateLimited, RateLimited(retry_after=500), None))
    assert wait(state) == 60
    state.set_exception((RetriableError, RetriableError(), None))
    assert wait(state) == 1


@pytest.mark.parametrize(
    "error",
    [
        AuthError("no", refreshable=True),
        FatalError("no"),
        ConfigError("no"),
        RecordRejected("no"),
        DataContractError("no"),
        ValueError("a bug"),
        KeyError("a bug"),
    ],
)
def test_non_retriable_errors_raise_on_first_attempt(sleeps, error):
    fn = Script(error)
    with pytest.raises(type(error)) as info:
        call_with_retry(fn, policy=retry_policy(sleep=sleeps.append))
    assert info.value is error
    assert fn.calls == 1
    assert sleeps == []


def test_attempts_are_bounded_and_the_last_error_is_raised(sleeps):
    errors = [RetriableError(f"try {i}") for i in range(10)]
    fn = Script(*errors)
    with pytest.raises(RetriableError) as info:
        call_with_retry(fn, policy=retry_policy(max_attempts=4, sleep=sleeps.append))
    assert fn.calls == 4
    assert len(sleeps) == 3
    assert info.value is errors[3]


def test_total_delay_is_bounded(sleeps):
    fn = Script(*[RetriableError(retry_after=50) for _ in range(10)])
    with pytest.raises(RetriableError):
        call_with_retry(
            fn, policy=retry_policy(max_attempts=10, max_delay=120, sleep=sleeps.append)
        )
    assert sleeps == [50.0, 50.0]
    assert sum(sleeps) <= 120


def test_backoff_is_exponential_with_jitter_up_to_cap(sleeps):
    fn = Script(*[RetriableError() for _ in range(7)])
    policy = retry_policy(max_attempts=8, max_delay=1000, initial=1, cap=10, sleep=sleeps.append)
    call_with_retry(fn, policy=policy)
    floors = [1, 2, 4, 8, 10, 10, 10]
    assert len(sleeps) == 7
    for wait, floor in zip(sleeps, floors, strict=True):
        assert floor <= wait <= min(floor + 1, 10)


def test_passes_arguments_and_uses_a_default_policy():
    assert call_with_retry(Script(), 1, 2, key="v") == ("ok", (1, 2), {"key": "v"})


def test_policy_is_reusable_and_logs_retries(sleeps, caplog):
    policy = retry_policy(sleep=sleeps.append)
    with caplog.at_level(logging.WARNING, logger="connectors._core.retry"):
        call_with_retry(Script(RetriableError("blip", system="sf")), policy=policy)
        call_with_retry(Script(RetriableError("blip", system="sf")), policy=policy)
    assert len(sleeps) == 2
    assert "retrying in" in caplog.text and "sf: blip" in caplog.text


@pytest.mark.parametrize(
    "kw", [{"max_attempts": 0}, {"initial": 0}, {"initial": 5, "cap": 1}, {"max_delay": -1}]
)
def test_rejects_nonsense(kw):
    with pytest.raises(ValueError):
        retry_policy(**kw)
