"""NC writes against a simulator that is down (every call: the SOAP fault of a full connection
pool) stop after the first call's retries, for the person lookups of pre-hires and for bills
sent 500 a call. What was not sent comes back retriable, naming the call that failed; once NC
is back the same records land, each once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors._core.errors import RetriableError
from connectors._core.write import WriteOutcome
from connectors.yonyou.nc_client import NcSoapClient
from connectors.yonyou.simulator import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, YonyouSimulator
from tests.integration.yonyou.test_nc_client import fast_retry, id_number, interview, pre_hire

ATTEMPTS = 2


@pytest.fixture
def nc(tmp_path: Path) -> Iterator[tuple[YonyouSimulator, NcSoapClient]]:
    with YonyouSimulator() as server:
        client = NcSoapClient(
            server.url,
            username=SANDBOX_APP_KEY,
            password=SANDBOX_APP_SECRET,
            timeout=(2.0, 5.0),
            operation_timeout=5.0,
            retry=fast_retry(ATTEMPTS),
            cache_dir=tmp_path / "cache",
        )
        server.set_faults("down=true")
        server.reset_stats()
        try:
            yield server, client
        finally:
            client.close()


def assert_not_sent(outcome: WriteOutcome, record_id: str, failed_on: str) -> None:
    error = outcome.error
    assert not outcome.ok and outcome.retriable and isinstance(error, RetriableError)
    assert (error.system, error.record_id) == ("yonyou", record_id)
    assert str(error).startswith(f"yonyou (record {record_id!r}): not sent:"), str(error)
    assert f"failed on an earlier record of this batch ({failed_on})" in str(error)
    assert "vendor code Server" in str(error)  # NC's fault, which stopped the batch


def test_pre_hire_lookups_stop_after_the_first_and_all_land_once_nc_is_back(
    nc: tuple[YonyouSimulator, NcSoapClient],
) -> None:
    server, client = nc
    records = [pre_hire(n) for n in range(1, 11)]
    persons = server.count_stream("nc_persons")
    outcomes = client.write("nc_pre_hire", records)

    assert server.counters["down"] == server.counters["requests"] == ATTEMPTS
    assert outcomes[0].retriable and "not sent" not in str(outcomes[0].error)
    for outcome, record in zip(outcomes[1:], records[1:], strict=True):
        assert_not_sent(outcome, record["bill_id"], "hire-1")
    assert server.counters["nc_bills"] == 0

    server.set_faults(None)
    again = client.write("nc_pre_hire", records)
    assert all(o.ok for o in again)
    assert server.count_stream("nc_persons") == persons + 10
    for n in range(1, 11):
        assert server.data.find_person(id_number=id_number(n)) is not None


def test_bills_stop_after_the_first_call_of_500_and_all_land_once_nc_is_back(
    nc: tuple[YonyouSimulator, NcSoapClient],
) -> None:
    server, client = nc
    records = [interview(server, f"ir-{i}") for i in range(501)]  # two calls: 500 and 1
    outcomes = client.write("nc_interview_result", records)

    assert server.counters["down"] == server.counters["requests"] == ATTEMPTS
    assert all(o.retriable and "not sent" not in str(o.error) for o in outcomes[:500])
    assert_not_sent(outcomes[500], "ir-500", "the call with 500 bills from ir-0")
    assert server.data.results == {}

    server.set_faults(None)
    again = client.write("nc_interview_result", records)
    assert all(o.ok for o in again)
    assert sorted(server.data.results) == sorted(r["bill_id"] for r in records)  # each once
