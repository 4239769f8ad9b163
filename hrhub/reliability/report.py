"""The reliability table `make reliability` prints: one row per check, the same columns for all.

Columns: faults injected, runs, records, lost, duplicated, dead letters, inputs tried,
crashes, leaks found. A column a check does not measure is None (shown as "-"), never 0: a
zero in this table is a measured zero. Below the table, the dead letters each check left,
grouped by reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["COLUMNS", "ReliabilityRow", "print_report", "rows_as_json"]

COLUMNS = (
    ("faults", "faults injected"),
    ("runs", "runs"),
    ("records", "records"),
    ("lost", "lost"),
    ("duplicated", "duplicated"),
    ("dead_letters", "dead letters"),
    ("inputs", "inputs tried"),
    ("crashes", "crashes"),
    ("leaks", "leaks found"),
)
MUST_BE_ZERO = ("lost", "duplicated", "crashes", "leaks")


@dataclass
class ReliabilityRow:
    """One check's line of the table; `ok` is the check's own verdict."""

    check: str
    what: str
    ok: bool
    seconds: float
    faults: int | None = None
    runs: int | None = None
    records: int | None = None
    lost: int | None = None
    duplicated: int | None = None
    dead_letters: int | None = None
    inputs: int | None = None
    crashes: int | None = None
    leaks: int | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)  # dead letters by reason
    problems: list[str] = field(default_factory=list)  # what made `ok` false, in words


def fault_rows(results: Iterable[Any]) -> list[ReliabilityRow]:
    """Rows for the fault matrix (hrhub.reliability.faults.ScenarioResult)."""
    rows = []
    for r in results:
        problems = [f"could not run to the end: {r.error}"] if r.error else []
        if r.pending:
            problems.append(f"{r.pending} writes still owed after {r.runs} runs")
        if not r.audit_ok:
            problems.append("the audit log does not verify")
        rows.append(
            ReliabilityRow(
                check=f"faults: {r.scenario.name}",
                what=f"{r.scenario.what} [{r.scenario.spec or 'no faults'}]",
                ok=r.ok,
                seconds=r.seconds,
                faults=r.faults_injected,
                runs=r.runs,
                records=r.records,
                lost=r.lost,
                duplicated=r.duplicates,
                dead_letters=sum(g["count"] for g in r.dead_letters),
                reasons=r.dead_letters,
                problems=problems,
            )
        )
    return rows


def kill_row(result: Any) -> ReliabilityRow:
    """The row for the kill campaign (hrhub.reliability.kills.KillCampaignResult)."""
    problems = []
    if result.restarted != len(result.kills):
        problems.append(f"{len(result.kills) - result.restarted} killed components not back")
    if result.pending or result.in_flight:
        problems.append(f"{result.pending} writes still owed, {result.in_flight} still claimed")
    if not result.audit_ok:
        problems.append("the audit log does not verify")
    failed = [r.run_id for r in result.runs if r.state != "success"]
    if failed:
        problems.append(f"runs not successful after resuming: {', '.join(failed)}")
    by_component = ", ".join(f"{n} {c}" for c, n in sorted(result.kills_by_component.items()))
    cut = sum(1 for k in result.kills if k.task_processes)
    return ReliabilityRow(
        check="kill -9",
        what=f"SIGKILL of {by_component} at random points ({cut} cut a running task), each "
        "restarted, on PostgreSQL with two Celery workers; the runs resumed, then reconciled",
        ok=result.ok,
        seconds=result.seconds,
        faults=len(result.kills),
        runs=len(result.runs),
        records=result.records,
        lost=result.lost,
        duplicated=result.duplicates,
        dead_letters=result.dead_letter_count,
        reasons=result.dead_letters,
        problems=problems,
    )


def hostile_row(outcomes: Sequence[Any], seconds: float) -> ReliabilityRow:
    """The row for the hostile-input corpus (hrhub.reliability.hostile.Outcome)."""
    problems = [
        f"{o.id}: {o.kind.value}: {o.message[:200]}"
        + (" (the record is not named)" if o.names_record is False else "")
        + (" (the good inputs next to it did not go through)" if o.neighbours_ok is False else "")
        for o in outcomes
        if not o.ok
    ]
    entry_points = sorted({o.entry_point for o in outcomes})
    return ReliabilityRow(
        check="hostile input",
        what=f"broken and hostile inputs at {len(entry_points)} entry points: "
        + ", ".join(entry_points),
        ok=not problems,
        seconds=round(seconds, 1),
        inputs=len(outcomes),
        crashes=sum(o.kind.value == "crashed" for o in outcomes),
        problems=problems,
    )


def leak_row(report: Any, seconds: float) -> ReliabilityRow:
    """The row for the leak check (hrhub.reliability.leaks.LeakReport): a clean scan counts
    only if the seeded markers really went through the run (`evidence`)."""
    scan, evidence = report.scan, report.evidence
    problems = [f"leak: {f.kind} {f.label} ({f.form}) in {f.where}" for f in scan.findings[:20]]
    went_through = {
        "marker records staged": len(evidence.get("staged", [])),
        "marker records in dead letters": len(evidence.get("dead_letters", [])),
        "marker candidates ordered in the interview room": len(evidence.get("room_orders", [])),
        "transcripts with the marker sentence": evidence.get("transcripts_with_marker", 0),
        "issued tokens searched for": evidence.get("issued_tokens", 0),
    }
    problems += [
        f"no {what}: a clean scan would prove nothing" for what, n in went_through.items() if not n
    ]
    return ReliabilityRow(
        check="leaks",
        what=f"seeded secrets and personal data searched in {len(scan.places)} places "
        f"({scan.bytes_scanned:,} bytes: logs, XCom and Airflow's database, task output, "
        "error messages); " + ", ".join(f"{what} {n}" for what, n in went_through.items()),
        ok=not problems,
        seconds=round(seconds, 1),
        runs=1,
        leaks=len(scan.findings),
        problems=problems,
    )


def totals(rows: Sequence[ReliabilityRow]) -> ReliabilityRow:
    """The sum of every measured column; ok only if every row is."""
    total = ReliabilityRow(
        check="total",
        what="",
        ok=all(r.ok for r in rows),
        seconds=round(sum(r.seconds for r in rows), 1),
    )
    for key, _ in COLUMNS:
        measured = [getattr(r, key) for r in rows if getattr(r, key) is not None]
        setattr(total, key, sum(measured) if measured else None)
    return total


def print_report(rows: Sequence[ReliabilityRow], console: Console) -> None:
    """The table, then the dead letters by reason and anything that failed, in words."""
    table = Table(title="hrhub reliability")
    table.add_column("check")
    for _, label in COLUMNS:
        table.add_column(label, justify="right")
    table.add_column("time", justify="right")
    table.add_column("verdict")
    for row in [*rows, totals(rows)]:
        cells = [_cell(key, getattr(row, key)) for key, _ in COLUMNS]
        verdict = "[green]ok[/]" if row.ok else "[bold red]FAILED[/]"
        table.add_row(row.check, *cells, f"{row.seconds:.0f} s", verdict)
    console.print(table)
    for row in rows:
        console.print(f"{row.check}: {row.what}", markup=False, highlight=False)
    for row in rows:
        if row.reasons:
            console.print(f"[bold]{row.check}[/]: dead letters by reason")
            for group in row.reasons:
                where = f"{group['system']}.{group['entity']}"
                console.print(
                    f"  {group['count']:>6}  {where}  {group.get('error_class') or '-'}: "
                    f"{group.get('example', '')}",
                    markup=False,
                    highlight=False,
                )
        for problem in row.problems:
            console.print(f"[red]{row.check}[/]: {problem}")


def rows_as_json(rows: Sequence[ReliabilityRow]) -> dict[str, Any]:
    """Every row and the totals, as plain JSON values."""
    return {
        "ok": all(r.ok for r in rows),
        "rows": [asdict(r) for r in rows],
        "total": asdict(totals(rows)),
    }


def _cell(key: str, value: int | None) -> str:
    if value is None:
        return "-"
    text = f"{value:,}"
    if key in MUST_BE_ZERO and value:
        return f"[bold red]{text}[/]"
    return text


def reason_groups(groups: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Dead-letter groups as the table shows them (system, entity, error_class, count,
    example), from any source that has those keys."""
    return [
        {
            "system": g["system"],
            "entity": g["entity"],
            "error_class": g.get("error_class"),
            "count": g["count"],
            "example": g.get("example", ""),
        }
        for g in groups
    ]
