"""invite: turn each newly booked interview into an order, a status and a notice.

Works on the interviews the schedule step staged (stage `extracted`, status scheduled). For
each, these writes go to the outbox, keyed so a rerun queues nothing twice:

- the interview room's order (`interview_room` `create_orders`): the candidate, the job's
  family and its questions in the candidate's language, and the signed personal link the room
  checks at its door;
- the application's new stage (`invited`) in its own system (SuccessFactors shows it as the
  Interview pipeline status, whose e-mail template tells the candidate), and the interview as
  a record there (SuccessFactors' JobApplicationInterview), which its result is written onto;
- a DingTalk work notification (`invite`) with the time and the link, when the candidate's
  mobile belongs to someone in the company's DingTalk (`recipient` resolves it). External
  candidates have no DingTalk account: they are counted, not lettered, since their system of
  record carries the invitation.

An interview the reschedule step moved (status `rescheduled`) comes back here too, since the
ledger sends changed content through the flow again. Its SuccessFactors record is written
again (the new slot moves it) and so is its order, with the new link (the room keeps the order
it holds; the daily reconciliation re-creates a lost order from the newest write, so that one
must carry a link that has not expired); its status maps to the item queued before. It gets no
`invite` notice and DingTalk is not asked: the reschedule step sent the candidate a
`reschedule` notice with the new time and link, one per move (`hrhub.flow.schedule`).

Then the interview and its application move to `invited`. When DingTalk cannot be asked (it
is down: `recipient` raises RetriableError), the other writes still go to the outbox and the
interview stays where it is, so the next run asks again and queues its notice (the other
writes, queued again with the same content, are the same outbox items); after the first such
error DingTalk is not asked again in this run. The language is the resume's script
(Han characters in the candidate's name: Chinese), the one signal every source carries.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from connectors._core.errors import RetriableError
from connectors._core.registry import get_connector
from hrhub.flow.job_profiles import JobProfiles
from hrhub.flow.push import enqueue_writes
from hrhub.flow.schedule import interview_notice
from hrhub.flow.screen import STATUS_OPERATION
from hrhub.ledger import Ledger, StagedRecord
from hrhub.models import Interview, InterviewStatus, Stage
from hrhub.scoring.interview import load_competency_model
from hrhub.scoring.interview.questions import question_text

__all__ = ["InviteSummary", "invite_booked"]

log = logging.getLogger(__name__)

ROOM, ORDER_OPERATION = "interview_room", "create_orders"
NOTICE_SYSTEM, NOTICE_OPERATION = "dingtalk", "work_notification"
# The interview as a record of the application's own system (SuccessFactors'
# JobApplicationInterview), which the interview's result is written onto later.
INTERVIEW_OPERATION = "application_interview"
_HAN = re.compile(r"[\u4e00-\u9fff]")

Recipient = Callable[[Mapping[str, Any]], str | None]


@dataclass
class InviteSummary:
    interviews: int = 0
    orders_queued: int = 0
    statuses_queued: int = 0
    interview_records_queued: int = 0
    notices_queued: int = 0
    no_dingtalk: int = 0  # external candidates: their own system carries the invitation
    notices_deferred: int = 0  # DingTalk could not be asked: the next run queues them
    moves: int = 0  # rescheduled: records updated, the reschedule step sent their notice
    dead_letters: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def invite_booked(
    ledger: Ledger, *, profiles: JobProfiles, recipient: Recipient, limit: int | None = None
) -> InviteSummary:
    """Queue the writes of every newly booked (or moved) interview, then move it to `invited`."""
    summary = InviteSummary()
    ids = ledger.ids_in_stage(Interview.entity, Stage.EXTRACTED.value, limit=limit)
    interviews = [Interview.model_validate(r.payload) for r in ledger.get_records(ids)]
    summary.interviews = len(interviews)
    if not interviews:
        return summary
    applications = _by_id(ledger, [i.application_id for i in interviews])
    candidates = _by_id(ledger, [i.candidate_id for i in interviews])
    jobs = _by_id(ledger, [str(a.payload.get("job_id")) for a in applications.values()])
    writes: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    lettered: set[str] = set()
    deferred: set[str] = set()
    dingtalk_down: RetriableError | None = None
    questions: dict[tuple[str, str], list[dict[str, str]]] = {}  # (family, language): read once
    for interview in interviews:
        application = applications.get(interview.application_id)
        candidate = candidates.get(interview.candidate_id)
        job = jobs.get(str(application.payload.get("job_id"))) if application else None
        language = _language(candidate)
        family = _family(profiles, job)
        if family is None or candidate is None:
            _letter(ledger, interview, job, candidate)
            lettered.add(interview.canonical_id)
            summary.dead_letters += 1
            continue
        if (family, language) not in questions:
            questions[(family, language)] = _questions(family, language)
        writes[(ROOM, ORDER_OPERATION)].append(
            _order(interview, candidate, job, family, language, questions[(family, language)])
        )
        source = get_connector(application.source_system) if application else None
        if application and source and source.has_operation(STATUS_OPERATION):
            writes[(application.source_system, STATUS_OPERATION)].append(
                {
                    **application.payload,
                    "canonical_id": application.canonical_id,
                    "stage": Stage.INVITED.value,
                }
            )
        if application and source and source.has_operation(INTERVIEW_OPERATION):
            writes[(application.source_system, INTERVIEW_OPERATION)].append(
                {**interview.model_dump(mode="json"), "canonical_id": interview.canonical_id}
            )
        if interview.status is InterviewStatus.RESCHEDULED:
            summary.moves += 1
            continue
        userid: str | None = None
        if dingtalk_down is None:
            try:
                userid = recipient(candidate.payload)
            except RetriableError as exc:
                dingtalk_down = exc
        if dingtalk_down is not None:
            deferred.add(interview.canonical_id)
            summary.notices_deferred += 1
        elif userid is None:
            summary.no_dingtalk += 1
        else:
            writes[(NOTICE_SYSTEM, NOTICE_OPERATION)].append(
                _notice(interview, userid, language, job)
            )
    for (system, operation), records in sorted(writes.items()):
        queued = enqueue_writes(system, operation, records, ledger=ledger)
        summary.dead_letters += queued.dead_letters
        if operation == ORDER_OPERATION:
            summary.orders_queued += queued.queued
        elif operation == STATUS_OPERATION:
            summary.statuses_queued += queued.queued
        elif operation == INTERVIEW_OPERATION:
            summary.interview_records_queued += queued.queued
        else:
            summary.notices_queued += queued.queued
    if dingtalk_down is not None:
        log.warning(
            "invite: DingTalk could not be asked (%s); %d interviews wait for their notice",
            dingtalk_down,
            len(deferred),
        )
    invited = [i for i in interviews if i.canonical_id not in lettered | deferred]
    ledger.set_stage([i.canonical_id for i in invited], Stage.INVITED.value)
    ledger.set_stage([i.application_id for i in invited], Stage.INVITED.value)
    return summary


def _letter(
    ledger: Ledger,
    interview: Interview,
    job: StagedRecord | None,
    candidate: StagedRecord | None,
) -> None:
    """No order can be made: nothing of this interview is sent, HR sees why."""
    if candidate is None:
        field, why = "candidate_id", f"candidate {interview.candidate_id} is not in the hub"
    else:
        title = job.payload.get("title") if job else None
        field, why = (
            "job.family",
            f"no job profile (so no interview family) for job title {title!r}",
        )
    ledger.dead_letter(
        system="hrhub",
        entity=Interview.entity,
        record_id=interview.canonical_id,
        reason=f"interview {interview.canonical_id}: {why}; fix it, then `hrhub replay`",
        payload=interview.model_dump(mode="json"),
        field=field,
        error_class="InviteFailed",
    )
    ledger.set_stage([interview.canonical_id], Stage.DEAD_LETTER.value)


def _by_id(ledger: Ledger, ids: list[str]) -> dict[str, StagedRecord]:
    return {r.canonical_id: r for r in ledger.get_records(ids)}


def _language(candidate: StagedRecord | None) -> str:
    name = str(candidate.payload.get("name") or "") if candidate else ""
    return "zh" if _HAN.search(name) or not name else "en"


def _family(profiles: JobProfiles, job: StagedRecord | None) -> str | None:
    profile = profiles.for_title(job.payload.get("title")) if job else None
    return profile.family if profile else None


def _questions(family: str, language: str) -> list[dict[str, str]]:
    """The family's interview questions in the candidate's language (the rubric file is read
    and checked on each call: `invite_booked` asks once per family and language)."""
    return [
        {"id": question_id, "text": question_text(question_id, language)}
        for question_id in load_competency_model(family).question_map
    ]


def _order(
    interview: Interview,
    candidate: StagedRecord,
    job: StagedRecord | None,
    family: str,
    language: str,
    questions: list[dict[str, str]],
) -> dict[str, Any]:
    """The canonical order record (mappings/interview_room/create_orders.out.yaml maps it)."""
    return {
        "canonical_id": interview.canonical_id,
        "application_id": interview.application_id,
        "candidate_id": interview.candidate_id,
        "candidate_name": candidate.payload.get("name"),
        "language": language,
        "job_id": job.canonical_id if job else None,
        "job_family": family,
        "questions": questions,
        "link_url": interview.link_url,
    }


def _notice(
    interview: Interview, userid: str, language: str, job: StagedRecord | None
) -> dict[str, Any]:
    return interview_notice(
        interview,
        canonical_id=f"hrhub:notification:invite-{interview.remote_id}",
        template="invite",
        recipient=userid,
        language=language,
        job_title=str(job.payload.get("title")) if job else "面试 / interview",
    )
