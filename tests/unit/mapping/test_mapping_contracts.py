"""The contracts mapping files are checked against: the system payload schemas match what the
simulators really send and the clients really take, SAP's EDMX and NC's WSDL are read as
published, and every shipped mapping has both sides."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from hrhub.mapping.check import check_mappings
from hrhub.mapping.contracts import (
    NC_WSDL,
    SYSTEMS_DIR,
    ContractError,
    Contracts,
    Kind,
    SchemaView,
    edmx_schema,
    wsdl_operations,
)
from hrhub.mapping.engine import REPO_ROOT

SAP_DIR = REPO_ROOT.parent / "shared" / "reference" / "successfactors"
needs_sap = pytest.mark.skipif(
    not (SAP_DIR / "RCMCandidate.edmx").is_file(), reason=f"SAP's EDMX not in {SAP_DIR}"
)
SCHEMA_FILES = sorted(SYSTEMS_DIR.rglob("*.json"))


def view(relative: str) -> SchemaView:
    path = SYSTEMS_DIR / relative
    return SchemaView(json.loads(path.read_text(encoding="utf-8")), relative)


def assert_fits(relative: str, records: list[dict[str, Any]]) -> None:
    schema = view(relative)
    assert records, "the simulator produced nothing to compare"
    for record in records:
        assert schema.errors(record) == [], record


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.relative_to(SYSTEMS_DIR).as_posix())
def test_each_system_schema_is_2020_12_and_named_for_its_place(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    relative = path.relative_to(SYSTEMS_DIR).as_posix()
    assert schema["$id"] == f"https://hrhub.dev/schemas/systems/{relative}"
    assert schema["x-source"] and schema["description"]


def test_every_shipped_mapping_has_both_sides() -> None:
    contracts = Contracts()
    for path in sorted((REPO_ROOT / "mappings").rglob("*.yaml")):
        name, direction = path.name.removesuffix(".yaml").rsplit(".", 1)
        contract = contracts.contract_for(path.parent.name, name, direction)
        assert contract.source is not None and contract.problems == (), path
        assert contract.target is not None or contract.skipped, path


def test_an_in_contract_exempts_what_the_model_derives() -> None:
    contract = Contracts().contract_for("yonyou", "nc_persons", "in")
    assert contract.entity == "employee" and contract.model is not None
    assert "canonical_id" not in contract.required_targets
    assert {"remote_id", "employee_code", "name", "modified_at"} <= set(contract.required_targets)
    assert "canonical_id" in contract.exempt


def test_dingtalk_notices_are_fed_by_notice_facts_not_a_notification() -> None:
    contract = Contracts().contract_for("dingtalk", "work_notification", "out")
    assert contract.entity == "notification"
    assert contract.source is not None and contract.source.label.endswith("notice_facts.json")
    assert contract.source.find("slot_text") is not None


@pytest.mark.parametrize(
    ("system", "name", "direction", "message"),
    [
        ("nowhere", "x", "in", "unknown system 'nowhere'"),
        ("yonyou", "nc_staff", "in", "no stream of yonyou is read with mapping 'nc_staff'"),
        ("yonyou", "nc_fire", "out", "has no operation 'nc_fire'"),
    ],
)
def test_no_contract_for_what_no_connector_uses(
    system: str, name: str, direction: str, message: str
) -> None:
    with pytest.raises(ContractError, match=message):
        Contracts().contract_for(system, name, direction)


# --- schemas against the simulators' own payloads ----------------------------------------------


def test_nc_rows_as_they_arrive_through_the_xml_layer() -> None:
    from connectors.yonyou import ncxml
    from connectors.yonyou.sim_data import YonyouData
    from connectors.yonyou.sim_nc import applicant_row, psndoc_row

    data = YonyouData(persons=20, applicants=20, seed=3)

    def wire(tag: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answer = ncxml.result(tag, rows, total=len(rows), pageindex=1, pagesize=len(rows))
        return ncxml.rows(answer)[1]

    assert_fits(
        "yonyou/nc_persons.json", wire("psndoc", [psndoc_row(p) for p in data.persons.values()])
    )
    applicants = [applicant_row(a) for a in data.applicants.values()]
    assert_fits("yonyou/nc_applicants.json", wire("applicant", applicants))


def test_bip_staff_rows() -> None:
    from connectors.yonyou.sim_bip import _staff_row
    from connectors.yonyou.sim_data import YonyouData

    data = YonyouData(persons=20, applicants=0, seed=3)
    assert_fits("yonyou/bip_staff.json", [_staff_row(p) for p in data.persons.values()])


def test_dingtalk_raw_punches() -> None:
    from connectors.dingtalk import sim_data

    as_of = datetime(2024, 3, 8, 20, 0)
    rows = [
        sim_data.punch_row(0, f"u{n}", day, check)
        for n in range(5)
        for day in (date(2024, 3, d) for d in range(4, 9))
        for check in sim_data.attendance_day(0, f"u{n}", n, day, as_of).punches
    ]
    assert_fits("dingtalk/attendance_event.json", rows)


def test_attendance_transactions() -> None:
    from connectors.attendance.simulator import AttendanceSimulator

    sim = AttendanceSimulator(employees=6, days=3, as_of=datetime(2024, 3, 2, 12, 0))
    rows = [sim._render_transaction(row) for row in sim.tables["transactions"].values()]
    assert_fits("attendance/attendance_event.json", rows)


def test_interview_room_consent_and_signals() -> None:
    from connectors.interview_room import sim_data

    golden = json.loads(
        (REPO_ROOT / "tests/golden/interview_room/interview_analysis.json").read_text()
    )
    records = []
    for n in range(12):
        candidate = f"successfactors:candidate:{n}"
        quality = sim_data.answer_quality(candidate)
        records.append(
            {
                **golden,
                "candidate_id": candidate,
                "consent": sim_data.consent_for(candidate, datetime(2024, 6, 18, 6, 0)),
                "platform_signals": sim_data.platform_signals(candidate, ["q_team"], quality),
            }
        )
    assert_fits("interview_room/interview_analysis.json", records)


def test_successfactors_requisitions() -> None:
    from connectors.successfactors.edm import ENTITY_SETS
    from connectors.successfactors.odata_query import to_json
    from connectors.successfactors.simulator import SuccessFactorsSimulator

    sim = SuccessFactorsSimulator(candidates=1, requisitions=4, as_of=datetime(2024, 6, 1))
    requisition = ENTITY_SETS["JobRequisition"]
    rows = [
        {name: to_json(requisition.prop(name), value) for name, value in row.items()}
        for row in sim.tables["JobRequisition"].values()
    ]
    assert_fits("successfactors/job.json", rows)


def test_successfactors_requisitions_as_served_with_operators_deferred_or_expanded() -> None:
    from connectors.successfactors.edm import ENTITY_SETS
    from connectors.successfactors.simulator import SuccessFactorsSimulator

    sim = SuccessFactorsSimulator(candidates=1, requisitions=4, as_of=datetime(2024, 6, 1))
    requisition = ENTITY_SETS["JobRequisition"]
    rows = sim.tables["JobRequisition"].values()
    for expand in ([], ["recruiter"], ["recruiter", "hiringManager"]):
        served = [sim._render(requisition, row, None, expand, "https://sf.test") for row in rows]
        assert all(("results" in r["recruiter"]) == ("recruiter" in expand) for r in served)
        assert_fits("successfactors/job.json", served)


# --- SAP's EDMX and NC's WSDL ------------------------------------------------------------------


@needs_sap
def test_edmx_as_read_has_sap_types_in_their_wire_form() -> None:
    schema = SchemaView(edmx_schema(SAP_DIR / "RCMCandidate.edmx", "Candidate", writing=False), "c")
    kinds = schema.kinds
    assert kinds(schema.find("candidateId")) == {Kind("string")}  # Int64 travels as text
    assert kinds(schema.find("externalCandidate")) == {Kind("boolean")}
    assert schema.find("lastModifiedDateTime")[0]["pattern"].startswith("^/Date")
    assert schema.find("education") == [{"description": "navigation (deferred or expanded)"}]
    assert schema.find("candidateID") is None


@needs_sap
def test_edmx_as_written_marks_required_and_read_only() -> None:
    path = SAP_DIR / "RCMJobApplication.edmx"
    schema = SchemaView(edmx_schema(path, "JobApplication", writing=True), "a")
    assert schema.kinds(schema.find("applicationId")) == {Kind("string"), Kind("integer")}
    assert {"firstName", "lastName"} <= set(schema.schema["required"])
    assert not schema.read_only(schema.find("appStatusSetItemId"))
    assert schema.read_only(schema.find("jobAppGuid"))


def test_the_bundled_wsdl_carries_every_nc_document_as_one_string() -> None:
    operations = wsdl_operations(NC_WSDL)
    for name in ("queryPsndocByTs", "queryApplicantByTs", "savePsndoc", "saveCheckin"):
        assert [t.rpartition(":")[2] for t in operations[name]] == ["string"]


def test_a_wsdl_without_the_operation_is_a_contract_problem(tmp_path: Path) -> None:
    wsdl = tmp_path / "nc.wsdl"
    wsdl.write_text(NC_WSDL.read_text(encoding="utf-8").replace("saveCheckin", "saveCheck"))
    files = [
        REPO_ROOT / "mappings" / "yonyou" / f"{n}.out.yaml" for n in ("nc_checkin", "nc_pre_hire")
    ]
    report = check_mappings(files, contracts=Contracts(nc_wsdl=wsdl))
    assert [(Path(p.file).name, p.kind, p.line) for p in report.problems] == [
        ("nc_checkin.out.yaml", "contract", 1)
    ]
    assert "the bundled WSDL has no operation 'saveCheckin'" in report.problems[0].reason
