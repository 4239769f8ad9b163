"""Interviewer panels per job: each job's applications are booked only with its own panel.

A job profile's `interviewers` names DingTalk departments and/or userids; without it every
on-job person may interview. These tests resolve panels from a stand-in DingTalk directory,
book and rebook on the SQLite ledger, and read the staged interviews and dead letters.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from connectors._core.errors import RecordRejected, RetriableError
from hrhub.flow.job_profiles import JobProfiles
from hrhub.flow.schedule import (
    Panel,
    interviewer_panels,
    panel_members,
    reschedule_interviews,
    schedule_interviews,
    shortlisted_applications,
)
from hrhub.ledger import Ledger, StageInput
from hrhub.models import Application, Candidate, Interview, InterviewStatus, Job
from hrhub.scheduling import Interval, Policy

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 16:00 in Shanghai
TUESDAY = datetime(2026, 12, 1, tzinfo=CHINA)
POLICY = Policy(window_start=TUESDAY, window_end=TUESDAY + timedelta(days=3))
ROOM_URL, SECRET = "https://room.example.com/room", "test-link-secret"

PROFILE = """\
match_titles: [{title}]
interview: {{family: customer_service}}
screening: {{title: {title}, required_skills: [Excel]}}
"""
EVERYONE = ["u1", "u2", "u3", "u4", "u5", "u6"]


class Directory:
    """DingTalk's people as the schedule step reads them; counts what it is asked."""

    def __init__(self, departments: dict[int, list[str]], onjob: list[str] = EVERYONE) -> None:
        self.departments = departments
        self.onjob = onjob
        self.asked: Counter[str] = Counter()

    def onjob_userids(self) -> list[str]:
        self.asked["onjob"] += 1
        return list(reversed(self.onjob))

    def department_userids(self, dept_id: int) -> list[str]:
        self.asked[f"dept {dept_id}"] += 1
        if dept_id not in self.departments:
            raise RecordRejected("60003: 未找到部门", system="dingtalk", vendor_code="60003")
        return list(self.departments[dept_id])


def profiles_with(tmp_path: Path, panels: dict[str, str | None]) -> JobProfiles:
    """One profile per title; the value is its `interviewers` line (None: no section)."""
    folder = tmp_path / "jobs"
    folder.mkdir()
    for n, (title, panel) in enumerate(panels.items()):
        text = PROFILE.format(title=title) + (f"interviewers: {panel}\n" if panel else "")
        (folder / f"job{n}.yaml").write_text(text, encoding="utf-8")
    return JobProfiles.load(folder)


def shortlist(ledger: Ledger, title: str, count: int, first: int) -> Job:
    """A job and `count` shortlisted applications to it, candidates numbered from `first`."""
    job = Job(source_system="successfactors", remote_id=title, modified_at=NOW, title=title)
    records: list[Any] = [job]
    for n in range(first, first + count):
        candidate = Candidate(
            source_system="successfactors", remote_id=str(n), modified_at=NOW, name="张伟"
        )
        application = Application(
            source_system="successfactors",
            remote_id=str(n),
            modified_at=NOW,
            candidate_id=candidate.canonical_id,
            job_id=job.canonical_id,
        )
        records += [candidate, application]
    ledger.stage([StageInput.of(r) for r in records], batch_id=f"shortlist-{title}")
    ledger.set_stage([r.canonical_id for r in records if isinstance(r, Application)], "shortlisted")
    return job


def book(ledger: Ledger, panels: dict[str, Panel]) -> Any:
    return schedule_interviews(
        ledger=ledger,
        applications=shortlisted_applications(ledger),
        busy={},  # everyone free: only the panels keep a job's candidates to its people
        policy=POLICY,
        room_url=ROOM_URL,
        link_secret=SECRET,
        now=NOW,
        panels=panels,
    )


def interviewers_by_job(ledger: Ledger) -> dict[str, set[str]]:
    jobs = {r.canonical_id: str(r.payload["job_id"]) for r in ledger.iter_staged("application")}
    out: dict[str, set[str]] = {}
    for record in ledger.iter_staged("interview"):
        interview = Interview.model_validate(record.payload)
        out.setdefault(jobs[interview.application_id], set()).update(interview.interviewer_ids)
    return out


def test_each_job_is_booked_only_with_its_own_panel(ledger: Ledger, tmp_path: Path) -> None:
    profiles = profiles_with(
        tmp_path,
        {
            "会计": "{departments: [5]}",
            "销售经理": '{userids: ["u6"], departments: [4]}',
            "行政": None,
        },
    )
    accountant = shortlist(ledger, "会计", 6, first=0)
    sales = shortlist(ledger, "销售经理", 6, first=100)
    admin = shortlist(ledger, "行政", 12, first=200)
    directory = Directory({5: ["u2", "u1"], 4: ["u5"]})

    panels = interviewer_panels(
        ledger, [accountant.canonical_id, sales.canonical_id, admin.canonical_id] * 2,
        profiles, directory, cap=500,
    )  # fmt: skip
    assert panels[accountant.canonical_id].interviewer_ids == ("u1", "u2")
    assert panels[sales.canonical_id].interviewer_ids == ("u5", "u6")
    assert panels[admin.canonical_id].interviewer_ids == tuple(EVERYONE)  # no section: everyone
    assert panel_members(panels) == EVERYONE
    assert directory.asked == {"onjob": 1, "dept 5": 1, "dept 4": 1}

    summary = book(ledger, panels)

    assert (summary.scheduled, summary.dead_letters, summary.no_interviewers) == (24, 0, 0)
    booked = interviewers_by_job(ledger)
    assert booked[accountant.canonical_id] == {"u1", "u2"}
    assert booked[sales.canonical_id] == {"u5", "u6"}
    # No section: every on-job person, those on no job's panel (u3, u4) first as least loaded.
    assert {"u3", "u4"} <= booked[admin.canonical_id] <= set(EVERYONE)


def test_a_job_whose_panel_is_nobody_letters_only_its_own_applications(
    ledger: Ledger, tmp_path: Path
) -> None:
    profiles = profiles_with(
        tmp_path,
        {"会计": "{departments: [77]}", "出纳": "{departments: [9]}", "行政": "{departments: [5]}"},
    )
    unknown = shortlist(ledger, "会计", 3, first=0)
    empty = shortlist(ledger, "出纳", 2, first=100)
    staffed = shortlist(ledger, "行政", 4, first=200)
    directory = Directory({5: ["u1", "u2"], 9: []})
    panels = interviewer_panels(
        ledger, [unknown.canonical_id, empty.canonical_id, staffed.canonical_id],
        profiles, directory, cap=500,
    )  # fmt: skip
    assert panels[unknown.canonical_id].problem and "77" in panels[unknown.canonical_id].problem

    summary = book(ledger, panels)

    assert (summary.scheduled, summary.no_interviewers, summary.dead_letters) == (4, 5, 5)
    assert set(interviewers_by_job(ledger)) == {staffed.canonical_id}
    letters = ledger.dead_letters()
    assert len(letters) == 5
    by_job = Counter(str(letter.payload["job_id"]) for letter in letters)
    assert by_job == {unknown.canonical_id: 3, empty.canonical_id: 2}
    for letter in letters:
        assert letter.field == "interviewers"
        assert str(letter.payload["job_id"]) in letter.reason
        assert "interviewers" in letter.reason
    [unknown_letter, *_] = [x for x in letters if x.payload["job_id"] == unknown.canonical_id]
    assert "department 77" in unknown_letter.reason
    assert "job0.yaml" in unknown_letter.reason  # the profile file to fix

    again = book(ledger, panels)
    assert (again.waiting_for_hr, again.already_booked, again.dead_letters) == (5, 4, 0)


def test_a_panel_is_cut_to_the_cap_by_id(ledger: Ledger, tmp_path: Path) -> None:
    profiles = profiles_with(tmp_path, {"会计": "{departments: [5]}", "行政": None})
    accountant = shortlist(ledger, "会计", 1, first=0)
    admin = shortlist(ledger, "行政", 1, first=100)
    directory = Directory({5: ["u9", "u3", "u7"]})
    panels = interviewer_panels(
        ledger, [accountant.canonical_id, admin.canonical_id], profiles, directory, cap=2
    )
    assert panels[accountant.canonical_id].interviewer_ids == ("u3", "u7")
    assert panels[admin.canonical_id].interviewer_ids == ("u1", "u2")


def test_dingtalk_down_while_reading_panels_reaches_the_caller(
    ledger: Ledger, tmp_path: Path
) -> None:
    """The task defers on RetriableError; the panel reader must not turn it into a letter."""
    profiles = profiles_with(tmp_path, {"会计": "{departments: [5]}"})
    job = shortlist(ledger, "会计", 1, first=0)

    class Down(Directory):
        def department_userids(self, dept_id: int) -> list[str]:
            raise RetriableError("DingTalk answered 503", system="dingtalk")

    with pytest.raises(RetriableError):
        interviewer_panels(ledger, [job.canonical_id], profiles, Down({}), cap=500)
    assert ledger.dead_letters() == []


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    return TUESDAY + timedelta(days=day, hours=hour, minutes=minute)


def booked_with(ledger: Ledger, job: Job, n: int, interviewer: str) -> Interview:
    """Application `n` of `job` booked on Tuesday 10:00 with `interviewer`."""
    [application] = [
        r for r in ledger.iter_staged("application") if r.remote_id == str(n)
    ]  # staged by `shortlist`
    interview = Interview(
        source_system="hrhub",
        remote_id=f"{n}-ai",
        modified_at=NOW,
        application_id=application.canonical_id,
        candidate_id=str(application.payload["candidate_id"]),
        slot_start=at(10),
        slot_end=at(10, 45),
        interviewer_ids=[interviewer],
        link_url=f"{ROOM_URL}/token-{n}",
        link_expires_at=at(12),
        status=InterviewStatus.SCHEDULED,
    )
    ledger.stage([StageInput.of(interview)], batch_id=f"book-{n}")
    return interview


def test_a_moved_interview_stays_with_its_jobs_panel(ledger: Ledger, tmp_path: Path) -> None:
    profiles = profiles_with(
        tmp_path, {"会计": "{departments: [5]}", "出纳": "{departments: [77]}"}
    )
    accountant = shortlist(ledger, "会计", 1, first=0)
    cashier = shortlist(ledger, "出纳", 1, first=100)
    interview = booked_with(ledger, accountant, 0, "u1")
    stuck = booked_with(ledger, cashier, 100, "u4")
    panels = interviewer_panels(
        ledger, [accountant.canonical_id, cashier.canonical_id], profiles,
        Directory({5: ["u1", "u2"]}), cap=500,
    )  # fmt: skip
    window = Interval(POLICY.window_start, POLICY.window_end, "leave")
    busy = {
        "u1": [window],  # u1's new leave: the whole window, so u1 cannot keep it
        "u2": [Interval(at(9), at(15), "meeting")],  # u2 (the panel) is free from 15:00
        "u3": [],  # u3 is free at once, but on no panel of these jobs
        "u4": [window],  # the cashier's job has no panel: nobody may take over from u4
    }

    summary = reschedule_interviews(
        ledger=ledger,
        busy=busy,
        policy=POLICY,
        recipients=lambda candidate: "manager-0001",
        room_url=ROOM_URL,
        link_secret=SECRET,
        now=NOW,
        panels=panels,
    )

    assert (summary.moved, summary.notices_queued, summary.unplaceable) == (1, 1, 1)
    [record] = ledger.get_records([interview.canonical_id])
    moved = Interview.model_validate(record.payload)
    assert moved.interviewer_ids == ["u2"] and moved.slot_start == at(15, 15)
    [record] = ledger.get_records([stuck.canonical_id])
    assert Interview.model_validate(record.payload) == stuck, "not handed to u2 or u3"
    [letter] = ledger.dead_letters()
    assert letter.record_id == stuck.canonical_id and "u4" in letter.reason

    again = reschedule_interviews(
        ledger=ledger,
        busy=busy,
        policy=POLICY,
        recipients=lambda candidate: "manager-0001",
        room_url=ROOM_URL,
        link_secret=SECRET,
        now=NOW,
        panels=panels,
    )
    assert (again.waiting_for_hr, again.moved, again.dead_letters) == (1, 0, 0)
    assert len(ledger.dead_letters()) == 1, "lettered once, not once a run"


def test_a_failed_recipient_lookup_writes_nothing(ledger: Ledger, tmp_path: Path) -> None:
    """Recipients are looked up before any write: DingTalk down mid-way leaves no half move."""
    profiles = profiles_with(tmp_path, {"会计": "{departments: [5]}"})
    job = shortlist(ledger, "会计", 1, first=0)
    interview = booked_with(ledger, job, 0, "u1")
    panels = interviewer_panels(
        ledger, [job.canonical_id], profiles, Directory({5: ["u1", "u2"]}), cap=500
    )

    def down(candidate: str) -> str | None:
        raise RetriableError("DingTalk answered 503", system="dingtalk")

    with pytest.raises(RetriableError):
        reschedule_interviews(
            ledger=ledger,
            busy={"u1": [Interval(at(9), at(18), "leave")], "u2": []},
            policy=POLICY,
            recipients=down,
            room_url=ROOM_URL,
            link_secret=SECRET,
            now=NOW,
            panels=panels,
        )
    [record] = ledger.get_records([interview.canonical_id])
    assert Interview.model_validate(record.payload) == interview
    assert ledger.dead_letters() == []
    assert ledger.outbox_items("dingtalk", "work_notification") == []
