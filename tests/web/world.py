"""A small, realistic ledger for the web pages' tests: three requisitions owned by two
recruiters, thirty candidates with personal data, applications spread over the flow's
stages, writes owed and landed, dead letters with reasons, and results held for review
(built with the real out-mappings, as the flow holds them).

Every personal value carries a marker (`PII_MARKERS`) so a test can search a page for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from hrhub.flow.review import hold_for_review
from hrhub.ledger import DeadLetter, Ledger, OutboxItem, OutboxStatus, StagedRecord, StageInput
from hrhub.ledger.tables import ReviewHold
from hrhub.mapping import load_mapping
from hrhub.models import Application, Candidate, InterviewResult, Job, Stage

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
OWNERS = {"1001": "recruiter01", "1002": "recruiter01", "1003": "recruiter02"}
STAGES = [
    Stage.EXTRACTED,
    Stage.SCREENED,
    Stage.SHORTLISTED,
    Stage.INVITED,
    Stage.SCORED,
    Stage.IN_REVIEW,
    Stage.PUSHED,
    Stage.REJECTED,
]


@dataclass
class World:
    ledger: Ledger
    jobs: dict[str, str] = field(default_factory=dict)  # remote id -> canonical id
    candidates: list[str] = field(default_factory=list)
    applications: dict[str, str] = field(default_factory=dict)  # application -> job
    candidate_of: dict[str, str] = field(default_factory=dict)  # application -> candidate
    dead_letter_ids: list[int] = field(default_factory=list)
    review_ids: list[str] = field(default_factory=list)
    pii: dict[str, str] = field(default_factory=dict)  # candidate -> its name (a marker)

    def applications_of(self, owner: str) -> set[str]:
        owned = {self.jobs[r] for r, o in OWNERS.items() if o == owner}
        return {app for app, job in self.applications.items() if job in owned}


def _job(remote: str) -> StageInput:
    job = Job(
        source_system="successfactors",
        remote_id=remote,
        modified_at=T0,
        title=f"高级数据工程师 {remote}",
    )
    payload = job.model_dump(mode="json")
    payload["recruiter_ids"] = [OWNERS[remote]]
    return StageInput(job.canonical_id, "job", "successfactors", remote, T0, payload)


def _candidate(i: int) -> Candidate:
    return Candidate(
        source_system="successfactors",
        remote_id=str(5000 + i),
        modified_at=T0,
        name=f"候选人PII{i:03d}",
        emails=[f"pii{i:03d}@example.cn"],
        phones=[f"+8613800{i:06d}"],
    )


def _result(application_id: str, candidate_id: str, n: int) -> InterviewResult:
    return InterviewResult(
        source_system="hrhub",
        remote_id=f"iv-{n}",
        modified_at=T0,
        interview_id=f"successfactors:interview:{7000 + n}",
        application_id=application_id,
        candidate_id=candidate_id,
        overall_score=48.0 + n,
        recommendation="NO",
        human_review=True,
        review_reasons=["reject: the family's review policy sends every reject to a person"],
        explanation="Answers lacked a result; below the family's pass line.",
        rubric_version="sales-2026.1",
        model_version="m1",
        scored_at=T0,
    )


def build_world(ledger: Ledger) -> World:
    world = World(ledger)
    staged = [_job(remote) for remote in OWNERS]
    world.jobs = {s.remote_id: s.canonical_id for s in staged}
    job_ids = list(world.jobs.values())
    for i in range(30):
        candidate = _candidate(i)
        staged.append(StageInput.of(candidate))
        world.candidates.append(candidate.canonical_id)
        world.pii[candidate.canonical_id] = candidate.name
        application = Application(
            source_system="successfactors",
            remote_id=str(9000 + i),
            modified_at=T0 + timedelta(minutes=i),
            candidate_id=candidate.canonical_id,
            job_id=job_ids[i % len(job_ids)],
        )
        staged.append(StageInput.of(application))
        world.applications[application.canonical_id] = application.job_id
        world.candidate_of[application.canonical_id] = candidate.canonical_id
    ledger.commit_batch(
        "successfactors", "JobApplication", staged, "2026-11-30T01:30:00Z", batch_id="web-world"
    )
    apps = list(world.applications)
    for i, app in enumerate(apps):
        ledger.set_stage([app], STAGES[i % len(STAGES)].value)
    # Writes: status pushes owed for ten applications, six of them landed.
    items = ledger.enqueue_many(
        "successfactors",
        "application_status",
        [(app, {"applicationId": app, "status": "Interview"}) for app in apps[:10]],
        "sha256:world",
    )
    ledger.complete_many([(item.idempotency_key, f"R{n}") for n, item in enumerate(items[:6])])
    # Dead letters: a record the mapping refused, a write a system refused.
    first = ledger.dead_letter(
        "successfactors",
        "candidate",
        world.candidates[3],
        "field 'phones[0].number': '138-bad' is not a phone number",
        {
            "candidateId": "5003",
            "cellPhone": "138-bad",
            "firstName": world.pii[world.candidates[3]],
        },
        field="phones[0].number",
        error_class="DataContractError",
    )
    second = ledger.dead_letter(
        "yonyou",
        "nc_interview_result",
        apps[4],
        "NC refused the result: 职位编码不存在 (job code unknown)",
        {"psncode": "A88"},
        error_class="RecordRejected",
    )
    world.dead_letter_ids = [first.id, second.id]  # type: ignore[list-item]
    # Results held for review, with the writes the real out-mappings make.
    for n, app in enumerate(apps[5:7]):
        result = _result(app, world.candidate_of[app], n)
        canonical = result.model_dump(mode="json")
        writes = []
        for system, operation in (
            ("successfactors", "interview_assessment"),
            ("yonyou", "nc_interview_result"),
        ):
            mapping = load_mapping(system, operation, "out")
            payload = mapping.apply(canonical, record_id=result.canonical_id)
            writes.append((system, operation, result.canonical_id, payload, mapping.version))
        hold_for_review(ledger, result, payloads=writes)
        world.review_ids.append(result.canonical_id)
    return world


# ------------------------------------------------------------- what tests compare


def snapshot(ledger) -> dict[str, list[tuple[Any, ...]]]:
    """Everything an action could change, except the audit log."""
    with Session(ledger.engine) as session:
        return {
            "letters": [
                (d.id, d.reason, d.field, d.error_class, d.replayed_at, d.replay_count)
                for d in session.exec(select(DeadLetter).order_by(DeadLetter.id))
            ],
            "outbox": [
                (o.idempotency_key, o.status, o.attempts, o.payload)
                for o in session.exec(select(OutboxItem).order_by(OutboxItem.idempotency_key))
            ],
            "reviews": [
                (h.result_id, h.status, h.decided_by, h.final_result)
                for h in session.exec(select(ReviewHold).order_by(ReviewHold.result_id))
            ],
            "stages": [
                (r.canonical_id, r.stage)
                for r in session.exec(select(StagedRecord).order_by(StagedRecord.canonical_id))
            ],
        }


def outbox_of(ledger, result_id: str) -> list[OutboxItem]:
    with Session(ledger.engine) as session:
        stmt = select(OutboxItem).where(OutboxItem.canonical_id == result_id)
        return list(session.exec(stmt))


def a_write_refused_for_good(world: World) -> DeadLetter:
    """A pending status push that SuccessFactors refused: its letter requeues on replay."""
    with Session(world.ledger.engine) as session:
        item = session.exec(
            select(OutboxItem).where(OutboxItem.status == OutboxStatus.PENDING.value)
        ).first()
    world.ledger.fail(item.idempotency_key, "status Interview is not allowed", retriable=False)
    (letter,) = [d for d in world.ledger.dead_letters() if d.outbox_key == item.idempotency_key]
    return letter
