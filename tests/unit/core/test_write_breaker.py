"""BatchBreaker: after the system itself fails one call, the rest of a batch is not sent."""

from __future__ import annotations

import pickle

import pytest

from connectors._core.errors import (
    AuthError,
    ConnectorError,
    DataContractError,
    FatalError,
    RateLimited,
    RecordRejected,
    RetriableError,
)
from connectors._core.write import BatchBreaker


def test_a_fresh_breaker_sends_and_refuses_to_invent_a_not_sent_outcome() -> None:
    breaker = BatchBreaker("interview_room")
    assert not breaker.tripped
    with pytest.raises(RuntimeError, match="not tripped"):
        breaker.not_sent(0, "r1")


@pytest.mark.parametrize(
    "error",
    [
        RetriableError("POST /orders: ConnectionError: refused", system="interview_room"),
        RetriableError("server error", system="interview_room", status=503),
        RateLimited("throttled", system="interview_room", status=429, retry_after=30),
        RetriableError("system busy", system="interview_room", status=200, vendor_code="-1"),
    ],
    ids=["no-answer", "5xx", "throttled", "vendor-busy"],
)
def test_a_system_failure_trips_it_and_the_rest_come_back_retriable_naming_the_cause(
    error: RetriableError,
) -> None:
    error.record_id = "order-1"
    breaker = BatchBreaker("interview_room")
    breaker.trip_on(error)
    assert breaker.tripped and breaker.cause is error

    outcome = breaker.not_sent(3, "order-4")
    assert (outcome.index, outcome.ok, outcome.retriable) == (3, False, True)
    assert isinstance(outcome.error, RetriableError)
    assert outcome.error.system == "interview_room"
    assert outcome.error.record_id == "order-4"
    assert outcome.error.retry_after == error.retry_after  # waits as long as the cause asks
    text = str(outcome.error)
    assert "not sent" in text and "earlier record of this batch (order-1)" in text
    assert error.message in text  # the system's own failure, as it was raised


@pytest.mark.parametrize(
    "error",
    [
        RecordRejected("invalid mobile", system="dingtalk", field="mobile"),
        DataContractError("answered without an id", system="dingtalk"),
        FatalError("client error", system="dingtalk", status=400),
        AuthError("forbidden", system="dingtalk", status=403),
        RetriableError("daily message cap reached", system="dingtalk", vendor_code="143105"),
    ],
    ids=["rejected", "contract", "fatal", "auth", "per-record-code"],
)
def test_one_records_fault_or_a_per_record_code_does_not_trip_it(error: ConnectorError) -> None:
    breaker = BatchBreaker("dingtalk", per_record_codes={"143105"})
    breaker.trip_on(error, "r1")
    assert not breaker.tripped
    with pytest.raises(RuntimeError):
        breaker.not_sent(1, "r2")


def test_the_first_system_failure_is_the_one_named() -> None:
    breaker = BatchBreaker("yonyou")
    first = RetriableError("NC server error", system="yonyou", vendor_code="Server")
    breaker.trip_on(first, "the call with 500 bills from B1")
    breaker.trip_on(RetriableError("later", system="yonyou"), "B9")
    assert breaker.cause is first
    assert "(the call with 500 bills from B1)" in str(breaker.not_sent(0, "B600").error)


def test_the_not_sent_error_survives_a_trip_between_processes() -> None:
    breaker = BatchBreaker("attendance")
    breaker.trip_on(RateLimited("throttled", system="attendance", status=429, retry_after=5))
    error = breaker.not_sent(0, "E1").error
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is RetriableError
    assert (copy.record_id, copy.retry_after, str(copy)) == ("E1", 5.0, str(error))
    assert "earlier record of this batch, so" in str(copy)  # no record known: none named
