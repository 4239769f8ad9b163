"""The hire step: a hired application becomes one pre-hire for the eHR, DingTalk and attendance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hrhub.flow.hire import onboard_hires
from hrhub.ledger import Ledger, StageInput
from hrhub.models import Application, Candidate, Employee, Job

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
# 2026-11-30 16:30 UTC is already 1 December in China: the first working day is the 1st.
HIRE_DATE = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
ID_NUMBER = "31010419900101123X"
OPS = [("yonyou", "nc_pre_hire"), ("dingtalk", "pre_entry"), ("attendance", "upsert_employee")]


def sf_date(moment: datetime) -> str:
    return f"/Date({int(moment.timestamp() * 1000)})/"


def stage_job(ledger: Ledger, remote_id: str = "j1") -> Job:
    job = Job(
        source_system="successfactors",
        remote_id=remote_id,
        modified_at=NOW,
        title="高级数据工程师",
        department="1001A1100000000DEPT02",
        probation_attendance_rule_ids=["group:PROB", "area:SH"],
    )
    ledger.stage([StageInput.of(job)], batch_id="jobs")
    return job


def stage_application(
    ledger: Ledger,
    n: int,
    *,
    job: Job,
    status: str = "Open",
    hire_date: datetime | None = HIRE_DATE,
    phones: tuple[str, ...] = ("+86 139 0000 0001",),
    id_number: str | None = ID_NUMBER,
    source: str = "successfactors",
    stage_candidate: bool = True,
) -> Application:
    """A candidate and their application as the extract step stages them (raw included)."""
    candidate = Candidate(
        source_system=source,
        remote_id=str(n),
        modified_at=NOW,
        name="张伟",
        phones=list(phones),
        emails=[f"zhangwei{n}@example.cn"],
        id_number=id_number,
    )
    raw: dict[str, Any] = {"applicationId": n, "status": status}
    if hire_date is not None:
        raw["hireDate"] = sf_date(hire_date)
    application = Application(
        source_system=source,
        remote_id=str(n),
        modified_at=NOW,
        candidate_id=candidate.canonical_id,
        job_id=job.canonical_id,
        remote_status=status,
        raw=raw,
    )
    records = [candidate, application] if stage_candidate else [application]
    ledger.stage([StageInput.of(r) for r in records], batch_id=f"b{n}")
    return application


def stage_employee(ledger: Ledger, code: str, id_number: str) -> None:
    """A person the eHR already holds, as its persons stream stages them."""
    person = Employee(
        source_system="yonyou",
        remote_id=f"psn-{code}",
        modified_at=NOW,
        employee_code=code,
        name="张伟",
        id_number=id_number,
    )
    ledger.stage([StageInput.of(person)], batch_id="persons")


def payloads(ledger: Ledger, system: str, operation: str) -> dict[str, dict[str, Any]]:
    return {i.canonical_id: i.payload for i in ledger.outbox_items(system, operation)}


def test_a_hire_queues_the_three_writes_with_their_fields_and_others_queue_nothing(
    ledger: Ledger,
) -> None:
    job = stage_job(ledger)
    hired = stage_application(ledger, 1, job=job)
    open_app = stage_application(ledger, 2, job=job, hire_date=None)
    disqualified = stage_application(ledger, 3, job=job, status="Disqualified")
    stage_employee(ledger, "E100001", ID_NUMBER.lower())  # the eHR holds this person already

    summary = onboard_hires(ledger, yonyou_flavor="nc", now=NOW)

    assert summary.as_dict() == {
        "hires": 1,
        "queued": {"yonyou": 1, "dingtalk": 1, "attendance": 1},
        "dead_letters": 0,
        "skipped": {},
        "waiting": 0,
    }
    pre_hire_id = "hrhub:pre_hire:successfactors-1"
    nc = payloads(ledger, "yonyou", "nc_pre_hire")[pre_hire_id]
    assert nc == {
        "bill_id": pre_hire_id,
        "name": "张伟",
        "idtype": "0",
        "id": ID_NUMBER,
        "mobile": "13900000001",
        "email": "zhangwei1@example.cn",
        "pk_org": "0001A110000000000ORG",
        "pk_dept": "1001A1100000000DEPT02",
        "jobname": "高级数据工程师",
        "indutydate": "2026-12-01",
    }
    dingtalk = payloads(ledger, "dingtalk", "pre_entry")[pre_hire_id]
    assert dingtalk["name"] == "张伟"
    assert dingtalk["mobile"] == "13900000001"
    assert dingtalk["pre_entry_time"] == "2026-12-01"
    assert dingtalk["extend_info"]["depts"] == "1001A1100000000DEPT02"
    assert dingtalk["extend_info"]["position"] == "高级数据工程师"
    attendance = payloads(ledger, "attendance", "upsert_employee")[pre_hire_id]
    assert attendance["emp_code"] == "E100001"
    assert attendance["first_name"] == "张伟"
    assert attendance["mobile"] == "13900000001"
    assert attendance["hire_date"] == "2026-12-01"
    assert attendance["department"] == "1001A1100000000DEPT02"
    assert attendance["position"] == "高级数据工程师"
    assert attendance["probation_rules"] == ["group:PROB", "area:SH"]
    stages = {r.canonical_id: r.stage for r in ledger.get_records([hired.canonical_id])}
    assert stages == {hired.canonical_id: "hired"}
    for other in ledger.get_records([open_app.canonical_id, disqualified.canonical_id]):
        assert other.stage == "extracted"
    assert ledger.dead_letters() == []


def test_a_rerun_queues_nothing(ledger: Ledger) -> None:
    job = stage_job(ledger)
    stage_application(ledger, 1, job=job)
    stage_application(ledger, 2, job=job, phones=())  # lettered for DingTalk and NC
    first = onboard_hires(ledger, yonyou_flavor="nc", now=NOW)
    assert first.hires == 2
    outbox = {op: len(ledger.outbox_items(system, op)) for system, op in OPS}
    letters = len(ledger.dead_letters())

    again = onboard_hires(ledger, yonyou_flavor="nc", now=NOW)

    assert again.as_dict() == {
        "hires": 0,
        "queued": {"yonyou": 0, "dingtalk": 0, "attendance": 0},
        "dead_letters": 0,
        "skipped": {},
        "waiting": 0,
    }
    assert {op: len(ledger.outbox_items(system, op)) for system, op in OPS} == outbox
    assert outbox == {"nc_pre_hire": 1, "pre_entry": 1, "upsert_employee": 0}
    assert len(ledger.dead_letters()) == letters


def test_no_mobile_letters_the_writes_that_need_one_and_the_others_go(ledger: Ledger) -> None:
    job = stage_job(ledger)
    stage_application(ledger, 1, job=job, phones=())
    stage_employee(ledger, "E100001", ID_NUMBER)

    summary = onboard_hires(ledger, yonyou_flavor="nc", now=NOW)

    # DingTalk keys a pre-entry by mobile and NC requires one; attendance does not.
    assert summary.queued == {"yonyou": 0, "dingtalk": 0, "attendance": 1}
    assert summary.dead_letters == 2
    letters = {(letter.system, letter.entity): letter for letter in ledger.dead_letters()}
    assert set(letters) == {("dingtalk", "pre_entry"), ("yonyou", "nc_pre_hire")}
    for letter in letters.values():
        assert letter.record_id == "hrhub:pre_hire:successfactors-1"
        assert letter.field == "mobile"
        assert "mobile" in letter.reason
    [attendance] = ledger.outbox_items("attendance", "upsert_employee")
    assert attendance.payload["emp_code"] == "E100001"
    assert "mobile" not in attendance.payload


def test_what_the_sources_lack_is_a_dead_letter_naming_the_field(ledger: Ledger) -> None:
    job = stage_job(ledger)
    stage_application(ledger, 1, job=job, id_number=None)  # no id number, so no eHR code

    summary = onboard_hires(ledger, yonyou_flavor="nc", now=NOW)

    assert summary.queued == {"yonyou": 0, "dingtalk": 1, "attendance": 0}
    fields = {(letter.system, letter.field) for letter in ledger.dead_letters()}
    assert fields == {("yonyou", "id"), ("attendance", "emp_code")}


def test_flavor_bip_writes_bip_pre_hire(ledger: Ledger) -> None:
    job = stage_job(ledger)
    stage_application(ledger, 1, job=job)

    summary = onboard_hires(ledger, yonyou_flavor="bip", now=NOW)

    assert summary.queued["yonyou"] == 1
    assert ledger.outbox_items("yonyou", "nc_pre_hire") == []
    [bip] = ledger.outbox_items("yonyou", "bip_pre_hire")
    assert bip.canonical_id == "hrhub:pre_hire:successfactors-1"
    assert bip.payload["code"] == "successfactors-1"
    assert bip.payload["certNo"] == ID_NUMBER
    assert bip.payload["mobile"] == "+86-13900000001"
    assert bip.payload["joinWorkDate"] == "2026-12-01"
    assert bip.payload["deptId"] == "1001A1100000000DEPT02"
    assert bip.payload["jobName"] == "高级数据工程师"


def test_without_a_yonyou_product_the_ehr_is_skipped_and_counted(ledger: Ledger) -> None:
    job = stage_job(ledger)
    stage_application(ledger, 1, job=job)
    stage_application(ledger, 2, job=job)

    summary = onboard_hires(ledger, yonyou_flavor=None, now=NOW)

    assert summary.hires == 2
    assert summary.skipped == {"yonyou": 2}
    assert set(summary.queued) == {"dingtalk", "attendance"}
    assert ledger.outbox_items("yonyou", "nc_pre_hire") == []
    assert ledger.outbox_items("yonyou", "bip_pre_hire") == []


def test_a_status_naming_the_hire_counts_and_an_unknown_date_is_lettered(
    ledger: Ledger,
) -> None:
    job = stage_job(ledger)
    stage_application(ledger, 1, job=job, status="Hired", hire_date=None, source="acme_ats")

    summary = onboard_hires(ledger, yonyou_flavor="nc", now=NOW)

    assert summary.hires == 1
    assert summary.queued == {"yonyou": 0, "dingtalk": 0, "attendance": 0}
    fields = {(letter.system, letter.field) for letter in ledger.dead_letters()}
    assert ("yonyou", "indutydate") in fields
    assert ("dingtalk", "pre_entry_time") in fields


def test_a_hire_whose_candidate_is_not_staged_waits_for_the_next_run(ledger: Ledger) -> None:
    job = stage_job(ledger)
    waiting = stage_application(ledger, 1, job=job, stage_candidate=False)

    first = onboard_hires(ledger, yonyou_flavor="nc", now=NOW)

    assert (first.hires, first.waiting) == (0, 1)
    assert ledger.get_records([waiting.canonical_id])[0].stage == "extracted"
    assert ledger.outbox_items("dingtalk", "pre_entry") == []

    stage_application(ledger, 1, job=job)  # the candidate arrives with the next extract
    second = onboard_hires(ledger, yonyou_flavor="nc", now=NOW)

    assert (second.hires, second.waiting) == (1, 0)
    assert second.queued["dingtalk"] == 1
