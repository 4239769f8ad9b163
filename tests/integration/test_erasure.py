"""The right to erasure against the running simulators: a hired SuccessFactors candidate who
was interviewed in the room and invited on DingTalk is erased from the ledger and every
system is asked to do the same.

Real pieces: the SuccessFactors, interview room, DingTalk, Yonyou (NC) and attendance
simulators over loopback and their clients, `extract_stream`, `onboard_hires`, the
out-mappings, `enqueue_writes` and `push` on a SQLite ledger, then `erase_candidate`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from connectors._core.registry import get_connector
from connectors._core.retry import retry_policy
from connectors.attendance.client import AttendanceClient
from connectors.dingtalk.client import TOKENS, DingTalkClient
from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.sim_data import QUESTION_BANK
from connectors.successfactors.client import SuccessFactorsClient
from connectors.yonyou.client import YonyouClient
from hrhub.erasure import ALREADY_ERASED, COMPLETE, WAITING, erase_candidate, unfinished_erasures
from hrhub.flow.extract import extract_stream
from hrhub.flow.hire import onboard_hires
from hrhub.flow.push import enqueue_writes, push
from hrhub.flow.schedule import interview_notice
from hrhub.ledger import Ledger, StageInput
from hrhub.ledger.tables import LEDGER_TABLES
from hrhub.models import Interview
from hrhub.sandbox import SandboxSystem, sandbox

SF_STREAMS = ("JobRequisition", "Candidate", "JobApplication")
FAST = retry_policy(initial=0.01, cap=0.02, max_attempts=2)


@pytest.fixture
def systems() -> Iterator[dict[str, SandboxSystem]]:
    only = ["successfactors", "interview_room", "dingtalk", "yonyou", "attendance"]
    options = {
        "successfactors": {"candidates": 300},
        "interview_room": {"seeded": 0, "auto_start": True, "session_seconds": 0.2},
        "yonyou": {"persons": 20, "applicants": 5},
    }
    with sandbox(only=only, options=options) as started:
        yield {s.system: s for s in started}


def sf_client(system: SandboxSystem) -> SuccessFactorsClient:
    sf = system.server
    return SuccessFactorsClient(
        system.url, company_id=sf.company_id, username=sf.username, password=sf.password
    )


def room_client(system: SandboxSystem) -> InterviewRoomClient:
    room = system.server
    return InterviewRoomClient(
        system.url,
        workspace=room.WORKSPACE,
        api_key=room.API_KEY,
        link_secret=room.link_secret,
        retry=FAST,
    )


def dingtalk_client(system: SandboxSystem) -> DingTalkClient:
    sandbox_ = get_connector("dingtalk").sandbox
    TOKENS.invalidate((system.url, ""), None)
    return DingTalkClient(
        system.url,
        app_key=sandbox_["login"],
        app_secret=sandbox_["password"],
        agent_id=int(sandbox_["extra"]["agent_id"]),
        api_url=system.server.api_url,
        result_wait_seconds=1,
        retry=FAST,
    )


def yonyou_client(system: SandboxSystem) -> YonyouClient:
    sandbox_ = get_connector("yonyou").sandbox
    return YonyouClient(
        system.url, flavor="nc", username=sandbox_["login"], password=sandbox_["password"]
    )


def attendance_client(system: SandboxSystem) -> AttendanceClient:
    sandbox_ = get_connector("attendance").sandbox
    return AttendanceClient(
        system.url, username=sandbox_["login"], password=sandbox_["password"], retry=FAST
    )


@dataclass
class Person:
    """A hired SuccessFactors candidate the flow took through interview and invitation."""

    candidate_id: str
    application_id: str
    interview_id: str
    name: str
    email: str
    phone: str  # as the ledger stages it
    userid: str  # their DingTalk account, where the invitation went

    @property
    def personal(self) -> tuple[str, str, str]:
        return self.name, self.email, self.phone


@dataclass
class World:
    systems: dict[str, SandboxSystem]
    ledger: Ledger
    people: list[Person]
    clients: dict[str, Any]

    def client(self, system: str) -> Any:
        return self.clients[system]


def _hired(systems: dict[str, SandboxSystem], ledger: Ledger) -> list[Person]:
    """Two hired candidates with a Chinese mobile (their DingTalk pre-entry lands)."""
    sf = systems["successfactors"].server
    hired = {
        r["appStatusId"] for r in sf.rows("JobApplicationStatus") if r["appStatusName"] == "Hired"
    }
    candidates = {c["candidateId"]: c for c in sf.rows("Candidate")}
    users = [u["userid"] for u in systems["dingtalk"].server.users if u["status"] != "departed"]
    people: list[Person] = []
    seen: set[int] = set()
    for app in sf.rows("JobApplication"):
        candidate = candidates[app["candidateId"]]
        if app["appStatusSetItemId"] not in hired or app["candidateId"] in seen:
            continue
        if not str(candidate.get("cellPhone", "")).startswith("+86"):
            continue
        seen.add(app["candidateId"])
        candidate_id = f"successfactors:candidate:{app['candidateId']}"
        [staged] = ledger.get_records([candidate_id])
        people.append(
            Person(
                candidate_id=candidate_id,
                application_id=f"successfactors:application:{app['applicationId']}",
                interview_id=f"hrhub:interview:{app['applicationId']}-ai",
                name=staged.payload["name"],
                email=staged.payload["emails"][0],
                phone=staged.payload["phones"][0],
                userid=users[len(people)],
            )
        )
        if len(people) == 2:
            return people
    raise AssertionError("the SuccessFactors sandbox should hold two hires in China")


def _interview(world: World, person: Person, slot: int) -> None:
    """Book, order, invite: the interview staged, its SuccessFactors record, its room order
    and its DingTalk invitation, each through the outbox and a push."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2, hours=slot)
    room = world.client("interview_room")
    link = room.room_link(person.interview_id, person.candidate_id, start + timedelta(days=1))
    interview = Interview(
        source_system="hrhub",
        remote_id=person.interview_id.rsplit(":", 1)[-1],
        modified_at=datetime.now(UTC),
        application_id=person.application_id,
        candidate_id=person.candidate_id,
        slot_start=start,
        slot_end=start + timedelta(minutes=45),
        link_url=link,
        link_expires_at=start + timedelta(days=1),
    )
    world.ledger.stage([StageInput.of(interview)], batch_id=f"schedule-{slot}")
    order = {
        "canonical_id": person.interview_id,
        "application_id": person.application_id,
        "candidate_id": person.candidate_id,
        "candidate_name": person.name,
        "language": "zh",
        "job_id": "successfactors:job:1",
        "job_family": "sales",
        "questions": [{"id": "q_sales", "text": QUESTION_BANK["q_sales"].text("zh")}],
        "link_url": link,
    }
    record = {**interview.model_dump(mode="json"), "canonical_id": person.interview_id}
    notice = interview_notice(
        interview,
        canonical_id=f"hrhub:notification:invite-{interview.remote_id}",
        template="invite",
        recipient=person.userid,
        language="zh",
        job_title="销售代表",
    )
    for system, operation, rows in (
        ("interview_room", "create_orders", [order]),
        ("successfactors", "application_interview", [record]),
        ("dingtalk", "work_notification", [notice]),
    ):
        assert enqueue_writes(system, operation, rows, ledger=world.ledger).queued == 1


@pytest.fixture
def world(systems: dict[str, SandboxSystem], ledger: Ledger) -> Iterator[World]:
    clients = {
        "successfactors": sf_client(systems["successfactors"]),
        "interview_room": room_client(systems["interview_room"]),
        "dingtalk": dingtalk_client(systems["dingtalk"]),
        "yonyou": yonyou_client(systems["yonyou"]),
        "attendance": attendance_client(systems["attendance"]),
    }
    for stream in SF_STREAMS:
        extract_stream("successfactors", stream, client=clients["successfactors"], ledger=ledger)
    people = _hired(systems, ledger)
    built = World(systems, ledger, people, clients)
    onboard_hires(ledger, yonyou_flavor="nc", now=datetime.now(UTC))
    for slot, person in enumerate(people):
        _interview(built, person, slot)
    for system, client in clients.items():
        push(system, client=client, ledger=ledger)
        assert ledger.owed(system) == 0, system
    room = systems["interview_room"].server
    deadline = time.monotonic() + 10
    while room.count_stream("interview_analyses") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    summary = extract_stream(
        "interview_room", "interview_analyses", client=clients["interview_room"], ledger=ledger
    )
    assert summary.inserted == 2
    yield built
    for client in clients.values():
        client.close()


# --------------------------------------------------------------------------- looking


def ledger_text(ledger: Ledger, *, audit: bool = True) -> str:
    """Every row of every ledger table (the audit log too, unless `audit` is False), as text."""
    tables = [t for t in LEDGER_TABLES if audit or t.__tablename__ != "ledger_audit"]
    with Session(ledger.engine) as session:
        return "\n".join(
            repr(row.model_dump()) for table in tables for row in session.exec(select(table))
        )


def held_by_ledger(ledger: Ledger, person: Person) -> dict[str, int]:
    """What the ledger holds of a person: staged records naming them, writes, receipts."""
    with Session(ledger.engine) as session:
        staged = [
            r
            for r in session.exec(select(LEDGER_TABLES[1]))
            if person.candidate_id in (r.canonical_id, r.payload.get("candidate_id"))
        ]
    ids = {r.canonical_id for r in staged}
    ids |= {
        person.interview_id,
        f"hrhub:notification:invite-{person.interview_id.rsplit(':', 1)[-1]}",
        f"hrhub:pre_hire:successfactors-{person.application_id.rsplit(':', 1)[-1]}",
    }
    writes = [
        item
        for target in ("interview_room", "successfactors", "dingtalk", "yonyou", "attendance")
        for op in get_connector(target).manifest.get("operations", [])
        for item in ledger.outbox_items(target, op["name"])
        if item.canonical_id in ids
    ]
    receipts = [k for k in (i.idempotency_key for i in writes) if ledger.receipt_for(k)]
    letters = [d for d in ledger.dead_letters(open_only=False) if d.record_id in ids]
    return {
        "staged": len(staged),
        "writes": len(writes),
        "receipts": len(receipts),
        "dead_letters": len(letters),
    }


def room_holds(world: World, person: Person) -> tuple[int, int]:
    room = world.systems["interview_room"].server
    orders = [o for o in room.rows("orders") if o["candidate"]["id"] == person.candidate_id]
    sessions = [s for s in room.rows("sessions") if s["candidate_id"] == person.candidate_id]
    return len(orders), len(sessions)


def messages_to(world: World, person: Person) -> list[dict[str, Any]]:
    return [
        m for m in world.systems["dingtalk"].server.rows("messages") if m["userid"] == person.userid
    ]


def audit_of(ledger: Ledger, person: Person) -> list[tuple[str, dict[str, Any]]]:
    return [(e.action, e.data) for e in ledger.audit_entries() if e.subject == person.candidate_id]


def by_system(report: Any) -> dict[str, Any]:
    return {o.system: o for o in report.systems}


# --------------------------------------------------------------------------- tests


def test_an_erased_candidate_leaves_the_ledger_and_every_system_is_asked(world: World) -> None:
    anna, bo = world.people
    ledger = world.ledger
    text = ledger_text(ledger)
    for value in (*anna.personal, *bo.personal):
        assert value in text, value  # what the search below looks for is there to find
    assert held_by_ledger(ledger, anna) == {
        "staged": 4,  # candidate, application, the hub's interview, the room's analysis
        "writes": 4,  # DingTalk pre-entry, room order, SF interview record, invitation
        "receipts": 4,
        "dead_letters": 2,  # eHR and attendance pre-hires: SF holds no id number / code
    }
    bo_before = held_by_ledger(ledger, bo)
    assert room_holds(world, anna) == (1, 1) and room_holds(world, bo) == (1, 1)
    [invitation] = messages_to(world, anna)
    assert invitation["recalled"] is False

    report = erase_candidate(ledger, anna.candidate_id, actor="dpo.li", clients=world.client)

    assert report.status == COMPLETE, report
    assert report.ledger == {
        "staged": 4,
        "outbox": 4,
        "receipts": 4,
        "dead_letters": 2,
        "reviews": 0,
    }
    # The ledger: nothing personal of hers is left anywhere; his is all there.
    text = ledger_text(ledger)
    for value in anna.personal:
        assert value not in text, value
    for value in bo.personal:
        assert value in text, value
    assert held_by_ledger(ledger, anna) == dict.fromkeys(bo_before, 0)
    assert held_by_ledger(ledger, bo) == bo_before
    # The systems: what they can delete is gone, what they cannot is a person's task.
    systems = by_system(report)
    assert {name: o.status for name, o in systems.items()} == {
        "interview_room": "erased",
        "dingtalk": "manual",  # the invitation recalled; the pre-entry has no delete API
        "successfactors": "manual",
    }
    assert room_holds(world, anna) == (0, 0) and room_holds(world, bo) == (1, 1)
    assert [m["recalled"] for m in messages_to(world, anna)] == [True]
    assert [m["recalled"] for m in messages_to(world, bo)] == [False]
    dingtalk = {r["kind"]: r for r in systems["dingtalk"].records}
    assert dingtalk["work_notification"]["status"] == "erased"
    assert dingtalk["pre_entry"]["status"] == "manual"
    assert "智能人事" in dingtalk["pre_entry"]["detail"]
    sf = systems["successfactors"]
    app = anna.application_id.rsplit(":", 1)[-1]
    assert {(r["kind"], r["remote_id"]) for r in sf.records} >= {
        ("candidate", anna.candidate_id.rsplit(":", 1)[-1]),
        ("application", app),
    }
    assert {r["kind"] for r in sf.records} == {"candidate", "application", "application_interview"}
    assert all("Data Retention Management" in r["detail"] for r in sf.records)
    # The audit log: every step, ids only, and the chain still verifies.
    actions = [action for action, _ in audit_of(ledger, anna)]
    assert actions[:2] == ["erasure.requested", "erasure.ledger"]
    assert sorted(actions[2:5]) == ["erasure.system"] * 3
    assert actions[5:] == ["erasure.completed"]
    asked = {data["system"]: data["status"] for action, data in audit_of(ledger, anna)[2:5]}
    assert asked == {name: o.status for name, o in systems.items()}
    assert ledger.verify_audit().ok
    assert unfinished_erasures(ledger) == []


def test_a_second_erasure_is_a_no_op_and_extract_does_not_bring_her_back(world: World) -> None:
    anna, bo = world.people
    ledger = world.ledger
    erase_candidate(ledger, anna.candidate_id, actor="dpo.li", clients=world.client)
    dingtalk = world.systems["dingtalk"].server
    recalls = sum(1 for _, path in dingtalk.calls if path.endswith("/recall"))
    audit_before = len(ledger.audit_entries())
    text_before = ledger_text(ledger, audit=False)

    again = erase_candidate(ledger, anna.candidate_id, actor="dpo.li", clients=world.client)

    assert again.status == ALREADY_ERASED
    assert set(again.ledger.values()) == {0}
    assert {o.system: o.status for o in again.systems}["interview_room"] == "erased"
    assert sum(1 for _, path in dingtalk.calls if path.endswith("/recall")) == recalls
    [(action, data)] = [(e.action, e.data) for e in ledger.audit_entries()[audit_before:]]
    assert (action, data) == ("erasure.requested", {"already_erased": True})
    assert ledger_text(ledger, audit=False) == text_before

    # SuccessFactors still holds her (a person has not purged her yet): a full re-read of
    # every stream stages her nowhere, and everyone else as before.
    reads = {}
    for stream in SF_STREAMS:
        reads[stream] = extract_stream(
            "successfactors",
            stream,
            client=world.client("successfactors"),
            ledger=ledger,
            full=True,
        )
    assert reads["Candidate"].erased == 1 and reads["JobApplication"].erased >= 1
    assert reads["Candidate"].inserted == 0 and reads["JobApplication"].inserted == 0
    assert ledger.get_records([anna.candidate_id, anna.application_id]) == []
    for value in anna.personal:
        assert value not in ledger_text(ledger), value
    assert [r.canonical_id for r in ledger.get_records([bo.candidate_id])] == [bo.candidate_id]


def test_a_system_that_is_down_is_asked_again_and_the_next_run_finishes(world: World) -> None:
    anna, _ = world.people
    ledger = world.ledger
    room = world.systems["interview_room"].server
    room.set_faults("error_rate=1")

    first = erase_candidate(ledger, anna.candidate_id, actor="dpo.li", clients=world.client)

    assert first.status == WAITING
    statuses = {o.system: o.status for o in first.systems}
    assert statuses == {
        "interview_room": "failed",
        "dingtalk": "manual",
        "successfactors": "manual",
    }
    [failed] = by_system(first)["interview_room"].records
    assert "HTTP 503" in failed["detail"]
    assert [e.subject_id for e in unfinished_erasures(ledger)] == [anna.candidate_id]
    assert room_holds(world, anna) == (1, 1)  # not lost: still to do
    for value in anna.personal:  # the ledger part did not wait for the room
        assert value not in ledger_text(ledger), value

    room.set_faults(None)
    second = erase_candidate(ledger, anna.candidate_id, actor="dpo.li", clients=world.client)

    assert second.status == COMPLETE
    assert [o.system for o in second.systems] == ["interview_room"]  # only what was left
    assert second.systems[0].status == "erased"
    assert room_holds(world, anna) == (0, 0)
    assert unfinished_erasures(ledger) == []
    asked = [d["system"] for a, d in audit_of(ledger, anna) if a == "erasure.system"]
    assert sorted(asked) == ["dingtalk", "interview_room", "interview_room", "successfactors"]
    assert ledger.verify_audit().ok


def test_a_dry_run_says_what_would_happen_and_changes_nothing(world: World) -> None:
    anna, _ = world.people
    ledger = world.ledger
    text, entries = ledger_text(ledger), len(ledger.audit_entries())

    plan = erase_candidate(
        ledger, anna.candidate_id, actor="dpo.li", clients=world.client, dry_run=True
    )

    assert plan.dry_run and plan.status == "dry_run"
    assert plan.ledger["staged"] == 4 and plan.ledger["receipts"] == 4
    how = {o.system: o.how for o in plan.systems}
    assert how == {"interview_room": "api", "dingtalk": "api, manual", "successfactors": "manual"}
    assert ledger_text(ledger) == text and len(ledger.audit_entries()) == entries
    assert room_holds(world, anna) == (1, 1)
    with pytest.raises(ValueError, match="expected '<system>:candidate:<remote id>'"):
        erase_candidate(ledger, anna.application_id, actor="dpo.li", clients=world.client)


def test_a_write_that_lands_after_the_erasure_is_erased_by_the_next_run(world: World) -> None:
    """A push that held her room order while the erasure ran lands it afterwards: the next
    run finds its receipt through the tombstone and asks the room again."""
    anna, _ = world.people
    ledger = world.ledger
    erase_candidate(ledger, anna.candidate_id, actor="dpo.li", clients=world.client)
    room = world.client("interview_room")
    late = {
        "canonical_id": anna.interview_id,
        "application_id": anna.application_id,
        "candidate_id": anna.candidate_id,
        "candidate_name": "(late)",
        "language": "zh",
        "job_id": "successfactors:job:1",
        "job_family": "sales",
        "questions": [{"id": "q_sales", "text": QUESTION_BANK["q_sales"].text("zh")}],
        "link_url": room.room_link(
            anna.interview_id, anna.candidate_id, datetime.now(UTC) + timedelta(days=1)
        ),
    }
    enqueue_writes("interview_room", "create_orders", [late], ledger=ledger)
    assert push("interview_room", client=room, ledger=ledger).landed == 1
    assert room_holds(world, anna)[0] == 1

    again = erase_candidate(ledger, anna.candidate_id, actor="dpo.li", clients=world.client)

    assert again.status == COMPLETE
    assert again.ledger["outbox"] == 1 and again.ledger["receipts"] == 1
    assert [(o.system, o.status) for o in again.systems] == [("interview_room", "erased")]
    assert room_holds(world, anna) == (0, 0)
