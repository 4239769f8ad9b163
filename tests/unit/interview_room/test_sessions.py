"""Sessions complete on the room's clock and then appear in polling: cursor pages in a stable
order, filtered by updated_since."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from connectors._core.errors import FatalError
from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.simulator import InterviewRoomSimulator

from .support import FakeClock, client_for, order_for


def completed_ids(client: InterviewRoomClient, **kw: str) -> list[str]:
    return [s["id"] for page in client.sessions(status="completed", **kw) for s in page]


def test_a_session_completes_after_its_time_then_appears_in_polling(
    sim: InterviewRoomSimulator, client: InterviewRoomClient, clock: FakeClock
) -> None:
    order = order_for(sim, 1)
    client.write("create_orders", [order])
    opened = requests.get(f"{sim.url}/room", params={"t": order["link_token"]}, timeout=5)
    session_id = opened.json()["session_id"]
    seeded = completed_ids(client)
    assert session_id not in seeded

    clock.advance(sim.session_seconds - 0.5)
    assert session_id not in completed_ids(client)
    assert [s["id"] for p in client.sessions(status="in_progress") for s in p] == [session_id]

    clock.advance(0.5)
    after = completed_ids(client)
    assert after == [*seeded, session_id]  # the newest completion sorts last
    watermark = max(s["updated_at"] for p in client.sessions() for s in p)
    assert completed_ids(client, updated_since=watermark) == [session_id]
    summary = client.request_json("GET", f"/api/v1/sessions/{session_id}")
    assert summary["completed_at"] == summary["updated_at"] == watermark
    assert client.get_order(sim.sessions[session_id]["order_id"])["status"] == "completed"


def test_cursor_pages_are_stable_while_sessions_keep_completing(
    make_sim: Callable[..., InterviewRoomSimulator], clock: FakeClock
) -> None:
    sim = make_sim(auto_start=True, seeded=10, session_seconds=30)
    client = client_for(sim, page_size=3)
    orders = [order_for(sim, n) for n in range(1, 8)]
    for order in orders:
        client.write("create_orders", [order])
        clock.advance(7)  # orders complete one after another, 7 s apart
    clock.advance(30)

    pages = list(client.sessions(status="completed"))
    assert [len(p) for p in pages] == [3, 3, 3, 3, 3, 2]
    ids = [s["id"] for p in pages for s in p]
    keys = [(s["updated_at"], s["id"]) for p in pages for s in p]
    assert len(set(ids)) == 17 == sim.count_stream("interview_analyses")
    assert keys == sorted(keys)

    # A session completing between two pages lands after them, never inside a page read.
    late = order_for(sim, 50)
    client.write("create_orders", [late])
    reader = client.sessions(status="completed")
    seen = [s["id"] for s in next(reader)]
    clock.advance(31)
    seen += [s["id"] for page in reader for s in page]
    late_session = next(
        s["id"] for s in sim.sessions.values() if s["external_id"] == late["external_id"]
    )
    assert seen == [*ids, late_session]

    since = keys[10][0]
    later = [i for k, i in keys if k >= since]
    assert len(later) == 7
    assert completed_ids(client, updated_since=since) == [*later, late_session]


def test_bad_paging_parameters_get_a_clear_answer(sim: InterviewRoomSimulator) -> None:
    with client_for(sim) as client:
        for params, field in (
            ({"limit": "0"}, "limit"),
            ({"limit": "201"}, "limit"),
            ({"updated_since": "2025-06-01T00:00:00"}, "updated_since"),
            ({"updated_since": "yesterday"}, "updated_since"),
        ):
            with pytest.raises(FatalError, match=field) as failure:
                client.request_json("GET", "/api/v1/sessions", params=params)
            assert failure.value.status == 400
        with pytest.raises(FatalError, match="not one this API issued"):
            client.request_json("GET", "/api/v1/sessions", params={"cursor": "bm9wZQ"})
