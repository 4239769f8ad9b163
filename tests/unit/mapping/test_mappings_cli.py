"""`hrhub mappings` through typer's CliRunner on a temporary SQLite ledger, and the production
gate through the real enqueue/push path against the attendance simulator over loopback."""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors._core.retry import retry_policy
from connectors.attendance.client import AttendanceClient
from connectors.attendance.simulator import AttendanceSimulator
from hrhub.cli import app
from hrhub.flow.push import enqueue_writes, push
from hrhub.ledger import Ledger, OutboxStatus
from hrhub.mapping import Mapping
from hrhub.mapping.approvals import NOT_APPROVED
from hrhub.mapping.engine import REPO_ROOT

runner = CliRunner()
MAPPINGS = REPO_ROOT / "mappings"
UPSERT = MAPPINGS / "attendance" / "upsert_employee.out.yaml"
UPSERT_KEY = "mappings/attendance/upsert_employee.out.yaml"
NC_PRE_HIRE = MAPPINGS / "yonyou" / "nc_pre_hire.out.yaml"


@pytest.fixture
def ledger_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every command and step of the test uses this ledger; development mode unless set."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("HRHUB_DATABASE_URL", url)
    monkeypatch.delenv("HRHUB_MODE", raising=False)
    monkeypatch.delenv("HRHUB_MAPPINGS_DIR", raising=False)
    return url


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    store = Ledger.open(ledger_url)
    yield store
    store.close()


def cli(*args: str) -> Any:
    return runner.invoke(app, ["mappings", *args])


def words(text: str) -> str:
    return " ".join(text.split())


# --- help ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "report", "diff", "approve", "which"])
def test_every_command_teaches_its_exit_codes_and_an_example(command: str) -> None:
    result = runner.invoke(app, ["mappings", command, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    text = words(result.stdout)
    assert "Exit codes" in text
    assert f"hrhub mappings {command}" in text


def test_the_group_help_explains_production_mode() -> None:
    text = words(runner.invoke(app, ["mappings", "--help"], env={"COLUMNS": "120"}).stdout)
    assert "HRHUB_MODE=production" in text and "approve" in text and "diff" in text


# --- approve -------------------------------------------------------------------------------


def test_approve_records_who_approved_which_version(ledger: Ledger) -> None:
    result = cli("approve", str(NC_PRE_HIRE), "--by", "Li Na", "--note", "CR-12", "--json")
    assert result.exit_code == 0, result.output
    [decision] = json.loads(result.stdout)["decisions"]
    version = Mapping.load(NC_PRE_HIRE).version
    assert decision["file"] == "mappings/yonyou/nc_pre_hire.out.yaml"
    assert (decision["version"], decision["recorded"], decision["audit_seq"]) == (version, True, 1)
    [entry] = ledger.audit_entries()
    assert entry.data == {"version": version, "approver": "Li Na", "note": "CR-12"}

    again = cli("approve", str(NC_PRE_HIRE), "--by", "Li Na")
    assert again.exit_code == 0
    assert "already approved by Li Na" in words(again.stdout)
    assert len(ledger.audit_entries()) == 1


def test_approve_records_nothing_when_one_file_does_not_load(
    ledger: Ledger, tmp_path: Path
) -> None:
    broken = tmp_path / "yonyou" / NC_PRE_HIRE.name
    broken.parent.mkdir()
    broken.write_text(
        NC_PRE_HIRE.read_text(encoding="utf-8").replace("cn_mobile", "cn_mobil"), encoding="utf-8"
    )
    result = cli("approve", str(UPSERT), str(broken), "--by", "Li Na")
    assert result.exit_code == 2
    assert "cn_mobil" in result.stderr and "nothing was recorded" in words(result.stderr)
    assert ledger.audit_entries() == []
    missing = cli("approve", str(tmp_path / "nope.out.yaml"), "--by", "Li Na")
    assert missing.exit_code == 2 and "no such file" in words(missing.stderr)


def test_revoke_is_an_audit_entry_and_needs_an_approval(ledger: Ledger) -> None:
    refused = cli("approve", str(UPSERT), "--by", "Zhao Lei", "--revoke")
    assert refused.exit_code == 2 and "nothing to revoke" in words(refused.stderr)
    assert cli("approve", str(UPSERT), "--by", "Li Na").exit_code == 0
    revoked = cli("approve", str(UPSERT), "--by", "Zhao Lei", "--revoke", "--note", "wrong shift")
    assert revoked.exit_code == 0, revoked.output
    assert [e.action for e in ledger.audit_entries()] == ["mapping.approve", "mapping.revoke"]
    assert ledger.verify_audit().ok


# --- report --------------------------------------------------------------------------------


def test_report_writes_html_and_markdown_with_every_field_and_its_approval(
    ledger: Ledger, tmp_path: Path
) -> None:
    cli("approve", str(NC_PRE_HIRE), "--by", "Li Na")
    out = tmp_path / "report"
    result = cli("report", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    files = {f["file"]: f for f in document["files"]}
    assert len(files) == len(list(MAPPINGS.rglob("*.yaml")))
    assert document["counts"]["approved"] == 1 and document["audit_intact"] is True
    nc = files["mappings/yonyou/nc_pre_hire.out.yaml"]
    assert nc["approval"]["status"] == "approved" and nc["approval"]["approval"]["by"] == "Li Na"
    mobile = next(f for f in nc["fields"] if f["target"] == "mobile")
    assert (mobile["source"], mobile["transform"], mobile["personal_data"]) == (
        "mobile",
        "cn_mobile",
        True,
    )
    upsert = files[UPSERT_KEY]
    assert upsert["approval"]["text"] == "never approved"

    page = (out / "mappings.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "http" not in page
    assert 'id="mappings-yonyou-nc_pre_hire-out-yaml"' in page
    assert "<code>cn_mobile</code>" in page
    assert "approved by Li Na on" in page and "never approved" in page
    markdown = (out / "mappings.md").read_text(encoding="utf-8")
    assert "## mappings/yonyou/nc_pre_hire.out.yaml" in markdown
    assert "| `mobile` | `mobile` | `cn_mobile` |  | yes |  | yes |" in markdown

    table = cli("report", "--out", str(out))
    assert table.exit_code == 0
    assert "1 approved" in words(table.stdout) and "mappings.html" in table.stdout
    assert (out / "mappings.html").read_text(encoding="utf-8") == page, "same input, same page"


def test_report_lists_a_file_that_does_not_load_with_its_line(
    ledger: Ledger, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(MAPPINGS / "dingtalk", tree / "dingtalk")
    broken = tree / "dingtalk" / "pre_entry.out.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("transform: cn_mobile", "transform: nope"),
        encoding="utf-8",
    )
    result = cli("report", "--path", str(tree), "--out", str(tmp_path / "r"), "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["counts"]["broken"] == 1
    [bad] = [f for f in document["files"] if not f["loads"]]
    assert bad["file"] == "mappings/dingtalk/pre_entry.out.yaml"
    assert re.search(r"line \d+: .*'nope'", bad["problems"][0])
    assert cli("report", "--path", str(tmp_path / "missing")).exit_code == 2


# --- diff ----------------------------------------------------------------------------------


def test_diff_exit_codes_follow_diff(tmp_path: Path) -> None:
    same = cli("diff", str(NC_PRE_HIRE), str(NC_PRE_HIRE))
    assert same.exit_code == 0 and "identical" in same.stdout
    changed = tmp_path / "yonyou" / NC_PRE_HIRE.name
    changed.parent.mkdir()
    changed.write_text(
        NC_PRE_HIRE.read_text(encoding="utf-8").replace("from: mobile,", "from: phoneNumber,"),
        encoding="utf-8",
    )
    different = cli("diff", str(NC_PRE_HIRE), str(changed))
    assert different.exit_code == 1
    assert "field `mobile` now comes from `phoneNumber` instead of `mobile`" in different.stdout
    document = json.loads(cli("diff", str(NC_PRE_HIRE), str(changed), "--json").stdout)
    assert [c["kind"] for c in document["changes"]] == ["version", "source"]
    assert cli("diff", str(NC_PRE_HIRE), str(tmp_path / "nope.yaml")).exit_code == 2
    assert cli("diff", str(NC_PRE_HIRE)).exit_code == 2, "one file needs --rev"


def test_diff_of_two_git_revisions_of_one_file() -> None:
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("needs the git checkout")
    result = cli("diff", str(NC_PRE_HIRE), "--rev", "HEAD..HEAD", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["identical"] is True
    bad = cli("diff", str(NC_PRE_HIRE), "--rev", "no-such-revision..HEAD")
    assert bad.exit_code == 2 and "no-such-revision" in bad.stderr
    assert cli("diff", str(NC_PRE_HIRE), "--rev", "..HEAD").exit_code == 2


# --- check ---------------------------------------------------------------------------------


def test_check_prints_file_line_field_reason_and_exits_1(tmp_path: Path) -> None:
    clean = cli("check")
    assert clean.exit_code == 0, clean.output
    tree = tmp_path / "tree"
    shutil.copytree(MAPPINGS / "dingtalk", tree / "dingtalk")
    broken = tree / "dingtalk" / "pre_entry.out.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("transform: cn_mobile", "transform: nope"),
        encoding="utf-8",
    )
    result = cli("check", "--path", str(tree))
    assert result.exit_code == 1
    assert re.search(r"pre_entry\.out\.yaml:\d+: mobile: .*nope", result.stdout)
    assert json.loads(cli("check", "--path", str(tree), "--json").stdout)["ok"] is False


# --- the production gate, through the real push path ---------------------------------------


@pytest.fixture
def sim() -> Iterator[AttendanceSimulator]:
    with AttendanceSimulator(as_of=datetime(2024, 6, 17, 12, 0, 0)) as server:
        yield server


@pytest.fixture
def client(sim: AttendanceSimulator) -> Iterator[AttendanceClient]:
    with AttendanceClient(
        sim.url, username="admin", password="admin123", retry=retry_policy(initial=0.01, cap=0.05)
    ) as c:
        yield c


def pre_hire(n: int) -> dict[str, Any]:
    return {
        "canonical_id": f"hrhub:pre_hire:A{n}",
        "name": "陈静",
        "mobile": "+86 138-0013-8000",
        "email": f"c{n}@example.cn",
        "planned_entry_date": "2024-07-01",
        "department": "RND",
        "position": "ENG",
        "employee_code": f"E{n}",
        "probation_attendance_rule_ids": ["group:PROB"],
    }


def employees(sim: AttendanceSimulator) -> set[str]:
    return {e["emp_code"] for e in sim.tables["employees"].values()}


def test_production_holds_an_unapproved_mapping_and_approving_then_pushing_writes(
    ledger: Ledger, sim: AttendanceSimulator, client: AttendanceClient, monkeypatch
) -> None:
    monkeypatch.setenv("HRHUB_MODE", "production")
    version = Mapping.load(UPSERT).version
    before = employees(sim)

    queued = enqueue_writes(
        "attendance", "upsert_employee", [pre_hire(1), pre_hire(2)], ledger=ledger
    )
    assert (queued.queued, queued.held, queued.dead_letters) == (0, 2, 2)
    letters = ledger.dead_letters()
    assert {d.record_id for d in letters} == {"hrhub:pre_hire:A1", "hrhub:pre_hire:A2"}
    for letter in letters:
        assert letter.error_class == NOT_APPROVED
        assert f"mapping {UPSERT_KEY} version {version} is not approved" in letter.reason
        assert f"hrhub mappings approve {UPSERT_KEY} --by NAME" in letter.reason
    items = ledger.outbox_items("attendance", "upsert_employee")
    assert {i.status for i in items} == {OutboxStatus.DEAD.value}
    assert {i.payload["emp_code"] for i in items} == {"E1", "E2"}, "the mapped writes are kept"

    assert push("attendance", client=client, ledger=ledger).claimed == 0
    assert employees(sim) == before, "nothing was written"

    approved = cli("approve", str(UPSERT), "--by", "Li Na", "--json")
    assert approved.exit_code == 0, approved.output
    assert json.loads(approved.stdout)["decisions"][0]["released"] == 2
    assert ledger.dead_letters() == [], "the held writes are released, their letters closed"

    summary = push("attendance", client=client, ledger=ledger)
    assert (summary.landed, summary.held, summary.dead_letters) == (2, 0, 0)
    assert employees(sim) == before | {"E1", "E2"}
    receipts = ledger.landed_writes("attendance", "upsert_employee")
    assert {r.mapping_version for r, _ in receipts} == {version}

    which = cli("which", "hrhub:pre_hire:A1", "--json")
    assert which.exit_code == 0, which.output
    [write] = json.loads(which.stdout)["writes"]
    assert (write["mapping_file"], write["mapping_version"]) == (UPSERT_KEY, version)
    assert write["approved_when_written"]["by"] == "Li Na"
    assert write["remote_id"] == "E1" and write["status"] == "done"
    assert cli("which", "hrhub:pre_hire:A9").exit_code == 1


def test_writes_queued_in_development_are_held_by_a_production_push(
    ledger: Ledger,
    sim: AttendanceSimulator,
    client: AttendanceClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="hrhub.mapping.approvals"):
        queued = enqueue_writes("attendance", "upsert_employee", [pre_hire(3)], ledger=ledger)
    assert (queued.queued, queued.held) == (1, 0)
    assert any("development mode" in r.getMessage() for r in caplog.records)

    before = employees(sim)
    held = push("attendance", client=client, ledger=ledger, production=True)
    assert (held.claimed, held.held, held.landed) == (1, 1, 0)
    assert employees(sim) == before
    [letter] = ledger.dead_letters()
    assert letter.error_class == NOT_APPROVED and letter.outbox_key is not None

    assert cli("approve", str(UPSERT), "--by", "Li Na").exit_code == 0
    assert push("attendance", client=client, ledger=ledger, production=True).landed == 1
    assert "E3" in employees(sim)


def test_development_writes_with_an_unapproved_mapping_and_says_so(
    ledger: Ledger, sim: AttendanceSimulator, client: AttendanceClient
) -> None:
    enqueue_writes("attendance", "upsert_employee", [pre_hire(4)], ledger=ledger)
    assert push("attendance", client=client, ledger=ledger).landed == 1
    [write] = json.loads(cli("which", "hrhub:pre_hire:A4", "--json").stdout)["writes"]
    assert write["approved_when_written"] is None
    assert "NOT approved when written" in write["text"]


def test_a_changed_mapping_is_held_naming_the_version_that_was_approved(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("approve", str(UPSERT), "--by", "Li Na").exit_code == 0
    approved_version = Mapping.load(UPSERT).version
    tree = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, tree)
    edited = tree / "attendance" / UPSERT.name
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("    transform: iso_date\n", "")
        + "  # hire_date now goes as it comes\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HRHUB_MAPPINGS_DIR", str(tree))
    queued = enqueue_writes(
        "attendance", "upsert_employee", [pre_hire(5)], ledger=ledger, production=True
    )
    assert queued.held == 1 and queued.mapping_version != approved_version
    [letter] = ledger.dead_letters()
    assert (
        f"the file changed since version {approved_version} was approved by Li Na" in letter.reason
    )
    diff = cli("diff", str(UPSERT), str(edited))
    assert diff.exit_code == 1
    assert "field `hire_date` no longer goes through iso_date" in diff.stdout
