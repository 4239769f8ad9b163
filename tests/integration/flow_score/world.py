"""Interviews that line up across the simulators: each is an interview hrhub booked (its
canonical id, `hrhub:interview:<application>-ai`, as the schedule step makes it), with the
SuccessFactors interview record the invite's application_interview write creates for it, so a
result can be written back to it; each order in the interview room is for one of them.

Candidates are chosen by what the room's sandbox makes of them (consent and answer quality are
fixed by the candidate id), one per case the score step must handle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connectors.interview_room.sim_data import answer_quality, consent_for
from connectors.interview_room.simulator import InterviewRoomSimulator
from connectors.successfactors.simulator import SuccessFactorsSimulator
from hrhub.bench.interviews import (
    FAMILY,
    book_in_successfactors,
    hub_interview,
    interview_order,
    room_client,
    sf_client,
)
from hrhub.models import Interview as HubInterview

__all__ = ["FAMILY", "room_client", "sf_client"]  # re-exported for the tests that use them

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC).timestamp()
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
    interview_id: str  # canonical: hrhub:interview:<applicationId>-ai
    application_id: str
    candidate_id: str
    sf_interview_id: int  # the JobApplicationInterview made for it (applicationInterviewId)


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
    """One interview per case, each of another candidate's application, booked by hrhub and
    written to SuccessFactors as the invite step writes it (application_interview)."""
    apps = {a["applicationId"]: a for a in sf.rows("JobApplication")}
    booked: dict[str, HubInterview] = {}
    used: set[str] = set()
    # Applications that already reached an interview in the tenant, in its order.
    for row in sf.rows("JobApplicationInterview"):
        app = apps[row["applicationId"]]
        candidate_id = f"successfactors:candidate:{app['candidateId']}"
        for case in CASES:
            if case not in booked and candidate_id not in used and _wanted(case, candidate_id):
                booked[case] = _hub_interview(app, len(booked))
                used.add(candidate_id)
                break
    missing = [case for case in CASES if case not in booked]
    assert not missing, f"the SuccessFactors sandbox has no application for {missing}"
    records = {case: _book(sf, interview) for case, interview in booked.items()}
    return {
        case: Interview(
            case=case,
            interview_id=interview.canonical_id,
            application_id=interview.application_id,
            candidate_id=interview.candidate_id,
            sf_interview_id=records[case],
        )
        for case, interview in booked.items()
    }


def _hub_interview(app: dict, slot: int) -> HubInterview:
    """The interview hrhub's schedule step books for an application (source hrhub)."""
    return hub_interview(
        f"successfactors:application:{app['applicationId']}",
        f"successfactors:candidate:{app['candidateId']}",
        datetime.fromtimestamp(START, UTC) + timedelta(hours=slot),
    )


def _book(sf: SuccessFactorsSimulator, interview: HubInterview) -> int:
    """Write the interview's SuccessFactors record; its applicationInterviewId."""
    return book_in_successfactors(sf, [interview])[interview.canonical_id]


def hold_interviews(
    room: InterviewRoomSimulator, clock: Clock, interviews: dict[str, Interview]
) -> None:
    """Order each interview in the room, let the sessions run to completion, and make the
    `no_family` one come back without a job family (a room order from an older integration)."""
    client = room_client(room)
    for interview in interviews.values():
        client.create_order(
            interview_order(
                room, interview.interview_id, interview.application_id, interview.candidate_id
            )
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
