"""The reliability table: measured zeros, unmeasured columns, totals and failures in words."""

from __future__ import annotations

from rich.console import Console

from hrhub.reliability.report import ReliabilityRow, print_report, rows_as_json, totals


def _rows() -> list[ReliabilityRow]:
    faults = ReliabilityRow(
        check="faults: errors",
        what="a fifth of all calls fail",
        ok=True,
        seconds=12.0,
        faults=340,
        runs=1,
        records=5000,
        lost=0,
        duplicated=0,
        dead_letters=7,
        reasons=[
            {
                "system": "hrhub",
                "entity": "screening_result",
                "error_class": "UnparseableResume",
                "count": 7,
                "example": "application successfactors:application:17: binary file",
            }
        ],
    )
    hostile = ReliabilityRow(
        check="hostile input",
        what="broken and hostile inputs at every entry point",
        ok=False,
        seconds=30.0,
        inputs=240,
        crashes=2,
        problems=["cli/huge-number: ValueError escaped"],
    )
    return [faults, hostile]


def test_totals_sum_only_what_was_measured() -> None:
    total = totals(_rows())
    assert (total.faults, total.inputs, total.crashes, total.lost, total.leaks) == (
        340,
        240,
        2,
        0,
        None,
    )
    assert total.ok is False and total.seconds == 42.0


def test_the_table_shows_unmeasured_as_a_dash_and_every_reason_and_problem() -> None:
    console = Console(record=True, width=200, color_system=None)
    print_report(_rows(), console)
    text = console.export_text()
    header = next(line for line in text.splitlines() if "faults injected" in line)
    for label in ("runs", "records", "lost", "duplicated", "dead letters", "inputs tried"):
        assert label in header
    errors = next(line for line in text.splitlines() if line.startswith("│ faults: errors"))
    cells = [c.strip() for c in errors.strip("│").split("│")]
    assert cells[1:10] == ["340", "1", "5,000", "0", "0", "7", "-", "-", "-"]
    assert "FAILED" in next(line for line in text.splitlines() if "hostile input" in line)
    assert "application successfactors:application:17: binary file" in text
    assert "cli/huge-number: ValueError escaped" in text


def test_json_carries_every_row_and_the_verdict() -> None:
    data = rows_as_json(_rows())
    assert data["ok"] is False
    assert [r["check"] for r in data["rows"]] == ["faults: errors", "hostile input"]
    assert data["total"]["records"] == 5000


def test_a_clean_leak_scan_counts_only_when_the_markers_went_through() -> None:
    from hrhub.reliability.leaks import Finding, LeakReport, ScanReport
    from hrhub.reliability.report import leak_row

    through = {
        "staged": ["a", "b"],
        "dead_letters": ["c: field email"],
        "room_orders": ["a"],
        "transcripts_with_marker": 3,
        "issued_tokens": 5,
    }
    clean = leak_row(LeakReport(ScanReport(places=["x"], bytes_scanned=10), through), 1.0)
    assert (clean.ok, clean.leaks, clean.problems) == (True, 0, [])
    skipped = leak_row(LeakReport(ScanReport(), {**through, "room_orders": []}), 1.0)
    assert not skipped.ok and skipped.leaks == 0
    assert "interview room" in skipped.problems[0]
    leak = Finding("secret", "dingtalk appSecret", "raw", "airflow/logs/x.log:3", "***")
    leaked = leak_row(LeakReport(ScanReport(findings=[leak]), through), 1.0)
    assert (leaked.ok, leaked.leaks) == (False, 1)
    assert "airflow/logs/x.log:3" in leaked.problems[0]


def test_the_hostile_row_counts_crashes_and_names_every_miss() -> None:
    from hrhub.reliability.hostile import Kind, Outcome
    from hrhub.reliability.report import hostile_row

    outcomes = [
        Outcome("web", "huge_id", "id past 2**63", Kind.REFUSED, "400: id out of range"),
        Outcome("cli", "nan", "NaN score", Kind.CRASHED, "ValueError: nan"),
        Outcome("payloads", "no_email", "email missing", Kind.QUARANTINED, "x", names_record=False),
    ]
    row = hostile_row(outcomes, 2.0)
    assert (row.inputs, row.crashes, row.ok) == (3, 1, False)
    assert [p.split(":")[0] for p in row.problems] == ["cli/nan", "payloads/no_email"]
    assert "the record is not named" in row.problems[1]
