"""`hrhub scoring bias-audit` through typer's CliRunner: exit codes, JSON, the report files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hrhub.cli import app
from hrhub.scoring.examples import RESULTS_EXAMPLE

runner = CliRunner()
BASE = ["scoring", "bias-audit", str(RESULTS_EXAMPLE), "--audit-date", "2026-03-01"]


def test_json_is_valid_and_matches_the_written_file(tmp_path: Path) -> None:
    out = tmp_path / "audit"
    result = runner.invoke(app, [*BASE, "--json", "--out", str(out), "--data-period", "2025-H2"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document == json.loads((out / "bias_audit.json").read_text(encoding="utf-8"))
    assert document["audit_date"] == "2026-03-01"
    assert document["data"] == {"source": "results_example.csv", "period": "2025-H2"}
    assert document["n_assessed"] == 204
    assert any(f["category"] == "Hispanic or Latino" for f in document["flags"])
    page = (out / "bias_audit.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 12


def test_the_same_input_prints_the_same_json() -> None:
    assert (
        runner.invoke(app, [*BASE, "--json"]).stdout == runner.invoke(app, [*BASE, "--json"]).stdout
    )


def test_the_table_output_marks_flags_and_exclusions() -> None:
    result = runner.invoke(app, [*BASE, "--threshold", "0.7", "--min-share", "0.05"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "below 0.7" in text and "Hispanic or Latino" in text and "excluded" in text
    assert "under 5% of the sample" in text


def test_a_bad_cell_exits_2_naming_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_text("candidate_id,sex,ethnicity,selected\nc1,F,A,true\nc2,M,A,perhaps\n")
    result = runner.invoke(app, ["scoring", "bias-audit", str(path), "--json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "results.csv line 3, column 'selected'" in " ".join(result.stderr.split())


def test_bad_settings_exit_2(tmp_path: Path) -> None:
    assert runner.invoke(app, [*BASE, "--audit-date", "March"]).exit_code == 2
    assert runner.invoke(app, [*BASE, "--threshold", "0"]).exit_code == 2
    assert runner.invoke(app, [*BASE, "--min-share", "1"]).exit_code == 2
    missing = runner.invoke(app, ["scoring", "bias-audit", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "cannot read the file" in missing.stderr


def test_help_mentions_the_example() -> None:
    result = runner.invoke(app, ["scoring", "bias-audit", "--help"])
    assert result.exit_code == 0 and "results_example.csv" in result.stdout
