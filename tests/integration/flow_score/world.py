"""Interviews that line up across the simulators: each order in the interview room is for a
real SuccessFactors interview (its canonical id), so a result can be written back to it.

Candidates are chosen by what the room's sandbox makes of them (consent and answer quality are
fixed by the candidate id), one per case the score step must handle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.sim_data import (
    FAMILY_QUESTIONS,
    QUESTION_BANK,
    answer_quality,
    consent_for,
)
from connectors.interview_room.simulator import InterviewRoomSimulator
from connectors.successfactors.client import SuccessFactorsClient
from connectors.successfactors.simulator import SuccessFactorsSimulator

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC).timestamp()
FAMILY = "customer_service"
CASES = ("consented", "no_audio", "opted_out", "no_family")


class Clock:
    """The room's clock, moved by the test: sessions complete when it says so."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class Interview:
    case: str
    interview_id: str  # canonical: successfactors:interview:<applicationInterviewId>
    application_id: str
    candidate_id: str
    sf_interview_id: int


def _wanted(case: str, candidate_id: str) -> bool:
    consent = consent_for(candidate_id, datetime.fromtimestamp(START, UTC))
    strong = answer_quality(candidate_id) == "strong"
    audio, opt_out = consent["audio_consent"], consent["automated_decision_opt_out"]
    return {
        "consented": audio and not opt_out and strong,
        "no_audio": not audio and not opt_out and strong,
        "opted_out": opt_out and not audio,
        "no_family": not audio and not opt_out,
    }[case]


def pick_interviews(sf: SuccessFactorsSimulator) -> dict[str, Interview]:
    """One SuccessFactors interview per case, each of another candidate."""
    apps = {a["applicationId"]: a for a in sf.rows("JobApplication")}
    chosen: dict[str, Interview] = {}
    used: set[str] = set()
    for row in sf.rows("JobApplicationInterview"):
        app = apps[row["applicationId"]]
        candidate_id = f"successfactors:candidate:{app['candidateId']}"
        for case in CASES:
            if case not in chosen and candidate_id not in used and _wanted(case, candidate_id):
                chosen[case] = Interview(
                    case=case,
                    interview_id=f"successfactors:interview:{row['applicationInterviewId']}",
                    application_id=f"successfactors:application:{row['applicationId']}",
                    candidate_id=candidate_id,
                    sf_interview_id=row["applicationInterviewId"],
                )
                used.add(candidate_id)
                break
    missing = [case for case in CASES if case not in chosen]
    assert not missing, f"the SuccessFactors sandbox has no interview for {missing}"
    return chosen


def room_client(room: InterviewRoomSimulator) -> InterviewRoomClient:
    return InterviewRoomClient(
        room.url,
        workspace=room.WORKSPACE,
        api_key=room.API_KEY,
        link_secret=room.LINK_SECRET,
    )


def sf_client(sf: SuccessFactorsSimulator) -> SuccessFactorsClient:
    return SuccessFactorsClient(
        sf.url, company_id=sf.company_id, username=sf.username, password=sf.password, auth="basic"
    )


def hold_interviews(
    room: InterviewRoomSimulator, clock: Clock, interviews: dict[str, Interview]
) -> None:
    """Order each interview in the room, let the sessions run to completion, and make the
    `no_family` one come back without a job family (a room order from an older integration)."""
    client = room_client(room)
    for interview in interviews.values():
        client.create_order(
            {
                "external_id": interview.interview_id,
                "application_id": interview.application_id,
                "candidate": {"id": interview.candidate_id, "name": "张伟", "language": "zh"},
                "job": {"id": "successfactors:job:1", "family": FAMILY},
                "questions": [
                    {"id": qid, "text": QUESTION_BANK[qid].text("zh")}
                    for qid in FAMILY_QUESTIONS[FAMILY]
                ],
                "link_token": room.link_for(interview.interview_id, interview.candidate_id),
            }
        )
    clock.now += room.session_seconds + 1
    room.tick()
    with room.lock:
        for order in room.orders.values():
            if order["external_id"] == interviews["no_family"].interview_id:
                order["job"]["family"] = None


def counting(download: Callable[[str], bytes], calls: list[str]) -> Callable[[str], bytes]:
    """`download`, noting each session whose recording was asked for."""

    def fetch(session_id: str) -> bytes:
        calls.append(session_id)
        return download(session_id)

    return fetch
