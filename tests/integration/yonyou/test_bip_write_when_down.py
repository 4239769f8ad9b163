"""YonBIP writes against a simulator that is down (every call: 500, system busy) stop after
the first batch's retries: the other batches of 100 are not sent and come back retriable,
naming the call that failed; once YonBIP is back every record lands once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors._core.errors import RetriableError
from connectors._core.retry import retry_policy
from connectors.yonyou.bip_client import BipClient
from connectors.yonyou.simulator import YonyouSimulator
from tests.integration.yonyou.test_bip_client import interview, make_client

ATTEMPTS = 2
SAVE = "/yonbip/hrcloud/recruit/interview/batchSaveOrUpdate"


@pytest.fixture
def bip() -> Iterator[tuple[YonyouSimulator, BipClient]]:
    """A client that gives up after two attempts, its token fetched while YonBIP is up."""
    with YonyouSimulator() as server:
        retry = retry_policy(sleep=lambda s: None, initial=0.01, max_attempts=ATTEMPTS)
        with make_client(server, retry=retry) as client:
            client.check()
            server.set_faults("down=true")
            server.reset_stats()
            yield server, client


def test_batches_stop_after_the_first_and_all_land_once_yonbip_is_back(
    bip: tuple[YonyouSimulator, BipClient],
) -> None:
    server, client = bip
    records = [interview(f"IV-{i:03d}") for i in range(230)]  # calls of 100, 100, 30
    outcomes = client.write("bip_interview_result", records)

    assert server.counters["down"] == server.counters["requests"] == ATTEMPTS
    assert all(o.retriable and "not sent" not in str(o.error) for o in outcomes[:100])
    for outcome, record in zip(outcomes[100:], records[100:], strict=True):
        error = outcome.error
        assert not outcome.ok and outcome.retriable and isinstance(error, RetriableError)
        assert error.record_id == record["code"]
        text = str(error)
        assert text.startswith(f"yonyou (record {record['code']!r}): not sent:"), text
        assert "earlier record of this batch (the call with 100 rows from IV-000)" in text
        assert "vendor code 500" in text
    assert server.data.results == {}

    server.set_faults(None)
    again = client.write("bip_interview_result", records)
    assert all(o.ok for o in again)
    assert len(server.data.results) == 230  # each once
    assert server.counters[SAVE] == 3
