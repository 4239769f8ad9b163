"""Target reconciliation against running simulators: writes pushed through the outbox land
once (lost 0, duplicates 0), and a record a target really holds twice is reported.

Real pieces: the interview room, attendance and DingTalk simulators, their clients, the
out-mappings, `enqueue_writes` and `push` on a SQLite ledger, and `reconcile_targets` reading
what each simulator stored.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from connectors._core.registry import get_connector
from connectors._core.retry import retry_policy
from connectors.attendance.client import AttendanceClient
from connectors.dingtalk.client import DingTalkClient
from connectors.dingtalk.simulator import DingTalkSimulator
from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.sim_data import QUESTION_BANK
from connectors.successfactors.client import SuccessFactorsClient
from hrhub.flow.push import enqueue_writes, push
from hrhub.ledger import Ledger
from hrhub.reconcile import KEY_CHECKS, reconcile, reconcile_targets
from hrhub.sandbox import SandboxSystem, connection_uri, sandbox, start_sandbox, stop_sandbox

DAY = 86_400.0


class Clock:
    """DingTalk's clock, moved by the test: its "same content, same day" rule needs days."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def systems(clock: Clock) -> Iterator[dict[str, SandboxSystem]]:
    started = start_sandbox(only=["interview_room", "attendance"])
    dingtalk = DingTalkSimulator(users=50, clock=clock)
    try:
        url = dingtalk.start()
        spec = get_connector("dingtalk")
        started.append(
            SandboxSystem(
                system="dingtalk",
                url=url,
                conn_id=spec.default_conn_id,
                conn_uri=connection_uri(spec, url, dingtalk.connection_extra()),
                server=dingtalk,
            )
        )
        yield {s.system: s for s in started}
    finally:
        stop_sandbox(started)
        dingtalk.stop()


def room_client(system: SandboxSystem) -> InterviewRoomClient:
    sandbox = get_connector("interview_room").sandbox
    return InterviewRoomClient(system.url, workspace=sandbox["login"], api_key=sandbox["password"])


def dingtalk_client(system: SandboxSystem) -> DingTalkClient:
    sandbox = get_connector("dingtalk").sandbox
    return DingTalkClient(
        system.url,
        app_key=sandbox["login"],
        app_secret=sandbox["password"],
        agent_id=int(sandbox["extra"]["agent_id"]),
        api_url=system.server.api_url,
        result_wait_seconds=1,
    )


def attendance_client(system: SandboxSystem) -> AttendanceClient:
    sandbox = get_connector("attendance").sandbox
    return AttendanceClient(
        system.url,
        username=sandbox["login"],
        password=sandbox["password"],
        retry=retry_policy(initial=0.01, cap=0.05),
    )


def interviews(room: SandboxSystem, n: int) -> list[dict[str, Any]]:
    records = []
    for i in range(n):
        interview_id = f"hrhub:interview:iv-{i}"
        candidate_id = f"successfactors:candidate:{i}"
        records.append(
            {
                "canonical_id": interview_id,
                "application_id": f"successfactors:application:{i}",
                "candidate_id": candidate_id,
                "candidate_name": f"候选人{i}",
                "language": "zh",
                "job_id": "successfactors:job:7",
                "job_family": "customer_service",
                "questions": [
                    {"id": "q_complaint", "text": QUESTION_BANK["q_complaint"].text("zh")}
                ],
                "link_url": room.server.link_for(interview_id, candidate_id),
            }
        )
    return records


def invitations(dingtalk: SandboxSystem, n: int) -> list[dict[str, Any]]:
    people = [u["userid"] for u in dingtalk.server.users if u["status"] != "departed"]
    return [
        {
            "canonical_id": f"hrhub:notification:invite-{i}",
            "recipient": people[i],
            "template": "invite",
            "language": "zh",
            "job_title": "客服专员",
            "slot_text": "2024-06-18 14:00-14:45",
            "link_expires_text": "2024-06-18 16:00",
            "link_url": f"https://room.example.com/i/iv-{i}",
        }
        for i in range(n)
    ]


def new_hires(n: int) -> list[dict[str, Any]]:
    return [
        {
            "canonical_id": f"yonyou:pre_hire:{9000 + i}",
            "employee_code": str(9000 + i),
            "name": "陈静",
            "email": f"e{9000 + i}@example.cn",
            "mobile": "13800138000",
            "planned_entry_date": "2024-07-01",
            "department": "RND",
            "position": "ENG",
            "probation_attendance_rule_ids": ["group:PROB", "area:SH"],
        }
        for i in range(n)
    ]


def push_all(systems: dict[str, SandboxSystem], ledger: Ledger) -> None:
    with room_client(systems["interview_room"]) as client:
        assert push("interview_room", client=client, ledger=ledger).landed == 3
    with dingtalk_client(systems["dingtalk"]) as client:
        assert push("dingtalk", client=client, ledger=ledger).landed == 3
    with attendance_client(systems["attendance"]) as client:
        assert push("attendance", client=client, ledger=ledger).landed == 2


def rows_by_operation(
    systems: dict[str, SandboxSystem], ledger: Ledger
) -> dict[str, dict[str, Any]]:
    rows = reconcile_targets(systems.values(), ledger)
    return {f"{r['system']}.{r['operation']}": r for r in rows}


def test_pushed_writes_reconcile_with_nothing_lost_and_nothing_twice(
    systems: dict[str, SandboxSystem], ledger: Ledger
) -> None:
    enqueue_writes(
        "interview_room", "create_orders", interviews(systems["interview_room"], 3), ledger=ledger
    )
    enqueue_writes(
        "dingtalk", "work_notification", invitations(systems["dingtalk"], 3), ledger=ledger
    )
    enqueue_writes("attendance", "upsert_employee", new_hires(2), ledger=ledger)
    push_all(systems, ledger)

    rows = rows_by_operation(systems, ledger)
    for name in ("interview_room.create_orders", "dingtalk.work_notification"):
        row = rows[name]
        assert (row["owed"], row["landed"], row["dead_letters"], row["pending"]) == (3, 3, 0, 0)
        assert (row["lost"], row["duplicates"]) == (0, 0), row
    employees = rows["attendance.upsert_employee"]
    assert (employees["owed"], employees["landed"], employees["lost"]) == (2, 2, 0)
    assert employees["duplicates"] == 0
    assert "schedules" in employees["note"]
    untouched = rows["dingtalk.pre_entry"]
    assert (untouched["owed"], untouched["lost"], untouched["duplicates"]) == (0, 0, 0)
    robot = rows["dingtalk.robot_notice"]
    assert robot["duplicates"] is None and "cannot be told" in robot["note"]

    # Retried writes (a lost answer, a replay) reach the systems again: still nothing twice.
    room_payloads = [
        item.payload for item in ledger.outbox_items("interview_room", "create_orders")
    ]
    with room_client(systems["interview_room"]) as client:
        assert all(o.ok for o in client.write("create_orders", room_payloads))
    hire_payloads = [item.payload for item in ledger.outbox_items("attendance", "upsert_employee")]
    with attendance_client(systems["attendance"]) as client:
        assert all(o.ok for o in client.write("upsert_employee", hire_payloads))
    task = systems["dingtalk"].server.rows("tasks")[0]
    with dingtalk_client(systems["dingtalk"]) as client:  # the same day: DingTalk drops it
        client.send_work_notification(task["delivered"][:1], json.loads(task["content"]))

    again = rows_by_operation(systems, ledger)
    for name in (
        "interview_room.create_orders",
        "dingtalk.work_notification",
        "attendance.upsert_employee",
    ):
        assert (again[name]["lost"], again[name]["duplicates"]) == (0, 0), again[name]

    summary = reconcile(systems.values(), ledger)
    assert summary["duplicates"] == 0
    assert sum(r["lost"] for r in summary["targets"]) == 0
    # Nothing was extracted in this test: the sources' records count as lost, and the total
    # says so rather than hiding them behind the clean targets.
    assert summary["lost"] == sum(r["lost"] for r in summary["sources"]) > 0
    assert summary["unchecked"] == []  # no robot notice was owed
    assert {r["system"] for r in summary["sources"]} == {"interview_room", "attendance", "dingtalk"}


def test_a_message_delivered_twice_and_a_doubled_schedule_are_reported(
    systems: dict[str, SandboxSystem], ledger: Ledger, clock: Clock
) -> None:
    enqueue_writes(
        "dingtalk", "work_notification", invitations(systems["dingtalk"], 3), ledger=ledger
    )
    enqueue_writes(
        "interview_room", "create_orders", interviews(systems["interview_room"], 3), ledger=ledger
    )
    enqueue_writes("attendance", "upsert_employee", new_hires(2), ledger=ledger)
    push_all(systems, ledger)

    # The next day the same invitation reaches the same person again, outside the outbox.
    clock.now += DAY
    task = systems["dingtalk"].server.rows("tasks")[0]
    person = task["delivered"][0]
    with dingtalk_client(systems["dingtalk"]) as client:
        client.send_work_notification([person], json.loads(task["content"]))
    # A second, identical probation schedule for one new hire (a double import).
    attendance = systems["attendance"].server
    [schedule] = [s for s in attendance.rows("schedules") if s["emp_code"] == "9000"]
    with attendance_client(systems["attendance"]) as client:
        client.request_json(
            "POST",
            "/att/api/schedules/",
            json={
                "emp_code": "9000",
                "shift": schedule["shift_id"],
                "group": schedule["group_id"],
                "start_date": schedule["start_date"],
                "end_date": schedule["end_date"],
            },
        )

    rows = rows_by_operation(systems, ledger)
    notifications = rows["dingtalk.work_notification"]
    assert (notifications["duplicates"], notifications["lost"]) == (1, 0)
    assert rows["attendance.upsert_employee"]["duplicates"] == 1
    assert rows["interview_room.create_orders"]["duplicates"] == 0
    assert reconcile(systems.values(), ledger)["duplicates"] == 2


@pytest.fixture
def successfactors() -> Iterator[SandboxSystem]:
    [system] = start_sandbox(only=["successfactors"])
    try:
        yield system
    finally:
        stop_sandbox([system])


def sf_client(system: SandboxSystem) -> SuccessFactorsClient:
    sim = system.server
    return SuccessFactorsClient(
        system.url,
        company_id=sim.company_id,
        username=sim.username,
        password=sim.password,
        auth="basic",
    )


def test_a_comment_stored_twice_for_one_write_is_reported(
    successfactors: SandboxSystem, ledger: Ledger
) -> None:
    apps = [str(r["applicationId"]) for r in successfactors.server.rows("JobApplication")][:2]
    results = [
        {
            "canonical_id": f"hrhub:interview_result:{app}",
            "application_id": f"successfactors:application:{app}",
            "explanation": f"结构化面试表现良好 / solid structured interview ({app})",
        }
        for app in apps
    ]
    enqueue_writes("successfactors", "comment", results, ledger=ledger)
    with sf_client(successfactors) as client:
        assert push("successfactors", client=client, ledger=ledger).landed == 2
        assert all(
            o.ok
            for o in client.write(
                "comment", [i.payload for i in ledger.outbox_items("successfactors", "comment")]
            )
        )
        [row] = [
            r for r in reconcile_targets([successfactors], ledger) if r["operation"] == "comment"
        ]
        assert (row["owed"], row["landed"], row["lost"], row["duplicates"]) == (2, 2, 0, 0)

        # The same comment created again without its key (a create whose answer was lost,
        # retried by a client that does not look first).
        payload = ledger.outbox_items("successfactors", "comment")[0].payload
        client.request_json(
            "POST",
            "/odata/v2/upsert",
            params={"$format": "json"},
            json=[{"__metadata": {"uri": "JobApplicationComments"}, **payload}],
        )
    [row] = [r for r in reconcile_targets([successfactors], ledger) if r["operation"] == "comment"]
    assert (row["lost"], row["duplicates"]) == (0, 1)


def test_every_duplicate_check_reads_a_table_its_simulator_has() -> None:
    with sandbox() as started:
        servers = {s.system: s.server for s in started}
        for (system, operation), checks in KEY_CHECKS.items():
            get_connector(system).operation(operation)  # a real operation of the manifest
            for check in checks:
                assert isinstance(servers[system].rows(check.table), list), (system, check.table)
        assert isinstance(servers["dingtalk"].rows("tasks"), list)


def test_an_assessment_stored_twice_on_a_hub_interview_is_reported(
    successfactors: SandboxSystem, ledger: Ledger
) -> None:
    apps = [str(r["applicationId"]) for r in successfactors.server.rows("JobApplication")][:2]
    interviews = [
        {
            "canonical_id": f"hrhub:interview:{app}-ai",
            "application_id": f"successfactors:application:{app}",
            "slot_start": "2026-12-01T02:00:00+00:00",
            "slot_end": "2026-12-01T02:45:00+00:00",
            "status": "scheduled",
        }
        for app in apps
    ]
    results = [
        {
            "canonical_id": f"hrhub:interview_result:{app}-ai",
            "interview_id": f"hrhub:interview:{app}-ai",
            "overall_score": 80,
            "recommendation": "YES",
            "explanation": f"表现良好 / did well ({app})",
        }
        for app in apps
    ]
    enqueue_writes("successfactors", "application_interview", interviews, ledger=ledger)
    enqueue_writes("successfactors", "interview_assessment", results, ledger=ledger)
    with sf_client(successfactors) as client:
        assert push("successfactors", client=client, ledger=ledger).landed == 4
        rows = {r["operation"]: r for r in reconcile_targets([successfactors], ledger)}
        for operation in ("application_interview", "interview_assessment"):
            row = rows[operation]
            assert (row["owed"], row["landed"], row["lost"], row["duplicates"]) == (2, 2, 0, 0)

        # The assessment created again without its key, on the same interview.
        [stored] = [
            r
            for r in successfactors.server.rows("InterviewOverallAssessment")
            if r.get("comments") == results[0]["explanation"]
        ]
        client.request_json(
            "POST",
            "/odata/v2/upsert",
            params={"$format": "json"},
            json=[
                {
                    "__metadata": {"uri": "InterviewOverallAssessment"},
                    "interviewRefId": stored["interviewRefId"],
                    "type": stored["type"],
                    "comments": "again",
                }
            ],
        )
    rows = {r["operation"]: r for r in reconcile_targets([successfactors], ledger)}
    assert (rows["interview_assessment"]["lost"], rows["interview_assessment"]["duplicates"]) == (
        0,
        1,
    )
    assert rows["application_interview"]["duplicates"] == 0
