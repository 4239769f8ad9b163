"""hrhub mappings check: each kind of mistake in a small mapping file gives its file, line,
field and reason; the shipped mappings check clean with their golden records."""

from __future__ import annotations

import hashlib
import json
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from hrhub.mapping.check import GOLDEN_DIR, CheckReport, Problem, check_mappings
from hrhub.mapping.contracts import Contracts
from hrhub.mapping.engine import REPO_ROOT

SAP_DIR = REPO_ROOT.parent / "shared" / "reference" / "successfactors"
needs_sap = pytest.mark.skipif(
    not (SAP_DIR / "RCMJobApplication.edmx").is_file(), reason=f"SAP's EDMX not in {SAP_DIR}"
)

Tree = Callable[[str, str], Path]

PUNCH_IN = """\
system: attendance
entity: attendance_event
direction: in
fields:
  remote_id: {from: id, transform: str, required: true}
  source_system: {default: attendance}
  person_code: {from: emp_code, required: true}
  punch_time: {from: punch_time, transform: naive_local, required: true}
  direction:
    from: punch_state
    transform: {name: enum, map: {"0": in, "1": out}, default: other}
  terminal: terminal_sn
  modified_at: {from: upload_time, transform: naive_local, required: true}
"""


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    """``tree("attendance/x.in.yaml", text)`` writes a mapping under tmp/mappings."""

    def write(relative: str, text: str) -> Path:
        path = tmp_path / "mappings" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


def check(*paths: Path, goldens: Path | None = None) -> CheckReport:
    return check_mappings(paths, golden_dir=goldens)


def only(report: CheckReport, kind: str) -> Problem:
    found = [p for p in report.problems if p.kind == kind]
    assert len(found) == 1, report
    return found[0]


def with_line(line: int, text: str, *, base: str = PUNCH_IN) -> str:
    """The base mapping with line ``line`` (1-based) replaced by ``text``."""
    lines = base.splitlines()
    lines[line - 1] = text
    return "\n".join(lines) + "\n"


# --- the engine's own mistakes, with file and line --------------------------------------------


def test_a_good_file_checks_clean(tree: Tree) -> None:
    report = check(tree("attendance/attendance_event.in.yaml", PUNCH_IN))
    assert report.ok, report
    assert report.problems == [] and len(report.files) == 1


def test_yaml_syntax_error(tree: Tree) -> None:
    path = tree("attendance/attendance_event.in.yaml", with_line(12, "  terminal: [terminal_sn"))
    problem = only(check(path), "syntax")
    assert (problem.line, problem.field) == (13, None)
    assert str(problem).startswith(f"{path}:13: invalid YAML")


def test_schema_violation(tree: Tree) -> None:
    text = with_line(7, "  person_code: {from: emp_code, requird: true}")
    problem = only(check(tree("attendance/attendance_event.in.yaml", text)), "schema")
    assert (problem.line, problem.field) == (7, "person_code")
    assert "unknown key 'requird'" in problem.reason


def test_unknown_transform_and_bad_parameters_are_both_reported(tree: Tree) -> None:
    text = with_line(8, "  punch_time: {from: punch_time, transform: naive_lokal, required: true}")
    text = with_line(
        13,
        "  modified_at: {from: upload_time, transform: {name: naive_local, zone: Mars/Base}}",
        base=text,
    )
    report = check(tree("attendance/attendance_event.in.yaml", text))
    found = sorted((p.line, p.field, p.kind) for p in report.problems)
    assert found == [(8, "punch_time", "transform"), (13, "modified_at", "transform")], report
    assert "did you mean 'naive_local'" in report.problems[0].reason
    assert "unknown time zone 'Mars/Base'" in report.problems[1].reason


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("  terminal: &t {from: terminal_sn, note: [*t]}", 12),
        ("  terminal: &t [a, *t]", 12),
    ],
)
def test_a_recursive_yaml_alias_is_a_cycle_not_a_crash(tree: Tree, text: str, line: int) -> None:
    problem = only(check(tree("attendance/attendance_event.in.yaml", with_line(12, text))), "cycle")
    assert problem.line == line and problem.field == "terminal"
    assert (
        "recursive YAML alias" in problem.reason
        and "refers back to fields.terminal" in problem.reason
    )


def test_a_shared_alias_is_fine(tree: Tree) -> None:
    zone = "{name: naive_local, zone: Asia/Shanghai}"
    text = with_line(8, f"  punch_time: {{from: punch_time, transform: &local {zone}}}")
    text = with_line(13, "  modified_at: {from: upload_time, transform: *local}", base=text)
    assert check(tree("attendance/attendance_event.in.yaml", text)).ok


# --- the contract: paths, targets, kinds, required ---------------------------------------------


def test_a_source_path_typo_in_an_in_mapping(tree: Tree) -> None:
    text = with_line(7, "  person_code: {from: emp_cod, required: true}")
    problem = only(check(tree("attendance/attendance_event.in.yaml", text)), "source")
    assert (problem.line, problem.field) == (7, "person_code")
    assert problem.reason == (
        "source path 'emp_cod' is not in schemas/systems/attendance/attendance_event.json "
        "(did you mean 'emp_code'?)"
    )


def test_a_source_path_typo_in_an_out_mapping_is_checked_against_the_canonical_model(
    tree: Tree,
) -> None:
    path = tree(
        "attendance/upsert_employee.out.yaml",
        """\
        system: attendance
        entity: upsert_employee
        direction: out
        fields:
          emp_code: {from: employee_code, required: true}
          first_name:
            from: nmae
            required: true
        """,
    )
    problem = only(check(path), "source")
    assert (problem.line, problem.field) == (7, "first_name")
    assert "'nmae' is not in canonical pre_hire" in problem.reason
    assert "did you mean 'name'" in problem.reason


def test_a_condition_path_typo(tree: Tree) -> None:
    text = (
        PUNCH_IN
        + "  source:\n    from: terminal_alias\n    when: {path: punch_sate, equals: '0'}\n"
    )
    problem = only(check(tree("attendance/attendance_event.in.yaml", text)), "source")
    assert (problem.line, problem.field) == (16, "source")
    assert "source path 'punch_sate'" in problem.reason


def test_a_target_not_in_the_canonical_model(tree: Tree) -> None:
    text = with_line(12, "  terminl: terminal_sn")
    problem = only(check(tree("attendance/attendance_event.in.yaml", text)), "target")
    assert (problem.line, problem.field) == (12, "terminl")
    assert "not in canonical attendance_event" in problem.reason
    assert "did you mean 'terminal'" in problem.reason


def test_a_nested_target_not_in_the_system_schema(tree: Tree) -> None:
    path = tree(
        "dingtalk/pre_entry.out.yaml",
        """\
        system: dingtalk
        entity: pre_entry
        direction: out
        fields:
          name: {from: name, required: true}
          mobile: {from: mobile, transform: cn_mobile, required: true}
          extend_info.dept: department
        """,
    )
    problem = only(check(path), "target")
    assert (problem.line, problem.field) == (7, "extend_info.dept")
    assert "schemas/systems/dingtalk/pre_entry.json (did you mean 'depts'?)" in problem.reason


@pytest.mark.parametrize(
    ("line", "text", "reason"),
    [
        (
            12,
            "  terminal: {from: terminal_sn, transform: int}",
            "transform 'int' gives an integer, but target 'terminal' takes text",
        ),
        (
            12,
            "  terminal: {from: verify_type}",
            "source 'verify_type' is an integer, but target 'terminal' takes text",
        ),
        (
            8,
            "  punch_time: {from: punch_time, transform: iso_date, required: true}",
            "transform 'iso_date' gives a date, but target 'punch_time' takes text (date-time)",
        ),
    ],
)
def test_a_kind_the_canonical_target_does_not_take(
    tree: Tree, line: int, text: str, reason: str
) -> None:
    problem = only(
        check(tree("attendance/attendance_event.in.yaml", with_line(line, text))), "type"
    )
    assert (problem.line, problem.reason) == (line, reason)


def test_a_date_into_an_integer_of_the_system(tree: Tree) -> None:
    path = tree(
        "dingtalk/pre_entry.out.yaml",
        """\
        system: dingtalk
        entity: pre_entry
        direction: out
        fields:
          name: {from: name, required: true}
          mobile: {from: mobile, transform: cn_mobile, required: true}
          extend_info.employeeType:
            from: planned_entry_date
            transform: iso_date
        """,
    )
    problem = only(check(path), "type")
    assert problem.line == 9 and problem.field == "extend_info.employeeType"
    assert problem.reason.endswith(
        "gives a date, but target 'extend_info.employeeType' takes an integer"
    )


def test_defaults_and_enum_values_are_validated_against_the_target(tree: Tree) -> None:
    text = with_line(11, '    transform: {name: enum, map: {"0": inn, "1": out}, default: other}')
    text = with_line(6, "  source_system: {default: Attendance System}", base=text)
    report = check(tree("attendance/attendance_event.in.yaml", text))
    found = {(p.line, p.field): p.reason for p in report.problems if p.kind == "type"}
    assert set(found) == {(6, "source_system"), (11, "direction")}, report
    assert found[11, "direction"].startswith("enum maps '0' to 'inn', which target 'direction'")
    assert "does not match" in found[6, "source_system"]


def test_a_required_canonical_field_never_set(tree: Tree) -> None:
    text = with_line(7, "  # person_code is not mapped")
    problem = only(check(tree("attendance/attendance_event.in.yaml", text)), "required")
    assert (problem.line, problem.field) == (4, "person_code")
    assert problem.reason == (
        "required target 'person_code' is never set (required by the canonical model)"
    )


def test_a_required_system_field_never_set(tree: Tree) -> None:
    path = tree(
        "yonyou/nc_checkin.out.yaml",
        """\
        system: yonyou
        entity: nc_checkin
        direction: out
        fields:
          bill_id: {from: canonical_id, required: true}
          checktime: {from: punch_time, transform: to_naive_local, required: true}
          direction: {from: direction, transform: {name: enum, map: {"in": I, "out": O}}}
        """,
    )
    problem = only(check(path), "required")
    assert (problem.line, problem.field) == (4, "psncode")
    assert "schemas/systems/yonyou/nc_checkin.json" in problem.reason


def test_a_required_target_set_only_under_a_condition(tree: Tree) -> None:
    text = with_line(
        7, "  person_code: {from: emp_code, when: {path: punch_state, in: ['0', '1']}}"
    )
    problem = only(check(tree("attendance/attendance_event.in.yaml", text)), "required")
    assert (problem.line, problem.field) == (7, "person_code")
    assert "is set only when punch_state in ['0', '1']: give it a default" in problem.reason


def test_required_fields_of_a_nested_object_the_mapping_builds(tree: Tree) -> None:
    path = tree(
        "yonyou/bip_requisition.out.yaml",
        """\
        system: yonyou
        entity: bip_requisition
        direction: out
        fields:
          code: {from: code, required: true}
          name: {from: title, required: true}
          recruitOrg: {default: "0001A110000000000ORG"}
          begindate: {from: modified_at, transform: {name: split, sep: T}}
          enddate: {default: "2099-12-31"}
          recruitPostVO.0.code: code
          recruitPostVO.0.name: title
        """,
    )
    problem = only(check(path), "required")
    assert problem.field == "recruitPostVO.0.recruitNum"
    assert "(in 'recruitPostVO.0')" in problem.reason


def test_a_file_no_stream_reads(tree: Tree) -> None:
    text = with_line(2, "entity: attendance_event")
    problem = only(check(tree("attendance/punches.in.yaml", text)), "contract")
    assert problem.line == 1
    assert "no stream of attendance is read with mapping 'punches'" in problem.reason


def test_a_file_that_sits_where_its_header_does_not_say(tree: Tree) -> None:
    report = check(tree("dingtalk/attendance_event.out.yaml", PUNCH_IN))
    found = [(p.line, p.kind) for p in report.problems if p.kind == "declaration"]
    assert found == [(1, "declaration"), (3, "declaration")], report


@needs_sap
def test_a_target_sap_does_not_let_upsert_write(tree: Tree) -> None:
    path = tree(
        "successfactors/comment.out.yaml",
        """\
        system: successfactors
        entity: comment
        direction: out
        fields:
          applicationId: {from: application_id, transform: {name: split, sep: ":", index: -1}}
          content: explanation
          commentator: {default: hrhub}
        """,
    )
    problem = only(check(path), "target")
    assert (problem.line, problem.field) == (7, "commentator")
    sap = "SAP's RCMJobApplication.edmx (JobApplicationComments)"
    assert problem.reason == f"target 'commentator' is read-only in {sap}"


def test_without_sap_metadata_its_checks_are_skipped_with_the_reason(tmp_path: Path) -> None:
    folder = REPO_ROOT / "mappings" / "successfactors"
    report = check_mappings([folder], contracts=Contracts(sap_dir=tmp_path))
    assert report.ok, report
    skipped = {Path(s.file).name for s in report.skipped}
    assert skipped == {
        "application.in.yaml",
        "application_status.out.yaml",
        "candidate.in.yaml",
        "comment.out.yaml",
    }
    assert all(f"is not in {tmp_path}" in s.reason for s in report.skipped)
    assert "HRHUB_SAP_EDMX_DIR" in report.skipped[0].reason


def test_every_problem_of_a_file_is_reported_not_just_the_first(tree: Tree) -> None:
    text = with_line(7, "  person_code: {from: emp_cod, required: true}")
    text = with_line(12, "  terminal: {from: terminal_sn, transform: nope}", base=text)
    text = with_line(6, "  source_sytem: {default: attendance}", base=text)
    report = check(tree("attendance/attendance_event.in.yaml", text))
    assert sorted((p.line, p.kind) for p in report.problems) == [
        (4, "required"),
        (6, "target"),
        (7, "source"),
        (12, "transform"),
    ], report


# --- golden records and round trips ------------------------------------------------------------


def golden(root: Path, system: str, name: str, record: object) -> Path:
    path = root / system / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


PUNCH = json.loads((GOLDEN_DIR / "attendance" / "attendance_event.json").read_text())


def test_a_missing_golden_record(tree: Tree, tmp_path: Path) -> None:
    path = tree("attendance/attendance_event.in.yaml", PUNCH_IN)
    problem = only(check(path, goldens=tmp_path / "golden"), "golden")
    assert (problem.file, problem.line) == (str(path), 1)
    assert (
        "no golden record" in problem.reason
        and "attendance/attendance_event.json" in problem.reason
    )


def test_a_golden_record_maps_and_validates(tree: Tree, tmp_path: Path) -> None:
    golden(tmp_path / "golden", "attendance", "attendance_event", PUNCH)
    report = check(
        tree("attendance/attendance_event.in.yaml", PUNCH_IN), goldens=tmp_path / "golden"
    )
    assert report.ok and report.goldens == 1, report


def test_a_golden_record_that_does_not_fit_the_system_schema(tree: Tree, tmp_path: Path) -> None:
    where = golden(
        tmp_path / "golden", "attendance", "attendance_event", {**PUNCH, "punch_state": 0}
    )
    report = check(
        tree("attendance/attendance_event.in.yaml", PUNCH_IN), goldens=tmp_path / "golden"
    )
    problem = only(report, "golden")
    assert (problem.file, problem.field) == (str(where), "punch_state")
    assert where.read_text().splitlines()[problem.line - 1].strip().startswith('"punch_state"')
    assert "does not fit schemas/systems/attendance/attendance_event.json" in problem.reason


def test_a_golden_record_the_mapping_cannot_map(tree: Tree, tmp_path: Path) -> None:
    golden(tmp_path / "golden", "attendance", "attendance_event", {**PUNCH, "upload_time": None})
    path = tree("attendance/attendance_event.in.yaml", PUNCH_IN)
    report = check(path, goldens=tmp_path / "golden")
    problem = next(p for p in report.problems if p.file == str(path))
    assert (problem.line, problem.field, problem.kind) == (13, "modified_at", "golden")
    assert "required but missing or empty" in problem.reason


def test_a_golden_record_the_canonical_model_refuses(tree: Tree, tmp_path: Path) -> None:
    # uploaded an hour before it was punched: the model refuses the punch time
    late = {**PUNCH, "upload_time": "2024-03-01 08:00:00"}
    golden(tmp_path / "golden", "attendance", "attendance_event", late)
    path = tree("attendance/attendance_event.in.yaml", PUNCH_IN)
    problem = only(check(path, goldens=tmp_path / "golden"), "golden")
    assert (problem.file, problem.line, problem.field) == (str(path), 8, "punch_time")
    assert "the canonical model refuses" in problem.reason and "after the upload" in problem.reason


def test_an_out_golden_record_the_system_schema_refuses(tree: Tree, tmp_path: Path) -> None:
    record = json.loads((GOLDEN_DIR / "yonyou" / "nc_checkin.json").read_text())
    golden(tmp_path / "golden", "yonyou", "nc_checkin", record)
    path = tree(
        "yonyou/nc_checkin.out.yaml",
        """\
        system: yonyou
        entity: nc_checkin
        direction: out
        fields:
          bill_id: {from: canonical_id, required: true}
          psncode: {from: person_code, required: true}
          checktime: {from: punch_time, required: true}
          direction: {from: direction, transform: {name: enum, map: {"in": I, "out": O}}}
        """,
    )
    problem = only(check(path, goldens=tmp_path / "golden"), "golden")
    assert (problem.line, problem.field) == (7, "checktime")
    assert "'2024-07-02T08:57:40+08:00' does not match" in problem.reason


def test_a_golden_record_that_is_not_json(tree: Tree, tmp_path: Path) -> None:
    where = tmp_path / "golden" / "attendance" / "attendance_event.json"
    where.parent.mkdir(parents=True)
    where.write_text('{\n  "id": 1,\n  "emp_code": 1001\n  "x": 2\n}\n', encoding="utf-8")
    report = check(
        tree("attendance/attendance_event.in.yaml", PUNCH_IN), goldens=tmp_path / "golden"
    )
    problem = only(report, "golden")
    assert (problem.file, problem.line) == (str(where), 4)
    assert problem.reason.startswith("invalid JSON")


@needs_sap
def test_a_field_that_does_not_survive_the_round_trip(tree: Tree, tmp_path: Path) -> None:
    goldens = tmp_path / "golden"
    for name in ("application", "application_status"):
        source = GOLDEN_DIR / "successfactors" / f"{name}.json"
        golden(goldens, "successfactors", name, json.loads(source.read_text()))
    shipped = REPO_ROOT / "mappings" / "successfactors"
    in_text = (shipped / "application.in.yaml").read_text()
    # the hub keeps a hashed application id: it cannot go back to SAP as the key
    in_text = in_text.replace(
        "remote_id: {from: applicationId, transform: str, required: true}",
        "remote_id: {from: applicationId, transform: hash, required: true}",
    )
    in_path = tree("successfactors/application.in.yaml", in_text)
    out_path = tree(
        "successfactors/application_status.out.yaml",
        (shipped / "application_status.out.yaml").read_text(),
    )
    report = check(in_path, out_path, goldens=goldens)
    problem = only(report, "round_trip")
    assert report.round_trips == 1
    assert (problem.file, problem.line, problem.field) == (str(out_path), 11, "applicationId")
    hashed = hashlib.sha256(b"741").hexdigest()
    assert problem.reason.endswith(f"comes back as {hashed!r}, was '741'")


# --- the report --------------------------------------------------------------------------------


def test_the_report_prints_and_serialises(tree: Tree) -> None:
    text = with_line(7, "  person_code: {from: emp_cod, required: true}")
    path = tree("attendance/attendance_event.in.yaml", text)
    report = check(path)
    assert not report.ok
    assert report.lines() == [
        f"{path}:7: person_code: source path 'emp_cod' is not in "
        "schemas/systems/attendance/attendance_event.json (did you mean 'emp_code'?)"
    ]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False and data["files"] == [str(path)]
    assert data["problems"][0] | {"message": ""} == {
        "file": str(path),
        "line": 7,
        "field": "person_code",
        "reason": report.problems[0].reason,
        "kind": "source",
        "message": "",
    }


def test_a_directory_is_every_yaml_file_below_it(tree: Tree, tmp_path: Path) -> None:
    tree("attendance/attendance_event.in.yaml", PUNCH_IN)
    tree("attendance/broken.in.yaml", "system: [\n")
    report = check_mappings([tmp_path / "mappings"], golden_dir=None)
    assert [p.name for p in report.files] == ["attendance_event.in.yaml", "broken.in.yaml"]
    assert [p.kind for p in report.problems] == ["syntax"]


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    report = check(tmp_path / "nothing.in.yaml")
    assert [(p.kind, p.reason) for p in report.problems] == [("file", "no such file")]


# --- the shipped mappings ------------------------------------------------------------------------


def test_every_shipped_mapping_checks_clean_with_its_golden_record() -> None:
    report = check_mappings()
    assert report.ok, report
    shipped = sorted((REPO_ROOT / "mappings").rglob("*.yaml"))
    assert report.files == shipped
    goldens = {p.relative_to(GOLDEN_DIR).with_suffix("") for p in GOLDEN_DIR.rglob("*.json")}
    names = {Path(p.parent.name) / p.name.split(".")[0] for p in shipped}
    assert goldens == names
    if (SAP_DIR / "RCMJobApplication.edmx").is_file():
        assert report.goldens == len(shipped) and report.round_trips == 1
        assert report.skipped == []


def test_a_broken_copy_of_the_shipped_tree_reports_only_what_broke(tmp_path: Path) -> None:
    copy = tmp_path / "mappings"
    shutil.copytree(REPO_ROOT / "mappings", copy)
    nc = copy / "yonyou" / "nc_persons.in.yaml"
    nc.write_text(nc.read_text().replace("from: enablestate", "from: enable_state"), "utf-8")
    report = check_mappings([copy])
    assert [(Path(p.file).name, p.kind, p.field) for p in report.problems] == [
        ("nc_persons.in.yaml", "source", "active")
    ], report


def test_an_unreadable_contract_or_golden_record_is_a_problem_not_a_crash(
    tree: Tree, tmp_path: Path
) -> None:
    systems = tmp_path / "systems"
    shutil.copytree(REPO_ROOT / "schemas" / "systems", systems)
    (systems / "attendance" / "attendance_event.json").write_text('{"type": "object",')
    broken = tmp_path / "golden" / "attendance" / "upsert_employee.json"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"\xff\xfe{}")
    punches = tree("attendance/attendance_event.in.yaml", PUNCH_IN)
    employee = REPO_ROOT / "mappings" / "attendance" / "upsert_employee.out.yaml"
    report = check_mappings(
        [punches, employee],
        golden_dir=tmp_path / "golden",
        contracts=Contracts(systems_dir=systems),
    )
    found = {Path(p.file).name: (p.line, p.kind, p.reason) for p in report.problems}
    assert set(found) == {"attendance_event.in.yaml", "upsert_employee.json"}, report
    line, kind, reason = found["attendance_event.in.yaml"]
    assert (line, kind) == (1, "contract")
    assert "cannot read the contract of attendance/attendance_event (in): JSONDecodeError" in reason
    assert found["upsert_employee.json"] == (1, "golden", "not UTF-8 text (byte 0)")
