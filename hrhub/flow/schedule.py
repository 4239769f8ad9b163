"""schedule: keep booked interviews inside interviewers' real working time.

Interviewers' shifts and leave change after invitations went out. `reschedule_interviews` reads
the booked interviews from the ledger, checks them against the busy time the attendance
sources report now (DingTalk attendance, the terminals' system: `busy_intervals` of their
clients), and moves only the interviews a change touches (`hrhub.scheduling.reschedule`). A
moved interview is staged with its new slot and status `rescheduled`, and its candidate gets a
`reschedule` notice with a fresh personal link through the outbox. An interview that fits
nowhere any more, or whose candidate cannot be reached, is a dead letter HR sees: nobody is
left waiting in a room no interviewer will join.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hrhub.flow.push import enqueue_writes
from hrhub.ledger import Ledger, StageInput
from hrhub.links import sign_link
from hrhub.models import Interview, InterviewStatus
from hrhub.scheduling import Booking, Interviewer, Move, Policy, Slot, reschedule

__all__ = ["RescheduleSummary", "reschedule_interviews"]

NOTICE_SYSTEM, NOTICE_OPERATION = "dingtalk", "work_notification"
LINK_GRACE = timedelta(hours=1)  # a moved interview's link stays valid this long after its end
_OPEN = {InterviewStatus.SCHEDULED.value, InterviewStatus.RESCHEDULED.value}


@dataclass
class RescheduleSummary:
    interviews: int = 0
    kept: int = 0
    moved: int = 0
    unplaceable: int = 0
    notices_queued: int = 0
    dead_letters: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def reschedule_interviews(
    *,
    ledger: Ledger,
    busy: Mapping[str, Sequence[Any]],
    policy: Policy,
    recipients: Mapping[str, str],
    room_url: str,
    link_secret: str,
    now: datetime,
    language: str = "zh",
) -> RescheduleSummary:
    """Move the booked interviews in the policy's window that now clash with `busy`
    (interviewer id -> intervals as connectors report them); `recipients` maps a candidate's
    canonical id to the DingTalk userid their notices go to."""
    interviews = [
        Interview.model_validate(r.payload)
        for r in ledger.iter_staged("interview")
        if r.payload.get("status") in _OPEN
    ]
    booked = [
        i
        for i in interviews
        if i.slot_end > now and i.slot_start < policy.window_end and i.interviewer_ids
    ]
    summary = RescheduleSummary(interviews=len(booked))
    if not booked:
        return summary
    ids = {p for i in booked for p in i.interviewer_ids} | set(busy)
    interviewers = [Interviewer(p, busy=tuple(busy.get(p, ()))) for p in sorted(ids)]
    by_id = {i.canonical_id: i for i in booked}
    result = reschedule([_booking(i) for i in booked], interviewers, policy)
    summary.kept, summary.moved = len(result.kept), len(result.moved)
    summary.unplaceable = len(result.unplaceable)

    moved = [
        _moved(by_id[m.booking.interview_id], m, room_url, link_secret, now) for m in result.moved
    ]
    if moved:
        ledger.stage(_stage_inputs(moved), batch_id=f"reschedule-{now:%Y%m%dT%H%M%S}")
    notices = []
    for interview in moved:
        recipient = recipients.get(interview.candidate_id)
        if recipient is None:
            _letter(
                ledger, interview, "no DingTalk recipient for the candidate: tell them another way"
            )
            summary.dead_letters += 1
            continue
        notices.append(_notice(ledger, interview, recipient, language))
    for booking, reason in result.unplaceable:
        _letter(ledger, by_id[booking.interview_id], f"no slot left for this interview: {reason}")
        summary.dead_letters += 1
    if notices:
        queued = enqueue_writes(NOTICE_SYSTEM, NOTICE_OPERATION, notices, ledger=ledger)
        summary.notices_queued = queued.queued
        summary.dead_letters += queued.dead_letters
    return summary


def _booking(interview: Interview) -> Booking:
    slot = Slot(interview.slot_start, interview.slot_end, tuple(sorted(interview.interviewer_ids)))
    return Booking(interview.canonical_id, interview.candidate_id, slot)


def _moved(
    interview: Interview, move: Move, room_url: str, secret: str, now: datetime
) -> Interview:
    """The interview at its new slot, with a personal link valid until shortly after it."""
    expires = move.new_slot.end + LINK_GRACE
    link = sign_link(
        room_url,
        {"interview": interview.canonical_id, "candidate": interview.candidate_id},
        secret=secret,
        expires_at=expires,
    )
    return interview.model_copy(
        update={
            "slot_start": move.new_slot.start,
            "slot_end": move.new_slot.end,
            "interviewer_ids": list(move.new_slot.interviewer_ids),
            "status": InterviewStatus.RESCHEDULED,
            "link_url": link,
            "link_expires_at": expires,
            "modified_at": now,
        }
    )


def _stage_inputs(interviews: Iterable[Interview]) -> list[StageInput]:
    return [
        StageInput(
            canonical_id=i.canonical_id,
            entity="interview",
            source_system=i.source_system,
            remote_id=i.remote_id,
            modified_at=i.modified_at,
            payload=i.model_dump(mode="json"),
        )
        for i in interviews
    ]


def _notice(ledger: Ledger, interview: Interview, recipient: str, language: str) -> dict[str, Any]:
    zone = ZoneInfo(interview.timezone)
    start, end = interview.slot_start.astimezone(zone), interview.slot_end.astimezone(zone)
    expires = interview.link_expires_at.astimezone(zone) if interview.link_expires_at else end
    return {
        # One notice per move: a second move of the same interview is a second notice.
        "canonical_id": f"hrhub:notification:reschedule-{interview.remote_id}-{start:%Y%m%d%H%M}",
        "recipient": recipient,
        "template": "reschedule",
        "language": language,
        "job_title": _job_title(ledger, interview.application_id),
        "slot_text": f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}",
        "link_expires_text": f"{expires:%m-%d %H:%M}",
        "link_url": interview.link_url,
    }


def _job_title(ledger: Ledger, application_id: str) -> str:
    """The job's title through the staged application; the notice says only "interview"
    when the hub has not seen the job."""
    application = _one(ledger, application_id)
    job = _one(ledger, application.payload.get("job_id")) if application else None
    return str(job.payload["title"]) if job and job.payload.get("title") else "面试 / interview"


def _one(ledger: Ledger, canonical_id: Any) -> Any:
    found = ledger.get_records([str(canonical_id)]) if canonical_id else []
    return found[0] if found else None


def _letter(ledger: Ledger, interview: Interview, reason: str) -> None:
    ledger.dead_letter(
        system="hrhub",
        entity="interview",
        record_id=interview.canonical_id,
        reason=reason,
        payload=interview.model_dump(mode="json"),
        field="slot_start",
        error_class="RescheduleFailed",
    )
