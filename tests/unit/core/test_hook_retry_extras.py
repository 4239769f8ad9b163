"""A connection's retry extras bound how long one call retries a failing system."""

from __future__ import annotations

import time

import pytest

from connectors._core.errors import ConfigError, RetriableError
from connectors._core.registry import get_connector
from connectors.interview_room.simulator import InterviewRoomSimulator
from hrhub.sandbox import connection_uri


def hook_for(monkeypatch: pytest.MonkeyPatch, url: str, **extra: str):
    spec = get_connector("interview_room")
    uri = connection_uri(spec, url, extra)
    monkeypatch.setenv(f"AIRFLOW_CONN_{spec.default_conn_id.upper()}", uri)
    return spec.hook_class()()


def test_a_down_system_is_given_up_on_within_the_connections_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with InterviewRoomSimulator(seeded=0) as room:
        room.set_faults("error_rate=1.0")
        hook = hook_for(monkeypatch, room.url, retry_max_seconds="5", retry_max_attempts="3")
        client = hook.get_conn()
        started = time.monotonic()
        with pytest.raises(RetriableError):
            client.check()
        took = time.monotonic() - started
        assert room.counters["faulted"] == 3  # three attempts, then the error
        assert took < 10  # not the default two minutes of retries
        hook.close()


def test_without_extras_the_connector_keeps_its_own_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook = hook_for(monkeypatch, "http://127.0.0.1:9")
    client = hook.get_conn()
    assert client.retry_policy.stop.stops[0].max_attempt_number == 8


@pytest.mark.parametrize(
    "extra",
    [{"retry_max_seconds": "soon"}, {"retry_max_attempts": "0"}, {"retry_max_seconds": "-1"}],
)
def test_bad_retry_extras_are_refused_naming_them(
    monkeypatch: pytest.MonkeyPatch, extra: dict[str, str]
) -> None:
    hook = hook_for(monkeypatch, "http://127.0.0.1:9", **extra)
    with pytest.raises(ConfigError, match="retry_max"):
        hook.get_conn()
