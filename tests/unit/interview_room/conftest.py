"""The interview room's simulator on loopback, on a clock the test moves, and its client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.simulator import InterviewRoomSimulator

from .support import FakeClock, client_for


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_sim(clock: FakeClock) -> Iterator[Callable[..., InterviewRoomSimulator]]:
    started: list[InterviewRoomSimulator] = []

    def make(**kwargs: Any) -> InterviewRoomSimulator:
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("webhook_backoff_s", 0.01)
        server = InterviewRoomSimulator(**kwargs)
        server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def sim(make_sim: Callable[..., InterviewRoomSimulator]) -> InterviewRoomSimulator:
    return make_sim()


@pytest.fixture
def client(sim: InterviewRoomSimulator) -> Iterator[InterviewRoomClient]:
    with client_for(sim) as c:
        yield c
