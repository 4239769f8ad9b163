"""A small ledger for the entry points that act on what it holds (web forms, `hrhub review`,
`hrhub replay`): one requisition, its applications, results held for review with the writes
the real out-mapping makes, and dead letters with reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from hrhub.flow.review import hold_for_review
from hrhub.ledger import Ledger, StageInput
from hrhub.mapping import load_mapping
from hrhub.models import Application, Candidate, InterviewResult, Job

__all__ = ["OWNER", "Seeded", "seed"]

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
SYSTEM = "successfactors"
OWNER = "recruiter01"


@dataclass
class Seeded:
    job_id: str
    applications: list[str] = field(default_factory=list)
    review_ids: list[str] = field(default_factory=list)
    letter_ids: list[int] = field(default_factory=list)


def _result(application_id: str, candidate_id: str, n: int) -> InterviewResult:
    return InterviewResult(
        source_system="hrhub",
        remote_id=f"iv-hostile-{n}",
        modified_at=T0,
        interview_id=f"{SYSTEM}:interview:{7000 + n}",
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


def seed(ledger: Ledger, reviews: int = 3, letters: int = 2) -> Seeded:
    """Stage the records, hold `reviews` results and park `letters` dead letters."""
    job = Job(source_system=SYSTEM, remote_id="1001", modified_at=T0, title="数据工程师")
    payload = job.model_dump(mode="json")
    payload["recruiter_ids"] = [OWNER]
    staged = [StageInput(job.canonical_id, "job", SYSTEM, job.remote_id, T0, payload)]
    seeded = Seeded(job.canonical_id)
    candidates = []
    for n in range(reviews):
        candidate = Candidate(
            source_system=SYSTEM, remote_id=str(5000 + n), modified_at=T0, name=f"候选人{n}"
        )
        application = Application(
            source_system=SYSTEM,
            remote_id=str(9000 + n),
            modified_at=T0,
            candidate_id=candidate.canonical_id,
            job_id=job.canonical_id,
        )
        staged += [StageInput.of(candidate), StageInput.of(application)]
        seeded.applications.append(application.canonical_id)
        candidates.append(candidate.canonical_id)
    ledger.stage(staged, batch_id="hostile-seed")
    mapping = load_mapping(SYSTEM, "interview_assessment", "out")
    for n, (application, candidate) in enumerate(zip(seeded.applications, candidates, strict=True)):
        result = _result(application, candidate, n)
        write = mapping.apply(result.model_dump(mode="json"), record_id=result.canonical_id)
        hold_for_review(
            ledger,
            result,
            payloads=[
                (SYSTEM, "interview_assessment", result.canonical_id, write, mapping.version)
            ],
        )
        seeded.review_ids.append(result.canonical_id)
    for n in range(letters):
        letter = ledger.dead_letter(
            SYSTEM,
            "candidate",
            candidates[n % len(candidates)],
            "field 'phones[0].number': '138-bad' is not a phone number",
            {"candidateId": str(5000 + n), "cellPhone": "138-bad"},
            field="phones[0].number",
            error_class="DataContractError",
        )
        seeded.letter_ids.append(int(letter.id or 0))
    return seeded
