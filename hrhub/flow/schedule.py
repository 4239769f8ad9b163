"""schedule: book interviews inside interviewers' real working time, and keep them there.

`schedule_interviews` books the shortlisted applications that have no interview yet: slots
come from `hrhub.scheduling.plan` over the busy time the attendance sources report (DingTalk
attendance and the terminals' system; the caller merges them per interviewer), the interviews
already booked, and each candidate's availability. Each booking is staged as an `Interview`
with a signed personal link; an application that fits nowhere is a dead letter with the reason.

Each application is booked only with its job's panel (`interviewer_panels`): the members of the
DingTalk departments and the userids its job profile names under `interviewers`, or every
on-job person when it names none. A job whose panel is nobody (an unknown department, an empty
one) letters its applications with the field `interviewers`; the other jobs are booked as usual.

Interviewers' shifts and leave change after invitations went out. `reschedule_interviews` reads
the booked interviews from the ledger, checks them against the busy time the attendance
sources report now (DingTalk attendance, the terminals' system: `busy_intervals` of their
clients), and moves only the interviews a change touches (`hrhub.scheduling.reschedule`). A
moved interview is staged with its new slot and status `rescheduled`, and its candidate gets a
`reschedule` notice with a fresh personal link through the outbox. An interview that fits
nowhere any more, or whose candidate cannot be reached, is a dead letter HR sees: nobody is
left waiting in a room no interviewer will join. Given the panels, a moved interview stays
with its job's panel (with its own interviewers when its job has none).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from connectors._core.errors import RecordRejected
from hrhub.flow.job_profiles import FlowProfile, InterviewerPanel, JobProfiles
from hrhub.flow.push import enqueue_writes
from hrhub.ledger import Ledger, Letter, StageInput
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
    "Directory",
    "Panel",
    "RescheduleSummary",
    "ScheduleSummary",
    "application_jobs",
    "booked_interviews",
    "interview_notice",
    "interview_remote_id",
    "interviewer_panels",
    "panel_members",
    "reschedule_interviews",
    "schedule_interviews",
    "shortlisted_applications",
]

log = logging.getLogger(__name__)

NOTICE_SYSTEM, NOTICE_OPERATION = "dingtalk", "work_notification"
LINK_GRACE = timedelta(hours=1)  # a moved interview's link stays valid this long after its end
_OPEN = {InterviewStatus.SCHEDULED.value, InterviewStatus.RESCHEDULED.value}


@dataclass
class ScheduleSummary:
    requested: int = 0
    already_booked: int = 0
    waiting_for_hr: int = 0  # refused before; open dead letters wait for HR's replay
    next_run: int = 0  # the candidate's other application is booked first; this one next run
    no_interviewers: int = 0  # its job's panel is nobody (lettered, among dead_letters)
    scheduled: int = 0
    dead_letters: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Panel:
    """Who may interview for one job (`interviewer_ids`), or why nobody may (`problem`);
    `job` names the job and its profile file in dead letters."""

    job: str
    interviewer_ids: tuple[str, ...] = ()
    problem: str | None = None


class Directory(Protocol):
    """Where panels are read: the DingTalk client."""

    def onjob_userids(self) -> list[str]: ...

    def department_userids(self, dept_id: int) -> list[str]: ...


def schedule_interviews(
    *,
    ledger: Ledger,
    applications: Sequence[Mapping[str, Any]],
    busy: Mapping[str, Sequence[Any]],
    policy: Policy,
    room_url: str,
    link_secret: str,
    now: datetime,
    panels: Mapping[str, Panel] | None = None,
) -> ScheduleSummary:
    """Book an interview for each application without one. Each application: `application_id`,
    `candidate_id`, `job_id`, optional `availability` (intervals) and, without `panels`,
    `interviewer_ids` (empty: anyone); `panels`: job id -> its panel (`interviewer_panels`),
    an application is booked only with its job's; `busy`: interviewer id -> intervals as
    connectors report them."""
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
    if panels is not None:
        wanted, unstaffed = _staffed(wanted, panels)
        _letter_unstaffed(ledger, unstaffed)
        summary.no_interviewers = len(unstaffed)
        summary.dead_letters += len(unstaffed)

    def eligible(application: Mapping[str, Any]) -> tuple[str, ...]:
        if panels is not None:  # one shared tuple per job: the engine resolves it once
            return panels[str(application.get("job_id"))].interviewer_ids
        return tuple(application.get("interviewer_ids", ()))

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
    panel_of = {id(ids): ids for ids in map(eligible, wanted)}  # distinct panels only
    pool = {p for ids in panel_of.values() for p in ids}
    ids = sorted(pool | set(busy) | set(booked))
    interviewers = [
        Interviewer(p, busy=tuple(busy.get(p, ())), booked=tuple(booked.get(p, ()))) for p in ids
    ]
    requests = [
        SlotRequest(str(a["candidate_id"]), tuple(a.get("availability", ())), eligible(a))
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


def _staffed(
    applications: Sequence[Mapping[str, Any]], panels: Mapping[str, Panel]
) -> tuple[list[Mapping[str, Any]], list[tuple[Mapping[str, Any], str]]]:
    """The applications whose job has a panel of somebody, and the others with why not."""
    staffed, unstaffed = [], []
    for application in applications:
        job_id = str(application.get("job_id"))
        panel = panels.get(job_id)
        if panel is not None and panel.interviewer_ids and not panel.problem:
            staffed.append(application)
            continue
        if panel is None:
            why = f"no interviewer panel was resolved for job {job_id}"
        else:
            why = f"{panel.job}: {panel.problem or 'the panel has nobody in it'}"
        unstaffed.append((application, f"no interviewers for {why}; fix field 'interviewers'"))
    return staffed, unstaffed


def _letter_unstaffed(ledger: Ledger, unstaffed: Sequence[tuple[Mapping[str, Any], str]]) -> None:
    if unstaffed:
        ledger.dead_letter_many(
            [
                Letter(
                    system="hrhub",
                    entity="interview",
                    record_id=str(application["application_id"]),
                    reason=reason,
                    payload=dict(application),
                    field="interviewers",
                    error_class="ScheduleFailed",
                )
                for application, reason in unstaffed
            ]
        )


def interviewer_panels(
    ledger: Ledger,
    job_ids: Iterable[str],
    profiles: JobProfiles,
    directory: Directory,
    *,
    cap: int,
) -> dict[str, Panel]:
    """Each job's panel, by job id: what its profile's `interviewers` names (DingTalk
    departments' own members, userids), or every on-job person when it names none (a job
    without a profile too); sorted ids, at most `cap` (each calendar costs reads). A panel
    is resolved once however many jobs share it. An unknown department or a panel of
    nobody is the panel's `problem`; RetriableError (DingTalk down) reaches the caller."""
    wanted = sorted({str(j) for j in job_ids})
    jobs = {r.canonical_id: r for r in ledger.get_records(wanted)}
    resolved: dict[InterviewerPanel | None, tuple[tuple[str, ...], str | None]] = {}
    panels = {}
    for job_id in wanted:
        job = jobs.get(job_id)
        title = job.payload.get("title") if job else None
        profile = profiles.for_title(title) if title else None
        spec = profile.interviewers if profile else None
        if spec not in resolved:
            resolved[spec] = _resolve(spec, directory, cap)
        ids, problem = resolved[spec]
        panels[job_id] = Panel(_job_label(job_id, title, profile, profiles), ids, problem)
    return panels


def _resolve(
    spec: InterviewerPanel | None, directory: Directory, cap: int
) -> tuple[tuple[str, ...], str | None]:
    """(interviewer ids, problem) of one panel."""
    if spec is None:
        everyone = tuple(sorted(set(directory.onjob_userids()))[:cap])
        return everyone, None if everyone else "DingTalk lists nobody on the job"
    found = set(spec.userids)
    for dept in spec.departments:
        try:
            found.update(directory.department_userids(dept))
        except RecordRejected as exc:  # 60003: no such department
            return (), f"DingTalk has no department {dept} (errcode {exc.vendor_code})"
    if not found:
        return (), f"DingTalk departments {list(spec.departments)} have no members"
    ids = sorted(found)
    if len(ids) > cap:
        log.warning("a panel of %d interviewers is cut to the first %d ids", len(ids), cap)
    return tuple(ids[:cap]), None


def _job_label(job_id: str, title: Any, profile: FlowProfile | None, profiles: JobProfiles) -> str:
    named = f"job {job_id}" + (f" ({title})" if title else "")
    return f"{named}, profile {profiles.where}/{profile.name}.yaml" if profile else named


def panel_members(panels: Mapping[str, Panel]) -> list[str]:
    """Everyone on any panel, sorted: whose busy time the schedule needs, read once."""
    return sorted({p for panel in panels.values() for p in panel.interviewer_ids})


def application_jobs(ledger: Ledger, application_ids: Iterable[str]) -> dict[str, str]:
    """Application id -> its job's id, for the staged applications among `application_ids`."""
    return {
        r.canonical_id: str(r.payload.get("job_id"))
        for r in ledger.get_records(sorted(set(application_ids)))
    }


def shortlisted_applications(
    ledger: Ledger, interviewer_ids: Sequence[str] = (), limit: int | None = None
) -> list[dict[str, Any]]:
    """The applications waiting at `shortlisted`, as `schedule_interviews` takes them: each
    with its job, its candidate's stated availability and the interviewers it may be booked
    with (`interviewer_ids`; `panels` override them)."""
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
                "job_id": str(application.payload.get("job_id")),
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


def booked_interviews(ledger: Ledger, *, now: datetime, until: datetime) -> list[Interview]:
    """The open interviews a reschedule checks: not over by `now`, starting before `until`,
    with interviewers."""
    return [
        i
        for i in _open_interviews(ledger)
        if i.slot_end > now and i.slot_start < until and i.interviewer_ids
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
    waiting_for_hr: int = 0  # lettered by an earlier run: left where they are until replayed
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
    recipients: Mapping[str, str] | Callable[[str], str | None],
    room_url: str,
    link_secret: str,
    now: datetime,
    language: str = "zh",
    panels: Mapping[str, Panel] | None = None,
) -> RescheduleSummary:
    """Move the booked interviews in the policy's window that now clash with `busy`
    (interviewer id -> intervals as connectors report them); `recipients` maps a candidate's
    canonical id to the DingTalk userid their notices go to (a mapping, or a lookup asked only
    for the moved, before anything is written); `panels` (job id -> panel) keeps each move
    inside its job's panel."""
    booked = booked_interviews(ledger, now=now, until=policy.window_end)
    summary = RescheduleSummary(interviews=len(booked))
    # An interview lettered before (no slot left, no way to tell its candidate) waits for HR:
    # it is not moved or lettered again every run, and its time stays taken.
    refused = ledger.open_dead_letter_ids("hrhub", "interview")
    held: dict[str, list[Interval]] = {}
    for interview in (i for i in booked if i.canonical_id in refused):
        summary.waiting_for_hr += 1
        for person in interview.interviewer_ids:
            held.setdefault(person, []).append(Interval(interview.slot_start, interview.slot_end))
    booked = [i for i in booked if i.canonical_id not in refused]
    if not booked:
        return summary
    ids = {p for i in booked for p in i.interviewer_ids} | set(busy) | set(held)
    interviewers = [
        Interviewer(p, busy=tuple(busy.get(p, ())), booked=tuple(held.get(p, ())))
        for p in sorted(ids)
    ]
    by_id = {i.canonical_id: i for i in booked}
    eligible = _eligible(ledger, booked, panels) if panels is not None else {}
    result = reschedule(
        [_booking(i, eligible.get(i.canonical_id, ())) for i in booked], interviewers, policy
    )
    summary.kept, summary.moved = len(result.kept), len(result.moved)
    summary.unplaceable = len(result.unplaceable)

    moved = [
        _moved(by_id[m.booking.interview_id], m, room_url, link_secret, now) for m in result.moved
    ]
    # Recipients are looked up before anything is written: a lookup that fails (DingTalk
    # down) leaves the ledger as it was, and the rerun makes the same moves.
    lookup = recipients.get if isinstance(recipients, Mapping) else recipients
    to = {i.canonical_id: lookup(i.candidate_id) for i in moved}
    # The notices are queued before the moves are staged: once staged, an interview fits and
    # is never moved (or announced) again, so a run stopped in between would lose its notice.
    # Queued first, a rerun over the same busy time makes the same moves: the same items.
    notices = []
    for interview in moved:
        recipient = to[interview.canonical_id]
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


def _booking(interview: Interview, eligible: Sequence[str] = ()) -> Booking:
    slot = Slot(interview.slot_start, interview.slot_end, tuple(sorted(interview.interviewer_ids)))
    return Booking(interview.canonical_id, interview.candidate_id, slot, eligible=eligible)


def _eligible(
    ledger: Ledger, interviews: Sequence[Interview], panels: Mapping[str, Panel]
) -> dict[str, tuple[str, ...]]:
    """Interview id -> who may take it over: its job's panel, or (a job without a panel of
    somebody) only its own interviewers."""
    jobs = application_jobs(ledger, [i.application_id for i in interviews])
    out = {}
    for interview in interviews:
        panel = panels.get(jobs.get(interview.application_id, ""))
        if panel is not None and panel.interviewer_ids and not panel.problem:
            out[interview.canonical_id] = panel.interviewer_ids
        else:
            out[interview.canonical_id] = tuple(sorted(interview.interviewer_ids))
    return out


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
