"""The candidate's door: a genuine link starts the session; forged, expired and other
candidates' links are refused with a reason."""

from __future__ import annotations

from datetime import timedelta

import requests

from connectors._core.links import sign_token
from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.simulator import InterviewRoomSimulator

from .support import FakeClock, order_for

JSON = {"Accept": "application/json"}


def open_room(sim: InterviewRoomSimulator, token: str, **headers: str) -> requests.Response:
    return requests.get(
        f"{sim.url}/room", params={"t": token}, headers={**JSON, **headers}, timeout=5
    )


def test_a_genuine_link_starts_the_session_and_reopening_rejoins_it(
    sim: InterviewRoomSimulator, client: InterviewRoomClient
) -> None:
    order = order_for(sim, 1)
    [created] = client.write("create_orders", [order])
    first = open_room(sim, order["link_token"])
    assert first.status_code == 200, first.text
    welcome = first.json()
    assert welcome["status"] == "in_progress" and welcome["rejoined"] is False
    assert welcome["questions"] == [q["text"] for q in order["questions"]]
    again = open_room(sim, order["link_token"]).json()
    assert again["session_id"] == welcome["session_id"] and again["rejoined"] is True
    stored = client.get_order(created.remote_id or "")
    assert stored["status"] == "in_progress" and stored["session_id"] == welcome["session_id"]


def test_a_link_made_by_the_client_opens_the_room(
    sim: InterviewRoomSimulator, client: InterviewRoomClient, clock: FakeClock
) -> None:
    order = order_for(sim, 2)
    client.write("create_orders", [order])
    expires = sim.now() + timedelta(hours=1)
    url = client.room_link(order["external_id"], order["candidate"]["id"], expires)
    resp = requests.get(url, headers=JSON, timeout=5)
    assert resp.status_code == 200, resp.text


def test_forged_expired_and_foreign_links_are_refused_with_their_reason(
    sim: InterviewRoomSimulator, client: InterviewRoomClient, clock: FakeClock
) -> None:
    mine, theirs = order_for(sim, 3), order_for(sim, 4)
    client.write("create_orders", [mine, theirs])
    body, signature = mine["link_token"].split(".")
    other_secret = sign_token(
        {"interview": mine["external_id"], "candidate": mine["candidate"]["id"]},
        secret="not-the-room-secret",
        expires_at=sim.now() + timedelta(hours=1),
    )
    # A genuine link of candidate 4 for candidate 3's interview: signed, but not theirs.
    intruder = sim.link_for(mine["external_id"], theirs["candidate"]["id"])
    short_lived = sim.link_for(theirs["external_id"], theirs["candidate"]["id"], expires_in=60)

    for token in (f"{body}.{signature[:-2]}xx", other_secret, body, ""):
        resp = open_room(sim, token)
        assert (resp.status_code, resp.json()["reason"]) == (403, "forged"), token
    resp = open_room(sim, intruder)
    assert (resp.status_code, resp.json()["reason"]) == (403, "not your interview")

    clock.advance(61)
    resp = open_room(sim, short_lived)
    assert (resp.status_code, resp.json()["reason"]) == (410, "expired")
    assert "ask the recruiter for a new one" in resp.json()["message"]
    started = {s["external_id"] for s in sim.sessions.values() if s["started_by"] == "link"}
    assert started == set()


def test_a_browser_gets_a_page_that_says_why(sim: InterviewRoomSimulator) -> None:
    resp = open_room(sim, "nonsense.token", Accept="text/html,application/xhtml+xml")
    assert resp.status_code == 403
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "forged" in resp.text and "not issued by hrhub" in resp.text


def test_a_completed_interview_cannot_be_taken_again(
    sim: InterviewRoomSimulator, client: InterviewRoomClient, clock: FakeClock
) -> None:
    order = order_for(sim, 5)
    client.write("create_orders", [order])
    assert open_room(sim, order["link_token"]).status_code == 200
    clock.advance(sim.session_seconds)
    resp = open_room(sim, order["link_token"])
    assert (resp.status_code, resp.json()["reason"]) == (409, "completed")


def test_the_link_the_schedule_step_signs_opens_the_room(
    sim: InterviewRoomSimulator, client: InterviewRoomClient, clock: FakeClock
) -> None:
    from hrhub.links import sign_link

    order = order_for(sim, 5)
    client.write("create_orders", [order])
    claims = {"interview": order["external_id"], "candidate": order["candidate"]["id"]}
    url = sign_link(
        f"{sim.url}/room", claims, secret=sim.link_secret, expires_at=sim.now() + timedelta(hours=1)
    )
    assert url.startswith(f"{sim.url}/room/")
    resp = requests.get(url, headers=JSON, timeout=5)
    assert resp.status_code == 200, resp.text
    forged = requests.get(url[:-3] + "xyz", headers=JSON, timeout=5)
    assert forged.status_code == 403 and forged.json()["reason"] == "forged"
