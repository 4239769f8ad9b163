"""The shared fault knobs on the room, and a client that rides them out without losing or
doubling a record."""

from __future__ import annotations

from collections.abc import Callable

from connectors.interview_room.simulator import InterviewRoomSimulator

from .support import FakeClock, client_for, order_for

FAULTS = "error_rate=0.25,rate_limit=0.1,rate_limit_burst=2,retry_after=0,drop=0.1,drop_after=0.5"


def test_orders_and_polling_survive_errors_throttling_and_lost_replies(
    make_sim: Callable[..., InterviewRoomSimulator], clock: FakeClock
) -> None:
    sim = make_sim(faults=f"{FAULTS},seed=5", auto_start=True, seeded=12)
    client = client_for(sim, page_size=4)
    orders = [order_for(sim, n) for n in range(1, 21)]

    outcomes = client.write("create_orders", orders)

    assert [o.ok for o in outcomes] == [True] * 20, [str(o.error) for o in outcomes]
    # Replies lost after the order landed were retried into the existing order: no doubles.
    assert len(sim.orders) == 12 + 20
    assert len({o.remote_id for o in outcomes}) == 20
    clock.advance(sim.session_seconds)
    ids = [s["id"] for page in client.sessions(status="completed") for s in page]
    assert set(ids) == {s["id"] for s in sim.sessions.values()}
    assert sim.count_stream("interview_analyses") == 32
    for name in ("faulted", "rate_limited", "dropped", "dropped_after"):
        assert sim.counters[name] > 0, f"{name} never fired: this test proved nothing"


def test_latency_is_added_to_every_call(
    make_sim: Callable[..., InterviewRoomSimulator],
) -> None:
    sim = make_sim(faults="latency_ms=120", seeded=2)
    client = client_for(sim)
    elapsed = client.request("GET", "/api/v1/me").elapsed.total_seconds()
    assert elapsed >= 0.12
