"""`hrhub demo`, the main job: the whole flow through real Airflow, reconciled, with a report."""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hrhub.airflow_env import REPO_ROOT, airflow_env

pytestmark = pytest.mark.airflow
HRHUB = str(Path(sys.executable).with_name("hrhub"))


class _Charts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.charts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.charts.append(dict(attrs).get("id") or "")


def test_demo_runs_the_flow_end_to_end_and_reconciles(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = subprocess.run(
        [HRHUB, "demo", "--candidates", "120", "--out", str(out), "--json"],
        env=airflow_env(),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout)
    assert result["ok"] is True
    rec, summary = result["reconciliation"], result["summary"]
    assert (rec["lost"], rec["duplicates"]) == (0, 0)
    funnel = {row["stage"]: row["count"] for row in summary["funnel"]}
    assert sum(funnel.values()) == summary["totals"]["applications"] > 120
    # Every application went through screening; the interviewed ones were scored and either
    # written back or held for a person.
    assert funnel["screened"] > 0
    assert funnel["scored"] + funnel["in_review"] > 0
    targets = {(r["system"], r["operation"]): r for r in rec["targets"]}
    orders = targets[("interview_room", "create_orders")]
    interviews = targets[("successfactors", "application_interview")]
    assessments = targets[("successfactors", "interview_assessment")]
    assert orders["landed"] == interviews["landed"] == funnel["scored"] + funnel["in_review"]
    assert assessments["landed"] == funnel["scored"]
    assert summary["totals"]["reviews_pending"] == funnel["in_review"]
    for row in rec["targets"]:
        assert (row["lost"], row["pending"]) == (0, 0), row
    # Screening's dead letters are unreadable resumes, each with its reason.
    for group in summary["dead_letters"]:
        assert group["system"] == "hrhub" and group["example"], group
    # The audit log was verified with its seals; its head (to keep outside the ledger) is
    # in the result and the report ("-" while the log is empty).
    audit = summary["audit"]
    assert (audit["ok"], audit["sealed"], audit["problem"]) == (True, True, None)
    head = audit["head"] or "-"
    assert head == "-" if audit["entries"] == 0 else head.startswith(f"{audit['entries']}:")
    report = Path(result["report"])
    assert report == out / "report.html"
    html = report.read_text(encoding="utf-8")
    assert f"<code>{head}</code>" in html
    parser = _Charts()
    parser.feed(html)
    assert {"chart-funnel", "chart-writes"} <= set(parser.charts)
