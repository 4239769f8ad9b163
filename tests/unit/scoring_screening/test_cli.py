"""`hrhub screen`: exit codes and the JSON document, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hrhub.cli import app

from .resumes import EXAMPLES, MODEL_MISSING, MODEL_REASON, ZH_RESUME

runner = CliRunner()
LEAD = str(EXAMPLES / "customer_service_lead.yaml")


def resume(tmp_path: Path, data: bytes, name: str = "cv.txt") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.skipif(MODEL_MISSING, reason=MODEL_REASON)
def test_a_scored_resume_exits_0_with_the_outcome_as_json(tmp_path: Path) -> None:
    path = resume(tmp_path, ZH_RESUME.encode("utf-16"))
    result = runner.invoke(app, ["screen", path, "--job", LEAD, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["status"] == "scored" and document["job_id"] == "cs-lead-2026"
    assert set(document["parts"]) == {"skills", "experience", "education", "other"}
    for part in document["parts"].values():
        assert set(part) == {"score", "weight", "evidence", "explanation"}
    assert {"requirement", "met", "evidence"} == set(document["must_haves"][0])
    assert document["explanation"] and document["fit_score"] > 0


@pytest.mark.skipif(MODEL_MISSING, reason=MODEL_REASON)
def test_the_table_shows_parts_must_haves_and_explanation(tmp_path: Path) -> None:
    result = runner.invoke(app, ["screen", resume(tmp_path, ZH_RESUME.encode()), "--job", LEAD])
    assert result.exit_code == 0, result.output
    for word in ("skills", "experience", "must-haves", "explanation", "客户服务经验>=3年"):
        assert word in result.stdout


def test_an_unparseable_resume_exits_3_with_the_reason(tmp_path: Path) -> None:
    path = resume(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00binary")
    result = runner.invoke(app, ["screen", path, "--job", LEAD, "--json"])
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert (document["status"], document["reason"], document["fit_score"]) == (
        "unparseable",
        "binary file",
        None,
    )
    assert "binary file" in " ".join(result.stderr.split())  # rich wraps lines


def test_a_bad_job_file_exits_2_naming_file_and_field(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text("title: 客服主管\nmust_haves: [要能吃苦]\n", encoding="utf-8")
    result = runner.invoke(app, ["screen", resume(tmp_path, b"x"), "--job", str(job), "--json"])
    assert result.exit_code == 2
    stderr = "".join(result.stderr.split())
    assert "job.yaml" in stderr and "要能吃苦" in stderr
    assert result.stdout == ""


def test_help_teaches_with_an_example_job_file() -> None:
    result = runner.invoke(app, ["screen", "--help"])
    assert result.exit_code == 0
    for text in ("must_haves", "客户服务经验>=3年", "Exit codes", "--json"):
        assert text in result.stdout
