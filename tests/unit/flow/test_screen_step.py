"""The screen step on a real ledger with the real parser: shortlist, late applicants, bad input."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors._core.errors import RecordRejected, RetriableError
from hrhub.flow.job_profiles import JobProfiles
from hrhub.flow.schedule import interview_remote_id
from hrhub.flow.screen import (
    NO_PROFILE,
    PROCESSES_ENV,
    UNPARSEABLE,
    screen_applications,
    screen_processes,
)
from hrhub.ledger import Ledger, StagedRecord, StageInput
from hrhub.models import Application, Candidate, Interview, Job, JobStatus
from tests.unit.scoring_screening.resumes import EN_RESUME, ZH_RESUME, ZH_WEAK_RESUME

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
PROFILE = """\
match_titles: [客服主管]
interview: {family: customer_service}
screening:
  title: 客服主管
  required_skills: [客服, 团队管理, 沟通协调, Excel]
  min_years_experience: 3
  shortlist_share: 0.3
"""


@pytest.fixture
def profiles(tmp_path: Path) -> JobProfiles:
    folder = tmp_path / "jobs"
    folder.mkdir()
    (folder / "cs_lead.yaml").write_text(PROFILE, encoding="utf-8")
    return JobProfiles.load(folder)


def stage_job(ledger: Ledger, job_id: str, title: str, status: JobStatus = JobStatus.OPEN) -> str:
    job = Job(
        source_system="successfactors",
        remote_id=job_id,
        modified_at=NOW,
        title=title,
        status=status,
    )
    ledger.stage([StageInput.of(job)], batch_id="jobs")
    return job.canonical_id


def stage_application(ledger: Ledger, n: int, job: str, minutes: int = 0) -> str:
    candidate = Candidate(
        source_system="successfactors", remote_id=str(n), modified_at=NOW, name=f"候选人{n}"
    )
    application = Application(
        source_system="successfactors",
        remote_id=str(n),
        modified_at=NOW + timedelta(minutes=minutes),
        candidate_id=candidate.canonical_id,
        job_id=job,
    )
    ledger.stage([StageInput.of(candidate), StageInput.of(application)], batch_id=f"app-{n}")
    return application.canonical_id


class Resumes:
    """Resumes by application remote id, read in bulk per system as the flow does; counts the
    ids asked for. An exception as a value stands for that resume's error; `down` makes the
    whole read fail as a system that is down does."""

    def __init__(self, texts: dict[str, object]) -> None:
        self.texts = texts
        self.calls: list[str] = []
        self.down: Exception | None = None

    def __call__(self, system: str, records: list[StagedRecord]) -> dict[str, object]:
        assert system == "successfactors"
        self.calls += [r.remote_id for r in records]
        if self.down is not None:
            raise self.down
        return {r.canonical_id: self.texts[r.remote_id] for r in records}


def stage_of(ledger: Ledger, canonical_id: str) -> str:
    [record] = ledger.get_records([canonical_id])
    return record.stage


def test_the_top_share_is_shortlisted_and_its_stage_is_queued_for_its_system(
    ledger: Ledger, profiles: JobProfiles
) -> None:
    job = stage_job(ledger, "1", "客服主管")
    strong, weak, english = (stage_application(ledger, n, job) for n in (1, 2, 3))
    resumes = Resumes({"1": ZH_RESUME, "2": ZH_WEAK_RESUME, "3": EN_RESUME})

    summary = screen_applications(ledger, resumes=resumes, profiles=profiles, now=NOW)

    assert (summary.considered, summary.screened, summary.shortlisted) == (3, 3, 1)
    assert stage_of(ledger, strong) == "shortlisted"
    assert stage_of(ledger, weak) == "screened"
    assert stage_of(ledger, english) == "screened"
    results = {
        r.payload["application_id"]: r.payload for r in ledger.iter_staged("screening_result")
    }
    assert results[strong]["rank"] == 1 and results[strong]["shortlisted"] is True
    assert results[strong]["candidate_id"] == "successfactors:candidate:1"
    assert results[weak]["fit_score"] < results[strong]["fit_score"]
    assert "Selection: ranked" in results[weak]["explanation"]
    [status] = ledger.outbox_items("successfactors", "application_status")
    assert status.canonical_id == strong
    assert status.payload == {"applicationId": "1", "appStatusName": "Screened"}

    again = screen_applications(ledger, resumes=resumes, profiles=profiles, now=NOW)
    assert again.considered == 0 and len(resumes.calls) == 3
    assert len(ledger.outbox_items("successfactors", "application_status")) == 1


def test_a_late_applicant_is_ranked_among_everyone_screened_before(
    ledger: Ledger, profiles: JobProfiles
) -> None:
    job = stage_job(ledger, "1", "客服主管")
    for n in (1, 2, 3):
        stage_application(ledger, n, job)
    texts: dict[str, object] = {"1": ZH_RESUME, "2": ZH_WEAK_RESUME, "3": EN_RESUME}
    screen_applications(ledger, resumes=Resumes(texts), profiles=profiles, now=NOW)

    # Alone in its run a weak applicant would be the top share; among all four it is not.
    late_weak = stage_application(ledger, 4, job, minutes=5)
    texts["4"] = ZH_WEAK_RESUME.replace("王强", "赵六")
    later = screen_applications(ledger, resumes=Resumes(texts), profiles=profiles, now=NOW)
    assert (later.screened, later.shortlisted) == (1, 0)
    assert stage_of(ledger, late_weak) == "screened"
    [result] = [
        r.payload
        for r in ledger.iter_staged("screening_result")
        if r.payload["application_id"] == late_weak
    ]
    assert result["rank"] >= 2 and "of 4" in result["explanation"]

    # A strong late applicant still makes it: ranked among all five, the top 30% is 2 places.
    late_strong = stage_application(ledger, 5, job, minutes=10)
    texts["5"] = ZH_RESUME.replace("李娜", "陈静")
    last = screen_applications(ledger, resumes=Resumes(texts), profiles=profiles, now=NOW)
    assert last.shortlisted == 1
    assert stage_of(ledger, late_strong) == "shortlisted"


def test_bad_resumes_and_unknown_jobs_stop_only_themselves(
    ledger: Ledger, profiles: JobProfiles
) -> None:
    job = stage_job(ledger, "1", "客服主管")
    unknown_job = stage_job(ledger, "2", "飞行员")
    closed_job = stage_job(ledger, "3", "客服主管", JobStatus.CLOSED)
    good = stage_application(ledger, 1, job)
    missing = stage_application(ledger, 2, job)
    binary = stage_application(ledger, 3, job)
    no_profile = stage_application(ledger, 4, unknown_job)
    closed = stage_application(ledger, 5, closed_job)
    resumes = Resumes(
        {
            "1": ZH_RESUME,
            "2": RecordRejected("no resume attached", system="successfactors", record_id="2"),
            "3": "\x00\x01PDF\x00" * 200,
            "4": ZH_RESUME,
            "5": ZH_RESUME,
        }
    )

    summary = screen_applications(ledger, resumes=resumes, profiles=profiles, now=NOW)

    assert summary.screened == 1 and summary.dead_letters == 3
    assert summary.job_not_open == 1
    assert stage_of(ledger, good) == "shortlisted"
    assert stage_of(ledger, closed) == "extracted"
    letters = {d.record_id: d for d in ledger.dead_letters()}
    assert letters[missing].field == "resume" and letters[missing].error_class == UNPARSEABLE
    assert "no resume attached" in letters[missing].reason
    assert letters[binary].field == "resume" and missing in letters[missing].reason
    assert (
        letters[no_profile].field == "job.title" and letters[no_profile].error_class == NO_PROFILE
    )
    assert "飞行员" in letters[no_profile].reason and "match_titles" in letters[no_profile].reason
    for record_id in (missing, binary, no_profile):
        assert stage_of(ledger, record_id) == "dead_letter"
    assert "4" not in resumes.calls  # no profile: its resume is not even read


def test_a_system_that_is_down_defers_its_applications_to_the_next_run(
    ledger: Ledger, profiles: JobProfiles
) -> None:
    job = stage_job(ledger, "1", "客服主管")
    ids = [stage_application(ledger, n, job, minutes=n) for n in (1, 2, 3)]
    resumes = Resumes({"1": EN_RESUME, "2": ZH_RESUME, "3": ZH_WEAK_RESUME})
    resumes.down = RetriableError("HTTP 503 after retries", system="successfactors")

    summary = screen_applications(ledger, resumes=resumes, profiles=profiles, chunk_size=2, now=NOW)

    assert summary.deferred == 3 and summary.screened == 0 and summary.dead_letters == 0
    assert summary.systems_down == ["successfactors"]
    assert resumes.calls == ["1", "2"]  # the first failed read stops the reads of that system
    assert [stage_of(ledger, i) for i in ids] == ["extracted"] * 3

    resumes.down = None  # the system is back
    back = screen_applications(ledger, resumes=resumes, profiles=profiles, now=NOW)
    assert back.screened == 3


def test_replay_sends_a_lettered_application_back_to_screening(
    ledger: Ledger, profiles: JobProfiles, tmp_path: Path
) -> None:
    from hrhub.flow.replay import replay

    job = stage_job(ledger, "2", "客服专员")
    waiting = stage_application(ledger, 1, job)
    resumes = Resumes({"1": ZH_RESUME})
    screen_applications(ledger, resumes=resumes, profiles=profiles, now=NOW)
    [letter] = ledger.dead_letters()
    assert letter.field == "job.title"

    # HR adds the title to the profile, then replays the letter.
    (tmp_path / "jobs" / "cs_lead.yaml").write_text(
        PROFILE.replace("[客服主管]", "[客服主管, 客服专员]"), encoding="utf-8"
    )
    outcome = replay(ledger, by="hr-admin", stage="step").outcomes
    assert [o.status for o in outcome] == ["replayed"]
    assert stage_of(ledger, waiting) == "extracted"
    summary = screen_applications(
        ledger, resumes=resumes, profiles=JobProfiles.load(tmp_path / "jobs"), now=NOW
    )
    assert summary.screened == 1 and ledger.dead_letters() == []
    assert stage_of(ledger, waiting) == "shortlisted"


def test_an_application_changed_in_its_source_goes_back_to_its_stage_unscreened(
    ledger: Ledger, profiles: JobProfiles
) -> None:
    job = stage_job(ledger, "1", "客服主管")
    strong, weak, english = (stage_application(ledger, n, job) for n in (1, 2, 3))
    resumes = Resumes({"1": ZH_RESUME, "2": ZH_WEAK_RESUME, "3": EN_RESUME})
    screen_applications(ledger, resumes=resumes, profiles=profiles, now=NOW)
    # The flow went on with the shortlisted one: booked and invited.
    start = NOW + timedelta(days=1)
    interview = Interview(
        source_system="hrhub",
        remote_id=interview_remote_id(strong),
        modified_at=NOW,
        application_id=strong,
        candidate_id="successfactors:candidate:1",
        slot_start=start,
        slot_end=start + timedelta(minutes=45),
        interviewer_ids=["u1"],
    )
    ledger.stage([StageInput.of(interview)], batch_id="booked")
    ledger.set_stage([interview.canonical_id, strong], "invited")
    writes = len(ledger.outbox_items("successfactors", "application_status"))

    # A recruiter edits both applications in SuccessFactors: the next extract stages them
    # again with new content, which puts them back at `extracted`.
    for record in ledger.get_records([strong, weak]):
        changed = {**record.payload, "source_channel": "edited by a recruiter"}
        ledger.stage(
            [
                StageInput(
                    canonical_id=record.canonical_id,
                    entity=record.entity,
                    source_system=record.source_system,
                    remote_id=record.remote_id,
                    modified_at=record.modified_at + timedelta(hours=1),
                    payload=changed,
                )
            ],
            batch_id="edit",
        )
    assert stage_of(ledger, strong) == stage_of(ledger, weak) == "extracted"

    again = screen_applications(ledger, resumes=resumes, profiles=profiles, now=NOW)

    assert (again.returned, again.considered, again.screened) == (2, 0, 0)
    assert (stage_of(ledger, strong), stage_of(ledger, weak)) == ("invited", "screened")
    assert stage_of(ledger, english) == "screened"
    assert len(resumes.calls) == 3  # nobody's resume was read again
    assert len(ledger.outbox_items("successfactors", "application_status")) == writes


def test_worker_processes_screen_every_job_of_a_chunk_as_one_process_does(
    ledger: Ledger, profiles: JobProfiles, tmp_path: Path
) -> None:
    """A chunk's resumes are parsed together, whatever their jobs, on two worker processes
    here (chunks of five: the next chunk is read while workers parse one): the scores, ranks
    and stages are those of one process."""
    texts = {str(n): (ZH_RESUME, ZH_WEAK_RESUME, EN_RESUME, b"\x00PK")[n % 4] for n in range(12)}
    one = Ledger.open(f"sqlite:///{tmp_path / 'one-process.db'}")
    try:
        summaries = []
        for target, processes in ((ledger, 2), (one, 1)):
            jobs = [stage_job(target, str(j), "客服主管") for j in (1, 2, 3)]
            for n in range(12):
                stage_application(target, n, jobs[n % 3], minutes=n)
            summaries.append(
                screen_applications(
                    target,
                    resumes=Resumes(texts),
                    profiles=profiles,
                    processes=processes,
                    parallel_from=1,
                    chunk_size=5,
                    now=NOW,
                ).as_dict()
            )
        fields = ["application_id", "job_id", "fit_score", "rank", "shortlisted"]
        two_processes, one_process = (
            sorted(target.staged_fields("screening_result", fields)) for target in (ledger, one)
        )
    finally:
        one.close()
    for summary in summaries:
        summary.pop("batch_id")
    assert summaries[0] == summaries[1]
    assert (summaries[0]["screened"], summaries[0]["dead_letters"]) == (9, 3)
    assert two_processes == one_process and len(two_processes) == 9
    assert {job for _, job, *_ in two_processes} == {f"successfactors:job:{j}" for j in (1, 2, 3)}


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_screen_processes_setting_names_the_variable(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROCESSES_ENV, value)
    with pytest.raises(ValueError, match=f"HRHUB_SCREEN_PROCESSES must be .* got '{value}'"):
        screen_processes()


def test_screen_processes_are_the_cores_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROCESSES_ENV, raising=False)
    assert screen_processes() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(PROCESSES_ENV, "3")
    assert screen_processes() == 3


def test_chunks_of_one_run_rank_as_separate_runs_do(
    ledger: Ledger, profiles: JobProfiles, tmp_path: Path
) -> None:
    """The scores a run keeps per job between its chunks are the ones the ledger holds: one
    run in chunks of two shortlists as three runs of two applicants each."""
    texts = {str(n): (ZH_WEAK_RESUME, ZH_RESUME, EN_RESUME)[n % 3] for n in range(6)}
    separate = Ledger.open(f"sqlite:///{tmp_path / 'separate.db'}")
    try:
        for target in (ledger, separate):
            job = stage_job(target, "1", "客服主管")
            for n in range(6):
                stage_application(target, n, job, minutes=n)
        screen_applications(
            ledger, resumes=Resumes(texts), profiles=profiles, chunk_size=2, now=NOW
        )
        for first in (0, 2, 4):
            for n in range(first + 2, 6):  # later applicants have not arrived yet
                [record] = separate.get_records([f"successfactors:application:{n}"])
                separate.set_stage([record.canonical_id], "waiting")
            screen_applications(separate, resumes=Resumes(texts), profiles=profiles, now=NOW)
            separate.set_stage(
                [f"successfactors:application:{n}" for n in range(first + 2, min(first + 4, 6))],
                "extracted",
            )
        fields = ["application_id", "fit_score", "rank", "shortlisted"]
        chunked, runs = (
            sorted(t.staged_fields("screening_result", fields)) for t in (ledger, separate)
        )
    finally:
        separate.close()
    assert chunked == runs and len(chunked) == 6
    # A rank is the applicant's place among the job's applicants screened up to then (earlier
    # ones keep theirs); every strong resume makes the top share.
    assert [(a[-1], score, rank, short) for a, score, rank, short in chunked] == [
        ("0", "45.8", "2", "0"),
        ("1", "100.0", "1", "1"),
        ("2", "100.0", "1", "1"),
        ("3", "45.8", "3", "0"),
        ("4", "100.0", "1", "1"),
        ("5", "100.0", "2", "1"),
    ]
