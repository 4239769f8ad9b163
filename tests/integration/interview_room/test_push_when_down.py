"""A push against a room that is down ends after one record's retries, not one per record.

The room's simulator runs on loopback with `down=true`; the client comes from its hook with a
connection that gives up fast (retry extras). The first order spends its attempts, the other
nine are not sent: they come back retriable naming that first order, and stay queued. Once the
room is back, the next push lands all ten, each exactly once.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from connectors._core.registry import get_connector
from hrhub.flow.push import enqueue_writes, push_all
from hrhub.ledger import Ledger
from hrhub.sandbox import SandboxSystem, connection_uri, sandbox
from tests.integration.interview_room.test_order_push import order

SYSTEM, OPERATION = "interview_room", "create_orders"
ATTEMPTS = 2  # retry_max_attempts of the connection: two calls, then the client gives up


def hook_client(monkeypatch: pytest.MonkeyPatch, system: SandboxSystem, **extra: str) -> Any:
    """The client an Airflow task gets: the system's hook over a sandbox connection whose
    extras add `extra` (here: the retry bounds)."""
    spec = get_connector(system.system)
    uri = connection_uri(spec, system.url, {**system.server.connection_extra(), **extra})
    monkeypatch.setenv(system.env_var, uri)
    return spec.hook_class()(system.conn_id).get_conn()


@pytest.fixture
def room() -> Iterator[SandboxSystem]:
    with sandbox(only=[SYSTEM], options={SYSTEM: {"seeded": 0}}) as (system,):  # no orders yet
        yield system


def test_a_down_room_costs_one_orders_retries_and_the_rest_land_once_it_is_back(
    monkeypatch: pytest.MonkeyPatch, room: SandboxSystem, ledger: Ledger
) -> None:
    client = hook_client(monkeypatch, room, retry_max_seconds="5", retry_max_attempts=str(ATTEMPTS))
    records = [order(room.server, client, n) for n in range(1, 11)]
    first = records[0]["canonical_id"]
    assert enqueue_writes(SYSTEM, OPERATION, records, ledger=ledger).queued == 10

    room.server.set_faults("down=true")
    room.server.reset_stats()
    started = time.monotonic()
    pushed = push_all(SYSTEM, client=client, ledger=ledger)
    took = time.monotonic() - started

    assert (pushed.claimed, pushed.landed, pushed.requeued, pushed.dead_letters) == (10, 0, 10, 0)
    # Only the first order's attempts reached the room; nine orders were never sent.
    assert room.server.counters["down"] == ATTEMPTS
    assert room.server.calls == [("POST", "/api/v1/orders")] * ATTEMPTS
    assert took < 10, f"the push took {took:.1f}s against a down room"

    items = {i.canonical_id: i for i in ledger.outbox_items(SYSTEM, OPERATION)}
    assert Counter(i.status for i in items.values()) == {"pending": 10}  # queued, none dead
    assert ledger.dead_letters() == []
    assert "not sent" not in items[first].last_error  # its own failure: the room's 503
    assert "HTTP 503" in items[first].last_error
    for record in records[1:]:
        error = items[record["canonical_id"]].last_error
        assert error.startswith(f"{SYSTEM} (record {record['canonical_id']!r}): not sent:"), error
        assert f"failed on an earlier record of this batch ({first})" in error
        assert "HTTP 503" in error  # the failure that stopped the batch, named
    assert room.server.orders == {}

    room.server.set_faults(None)
    again = push_all(SYSTEM, client=client, ledger=ledger)
    assert (again.claimed, again.landed, again.requeued, again.dead_letters) == (10, 10, 0, 0)
    with room.server.lock:
        external_ids = Counter(o["external_id"] for o in room.server.orders.values())
    assert external_ids == Counter(r["canonical_id"] for r in records)  # each exactly once
    landed = {r.canonical_id for r, _ in ledger.landed_writes(SYSTEM, OPERATION)}
    assert landed == set(external_ids)
    assert ledger.dead_letters() == []
