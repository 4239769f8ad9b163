"""The daily reconciliation's verdict and report files, on a SQLite ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hrhub.flow.daily import REPORTS_DIR_ENV, daily_reconciliation, daily_report, reports_dir
from hrhub.ledger import Ledger

RESYNCED = [
    {"system": "attendance", "stream": "transactions", "read": 3, "inserted": 1, "updated": 1},
]


def verified(absent: int) -> list[dict]:
    return [
        {
            "system": "interview_room",
            "operations": [
                {
                    "system": "interview_room",
                    "operation": "create_orders",
                    "landed": 2,
                    "checked": 2,
                    "absent": absent,
                    "reopened": [],
                    "not_checked": None,
                }
            ],
        }
    ]


def owe(ledger: Ledger, n: int, *, land: bool) -> None:
    item = ledger.enqueue("interview_room", "create_orders", f"hrhub:interview:{n}", {"n": n}, "v")
    if land:
        ledger.complete(item.idempotency_key, f"ord_{n}")


def test_the_verdict_counts_missed_source_records_repairs_and_what_is_still_owed(
    ledger: Ledger,
) -> None:
    owe(ledger, 1, land=True)
    owe(ledger, 2, land=False)  # a repair not pushed yet: pending, not lost
    verdict = daily_reconciliation(RESYNCED, verified(absent=1), ledger)

    # The ledger staged none of the three records the source returned: all three are lost.
    assert (verdict["missed"], verdict["repaired"], verdict["lost"]) == (2, 1, 3)
    (source,) = verdict["sources"]
    assert (source["source"], source["staged"], source["lost"], source["missed"]) == (3, 0, 3, 2)
    (target,) = verdict["targets"]
    assert (target["owed"], target["landed"], target["pending"], target["lost"]) == (2, 1, 1, 0)
    assert target["duplicates"] is None
    assert target["note"] == "read back 2 records; 1 gone from the system, re-sent"


def test_a_target_the_job_did_not_reach_says_so(ledger: Ledger) -> None:
    owe(ledger, 1, land=True)
    (target,) = daily_reconciliation([], [], ledger)["targets"]
    assert target["note"].startswith("not read back")


def test_the_report_is_written_as_html_and_json(ledger: Ledger, tmp_path: Path) -> None:
    owe(ledger, 1, land=True)
    result = daily_report(
        "2026-11-30", RESYNCED, verified(absent=0), ledger=ledger, out_dir=tmp_path
    )

    assert result["html"] == str(tmp_path / "daily-2026-11-30.html")
    data = json.loads((tmp_path / "daily-2026-11-30.json").read_text(encoding="utf-8"))
    assert data["day"] == "2026-11-30"
    assert data["reconciliation"]["lost"] == result["lost"] == 3  # the unstaged punches
    assert data["summary"]["totals"]["landed"] == 1
    page = Path(result["html"]).read_text(encoding="utf-8")
    assert "missed by incremental reads, staged" in page
    assert "read back 1 records" not in page and "read back 2 records" in page


def test_the_reports_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(REPORTS_DIR_ENV, str(tmp_path / "r"))
    assert reports_dir() == tmp_path / "r"
    monkeypatch.delenv(REPORTS_DIR_ENV)
    monkeypatch.setenv("HRHUB_HOME", str(tmp_path))
    assert reports_dir() == tmp_path / "out" / "reports"
