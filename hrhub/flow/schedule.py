"""schedule: book interviews inside interviewers' real working time, and keep them there.

`schedule_interviews` books the shortlisted applications that have no interview yet: slots
come from `hrhub.scheduling.plan` over the busy time the attendance sources report (DingTalk
attendance and the terminals' system; the caller merges them per interviewer), the interviews
already booked, and each candidate's availability. Each booking is staged as an `Interview`
with a signed personal link; an application that fits nowhere is a dead letter with the reason.

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

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hrhub.flow.push import enqueue_writes
from hrhub.ledger import Ledger, StageInput
from hrhub.links import sign_link
from hrhub.models import Interview, InterviewStatus
from hrhub.scheduling import (
    Booking,
    Interval,
    Interviewer,
    Move,
    Policy,
    Slot,
    SlotRequest,
    plan,
    reschedule,
)

__all__ = [
    "RescheduleSummary",
    "ScheduleSummary",
    "interview_notice",
    "interview_remote_id",
    "reschedule_interviews",
    "schedule_interviews",
    "shortlisted_applications",
]

NOTICE_SYSTEM, NOTICE_OPERATION = "dingtalk", "work_notification"
LINK_GRACE = timedelta(hours=1)  # a moved interview's link stays valid this long after its end
_OPEN = {InterviewStatus.SCHEDULED.value, InterviewStatus.RESCHEDULED.value}


@dataclass
class ScheduleSummary:
    requested: int = 0
    already_booked: int = 0
    waiting_for_hr: int = 0  # refused before; open dead letters wait for HR's replay
    next_run: int = 0  # the candidate's other application is booked first; this one next run
    scheduled: int = 0
    dead_letters: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def schedule_interviews(
    *,
    ledger: Ledger,
    applications: Sequence[Mapping[str, Any]],
    busy: Mapping[str, Sequence[Any]],
    policy: Policy,
    room_url: str,
    link_secret: str,
    now: datetime,
) -> ScheduleSummary:
    """Book an interview for each application without one. Each application: `application_id`,
    `candidate_id`, `interviewer_ids` (its job's panel pool) and optional `availability`
    (intervals); `busy`: interviewer id -> intervals as connectors report them."""
    summary = ScheduleSummary(requested=len(applications))
    open_interviews = _open_interviews(ledger)
    booked_for = {i.application_id for i in open_interviews}
    refused = ledger.open_dead_letter_ids("hrhub", "interview")
    wanted = [
        a
        for a in applications
        if a["application_id"] not in booked_for and a["application_id"] not in refused
    ]
    summary.already_booked = sum(a["application_id"] in booked_for for a in applications)
    summary.waiting_for_hr = len(applications) - len(wanted) - summary.already_booked
    # One booking per candidate and run (the planner books people, not applications): a
    # candidate shortlisted for two jobs gets the second interview on the next run.
    by_candidate: dict[str, Mapping[str, Any]] = {}
    for application in wanted:
        by_candidate.setdefault(str(application["candidate_id"]), application)
    summary.next_run = len(wanted) - len(by_candidate)
    wanted = list(by_candidate.values())
    if not wanted:
        return summary
    booked: dict[str, list[Interval]] = {}
    for interview in open_interviews:
        for person in interview.interviewer_ids:
            booked.setdefault(person, []).append(Interval(interview.slot_start, interview.slot_end))
    pool = {p for a in wanted for p in a.get("interviewer_ids", ())}
    ids = sorted(pool | set(busy) | set(booked))
    interviewers = [
        Interviewer(p, busy=tuple(busy.get(p, ())), booked=tuple(booked.get(p, ()))) for p in ids
    ]
    requests = [
        SlotRequest(
            str(a["candidate_id"]),
            tuple(a.get("availability", ())),
            tuple(a.get("interviewer_ids", ())),
        )
        for a in wanted
    ]
    result = plan(requests, interviewers, policy)
    created = [
        _booked(by_candidate[candidate], slot, room_url, link_secret, now)
        for candidate, slot in sorted(result.assignments.items())
    ]
    if created:
        ledger.stage([StageInput.of(i) for i in created], batch_id=f"schedule-{now:%Y%m%dT%H%M%S}")
    summary.scheduled = len(created)
    for candidate, reason in sorted(result.unplaced.items()):
        application = by_candidate[candidate]
        ledger.dead_letter(
            system="hrhub",
            entity="interview",
            record_id=str(application["application_id"]),
            reason=f"no interview slot for this application: {reason}",
            payload=dict(application),
            field="slot_start",
            error_class="ScheduleFailed",
        )
        summary.dead_letters += 1
    return summary


def shortlisted_applications(
    ledger: Ledger, interviewer_ids: Sequence[str] = (), limit: int | None = None
) -> list[dict[str, Any]]:
    """The applications waiting at `shortlisted`, as `schedule_interviews` takes them: each
    with its candidate's stated availability and the interviewers it may be booked with."""
    applications = ledger.get_records(ledger.ids_in_stage("application", "shortlisted", limit))
    candidates = {
        r.canonical_id: r
        for r in ledger.get_records(str(a.payload.get("candidate_id")) for a in applications)
    }
    out = []
    for application in applications:
        candidate = candidates.get(str(application.payload.get("candidate_id")))
        out.append(
            {
                "application_id": application.canonical_id,
                "candidate_id": str(application.payload.get("candidate_id")),
                "interviewer_ids": list(interviewer_ids),
                "availability": list(candidate.payload.get("availability") or [])
                if candidate
                else [],
            }
        )
    return out


def _open_interviews(ledger: Ledger) -> list[Interview]:
    return [
        Interview.model_validate(r.payload)
        for r in ledger.iter_staged("interview")
        if r.payload.get("status") in _OPEN
    ]


def interview_remote_id(application_id: str) -> str:
    """The hub's id of an application's AI interview: one per application, so a rerun books
    the same interview (and any step can find it from the application)."""
    return f"{str(application_id).rsplit(':', 1)[-1]}-ai"


def _booked(
    application: Mapping[str, Any], slot: Slot, room_url: str, secret: str, now: datetime
) -> Interview:
    remote = interview_remote_id(str(application["application_id"]))
    interview = Interview(
        source_system="hrhub",
        remote_id=remote,
        modified_at=now,
        application_id=str(application["application_id"]),
        candidate_id=str(application["candidate_id"]),
        slot_start=slot.start,
        slot_end=slot.end,
        interviewer_ids=list(slot.interviewer_ids),
        status=InterviewStatus.SCHEDULED,
    )
    link, expires = _personal_link(interview, slot, room_url, secret)
    return interview.model_copy(update={"link_url": link, "link_expires_at": expires})


def _personal_link(
    interview: Interview, slot: Slot, room_url: str, secret: str
) -> tuple[str, datetime]:
    """A link for this candidate and interview, valid until shortly after the slot ends."""
    expires = slot.end + LINK_GRACE
    claims = {"interview": interview.canonical_id, "candidate": interview.candidate_id}
    return sign_link(room_url, claims, secret=secret, expires_at=expires), expires


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
    interviews = _open_interviews(ledger)
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
    # The notices are queued before the moves are staged: once staged, an interview fits and
    # is never moved (or announced) again, so a run stopped in between would lose its notice.
    # Queued first, a rerun over the same busy time makes the same moves: the same items.
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
    if moved:
        # Changed content goes back to `extracted`: the invite step updates the moved
        # interview's order and record and, seeing `rescheduled`, sends no invite notice.
        ledger.stage([StageInput.of(i) for i in moved], batch_id=f"reschedule-{now:%Y%m%dT%H%M%S}")
    return summary


def _booking(interview: Interview) -> Booking:
    slot = Slot(interview.slot_start, interview.slot_end, tuple(sorted(interview.interviewer_ids)))
    return Booking(interview.canonical_id, interview.candidate_id, slot)


def _moved(
    interview: Interview, move: Move, room_url: str, secret: str, now: datetime
) -> Interview:
    """The interview at its new slot, with a new personal link."""
    link, expires = _personal_link(interview, move.new_slot, room_url, secret)
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


def _notice(ledger: Ledger, interview: Interview, recipient: str, language: str) -> dict[str, Any]:
    start = interview.slot_start.astimezone(ZoneInfo(interview.timezone))
    return interview_notice(
        interview,
        # One notice per move: a second move of the same interview is a second notice.
        canonical_id=f"hrhub:notification:reschedule-{interview.remote_id}-{start:%Y%m%d%H%M}",
        template="reschedule",
        recipient=recipient,
        language=language,
        job_title=_job_title(ledger, interview.application_id),
    )


def interview_notice(
    interview: Interview,
    *,
    canonical_id: str,
    template: str,
    recipient: str,
    language: str,
    job_title: str,
) -> dict[str, Any]:
    """The facts of a notice about one interview (mappings/dingtalk/work_notification.out.yaml
    maps them), its times in the interview's own time zone."""
    zone = ZoneInfo(interview.timezone)
    start, end = interview.slot_start.astimezone(zone), interview.slot_end.astimezone(zone)
    expires = interview.link_expires_at.astimezone(zone) if interview.link_expires_at else end
    return {
        "canonical_id": canonical_id,
        "recipient": recipient,
        "template": template,
        "language": language,
        "job_title": job_title,
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
