"""The callables behind the DAGs' tasks: they open hooks and the ledger, then call the steps.

DAG files import only this module's functions, inside their tasks, so parsing a DAG costs no
import of connectors, pydantic models or the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from typing import Any

from airflow.sdk import BaseHook, get_current_context

from connectors._core.errors import ConfigError, RecordRejected, RetriableError
from connectors._core.registry import get_connector, registry
from hrhub.flow.daily import daily_report as report_step
from hrhub.flow.extract import extract_stream, planned_streams
from hrhub.flow.hire import onboard_hires as hire_step
from hrhub.flow.invite import InviteSummary, invite_booked
from hrhub.flow.job_profiles import JobProfiles
from hrhub.flow.lineage import OperationRecorder, emit_extract_lineage, emit_push_lineage
from hrhub.flow.onboard import CHECKIN_OPERATIONS, first_week_checkins
from hrhub.flow.push import PushSummary, push_all
from hrhub.flow.schedule import (
    application_jobs,
    booked_interviews,
    interviewer_panels,
    panel_members,
    reschedule_interviews,
    schedule_interviews,
    shortlisted_applications,
)
from hrhub.flow.score import score_interviews as score_step
from hrhub.flow.screen import screen_applications, screen_processes
from hrhub.flow.verify import verify_target
from hrhub.ledger import Ledger, StagedRecord
from hrhub.models import Interview, Stage
from hrhub.scheduling import Policy

log = logging.getLogger(__name__)

__all__ = [
    "daily_report",
    "extract",
    "invite",
    "onboard_hires",
    "plan_extract",
    "push_writes",
    "queue_first_week_checkins",
    "report",
    "reschedule",
    "schedule",
    "score_interviews",
    "screen",
    "verify_writes",
]

# The most interviewers one job's panel holds (DingTalk userids, sorted). A job profile without
# `interviewers` gets every on-job person up to this bound; one with it gets the members of its
# departments and its userids. Their calendars cost one attendance read a day whoever is asked,
# and people without a shift in the window are simply never free.
INTERVIEWER_POOL = 500
SCHEDULE_DAYS = 7  # how far ahead interviews are booked


def plan_extract() -> list[dict[str, str]]:
    """The (system, stream) pairs this run extracts; a system serving several products (Yonyou
    NC or YonBIP) offers the streams of the product its connection names."""
    return planned_streams(flavors=connection_flavors())


def connection_flavors() -> dict[str, str | None]:
    """The `flavor` extra of each multi-product system's default connection (None if unset)."""
    flavors: dict[str, str | None] = {}
    for name, spec in registry().items():
        if spec.default_flavor is None:
            continue
        try:
            extra = BaseHook.get_connection(spec.default_conn_id).extra_dejson
        except Exception as exc:  # no connection yet: its extract task will say so clearly
            log.warning("%s: cannot read connection %s (%s)", name, spec.default_conn_id, exc)
            extra = {}
        flavors[name] = extra.get("flavor") or None
    return flavors


def extract(
    source: dict[str, str], conn_id: str | None = None, *, full: bool = False
) -> dict[str, Any]:
    """Extract one stream (`full`: all of it, not only what changed since the watermark);
    returns counts and the batch id (ids stay in the ledger)."""
    spec = get_connector(source["system"])
    hook = spec.hook_class()(conn_id=conn_id)
    try:
        summary = extract_stream(
            source["system"],
            source["stream"],
            client=hook.get_conn(),
            ledger=Ledger.open(),
            full=full,
        )
    finally:
        hook.close()
        # Pages staged before a failure were mapped too: their lineage is reported either way.
        emit_extract_lineage(source["system"], source["stream"])
    result = summary.as_dict()
    log.info(
        "extract %s.%s: read %d, inserted %d, updated %d, skipped %d, dead letters %d",
        summary.system,
        summary.stream,
        summary.read,
        summary.inserted,
        summary.updated,
        summary.skipped,
        summary.dead_letters,
    )
    return result


def report(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-batch counts plus the ledger's state, logged for HR admins and returned for XCom."""
    totals = {
        key: sum(s[key] for s in summaries)
        for key in ("read", "inserted", "updated", "skipped", "dead_letters")
    }
    status = Ledger.open().status()
    log.info("batch totals %s; ledger %s", totals, status)
    return {"totals": totals, "streams": summaries, "ledger": status}


def queue_first_week_checkins(day: str, days: int = 7) -> dict[str, Any]:
    """Queue new hires' first-week check-ins for the eHR (`day`: the run's date, YYYY-MM-DD)."""
    spec = get_connector("yonyou")
    flavor = connection_flavors().get("yonyou") or spec.default_flavor
    operation = CHECKIN_OPERATIONS.get(flavor or "")
    if operation is None:
        log.warning(
            "yonyou (%s): hrhub has no check-in operation for this product; skipped", flavor
        )
        return {"target_system": "yonyou", "operation": None, "skipped": flavor}
    summary = first_week_checkins(
        ledger=Ledger.open(), today=date.fromisoformat(day), operation=operation, days=days
    )
    log.info("first-week check-ins: %s", summary.as_dict())
    return summary.as_dict()


def push_writes(system: str, conn_id: str | None = None) -> dict[str, Any]:
    """Send what the outbox owes `system` (in rounds, `push_all`) and settle each record
    (receipt or dead letter). With nothing owed the connection is not opened (a system without
    one is not in use)."""
    ledger = Ledger.open()
    if not ledger.owed(system):
        log.info("push %s: nothing owed", system)
        return PushSummary(system).as_dict()
    hook = get_connector(system).hook_class()(conn_id=conn_id)
    sent = OperationRecorder()
    try:
        summary = push_all(
            system, client=sent.wrap(hook.get_conn()), ledger=ledger, claimant=task_claimant()
        )
    finally:
        hook.close()
        emit_push_lineage(system, sent.operations)  # what was written, even if a call failed
    log.info("push %s: %s", system, summary.as_dict())
    return summary.as_dict()


def verify_writes(system: str, conn_id: str | None = None) -> dict[str, Any]:
    """Read back what landed in `system`; re-open what it no longer holds (see
    `hrhub.flow.verify`). A system nothing landed in is not contacted."""
    ledger = Ledger.open()
    if not any(t["target_system"] == system and t["landed"] for t in ledger.write_tallies()):
        log.info("verify %s: nothing landed there", system)
        return {"system": system, "operations": []}
    spec = get_connector(system)
    hook = spec.hook_class()(conn_id=conn_id)
    try:
        flavor = connection_flavors().get(system) if spec.default_flavor else None
        summaries = verify_target(system, hook.get_conn(), ledger, flavor=flavor)
    finally:
        hook.close()
    operations = [s.as_dict() for s in summaries]
    for op in operations:
        log.info(
            "verify %s.%s: landed %d, read back %d, gone %d%s",
            system,
            op["operation"],
            op["landed"],
            op["checked"],
            op["absent"],
            f" ({op['not_checked']})" if op["not_checked"] else "",
        )
    return {"system": system, "operations": operations}


def daily_report(
    day: str, resynced: list[dict[str, Any]], verified: list[dict[str, Any]]
) -> dict[str, Any]:
    """The daily report (HTML and JSON under the reports folder) and its verdict."""
    result = report_step(day, resynced, verified)
    log.info(
        "daily report %s: lost %d, missed by the incremental reads %d, repaired %d -> %s",
        day,
        result["lost"],
        result["missed"],
        result["repaired"],
        result["html"],
    )
    return result


def task_claimant() -> str | None:
    """The Airflow task instance running this, by a name its retries share (None outside a
    task): the outbox hands a retry what the task's killed try held in flight."""
    try:
        ti = get_current_context()["ti"]
    except RuntimeError:  # not inside an Airflow task (the CLI, a test, a benchmark)
        return None
    return f"{ti.dag_id}/{ti.run_id}/{ti.task_id}/{ti.map_index}"


def score_interviews(conn_id: str | None = None, batch_size: int = 200) -> dict[str, Any]:
    """Score the analysed interviews not scored yet, with recordings from the interview room
    (`conn_id`: its connection, default the connector's); returns counts and the writes queued
    per target (the DAG pushes every system that takes results, `pools.RESULT_TARGETS`)."""
    hook = get_connector("interview_room").hook_class()(conn_id=conn_id)
    try:
        client = hook.get_conn()
        summary = score_step(
            Ledger.open(),
            recordings=lambda session_id: client.download_recording(session_id),
            batch_size=batch_size,
            flavors=connection_flavors(),
        )
    finally:
        hook.close()
    result = summary.as_dict()
    log.info(
        "score: scored %d, held for review %d, queued writes %d, dead letters %d, skipped %d; "
        "audio analysed %d, audio errors %d; queued per target %s",
        summary.scored,
        summary.held_for_review,
        summary.queued_writes,
        summary.dead_letters,
        summary.skipped,
        summary.audio_analysed,
        summary.audio_errors,
        summary.queued_by_target or "none",
    )
    return result


def screen(chunk_size: int = 500) -> dict[str, Any]:
    """Screen the applications waiting at `extracted`, resumes read from their own systems in
    bulk (a system whose client cannot read resumes letters its applications, saying so) and
    parsed on `screen_processes()` processes."""
    with ExitStack() as stack:
        clients: dict[str, Any] = {}

        def resumes_of(system: str, records: list[StagedRecord]) -> dict[str, Any]:
            client = clients.get(system)
            if client is None:
                hook = get_connector(system).hook_class()()
                stack.callback(hook.close)
                client = clients[system] = hook.get_conn()
            if not hasattr(client, "fetch_resumes"):
                missing = ConfigError(f"hrhub cannot read resumes from {system}", system=system)
                return dict.fromkeys((r.canonical_id for r in records), missing)
            found = client.fetch_resumes([r.remote_id for r in records])
            return {
                r.canonical_id: getattr(found.get(r.remote_id), "content", found.get(r.remote_id))
                for r in records
            }

        summary = screen_applications(
            Ledger.open(),
            resumes=resumes_of,
            profiles=JobProfiles.load(),
            chunk_size=chunk_size,
            processes=screen_processes(),
        )
    log.info("screen: %s", summary.as_dict())
    return summary.as_dict()


def _booking_policy(start: datetime, days: int) -> Policy:
    """Interviews are booked from the day after `start`, `days` days ahead."""
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    return Policy(
        window_start=midnight + timedelta(days=1), window_end=midnight + timedelta(days=1 + days)
    )


def schedule(now: str | None = None, days: int = SCHEDULE_DAYS) -> dict[str, Any]:
    """Book the shortlisted applications inside DingTalk working time of their job's panel
    (`now`: ISO time, default the wall clock; the window starts the next day)."""
    start = datetime.fromisoformat(now) if now else datetime.now(UTC)
    policy = _booking_policy(start, days)
    ledger = Ledger.open()
    applications = shortlisted_applications(ledger)
    if not applications:
        return {"requested": 0}
    profiles = JobProfiles.load()
    dingtalk = get_connector("dingtalk").hook_class()()
    room = get_connector("interview_room").hook_class()()
    try:
        people = dingtalk.get_conn()
        try:
            panels = interviewer_panels(
                ledger,
                {a["job_id"] for a in applications},
                profiles,
                people,
                cap=INTERVIEWER_POOL,
            )
            busy = people.busy_intervals(
                panel_members(panels), policy.window_start, policy.window_end
            )
        except RetriableError as exc:
            # No calendars, no slots: the shortlisted wait for the next run; the rest of the
            # run (invitations booked before, every push) goes on.
            log.warning("schedule: DingTalk is down (%s); %d wait", exc, len(applications))
            return {"requested": len(applications), "deferred": len(applications)}
        door = room.get_conn()
        summary = schedule_interviews(
            ledger=ledger,
            applications=applications,
            busy={k: [b.as_dict() for b in v] for k, v in busy.items()},
            policy=policy,
            room_url=f"{door.base_url}/room",
            link_secret=door.link_secret,
            now=start,
            panels=panels,
        )
    finally:
        dingtalk.close()
        room.close()
    log.info("schedule: %s", summary.as_dict())
    return summary.as_dict()


def reschedule(now: str | None = None, days: int = SCHEDULE_DAYS) -> dict[str, Any]:
    """Move the booked interviews whose interviewers' DingTalk shifts or leave changed since
    booking, each within its job's panel, and queue the candidates' reschedule notices (`now`:
    ISO time, default the wall clock; busy time is read from then to the booking window's end)."""
    start = datetime.fromisoformat(now) if now else datetime.now(UTC)
    policy = _booking_policy(start, days)
    ledger = Ledger.open()
    booked = booked_interviews(ledger, now=start, until=policy.window_end)
    if not booked:
        return {"interviews": 0}
    profiles = JobProfiles.load()
    dingtalk = get_connector("dingtalk").hook_class()()
    room = get_connector("interview_room").hook_class()()
    try:
        people = dingtalk.get_conn()
        door = room.get_conn()
        try:
            jobs = application_jobs(ledger, [i.application_id for i in booked])
            panels = interviewer_panels(
                ledger, set(jobs.values()), profiles, people, cap=INTERVIEWER_POOL
            )
            who = {p for i in booked for p in i.interviewer_ids} | set(panel_members(panels))
            busy = people.busy_intervals(sorted(who), start, policy.window_end)
            summary = reschedule_interviews(
                ledger=ledger,
                busy={k: [b.as_dict() for b in v] for k, v in busy.items()},
                policy=policy,
                recipients=_dingtalk_recipient(ledger, people),
                room_url=f"{door.base_url}/room",
                link_secret=door.link_secret,
                now=start,
                panels=panels,
            )
        except RetriableError as exc:
            # Nothing was moved or written: the next run reads the calendars again.
            log.warning("reschedule: DingTalk is down (%s); %d wait", exc, len(booked))
            return {"interviews": len(booked), "deferred": len(booked)}
    finally:
        dingtalk.close()
        room.close()
    log.info("reschedule: %s", summary.as_dict())
    return summary.as_dict()


def _dingtalk_recipient(ledger: Ledger, people: Any) -> Callable[[str], str | None]:
    """Candidate id -> the DingTalk userid of one of their mobiles (None: not in the company's
    DingTalk, an external candidate), as the invite step finds it."""

    def recipient(candidate_id: str) -> str | None:
        found = ledger.get_records([candidate_id])
        return _userid_of(people, found[0].payload) if found else None

    return recipient


def _userid_of(people: Any, candidate: Mapping[str, Any]) -> str | None:
    """The DingTalk userid of one of a candidate's mobiles; None when none is in the company's
    DingTalk (an external candidate: their own system carries the message)."""
    for phone in candidate.get("phones") or []:
        try:
            return people.userid_by_mobile(str(phone))
        except RecordRejected:
            continue
    return None


def invite() -> dict[str, Any]:
    """Queue the order, status and notice of every newly booked interview; DingTalk is
    connected to only when there is someone to look up (a run with nothing booked asks
    nothing)."""
    ledger = Ledger.open()
    if not ledger.ids_in_stage(Interview.entity, Stage.EXTRACTED.value, limit=1):
        summary = InviteSummary()  # nothing booked since the last run: no profiles, no DingTalk
        log.info("invite: %s", summary.as_dict())
        return summary.as_dict()
    dingtalk = get_connector("dingtalk").hook_class()()
    try:

        def recipient(candidate: dict[str, Any]) -> str | None:
            # The hook keeps its client: DingTalk is connected to once, at the first lookup.
            return _userid_of(dingtalk.get_conn(), candidate)

        summary = invite_booked(ledger, profiles=JobProfiles.load(), recipient=recipient)
    finally:
        dingtalk.close()
    log.info("invite: %s", summary.as_dict())
    return summary.as_dict()


def onboard_hires() -> dict[str, Any]:
    """Queue every new hire's pre-hire in the eHR, DingTalk pre-entry and attendance employee."""
    spec = get_connector("yonyou")
    flavor = connection_flavors().get("yonyou") or spec.default_flavor
    summary = hire_step(Ledger.open(), yonyou_flavor=flavor, now=datetime.now(UTC))
    log.info("onboard: %s", summary.as_dict())
    return summary.as_dict()
