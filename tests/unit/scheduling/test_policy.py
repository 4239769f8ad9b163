"""Policy: defaults as documented, every bad value refused with the field named."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest

from connectors._core.busy import CHINA
from hrhub.scheduling import Policy, SchedulingInputError

START = datetime(2026, 6, 1, tzinfo=CHINA)
END = START + timedelta(days=14)


def test_defaults() -> None:
    policy = Policy(START, END)
    assert policy.timezone == "Asia/Shanghai"
    assert policy.hours(0) == ((time(9), time(12)), (time(13, 30), time(18)))
    assert policy.hours(4) == policy.hours(0)
    assert policy.hours(5) == policy.hours(6) == ()
    assert policy.duration == timedelta(minutes=45)
    assert policy.buffer == policy.step == timedelta(minutes=15)
    assert (policy.daily_limit, policy.panel_size) == (4, 1)
    assert hash(policy) == hash(Policy(START, END))


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"window_start": datetime(2026, 6, 1)}, "window_start", "naive"),
        ({"window_end": START}, "window_end", "not after"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown"),
        ({"duration": timedelta(0)}, "duration", "timedelta"),
        ({"duration": 45}, "duration", "timedelta"),
        ({"step": timedelta(minutes=7)}, "step", "does not divide a day"),
        ({"buffer": timedelta(minutes=-1)}, "buffer", ">= 0"),
        ({"daily_limit": 0}, "daily_limit", ">= 1"),
        ({"panel_size": True}, "panel_size", ">= 1"),
        ({"business_hours": {7: []}}, "business_hours", "weekday"),
        ({"business_hours": {0: [(time(12), time(9))]}}, "business_hours[0][0]", "not after"),
        ({"business_hours": {0: [(time(9), time(13)), (time(12), time(18))]}}, "", "overlap"),
        ({"business_hours": {0: [("09:00", "12:00")]}}, "business_hours[0][0]", "wall times"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(
    changes: dict[str, Any], field: str, words: str
) -> None:
    arguments = {"window_start": START, "window_end": END, **changes}
    with pytest.raises(SchedulingInputError, match=words) as caught:
        Policy(**arguments)
    assert caught.value.owner == "policy"
    if field:
        assert caught.value.field == field
        assert f"policy: {field}:" in str(caught.value)


def test_touching_periods_are_one_period() -> None:
    policy = Policy(START, END, business_hours={2: [(time(12), time(18)), (time(9), time(12))]})
    assert policy.hours(2) == ((time(9), time(18)),)
    assert policy.hours(0) == ()
