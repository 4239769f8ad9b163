"""The daily reconciliation's verdict and the report HR admins read the next morning.

The `daily_reconciliation` DAG re-reads every source stream in full (what the hourly
incremental reads missed is staged), reads back every target's records the hub created (what
was deleted there is owed again), pushes the repairs, then calls `daily_report` here: the same
page as the demo's report (`flow_report`), with the reconciliation made from what the job saw
through the systems' own APIs, written as `daily-<day>.html` and `.json` under the reports
folder (`$HRHUB_REPORTS_DIR`, default `out/reports` in `$HRHUB_HOME`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hrhub.flow.flow_report import flow_summary, write_html
from hrhub.ledger import Ledger
from hrhub.reconcile import source_row

REPORTS_DIR_ENV = "HRHUB_REPORTS_DIR"


def reports_dir() -> Path:
    """`$HRHUB_REPORTS_DIR`, else `out/reports` under `$HRHUB_HOME` (or the working folder)."""
    if os.environ.get(REPORTS_DIR_ENV):
        return Path(os.environ[REPORTS_DIR_ENV])
    return Path(os.environ.get("HRHUB_HOME", ".")) / "out" / "reports"


def daily_reconciliation(
    resynced: Iterable[Mapping[str, Any]],
    verified: Iterable[Mapping[str, Any]],
    ledger: Ledger,
) -> dict[str, Any]:
    """Sources and targets as the report's reconciliation section reads them.

    `resynced`: the full re-reads (extract summaries); a stream's `source` is the distinct
    records the system returned (`records`; rows where not counted), `missed` what the
    incremental reads had not staged (new or changed records).
    `verified`: per target system, its operations' read-back summaries (`VerifySummary`).
    Duplicates are not counted by this job (a system's API cannot list every copy of a
    record), so they are None with a note; `lost` counts owed writes neither landed, queued
    nor dead-lettered, as the ledger tallies them after the repairs were pushed.
    """
    sources = []
    for read in resynced:
        source = read.get("records")
        row = source_row(
            read["system"], read["stream"], int(read["read"] if source is None else source), ledger
        )
        row["missed"] = int(read["inserted"]) + int(read["updated"])
        sources.append(row)
    checks = {
        (op["system"], op["operation"]): op for system in verified for op in system["operations"]
    }
    targets = []
    for tally in ledger.write_tallies():
        key = (tally["target_system"], tally["operation"])
        check = checks.get(key)
        targets.append(
            {
                "system": key[0],
                "operation": key[1],
                "owed": tally["owed"],
                "landed": tally["landed"],
                "dead_letters": tally["dead_letters"],
                "pending": tally["pending"],
                "lost": tally["lost"],
                "duplicates": None,
                "repaired": check["absent"] if check else 0,
                "note": _check_note(check),
            }
        )
    return {
        "sources": sources,
        "targets": targets,
        "lost": sum(r["lost"] for r in sources) + sum(r["lost"] for r in targets),
        "duplicates": None,
        "missed": sum(r["missed"] for r in sources),
        "repaired": sum(r["repaired"] for r in targets),
        "dead_letters": sum(r["dead_letters"] for r in sources)
        + sum(r["dead_letters"] for r in targets),
    }


def daily_report(
    day: str,
    resynced: Iterable[Mapping[str, Any]],
    verified: Iterable[Mapping[str, Any]],
    *,
    ledger: Ledger | None = None,
    out_dir: Path | None = None,
) -> dict[str, Any]:
    """Write `daily-<day>.html` and `daily-<day>.json`; return the totals and both paths."""
    ledger = ledger or Ledger.open()
    summary = flow_summary(ledger)
    reconciliation = daily_reconciliation(resynced, verified, ledger)
    folder = Path(out_dir) if out_dir else reports_dir()
    html = write_html(summary, reconciliation, folder / f"daily-{day}.html")
    data = folder / f"daily-{day}.json"
    data.write_text(
        json.dumps({"day": day, "summary": summary, "reconciliation": reconciliation}, indent=1),
        encoding="utf-8",
    )
    return {
        "day": day,
        "html": str(html),
        "json": str(data),
        "lost": reconciliation["lost"],
        "missed": reconciliation["missed"],
        "repaired": reconciliation["repaired"],
        "dead_letters": reconciliation["dead_letters"],
    }


def _check_note(check: Mapping[str, Any] | None) -> str:
    if check is None:
        return "not read back: the system was not reached by this run"
    if check["not_checked"]:
        return check["not_checked"]
    note = f"read back {check['checked']:,} records"
    if check["absent"]:
        note += f"; {check['absent']:,} gone from the system, re-sent"
    return note
