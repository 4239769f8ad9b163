"""Ordering interviews: idempotent by external_id, bad records refused alone and by field."""

from __future__ import annotations

import requests

from connectors._core.errors import AuthError, RecordRejected
from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.simulator import InterviewRoomSimulator

from .support import FakeClock, client_for, order_for

SEEDED = 24


def test_a_repeated_order_returns_the_order_that_exists(
    sim: InterviewRoomSimulator, client: InterviewRoomClient
) -> None:
    order = order_for(sim, 1)
    first = client.write("create_orders", [order])
    again = client.write("create_orders", [order, order])
    assert [o.ok for o in first + again] == [True, True, True]
    assert {o.remote_id for o in first + again} == {first[0].remote_id}
    assert len(sim.orders) == SEEDED + 1

    raw = requests.post(
        f"{sim.url}/api/v1/orders",
        json=order,
        headers={"Authorization": f"Bearer {sim.API_KEY}", "X-Room-Workspace": sim.WORKSPACE},
        timeout=5,
    )
    assert raw.status_code == 200 and raw.headers["X-Idempotent-Replay"] == "true"
    stored = client.get_order(first[0].remote_id or "")
    assert stored["external_id"] == order["external_id"]
    assert stored["status"] == "created" and stored["session_id"] is None
    assert stored["room_url"] == f"{sim.url}/room?t={order['link_token']}"
    assert "link_token" not in stored


def test_bad_records_are_rejected_alone_naming_record_and_field(
    sim: InterviewRoomSimulator, client: InterviewRoomClient
) -> None:
    other = order_for(sim, 99)
    records = [
        order_for(sim, 2, candidate={"id": "successfactors:candidate:2", "name": "王芳"}),
        order_for(sim, 3, questions=[{"id": "q_weather", "text": "Nice day?"}]),
        order_for(sim, 4, link_token=other["link_token"]),
        order_for(sim, 5, link_token=order_for(sim, 5)["link_token"] + "x"),
        {**order_for(sim, 6), "external_id": ""},
        order_for(sim, 7, job={"id": "successfactors:job:7", "family": "astronaut"}),
        order_for(sim, 8),
    ]
    outcomes = client.write("create_orders", records)
    assert [o.ok for o in outcomes] == [False] * 6 + [True]
    errors = [o.error for o in outcomes[:6]]
    assert all(isinstance(e, RecordRejected) for e in errors)
    assert [(e.record_id, e.field) for e in errors if e] == [
        ("hrhub:interview:A2-ai", "candidate.language"),
        ("hrhub:interview:A3-ai", "questions.0.id"),
        ("hrhub:interview:A4-ai", "link_token"),
        ("hrhub:interview:A5-ai", "link_token"),
        ("#4", "external_id"),
        ("hrhub:interview:A7-ai", "job.family"),
    ]
    assert "another interview" in str(errors[2])
    assert "altered" in str(errors[3])
    assert len(sim.orders) == SEEDED + 1


def test_an_order_whose_link_expired_is_refused(
    sim: InterviewRoomSimulator, client: InterviewRoomClient, clock: FakeClock
) -> None:
    order = order_for(sim, 11)
    clock.advance(3601)
    [outcome] = client.write("create_orders", [order])
    assert not outcome.ok and outcome.error is not None
    assert outcome.error.field == "link_token" and "expired" in str(outcome.error)


def test_a_wrong_api_key_is_refused_with_a_clear_message(sim: InterviewRoomSimulator) -> None:
    wrong = "Wrong-Key-55812"
    with client_for(sim, api_key=wrong) as bad:
        try:
            bad.check()
        except AuthError as exc:
            assert exc.status == 401
            assert "API key is not valid" in str(exc) and wrong not in str(exc)
        else:
            raise AssertionError("a wrong key was accepted")
    resp = requests.get(f"{sim.url}/api/v1/me", timeout=5)
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in resp.json()["message"]


def test_an_order_may_carry_the_whole_link_the_candidate_got(
    sim: InterviewRoomSimulator, client: InterviewRoomClient
) -> None:
    order = order_for(sim, 12)
    token = order["link_token"]
    order["link_token"] = f"https://room.example.com/i/{token}"  # sign_link's form
    [outcome] = client.write("create_orders", [order])
    assert outcome.ok, outcome.error
    assert client.get_order(outcome.remote_id or "")["room_url"] == f"{sim.url}/room?t={token}"
