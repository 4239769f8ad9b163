"""screen: parse each new application's resume, score its job fit, shortlist the top share.

Works on the applications at stage `extracted`, a chunk at a time, grouped by requisition. The
requisition's title picks its job profile (`jobs/*.yaml`, `hrhub.flow.job_profiles`); the
resumes are read from the applications' own system in bulk (`resumes(system, records)`;
SuccessFactors keeps them as attachments), parsed together whatever their jobs (a `ParsePool`
of worker processes, while the task reads the next chunk) and scored per job
(`screen_parsed`). A new applicant is ranked among everyone screened for the job before (their
scores are read from the ledger), so the top share is taken of all applicants however they
trickle in; earlier applicants keep their places.

Results are staged as `screening_result` records; the application moves to `shortlisted`
(its new stage is queued for its system: SuccessFactors shows it as the pipeline status) or
`screened`. What cannot be screened stops only itself, as a dead letter naming the application
and the field: a resume that is missing or unreadable (`resume`), a requisition no profile
matches (`job.title`). Those applications move to `dead_letter`; `hrhub replay` puts them back.
A system that is down (a retriable error after the client's own retries) leaves its
applications at `extracted` for the next run, and nothing else waits for it.
"""

from __future__ import annotations

import os
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from connectors._core.errors import AuthError, ConfigError, ConnectorError, RetriableError
from connectors._core.registry import get_connector
from hrhub.flow.job_profiles import FlowProfile, JobProfiles
from hrhub.flow.push import enqueue_writes
from hrhub.flow.schedule import interview_remote_id
from hrhub.ledger import Ledger, Letter, StagedRecord, StageInput
from hrhub.models import Application, Interview, JobStatus, ScreeningResult, Stage
from hrhub.scoring.screening import Parsed, ParsePool, screen_parsed
from hrhub.scoring.screening.batch import PendingParse, cpu_count
from hrhub.scoring.screening.outcome import ScreeningOutcome

__all__ = ["STATUS_OPERATION", "ScreenSummary", "screen_applications", "screen_processes"]

APPLICATION = Application.entity
RESULT = ScreeningResult.entity
STATUS_OPERATION = "application_status"  # the operation that shows an application's stage
UNPARSEABLE, NO_PROFILE = "UnparseableResume", "NoJobProfile"
PROCESSES_ENV = "HRHUB_SCREEN_PROCESSES"
PARALLEL_FROM = 200  # fewer resumes in a chunk parse in the task: workers cost ~2 s to start

Resumes = Callable[[str, list[StagedRecord]], Mapping[str, bytes | str | ConnectorError]]
"""(system, its applications) -> each application's resume by canonical id, or the error
that says why it cannot be read; raises RetriableError when the system is down."""


@dataclass
class ScreenSummary:
    """What one screening run did; travels through XCom, so only plain values."""

    batch_id: str
    considered: int = 0
    screened: int = 0
    shortlisted: int = 0
    dead_letters: int = 0  # unreadable resumes and jobs without a profile
    waiting_for_job: int = 0  # the requisition is not staged yet
    job_not_open: int = 0  # closed, cancelled or pending requisitions are not screened
    deferred: int = 0  # the resume's system was down: next run
    returned: int = 0  # screened before, changed in the source: back to their flow stage
    queued_writes: int = 0
    systems_down: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def screen_applications(
    ledger: Ledger,
    *,
    resumes: Resumes,
    profiles: JobProfiles,
    chunk_size: int = 500,
    processes: int = 1,
    parallel_from: int = PARALLEL_FROM,
    now: datetime | None = None,
) -> ScreenSummary:
    """Screen every application at stage `extracted` (see the module docstring).

    `processes` parse resumes side by side (`ParsePool`, once a chunk holds `parallel_from`
    resumes); while they parse one chunk, this process reads the next one's records and
    resumes and then settles the first, so the ledger and the systems are not waited on."""
    now = now or datetime.now(UTC)
    summary = ScreenSummary(batch_id=f"screen-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}")
    down: set[str] = set()
    scores: _Scores | None = None  # each job's fit scores so far: read once, kept up to date
    waiting = iter(ledger.ids_in_stage(APPLICATION, Stage.EXTRACTED.value))
    pending: tuple[_Chunk, PendingParse] | None = None
    # Experience up to 至今 / present counts to `now`, so a run screens the same way whenever
    # it is re-run.
    with ParsePool(processes, parallel_from=parallel_from, today=now.date()) as pool:
        while True:
            chunk = list(islice(waiting, chunk_size))
            ready = _ready(ledger, chunk, resumes, profiles, down, summary) if chunk else None
            parsing = pool.submit(ready.readable) if ready else None
            if pending is not None:
                scores = scores if scores is not None else _scores_by_job(ledger)
                _settle_chunk(ledger, *pending, scores, now, summary)
            if ready is None or parsing is None:
                break
            pending = (ready, parsing)
    summary.systems_down = sorted(down)
    return summary


def screen_processes() -> int:
    """Processes that parse resumes: `$HRHUB_SCREEN_PROCESSES`, default the cores this
    process may use (the task's own process keeps reading and settling meanwhile)."""
    value = os.environ.get(PROCESSES_ENV, "").strip()
    if not value:
        return cpu_count()
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{PROCESSES_ENV} must be a whole number >= 1, got {value!r}")
    return int(value)


@dataclass
class _Chunk:
    """One chunk's applications ready to score: by job, each job's record and profile, and
    their resumes (or why one cannot be read)."""

    by_job: dict[str, list[StagedRecord]]
    jobs: dict[str, tuple[StagedRecord, FlowProfile]]
    fetched: dict[str, bytes | str | ConnectorError]

    @property
    def readable(self) -> list[tuple[str, bytes | str]]:
        return [(i, r) for i, r in self.fetched.items() if not isinstance(r, ConnectorError)]


def _ready(
    ledger: Ledger,
    chunk: list[str],
    resumes: Resumes,
    profiles: JobProfiles,
    down: set[str],
    summary: ScreenSummary,
) -> _Chunk:
    """Read a chunk's applications, their jobs and their resumes; settle what cannot be
    screened now (returning, waiting for a job, no profile, system down)."""
    applications = _not_screened_before(ledger, ledger.get_records(chunk), summary)
    summary.considered += len(applications)
    by_job: dict[str, list[StagedRecord]] = defaultdict(list)
    for record in applications:
        by_job[str(record.payload.get("job_id"))].append(record)
    records = {r.canonical_id: r for r in ledger.get_records(by_job)}
    jobs = {
        job_id: (records[job_id], profile)
        for job_id, group in by_job.items()
        if (profile := _profile(ledger, records.get(job_id), group, profiles, summary))
    }
    wanted = [r for job_id in jobs for r in by_job[job_id]]
    return _Chunk(by_job, jobs, _fetch(wanted, resumes, down, summary))


def _settle_chunk(
    ledger: Ledger,
    chunk: _Chunk,
    parsing: PendingParse,
    scores: _Scores,
    now: datetime,
    summary: ScreenSummary,
) -> None:
    """Score each job's share of a parsed chunk among the job's earlier applicants, then
    settle the whole chunk at once; `scores` gains the new fit scores."""
    parsed = dict(parsing.result())
    settled: list[tuple[StagedRecord, ScreeningOutcome]] = []
    for job_id, (job, profile) in sorted(chunk.jobs.items()):
        group = [r for r in chunk.by_job[job_id] if r.canonical_id in chunk.fetched]
        outcomes = _screen_job(job, profile, group, chunk.fetched, parsed, scores[job_id])
        scores[job_id] += [o.fit_score for o in outcomes if o.fit_score is not None]
        settled += [(job, outcome) for outcome in outcomes]
    by_id = {r.canonical_id: r for group in chunk.by_job.values() for r in group}
    _settle(ledger, by_id, settled, now, summary)


def _not_screened_before(
    ledger: Ledger, applications: list[StagedRecord], summary: ScreenSummary
) -> list[StagedRecord]:
    """The applications never screened. One screened before is back at `extracted` because
    its source record changed (a recruiter's edit, the status hrhub wrote back): it is not
    screened again (its resume was), it goes back to where the flow had it."""
    results = {
        r.payload.get("application_id"): r
        for r in ledger.get_records(
            ScreeningResult.make_canonical_id("hrhub", a.canonical_id) for a in applications
        )
    }
    returning = [a for a in applications if a.canonical_id in results]
    if not returning:
        return applications
    interviews = {
        r.payload.get("application_id"): r
        for r in ledger.get_records(
            Interview.make_canonical_id("hrhub", interview_remote_id(a.canonical_id))
            for a in returning
        )
    }
    in_review = (
        {str(hold.result.get("application_id")) for hold in ledger.review_holds()}
        if any(i.stage == Stage.INTERVIEWED.value for i in interviews.values())
        else set()
    )
    by_stage: dict[str, list[str]] = defaultdict(list)
    for application in returning:
        interview = interviews.get(application.canonical_id)
        shortlisted = bool(results[application.canonical_id].payload.get("shortlisted"))
        if interview is None or interview.stage in (Stage.EXTRACTED.value, Stage.DEAD_LETTER.value):
            stage = Stage.SHORTLISTED if shortlisted else Stage.SCREENED
        elif interview.stage == Stage.INTERVIEWED.value:
            stage = Stage.IN_REVIEW if application.canonical_id in in_review else Stage.SCORED
        else:
            stage = Stage.INVITED
        by_stage[stage.value].append(application.canonical_id)
    for stage, ids in by_stage.items():
        ledger.set_stage(ids, stage)
    summary.returned += len(returning)
    return [a for a in applications if a.canonical_id not in results]


def _profile(
    ledger: Ledger,
    job: StagedRecord | None,
    applications: list[StagedRecord],
    profiles: JobProfiles,
    summary: ScreenSummary,
) -> FlowProfile | None:
    """The job's profile when its applications can be screened now; None (counted, or each
    application lettered when no profile matches the title) otherwise."""
    if job is None:
        summary.waiting_for_job += len(applications)
        return None
    if job.payload.get("status") != JobStatus.OPEN.value:
        summary.job_not_open += len(applications)
        return None
    profile = profiles.for_title(job.payload.get("title"))
    if profile is None:
        reason = (
            f"no job profile matches the requisition title {job.payload.get('title')!r} "
            f"({job.canonical_id}); add its title to a profile's match_titles in "
            f"{profiles.where}, then `hrhub replay`"
        )
        _letter(ledger, applications, "job.title", [reason] * len(applications), NO_PROFILE)
        summary.dead_letters += len(applications)
    return profile


def _fetch(
    applications: list[StagedRecord], resumes: Resumes, down: set[str], summary: ScreenSummary
) -> dict[str, bytes | str | ConnectorError]:
    """Each application's resume (or why it could not be read), one bulk read per system; a
    system that is down defers its applications."""
    by_system: dict[str, list[StagedRecord]] = defaultdict(list)
    for record in applications:
        by_system[record.source_system].append(record)
    fetched: dict[str, bytes | str | ConnectorError] = {}
    for system, records in sorted(by_system.items()):
        if system in down:
            summary.deferred += len(records)
            continue
        try:
            found = resumes(system, records)
        except (AuthError, ConfigError):
            raise  # the connection, not a resume: fail the task so operators see it
        except RetriableError:
            down.add(system)
            summary.deferred += len(records)
            continue
        for record in records:
            resume = found.get(record.canonical_id)
            # An empty file is the parser's to judge ("empty"), not a system that said nothing.
            fetched[record.canonical_id] = (
                resume
                if resume is not None
                else ConnectorError(
                    f"{system} did not answer for this application's resume", system=system
                )
            )
    return fetched


def _screen_job(
    job: StagedRecord,
    profile: FlowProfile,
    applications: list[StagedRecord],
    fetched: Mapping[str, bytes | str | ConnectorError],
    parsed: Mapping[str, Parsed],
    earlier: list[float],
) -> list[ScreeningOutcome]:
    """Score and rank one job's group among `earlier` (the job's fit scores so far); a resume
    that could not be read is an unparseable outcome."""
    items: list[tuple[str, Parsed]] = []
    unreadable: list[ScreeningOutcome] = []
    for record in applications:
        resume = fetched[record.canonical_id]
        if isinstance(resume, ConnectorError):
            reason = f"the resume could not be read from {record.source_system}: {resume}"
            unreadable.append(ScreeningOutcome.unparseable(record.canonical_id, reason))
        else:
            items.append((record.canonical_id, parsed[record.canonical_id]))
    outcomes = (
        screen_parsed(items, profile.for_job(job.canonical_id), earlier=earlier) if items else []
    )
    return outcomes + unreadable


_Scores = defaultdict[str, list[float]]


def _scores_by_job(ledger: Ledger) -> _Scores:
    """Every staged screening result's fit score by job, in one read: a run ranks each new
    applicant among them (a read per job and chunk would grow with the square of the run)."""
    scores: _Scores = defaultdict(list)
    for job_id, score in ledger.staged_fields(RESULT, ["job_id", "fit_score"]):
        if job_id is not None and score is not None:
            scores[job_id].append(float(score))
    return scores


def _settle(
    ledger: Ledger,
    by_id: dict[str, StagedRecord],
    outcomes: list[tuple[StagedRecord, ScreeningOutcome]],
    now: datetime,
    summary: ScreenSummary,
) -> None:
    """Stage a chunk's results (one batch), queue the shortlisted ones' stage, letter the
    unreadable: a few transactions a chunk, whatever its jobs."""
    results, stages = [], defaultdict(list)
    shortlisted: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unreadable: list[StagedRecord] = []
    reasons: list[str] = []
    for job, outcome in outcomes:
        record = by_id[outcome.candidate_id]
        if not outcome.scored:
            unreadable.append(record)
            reasons.append(outcome.reason or "unparseable")
            continue
        outcome.candidate_id = str(record.payload["candidate_id"])  # it keyed the application
        result = outcome.to_screening_result(record.canonical_id, job.canonical_id, modified_at=now)
        results.append(StageInput.of(result))
        stage = Stage.SHORTLISTED if outcome.shortlisted else Stage.SCREENED
        stages[stage.value].append(record.canonical_id)
        if outcome.shortlisted:
            shortlisted[record.source_system].append(
                {**record.payload, "canonical_id": record.canonical_id, "stage": stage.value}
            )
    for system, records in sorted(shortlisted.items()):
        if get_connector(system).has_operation(STATUS_OPERATION):
            queued = enqueue_writes(system, STATUS_OPERATION, records, ledger=ledger)
            summary.queued_writes += queued.queued
            summary.dead_letters += queued.dead_letters
    if results:
        ledger.stage(results, batch_id=summary.batch_id)
    for stage, ids in stages.items():
        ledger.set_stage(ids, stage)
    _letter(ledger, unreadable, "resume", reasons, UNPARSEABLE)
    summary.dead_letters += len(unreadable)
    summary.screened += len(results)
    summary.shortlisted += len(stages.get(Stage.SHORTLISTED.value, ()))


def _letter(
    ledger: Ledger,
    records: list[StagedRecord],
    field_name: str,
    reasons: list[str],
    error_class: str,
) -> None:
    """Park applications that cannot be screened (a reason each), in one transaction, and
    move them to `dead_letter`."""
    ledger.dead_letter_many(
        [
            Letter(
                system="hrhub",
                entity=RESULT,
                record_id=record.canonical_id,
                reason=f"application {record.canonical_id}: {reason}",
                payload={
                    "application_id": record.canonical_id,
                    "job_id": record.payload.get("job_id"),
                },
                field=field_name,
                error_class=error_class,
            )
            for record, reason in zip(records, reasons, strict=True)
        ]
    )
    ledger.set_stage([record.canonical_id for record in records], Stage.DEAD_LETTER.value)
