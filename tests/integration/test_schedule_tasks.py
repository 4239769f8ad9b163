"""The schedule and reschedule tasks against the DingTalk and interview-room simulators.

Real pieces: the tasks candidate_flow runs (`hrhub.flow.tasks.schedule`, `.reschedule`), their
hooks reading `AIRFLOW_CONN_*` connections that point at the simulators, the DingTalk client
(user/listid for panels, attendance for busy time, getbymobile for recipients), the scheduling
engine and a SQLite ledger. Panels come from job profiles in a temporary jobs directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from connectors._core.errors import RecordRejected, RetriableError
from connectors._core.registry import get_connector
from connectors.dingtalk.client import DingTalkClient
from connectors.dingtalk.simulator import DingTalkSimulator
from hrhub.flow.job_profiles import JOBS_DIR_ENV
from hrhub.ledger import Ledger, StageInput
from hrhub.models import Application, Candidate, Interview, InterviewStatus, Job
from hrhub.sandbox import connection_env, sandbox

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
PROFILE = """\
match_titles: [{title}]
interview: {{family: customer_service}}
screening: {{title: {title}, required_skills: [Excel]}}
"""
ACCOUNTANT, CASHIER, ADMIN = "会计", "出纳", "行政"
EXTERNAL_MOBILE = "+86 139 0000 0001"
PANELS = {ACCOUNTANT: "{departments: [5]}", CASHIER: "{departments: [77]}", ADMIN: None}


def next_monday_noon() -> datetime:
    """A run time whose booking window (Tuesday on, 7 days) is all future business days."""
    today = datetime.now(CHINA).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime.combine(monday, time(12), CHINA)


@dataclass
class World:
    dingtalk: DingTalkSimulator
    ledger: Ledger
    now: datetime

    def members(self, dept: int) -> set[str]:
        """Who DingTalk has in a department (directly), still employed."""
        return {
            u["userid"]
            for u in self.dingtalk.users
            if u["dept_id"] == dept and u["status"] != "departed"
        }

    def onjob(self) -> set[str]:
        return {u["userid"] for u in self.dingtalk.users if u["status"] != "departed"}


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    for n, (title, panel) in enumerate(PANELS.items()):
        text = PROFILE.format(title=title) + (f"interviewers: {panel}\n" if panel else "")
        (jobs / f"job{n}.yaml").write_text(text, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with sandbox(only=["dingtalk", "interview_room"]) as systems:
        for name, value in connection_env(systems).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("HRHUB_DATABASE_URL", url)
        monkeypatch.setenv(JOBS_DIR_ENV, str(jobs))
        ledger = Ledger.open(url)
        [dingtalk] = [s.server for s in systems if s.system == "dingtalk"]
        yield World(dingtalk, ledger, next_monday_noon())
        ledger.close()


def dingtalk_client(server: DingTalkSimulator) -> DingTalkClient:
    spec = get_connector("dingtalk")
    return DingTalkClient(
        server.url,
        app_key=spec.sandbox["login"],
        app_secret=spec.sandbox["password"],
        api_url=server.api_url,
    )


def stage_job(
    world: World,
    title: str,
    count: int,
    *,
    first: int,
    stage: str,
    external: frozenset[int] = frozenset(),
) -> Job:
    """A job and `count` applications to it at `stage`; candidate n's mobile is DingTalk user
    n's (DingTalk finds them), or one no DingTalk account has for n in `external`."""
    job = Job(source_system="successfactors", remote_id=title, modified_at=world.now, title=title)
    records: list[Any] = [job]
    for n in range(first, first + count):
        candidate = Candidate(
            source_system="successfactors",
            remote_id=str(n),
            modified_at=world.now,
            name="张伟",
            phones=[EXTERNAL_MOBILE if n in external else world.dingtalk.users[n]["mobile"]],
        )
        application = Application(
            source_system="successfactors",
            remote_id=str(n),
            modified_at=world.now,
            candidate_id=candidate.canonical_id,
            job_id=job.canonical_id,
        )
        records += [candidate, application]
    world.ledger.stage([StageInput.of(r) for r in records], batch_id=f"jobs-{title}")
    apps = [r.canonical_id for r in records if isinstance(r, Application)]
    world.ledger.set_stage(apps, stage)
    return job


def interviews(world: World) -> dict[str, Interview]:
    return {
        r.canonical_id: Interview.model_validate(r.payload)
        for r in world.ledger.iter_staged("interview")
    }


def job_of(world: World, interview: Interview) -> str:
    [application] = world.ledger.get_records([interview.application_id])
    return str(application.payload["job_id"])


def test_user_listid_lists_a_departments_own_members_and_refuses_an_unknown_one(
    world: World,
) -> None:
    with dingtalk_client(world.dingtalk) as client:
        assert set(client.department_userids(3)) == world.members(3) != set()
        root = set(client.department_userids(1))
        assert root == world.members(1) and root < world.onjob(), "own members only"
        with pytest.raises(RecordRejected) as unknown:
            client.department_userids(77)
        assert unknown.value.vendor_code == "60003"
        with pytest.raises(RecordRejected) as bad:
            client.request_json("POST", "/topapi/user/listid", json={"dept_id": "人力资源部"})
        assert bad.value.vendor_code == "400002"


def test_the_schedule_task_books_each_job_only_with_its_panel(world: World) -> None:
    from hrhub.flow import tasks

    accountant = stage_job(world, ACCOUNTANT, 8, first=0, stage="shortlisted")
    cashier = stage_job(world, CASHIER, 3, first=100, stage="shortlisted")
    admin = stage_job(world, ADMIN, 8, first=200, stage="shortlisted")

    summary = tasks.schedule(now=world.now.isoformat())

    assert summary["requested"] == 19
    assert (summary["scheduled"], summary["no_interviewers"]) == (16, 3)
    booked = interviews(world).values()
    by_job: dict[str, set[str]] = {}
    for interview in booked:
        by_job.setdefault(job_of(world, interview), set()).update(interview.interviewer_ids)
    assert set(by_job) == {accountant.canonical_id, admin.canonical_id}
    assert by_job[accountant.canonical_id] <= world.members(5)
    assert by_job[admin.canonical_id] <= world.onjob()
    assert not by_job[admin.canonical_id] <= world.members(5), "the default is everyone"
    letters = world.ledger.dead_letters()
    assert len(letters) == 3
    for letter in letters:
        assert letter.field == "interviewers"
        assert cashier.canonical_id in letter.reason and "department 77" in letter.reason


def book(world: World, application_id: str, interviewer: str) -> Interview:
    """The application's interview on the window's Tuesday at 10:00 with `interviewer`."""
    [application] = world.ledger.get_records([application_id])
    start = datetime.combine((world.now + timedelta(days=1)).date(), time(10), CHINA)
    interview = Interview(
        source_system="hrhub",
        remote_id=f"{application.remote_id}-ai",
        modified_at=world.now,
        application_id=application_id,
        candidate_id=str(application.payload["candidate_id"]),
        slot_start=start,
        slot_end=start + timedelta(minutes=45),
        interviewer_ids=[interviewer],
        link_url="https://room.example.com/room/old",
        link_expires_at=start + timedelta(hours=2),
        status=InterviewStatus.SCHEDULED,
    )
    world.ledger.stage([StageInput.of(interview)], batch_id=f"book-{application.remote_id}")
    return interview


def test_the_reschedule_task_moves_within_the_panel_and_tells_the_candidate(
    world: World,
) -> None:
    from hrhub.flow import tasks

    assert all(u["mobile"] != "13900000001" for u in world.dingtalk.users)
    stage_job(world, ACCOUNTANT, 2, first=0, stage="invited", external=frozenset({1}))
    stage_job(world, ADMIN, 1, first=2, stage="invited")  # its panel: every on-job person
    apps = {r.remote_id: r.canonical_id for r in world.ledger.iter_staged("application")}
    attendance = {u["userid"] for u in world.dingtalk.users if u["attendance"]}
    panel = world.members(5) & attendance
    # People of the panel with no DingTalk shift are never free: both interviews must move.
    off_shift = sorted(world.members(5) - attendance)
    moving = book(world, apps["0"], off_shift[0])
    unreachable = book(world, apps["1"], off_shift[1])  # its candidate is not on DingTalk
    anyone = book(world, apps["2"], off_shift[2])

    summary = tasks.reschedule(now=world.now.isoformat())

    assert (summary["interviews"], summary["moved"], summary["notices_queued"]) == (3, 3, 2)
    moved = interviews(world)[moving.canonical_id]
    assert moved.status is InterviewStatus.RESCHEDULED
    [person] = moved.interviewer_ids
    assert person in panel, "moved to someone on the job's panel with a shift"
    assert moved.link_url != moving.link_url
    [elsewhere] = interviews(world)[anyone.canonical_id].interviewer_ids
    assert elsewhere in attendance, "the default panel: any on-job person with a shift"
    notices = world.ledger.outbox_items("dingtalk", "work_notification")
    assert [n.payload["template"] for n in notices] == ["reschedule", "reschedule"]
    told = str([n.payload for n in notices])
    assert world.dingtalk.users[0]["userid"] in told and world.dingtalk.users[2]["userid"] in told
    [letter] = world.ledger.dead_letters()
    assert letter.record_id == unreachable.canonical_id
    assert "no DingTalk recipient" in letter.reason

    again = tasks.reschedule(now=world.now.isoformat())
    assert (again["moved"], again["notices_queued"]) == (0, 0), "a moved interview stays put"
    assert again["waiting_for_hr"] == 1 and len(world.ledger.dead_letters()) == 1


@pytest.mark.parametrize("task", ["schedule", "reschedule"])
def test_dingtalk_down_defers_the_task_and_changes_nothing(
    world: World, task: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hrhub.flow import tasks

    stage_job(world, ACCOUNTANT, 2, first=0, stage="shortlisted")
    [application, _] = [r.canonical_id for r in world.ledger.iter_staged("application")]
    if task == "reschedule":
        book(world, application, sorted(world.members(5))[0])
    before = interviews(world)

    def down(*args: Any, **kwargs: Any) -> Any:
        raise RetriableError("DingTalk answered 503", system="dingtalk", status=503)

    monkeypatch.setattr(DingTalkClient, "busy_intervals", down)
    summary = getattr(tasks, task)(now=world.now.isoformat())

    assert summary.get("deferred") == (2 if task == "schedule" else 1)
    assert interviews(world) == before
    assert world.ledger.dead_letters() == []
    assert world.ledger.outbox_items("dingtalk", "work_notification") == []
