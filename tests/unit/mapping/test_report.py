"""The auditor's report of the real mapping files: fields, approvals, personal data, pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hrhub.ledger import Ledger
from hrhub.mapping.approvals import approve
from hrhub.mapping.engine import REPO_ROOT
from hrhub.mapping.report import (
    build_report,
    mapping_files,
    render_html,
    render_markdown,
    trace_writes,
    transform_text,
)

MAPPINGS = REPO_ROOT / "mappings"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the repository's mappings, to edit."""
    target = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, target)
    return target


def test_every_real_file_and_field_is_in_the_report(ledger: Ledger) -> None:
    report = build_report(MAPPINGS, ledger)
    assert [f.path for f in report.files] == mapping_files(MAPPINGS)
    assert all(f.mapping is not None for f in report.files), [f.problems for f in report.files]
    counts = report.counts()
    assert counts["files"] == len(list(MAPPINGS.rglob("*.yaml")))
    assert counts["fields"] == sum(len(f.mapping.fields) for f in report.files if f.mapping)
    assert counts["never"] == counts["files"] and counts["approved"] == 0
    assert counts["unflagged_personal_data"] == 0, "every personal field of the repo is flagged"

    candidate = next(
        f for f in report.files if f.key == "mappings/successfactors/candidate.in.yaml"
    )
    views = {v.target: v for v in candidate.fields}
    assert views["location"].transform_text == 'concat(sep=", ")'
    assert views["location"].source == ("city", "country")
    assert views["source_system"].default_text == '"successfactors"'
    assert views["name"].required and views["name"].personal_data
    assert views["name"].note and "family name first" in views["name"].note
    assert views["modified_at"].transform == "sf_date"


def test_approval_states_show_per_file(ledger: Ledger, tree: Path) -> None:
    approve(ledger, tree / "yonyou" / "nc_pre_hire.out.yaml", by="Li Na")
    approve(ledger, tree / "dingtalk" / "pre_entry.out.yaml", by="Li Na")
    edited = tree / "dingtalk" / "pre_entry.out.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# touched\n", encoding="utf-8")
    report = build_report(tree, ledger)
    states = {f.key: f.approval.status for f in report.files if f.approval}
    assert states["mappings/yonyou/nc_pre_hire.out.yaml"] == "approved"
    assert states["mappings/dingtalk/pre_entry.out.yaml"] == "changed"
    assert states["mappings/dingtalk/robot_notice.out.yaml"] == "never"
    assert "1 approved, 1 changed since their approval" in " ".join(report.summary())


def test_a_personal_field_the_mapping_does_not_flag_is_pointed_out(
    ledger: Ledger, tree: Path
) -> None:
    candidate = tree / "successfactors" / "candidate.in.yaml"
    text = candidate.read_text(encoding="utf-8")
    old = "given_name: {from: firstName, personal_data: true}"
    assert old in text
    candidate.write_text(text.replace(old, "given_name: {from: firstName}"), encoding="utf-8")
    report = build_report(tree, ledger)
    assert report.counts()["unflagged_personal_data"] == 1
    [file] = [f for f in report.files if f.key == "mappings/successfactors/candidate.in.yaml"]
    [view] = [v for v in file.fields if v.unflagged]
    assert view.target == "given_name"
    assert "canonical model" in view.personal_text
    assert '<tr class="unflagged">' in render_html(report)


def test_a_broken_file_is_reported_with_its_line_and_the_rest_goes_on(
    ledger: Ledger, tree: Path
) -> None:
    broken = tree / "yonyou" / "nc_pre_hire.out.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("cn_mobile", "cn_mobil"), encoding="utf-8"
    )
    report = build_report(tree, ledger)
    [bad] = [f for f in report.files if f.mapping is None]
    assert bad.key == "mappings/yonyou/nc_pre_hire.out.yaml"
    assert "line" in bad.problems[0] and "cn_mobil" in bad.problems[0]
    assert report.counts()["broken"] == 1
    assert len(report.files) == len(mapping_files(tree))
    assert "does not load" in render_html(report) and "does not load" in render_markdown(report)


def test_the_pages_are_self_contained_escaped_and_the_same_each_time(
    ledger: Ledger, tree: Path
) -> None:
    notice = tree / "dingtalk" / "pre_entry.out.yaml"
    notice.write_text(
        notice.read_text(encoding="utf-8").replace(
            "note: DingTalk's key for a person; 11 digits without +86.",
            "note: <b>key</b> | 11 digits",
        ),
        encoding="utf-8",
    )
    first = build_report(tree, ledger)
    page = render_html(first)
    assert "&lt;b&gt;key&lt;/b&gt;" in page and "<b>key</b>" not in page
    assert "<script" not in page and "<link" not in page and "src=" not in page
    assert "\\|" in render_markdown(first), "a pipe in a note does not break the table"
    again = build_report(tree, ledger)
    assert render_html(again) == page
    assert render_markdown(again) == render_markdown(first)
    assert again.to_dict() == first.to_dict()


def test_without_a_ledger_the_report_has_no_approval_column_values() -> None:
    report = build_report(MAPPINGS / "dingtalk")
    assert all(f.approval is None for f in report.files)
    assert "(no ledger)" in render_markdown(report)


def test_transforms_are_written_as_a_call_with_their_parameters() -> None:
    assert transform_text(None, {}) == ""
    assert transform_text("sf_date", {}) == "sf_date"
    assert transform_text("mask", {"keep": 4}) == "mask(keep=4)"
    assert transform_text("split", {"sep": "|", "index": 0}) == 'split(index=0, sep="|")'


def test_a_record_nobody_wrote_has_no_trace(ledger: Ledger) -> None:
    assert trace_writes(ledger, "hrhub:pre_hire:none") == []


def test_a_queued_write_is_traced_to_its_mapping_version(ledger: Ledger) -> None:
    ledger.enqueue(
        "attendance", "upsert_employee", "hrhub:pre_hire:A7", {"emp_code": "E7"}, "sha256:abc"
    )
    [trace] = trace_writes(ledger, "hrhub:pre_hire:A7")
    assert trace.mapping_file == "mappings/attendance/upsert_employee.out.yaml"
    assert (trace.mapping_version, trace.status, trace.written_at) == (
        "sha256:abc",
        "pending",
        None,
    )
    assert "(not written)" in trace.describe() and "never approved" in trace.describe()
