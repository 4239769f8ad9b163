"""The one conformance suite every registered connector passes (parametrized over the registry).

Each test starts the connector's own simulator on loopback and talks to it through the hook
(Airflow Connection from an `AIRFLOW_CONN_*` variable) or the client, over real HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from connectors._core.error_table import ErrorTable
from connectors._core.errors import ConnectorError
from connectors._core.provider import get_provider_info
from connectors._core.ratelimit import RateBudget
from connectors._core.registry import ConnectorSpec, StreamSpec, registry
from hrhub.sandbox import airflow_conn_env_var, connection_uri

SPECS = list(registry().values())
# A connector serving several products (Yonyou NC and YonBIP) runs once per sandbox variant.
CASES = [(spec, variant) for spec in SPECS for variant in spec.variants]
FAULTS = "error_rate=0.2,rate_limit=0.1,rate_limit_burst=2,retry_after=0,drop=0.05,seed=11"


@pytest.fixture(params=CASES, ids=lambda c: "-".join(filter(None, (c[0].system, c[1]))))
def case(request: pytest.FixtureRequest) -> tuple[ConnectorSpec, str]:
    return request.param


@pytest.fixture
def spec(case: tuple[ConnectorSpec, str]) -> ConnectorSpec:
    return case[0]


@pytest.fixture
def variant(case: tuple[ConnectorSpec, str]) -> dict[str, Any]:
    """The connection extras that select this case's product ({} for the default)."""
    return case[0].variants[case[1]]


def streams(spec: ConnectorSpec, variant: dict[str, Any]) -> tuple[StreamSpec, ...]:
    return spec.streams_for(variant.get("flavor"))


def start(spec: ConnectorSpec, faults: str = "") -> Any:
    server = spec.simulator_class()(faults=faults or None)
    server.start()
    return server


@pytest.fixture
def simulator(spec: ConnectorSpec) -> Iterator[Any]:
    server = start(spec)
    yield server
    server.stop()


def hook_for(
    spec: ConnectorSpec,
    server: Any,
    monkeypatch: pytest.MonkeyPatch,
    variant: dict[str, Any],
    password: str | None = None,
    page_size: int | None = None,
) -> Any:
    uri = connection_uri(spec, server.url, {**server.connection_extra(), **variant})
    if password is not None:
        uri = uri.replace(f":{spec.sandbox['password']}@", f":{password}@")
    if page_size is not None:
        uri += f"&page_size={page_size}"
    monkeypatch.setenv(airflow_conn_env_var(spec.default_conn_id), uri)
    return spec.hook_class()()


def read_all(client: Any, spec: ConnectorSpec, stream: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for page in client.read_stream(stream, since=None, overlap_seconds=0):
        assert isinstance(page, list)
        records.extend(page)
    return records


def test_manifest_and_hook_agree(spec: ConnectorSpec) -> None:
    hook = spec.hook_class()
    assert hook.conn_type == spec.conn_type
    assert hook.default_conn_name == spec.default_conn_id
    assert hook.system == spec.system
    assert spec.streams, f"{spec.system} declares no stream"


def test_provider_info_offers_the_connection_type(spec: ConnectorSpec) -> None:
    types = {t["connection-type"]: t for t in get_provider_info()["connection-types"]}
    assert types[spec.conn_type]["hook-class-name"] == spec.hook_class_path()


def test_error_table_and_rate_budget_parse(spec: ConnectorSpec) -> None:
    table = ErrorTable.from_manifest(spec.errors)
    assert table.classify(429) is not None
    assert table.classify(503) is not None
    budget = RateBudget.from_manifest(spec.rate_budget)
    assert budget is None or budget.calls >= 1


def test_test_connection_succeeds_with_sandbox_credentials(
    spec: ConnectorSpec, variant: dict[str, Any], simulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok, message = hook_for(spec, simulator, monkeypatch, variant).test_connection()
    assert ok, message


def test_test_connection_fails_clearly_without_leaking_the_password(
    spec: ConnectorSpec, variant: dict[str, Any], simulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "Wrong-Pass-7731"
    hook = hook_for(spec, simulator, monkeypatch, variant, password=wrong)
    ok, message = hook.test_connection()
    assert not ok
    assert message and wrong not in message


def test_every_stream_reads_to_the_end_exactly(
    spec: ConnectorSpec, variant: dict[str, Any], simulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = hook_for(spec, simulator, monkeypatch, variant).get_conn()
    assert streams(spec, variant), f"{spec.system} {variant} offers no stream"
    for stream in streams(spec, variant):
        records = read_all(client, spec, stream.name)
        keys = [r[stream.primary_key] for r in records]
        assert len(keys) == len(set(keys)), f"{stream.name}: duplicates without faults"
        assert len(keys) == simulator.count_stream(stream.name)
        assert all(client.cursor_value(stream.name, r) for r in records)


def test_every_stream_survives_faults_without_losing_a_record(
    spec: ConnectorSpec, variant: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start(spec, FAULTS)
    try:
        # Pages of about an eighth of the largest stream: enough calls for the seeded faults
        # to fire on every connector, whatever its seed data.
        largest = max(server.count_stream(s.name) for s in streams(spec, variant))
        page_size = max(10, largest // 8)
        client = hook_for(spec, server, monkeypatch, variant, page_size=page_size).get_conn()
        for stream in streams(spec, variant):
            keys = {r[stream.primary_key] for r in read_all(client, spec, stream.name)}
            assert len(keys) == server.count_stream(stream.name)
        assert server.counters["faulted"] + server.counters["rate_limited"] > 0, (
            "the fault knobs never fired: this test proved nothing"
        )
    finally:
        server.stop()


def test_token_expiry_mid_run_is_refreshed(
    spec: ConnectorSpec, variant: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start(spec, "token_expiry=1,slow_page_ms=450")
    try:
        client = hook_for(spec, server, monkeypatch, variant, page_size=100).get_conn()
        for stream in streams(spec, variant):
            keys = {r[stream.primary_key] for r in read_all(client, spec, stream.name)}
            assert len(keys) == server.count_stream(stream.name)
    finally:
        server.stop()


def test_secrets_never_reach_logs_or_errors(
    spec: ConnectorSpec,
    variant: dict[str, Any],
    simulator: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    password = spec.sandbox["password"]
    client = hook_for(spec, simulator, monkeypatch, variant).get_conn()
    stream = streams(spec, variant)[0]
    read_all(client, spec, stream.name)
    token = getattr(client, "_token", None)

    wrong = "Wrong-Pass-7731"
    refused = hook_for(spec, simulator, monkeypatch, variant, password=wrong).get_conn()
    with pytest.raises(ConnectorError) as failure:
        read_all(refused, spec, stream.name)
    for secret in filter(None, (password, wrong, token)):
        assert secret not in str(failure.value)
        assert secret not in caplog.text
