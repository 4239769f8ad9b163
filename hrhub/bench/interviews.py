"""Interviews that line up across the simulators, for benchmarks and tests of the result path.

An interview hrhub booked has a canonical id (`hrhub:interview:<application>-ai`, as the
schedule step makes it); for an application from SuccessFactors, the invite step wrote a
JobApplicationInterview record for it (its `source` is that id), so the result can later be
written onto that record; the room holds an order for it with a genuine signed link, and the
session that order starts is what interview_results scores.

These helpers build those pieces the way the flow's own steps do (the application_interview
out-mapping, the room's order body, the room's link signing), so a benchmark or a test starts
from the state the candidate flow leaves, without running it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.sim_data import answer_quality, consent_for
from connectors.interview_room.simulator import InterviewRoomSimulator
from connectors.successfactors.client import SuccessFactorsClient
from connectors.successfactors.simulator import SuccessFactorsSimulator
from hrhub.mapping import load_mapping
from hrhub.models import Interview
from hrhub.scoring.interview import load_competency_model
from hrhub.scoring.interview.questions import question_text

__all__ = [
    "FAMILY",
    "book_in_successfactors",
    "hub_interview",
    "interview_order",
    "room_client",
    "sf_client",
    "straight_through",
]

FAMILY = "customer_service"
INTERVIEW_MINUTES = 45


def hub_interview(application_id: str, candidate_id: str, start: datetime) -> Interview:
    """The interview hrhub's schedule step books for an application (source hrhub), for the
    application's canonical id (`<system>:application:<remote id>`)."""
    remote = application_id.rsplit(":", 1)[-1]
    return Interview(
        source_system="hrhub",
        remote_id=f"{remote}-ai",
        modified_at=start - timedelta(days=2),
        application_id=application_id,
        candidate_id=candidate_id,
        slot_start=start,
        slot_end=start + timedelta(minutes=INTERVIEW_MINUTES),
    )


def book_in_successfactors(
    sf: SuccessFactorsSimulator, interviews: Sequence[Interview]
) -> dict[str, int]:
    """Write each interview's SuccessFactors record as the invite step does (the
    application_interview out-mapping, one upsert call); canonical id -> applicationInterviewId."""
    mapping = load_mapping("successfactors", "application_interview", "out")
    payloads = []
    for interview in interviews:
        record = interview.model_dump(mode="json")
        payloads.append(mapping.apply(record, record_id=interview.canonical_id))
    outcomes = sf_client(sf).write("application_interview", payloads)
    refused = [outcome for outcome in outcomes if not outcome.ok]
    if refused or len(outcomes) != len(payloads):
        raise RuntimeError(f"SuccessFactors refused interview records: {refused[:3]}")
    wanted = {interview.canonical_id for interview in interviews}
    booked: dict[str, int] = {}
    for row in sf.rows("JobApplicationInterview"):
        source = row.get("source")
        if source in wanted:
            if source in booked:
                raise RuntimeError(f"two SuccessFactors interview records for {source}")
            booked[source] = int(row["applicationInterviewId"])
    return booked


def interview_order(
    room: InterviewRoomSimulator,
    interview_id: str,
    application_id: str,
    candidate_id: str,
    *,
    family: str = FAMILY,
    language: str = "zh",
    name: str = "张伟",
    job_id: str = "successfactors:job:1",
) -> dict[str, Any]:
    """A valid room order with a genuine link, as the hub's invite step sends it: the job
    family's rubric questions, in the candidate's language."""
    return {
        "external_id": interview_id,
        "application_id": application_id,
        "candidate": {"id": candidate_id, "name": name, "language": language},
        "job": {"id": job_id, "family": family},
        "questions": [
            {"id": qid, "text": question_text(qid, language)}
            for qid in load_competency_model(family).question_map
        ],
        "link_token": room.link_for(interview_id, candidate_id),
    }


def straight_through(candidate_id: str, at: datetime) -> bool:
    """Whether the room's candidate gets a result no person must confirm first: they did not
    opt out of automated decisions and answer well (a weak interview scores a reject, which
    waits for a reviewer by default)."""
    consent = consent_for(candidate_id, at)
    return not consent["automated_decision_opt_out"] and answer_quality(candidate_id) == "strong"


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
