"""Onboarding on hire against running simulators: SuccessFactors hires are extracted, the hire
step queues their pre-hires, and push lands them in Yonyou NC, DingTalk and attendance, once
however often step and push run.

Real pieces: the SuccessFactors, Yonyou, DingTalk and attendance simulators and their clients,
`extract_stream`, `onboard_hires`, the out-mappings, `enqueue_writes` and `push` on a SQLite
ledger. Whether SuccessFactors hired an application is read back from the tenant's own
pipeline (the requisition's "Hired" status), not from the rule the step uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors._core.registry import get_connector
from connectors._core.retry import retry_policy
from connectors.attendance.client import AttendanceClient
from connectors.dingtalk.client import DingTalkClient
from connectors.successfactors.client import SuccessFactorsClient
from connectors.yonyou.client import YonyouClient
from hrhub.flow.extract import extract_stream
from hrhub.flow.hire import onboard_hires
from hrhub.flow.push import push
from hrhub.ledger import Ledger, StageInput
from hrhub.models import Application, Candidate, Job
from hrhub.sandbox import SandboxSystem, sandbox

CHINA = ZoneInfo("Asia/Shanghai")
SF_STREAMS = ("JobRequisition", "Candidate", "JobApplication")


@pytest.fixture
def systems() -> Iterator[dict[str, SandboxSystem]]:
    only = ["successfactors", "yonyou", "dingtalk", "attendance"]
    options = {"successfactors": {"candidates": 400}, "yonyou": {"persons": 80, "applicants": 10}}
    with sandbox(only=only, options=options) as started:
        yield {s.system: s for s in started}


def sf_client(system: SandboxSystem) -> SuccessFactorsClient:
    sf = system.server
    return SuccessFactorsClient(
        system.url, company_id=sf.company_id, username=sf.username, password=sf.password
    )


def yonyou_client(system: SandboxSystem) -> YonyouClient:
    sandbox_ = get_connector("yonyou").sandbox
    return YonyouClient(
        system.url, flavor="nc", username=sandbox_["login"], password=sandbox_["password"]
    )


def dingtalk_client(system: SandboxSystem) -> DingTalkClient:
    sandbox_ = get_connector("dingtalk").sandbox
    return DingTalkClient(
        system.url,
        app_key=sandbox_["login"],
        app_secret=sandbox_["password"],
        agent_id=int(sandbox_["extra"]["agent_id"]),
        api_url=system.server.api_url,
        result_wait_seconds=1,
    )


def attendance_client(system: SandboxSystem) -> AttendanceClient:
    sandbox_ = get_connector("attendance").sandbox
    return AttendanceClient(
        system.url,
        username=sandbox_["login"],
        password=sandbox_["password"],
        retry=retry_policy(initial=0.01, cap=0.05),
    )


def push_all(systems: dict[str, SandboxSystem], ledger: Ledger) -> dict[str, int]:
    """Push every target until nothing is owed; what landed per target."""
    landed = {}
    clients = {
        "yonyou": yonyou_client,
        "dingtalk": dingtalk_client,
        "attendance": attendance_client,
    }
    for name, make in clients.items():
        with make(systems[name]) as client:
            landed[name] = push(name, client=client, ledger=ledger).landed
        assert ledger.owed(name) == 0, name
    return landed


def sf_hires(systems: dict[str, SandboxSystem]) -> dict[str, dict[str, Any]]:
    """The tenant's hired applications (pipeline status "Hired"), by the hub's pre-hire id."""
    sf = systems["successfactors"].server
    hired = {
        r["appStatusId"] for r in sf.rows("JobApplicationStatus") if r["appStatusName"] == "Hired"
    }
    candidates = {c["candidateId"]: c for c in sf.rows("Candidate")}
    return {
        f"hrhub:pre_hire:successfactors-{app['applicationId']}": {
            **app,
            "candidate": candidates[app["candidateId"]],
        }
        for app in sf.rows("JobApplication")
        if app["appStatusSetItemId"] in hired
    }


def snapshot(systems: dict[str, SandboxSystem]) -> dict[str, list[dict[str, Any]]]:
    return {
        "persons": systems["yonyou"].server.rows("persons"),
        "preentries": systems["dingtalk"].server.rows("preentries"),
        "employees": systems["attendance"].server.rows("employees"),
        "schedules": systems["attendance"].server.rows("schedules"),
    }


def letters_by(ledger: Ledger) -> dict[tuple[str, str], dict[str, str | None]]:
    """Open dead letters as {(system, operation): {pre-hire id: field}}."""
    found: dict[tuple[str, str], dict[str, str | None]] = {}
    for letter in ledger.dead_letters():
        found.setdefault((letter.system, letter.entity), {})[letter.record_id] = letter.field
    return found


def test_successfactors_hires_become_pre_entries_once_and_what_sf_lacks_is_lettered(
    systems: dict[str, SandboxSystem], ledger: Ledger
) -> None:
    with sf_client(systems["successfactors"]) as client:
        for stream in SF_STREAMS:
            extract_stream("successfactors", stream, client=client, ledger=ledger)
    expected = sf_hires(systems)
    assert len(expected) >= 5, "the sandbox should hold a few hires"
    before = snapshot(systems)

    summary = onboard_hires(ledger, yonyou_flavor="nc", now=datetime.now(UTC))
    landed = push_all(systems, ledger)

    assert summary.hires == len(expected)
    cn = {pid: h for pid, h in expected.items() if h["candidate"]["cellPhone"].startswith("+86")}
    abroad = set(expected) - set(cn)
    assert summary.queued == {"yonyou": 0, "dingtalk": len(cn), "attendance": 0}
    assert landed == {"yonyou": 0, "dingtalk": len(cn), "attendance": 0}
    # DingTalk: one pre-entry per person hired (keyed by the mobile), on the day SF names.
    after = snapshot(systems)
    new_entries = after["preentries"][len(before["preentries"]) :]
    by_mobile = {entry["mobile"]: entry for entry in new_entries}
    mobiles = {h["candidate"]["cellPhone"].removeprefix("+86 ") for h in cn.values()}
    assert len(new_entries) == len(by_mobile) and set(by_mobile) == mobiles
    for hire in cn.values():
        candidate = hire["candidate"]
        entry = by_mobile[candidate["cellPhone"].removeprefix("+86 ")]
        assert entry["name"] == f"{candidate['lastName']}{candidate['firstName']}"
        first_day = hire["hireDate"].astimezone(CHINA).date()
        assert entry["pre_entry_time"] == f"{first_day:%Y-%m-%d} 00:00:00"
    # SuccessFactors holds no id number, no eHR employee code and no mobile outside China:
    # those writes are dead letters naming the field, and nothing reached the systems.
    letters = letters_by(ledger)
    assert letters[("yonyou", "nc_pre_hire")] == dict.fromkeys(expected, "id")
    assert letters[("attendance", "upsert_employee")] == dict.fromkeys(expected, "emp_code")
    assert letters.get(("dingtalk", "pre_entry"), {}) == dict.fromkeys(abroad, "mobile")
    for table in ("persons", "employees", "schedules"):
        assert after[table] == before[table], table

    again = onboard_hires(ledger, yonyou_flavor="nc", now=datetime.now(UTC))
    assert push_all(systems, ledger) == {"yonyou": 0, "dingtalk": 0, "attendance": 0}

    assert (again.hires, sum(again.queued.values()), again.dead_letters) == (0, 0, 0)
    assert snapshot(systems) == after
    assert letters_by(ledger) == letters


def resident_id(body17: str) -> str:
    """An 18-character resident id with its ISO 7064 MOD 11-2 check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


def stage_hire(
    ledger: Ledger,
    n: int,
    *,
    name: str,
    mobile: str,
    id_number: str,
    department: str,
    title: str,
    first_day: datetime,
    rules: list[str],
) -> str:
    """A hired SuccessFactors application as the hub stages it, its candidate carrying a
    national id (a custom candidate field some tenants keep; the sandbox has none)."""
    now = datetime.now(UTC)
    job = Job(
        source_system="successfactors",
        remote_id=f"9{n}",
        modified_at=now,
        title=title,
        department=department,
        probation_attendance_rule_ids=rules,
    )
    candidate = Candidate(
        source_system="successfactors",
        remote_id=f"9{n}",
        modified_at=now,
        name=name,
        phones=[mobile],
        id_number=id_number,
    )
    hire_date = f"/Date({int(first_day.timestamp() * 1000)}+0000)/"
    application = Application(
        source_system="successfactors",
        remote_id=f"9{n}",
        modified_at=now,
        candidate_id=candidate.canonical_id,
        job_id=job.canonical_id,
        remote_status="Open",
        raw={"applicationId": 90 + n, "status": "Open", "hireDate": hire_date},
    )
    ledger.stage([StageInput.of(r) for r in (job, candidate, application)], batch_id=f"h{n}")
    return f"hrhub:pre_hire:successfactors-9{n}"


def test_pre_hires_with_what_each_system_needs_land_in_each_once(
    systems: dict[str, SandboxSystem], ledger: Ledger
) -> None:
    """A new hire lands in the eHR and DingTalk; a rehire the eHR knows (its employee code,
    read from the eHR's persons) also lands in attendance with the job's probation rules."""
    with yonyou_client(systems["yonyou"]) as client:
        extract_stream("yonyou", "nc_persons", client=client, ledger=ledger)
    former = systems["yonyou"].server.rows("persons")[0]
    first_day = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0)
    first_day += timedelta(days=14)
    new_hire = stage_hire(
        ledger,
        1,
        name="林新",
        mobile="+86 139 5555 0001",
        id_number=resident_id("31010419950101001"),
        department="1001A1100000000DEPT02",  # an NC department
        title="高级数据工程师",
        first_day=first_day,
        rules=[],
    )
    rehire = stage_hire(
        ledger,
        2,
        name=former["name"],
        mobile="+86 139 5555 0002",
        id_number=former["id_number"],
        department="RND",  # an attendance department code
        title="软件工程师",  # an attendance position name
        first_day=first_day,
        rules=["group:PROB"],
    )
    before = snapshot(systems)

    summary = onboard_hires(ledger, yonyou_flavor="nc", now=datetime.now(UTC))
    landed = push_all(systems, ledger)

    assert summary.hires == 2
    assert summary.queued == {"yonyou": 2, "dingtalk": 2, "attendance": 1}
    assert landed == {"yonyou": 2, "dingtalk": 2, "attendance": 1}
    after = snapshot(systems)
    # eHR: the new hire is a new person; the rehire is the person NC already had.
    [person] = after["persons"][len(before["persons"]) :]
    assert person["origin"] == f"hrhub:{new_hire}"
    assert (person["name"], person["mobile"]) == ("林新", "13955550001")
    assert person["pk_dept"] == "1001A1100000000DEPT02"
    assert person["indutydate"] == first_day.astimezone(CHINA).date()
    # DingTalk: one pre-entry each.
    entries = after["preentries"][len(before["preentries"]) :]
    assert sorted(e["mobile"] for e in entries) == ["13955550001", "13955550002"]
    # Attendance: the rehire under the eHR's employee code, with the probation schedule.
    [employee] = after["employees"][len(before["employees"]) :]
    assert employee["emp_code"] == former["code"]
    assert employee["first_name"] == former["name"]
    assert employee["hire_date"] == f"{first_day.astimezone(CHINA):%Y-%m-%d}"
    schedules = [s for s in after["schedules"] if s["emp_code"] == former["code"]]
    assert len(schedules) == 1
    # The new hire has no employee code until the eHR gives one: attendance waits in letters.
    assert letters_by(ledger) == {("attendance", "upsert_employee"): {new_hire: "emp_code"}}
    assert rehire not in letters_by(ledger)[("attendance", "upsert_employee")]

    again = onboard_hires(ledger, yonyou_flavor="nc", now=datetime.now(UTC))
    assert push_all(systems, ledger) == {"yonyou": 0, "dingtalk": 0, "attendance": 0}

    assert (again.hires, sum(again.queued.values())) == (0, 0)
    assert snapshot(systems) == after
