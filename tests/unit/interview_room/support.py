"""Helpers of the interview room tests: a clock the test moves, a client, a valid order."""

from __future__ import annotations

from typing import Any

from connectors._core.retry import retry_policy
from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.simulator import InterviewRoomSimulator

T0 = 1_750_000_000.0  # 2025-06-15T15:06:40Z


class FakeClock:
    """The simulator's clock: sessions complete and links expire only when the test says."""

    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def client_for(server: InterviewRoomSimulator, **kwargs: Any) -> InterviewRoomClient:
    """A client with short retry waits: faulty servers are retried quickly."""
    kwargs.setdefault("retry", retry_policy(initial=0.01, cap=0.05, max_delay=30))
    kwargs.setdefault("workspace", server.WORKSPACE)
    kwargs.setdefault("api_key", server.API_KEY)
    kwargs.setdefault("link_secret", server.link_secret)
    return InterviewRoomClient(server.url, **kwargs)


def order_for(server: InterviewRoomSimulator, n: int, **changes: Any) -> dict[str, Any]:
    """A valid order as the hub would send it, with a link the room accepts."""
    external_id = f"hrhub:interview:A{n}-ai"
    candidate_id = f"successfactors:candidate:{n}"
    body: dict[str, Any] = {
        "external_id": external_id,
        "application_id": f"successfactors:application:A{n}",
        "candidate": {"id": candidate_id, "name": "张伟", "language": "zh"},
        "job": {"id": "successfactors:job:7", "family": "customer_service"},
        "questions": [
            {"id": "q_complaint", "text": "请讲一次你处理客户投诉的经历。"},
            {"id": "q_team", "text": "请描述一次你带领团队完成目标的经历。"},
        ],
        "link_token": server.link_for(external_id, candidate_id),
    }
    body.update(changes)
    return body
