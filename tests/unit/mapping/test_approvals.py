"""Approvals in the hash-chained audit log: who approved which version, revocations, the mode."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from hrhub.ledger import Ledger
from hrhub.mapping import Mapping, MappingFileError
from hrhub.mapping.approvals import (
    APPROVE,
    REVOKE,
    ApprovalError,
    ApprovalGate,
    ApprovalLog,
    approval_state,
    approve,
    approved_versions,
    mapping_key,
    production_mode,
    revoke,
)
from hrhub.mapping.engine import REPO_ROOT

REAL = REPO_ROOT / "mappings" / "yonyou" / "nc_pre_hire.out.yaml"
KEY = "mappings/yonyou/nc_pre_hire.out.yaml"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The real NC pre-hire mapping, copied into a mappings tree of its own."""
    target = tmp_path / "tree" / "yonyou" / REAL.name
    target.parent.mkdir(parents=True)
    shutil.copy(REAL, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_an_approval_is_an_audit_entry_naming_file_version_approver_and_note(
    ledger: Ledger, copy: Path
) -> None:
    decision = approve(ledger, copy, by="Li Na", note="CR-12")
    version = Mapping.load(copy).version
    [entry] = ledger.audit_entries()
    assert (entry.seq, entry.actor, entry.action, entry.subject) == (1, "Li Na", APPROVE, KEY)
    assert entry.data == {"version": version, "approver": "Li Na", "note": "CR-12"}
    assert decision.seq == 1 and decision.previous.status == "never"
    assert approved_versions(ledger) == {KEY: {version}}
    state = approval_state(Mapping.load(copy), ledger)
    assert state.ok and state.approval is not None and state.approval.by == "Li Na"
    assert state.describe().startswith("approved by Li Na on ")
    assert ledger.verify_audit().ok


def test_the_same_person_approving_again_records_nothing_and_another_person_does(
    ledger: Ledger, copy: Path
) -> None:
    approve(ledger, copy, by="Li Na")
    again = approve(ledger, copy, by="Li Na")
    assert again.seq is None and again.previous.ok
    second = approve(ledger, copy, by="Wang Fang")
    assert second.seq == 2
    assert [e.actor for e in ledger.audit_entries()] == ["Li Na", "Wang Fang"]


def test_an_edit_makes_a_new_version_that_says_which_version_was_approved_and_when(
    ledger: Ledger, copy: Path
) -> None:
    approve(ledger, copy, by="Li Na")
    old_version = Mapping.load(copy).version
    edit(copy, 'idtype: {default: "0"', 'idtype: {default: "1"')
    changed = Mapping.load(copy)
    assert changed.version != old_version
    state = approval_state(changed, ledger)
    assert state.status == "changed" and not state.ok
    text = state.describe()
    assert f"the file changed since version {old_version} was approved by Li Na on 20" in text
    assert approved_versions(ledger) == {KEY: {old_version}}, "the old version stays approved"


def test_a_revocation_is_an_audit_entry_and_ends_the_approval(ledger: Ledger, copy: Path) -> None:
    approve(ledger, copy, by="Li Na")
    decision = revoke(ledger, copy, by="Zhao Lei", note="mobile must carry +86")
    assert decision.action == REVOKE
    entry = ledger.audit_entries()[-1]
    assert (entry.action, entry.actor, entry.data["revoked_by"]) == (REVOKE, "Zhao Lei", "Zhao Lei")
    state = approval_state(Mapping.load(copy), ledger)
    assert state.status == "revoked"
    assert "was revoked by Zhao Lei" in state.describe()
    assert "(mobile must carry +86)" in state.describe()
    assert approved_versions(ledger) == {}
    approve(ledger, copy, by="Li Na")  # approving again after a revocation stands
    assert approval_state(Mapping.load(copy), ledger).ok
    assert ledger.verify_audit().ok


def test_revoking_what_is_not_approved_is_refused_and_records_nothing(
    ledger: Ledger, copy: Path
) -> None:
    with pytest.raises(ApprovalError, match=r"never approved.*nothing to revoke"):
        revoke(ledger, copy, by="Zhao Lei")
    assert ledger.audit_entries() == []


def test_a_file_with_mistakes_cannot_be_approved(ledger: Ledger, copy: Path) -> None:
    edit(copy, "transform: cn_mobile", "transform: cn_mobil")
    with pytest.raises(MappingFileError, match="cn_mobil"):
        approve(ledger, copy, by="Li Na")
    assert ledger.audit_entries() == []


def test_a_file_in_the_wrong_folder_cannot_be_approved(ledger: Ledger, tmp_path: Path) -> None:
    misplaced = tmp_path / "dingtalk" / REAL.name
    misplaced.parent.mkdir()
    shutil.copy(REAL, misplaced)
    with pytest.raises(ApprovalError, match="declares system 'yonyou' but sits in folder"):
        approve(ledger, misplaced, by="Li Na")
    with pytest.raises(ApprovalError, match="--by NAME"):
        approve(ledger, REAL, by="  ")
    assert ledger.audit_entries() == []


def test_the_subject_is_the_place_in_the_mappings_tree_wherever_it_is(copy: Path) -> None:
    assert mapping_key(copy) == mapping_key(REAL) == KEY


def test_the_approval_in_force_at_a_time_is_what_the_log_said_then(
    ledger: Ledger, copy: Path
) -> None:
    approve(ledger, copy, by="Li Na")
    revoke(ledger, copy, by="Zhao Lei")
    log = ApprovalLog.read(ledger)
    approved_at, revoked_at = (e.at for e in log.events)
    assert approved_at < revoked_at
    version = Mapping.load(copy).version
    assert log.standing(KEY, at=approved_at)[version].by == "Li Na"
    assert version not in log.standing(KEY, at=revoked_at)


def test_the_mode_comes_from_the_parameter_or_hrhub_mode_and_a_typo_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HRHUB_MODE", raising=False)
    assert production_mode() is False
    monkeypatch.setenv("HRHUB_MODE", "Production")
    assert production_mode() is True
    assert production_mode(False) is False, "the parameter wins"
    monkeypatch.setenv("HRHUB_MODE", "development")
    assert production_mode() is False
    monkeypatch.setenv("HRHUB_MODE", "prod")
    with pytest.raises(ValueError, match="HRHUB_MODE must be 'production' or 'development'"):
        production_mode()


def test_the_gate_refuses_in_production_and_warns_once_in_development(
    ledger: Ledger, copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    version = Mapping.load(copy).version
    reason = ApprovalGate.open(ledger, production=True).refusal(KEY, version)
    assert reason is not None
    assert f"mapping {KEY} version {version} is not approved for production" in reason
    assert f"hrhub mappings approve {KEY} --by NAME" in reason

    gate = ApprovalGate.open(ledger, production=False)
    with caplog.at_level(logging.WARNING, logger="hrhub.mapping.approvals"):
        assert gate.refusal(KEY, version) is None
        assert gate.refusal(KEY, version) is None
    [warning] = caplog.records
    assert KEY in warning.getMessage() and "never approved" in warning.getMessage()

    approve(ledger, copy, by="Li Na")
    assert ApprovalGate.open(ledger, production=True).refusal(KEY, version) is None
