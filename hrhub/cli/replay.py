"""`hrhub replay` and `hrhub export`: re-drive dead letters, or hand them to HR as a workbook."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from hrhub.cli._output import console, emit_json, fail

if TYPE_CHECKING:
    from hrhub.flow.replay import ReplaySummary

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def default_actor() -> str:
    """Who the audit log names when --by is not given: $USER, else the login name."""
    user = os.environ.get("USER", "").strip()
    if user:
        return user
    try:
        return getpass.getuser()
    except OSError:
        return "unknown"


def replay(
    system: Annotated[str | None, typer.Option("--system", help="Only this system.")] = None,
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage", help="Only 'extract', 'push' or 'step' (screening, scheduling) letters."
        ),
    ] = None,
    ids: Annotated[
        list[int] | None, typer.Option("--id", help="Only these letter ids (repeatable).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would happen; write nothing.")
    ] = False,
    by: Annotated[
        str | None, typer.Option("--by", help="Who replays, for the audit log (default $USER).")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Re-drive open dead letters: requeue refused writes, re-map with the current mapping.

    Replayed letters close; those still failing stay open with the new reason (exit 1).
    """
    from hrhub.flow.replay import STILL_FAILING
    from hrhub.flow.replay import replay as run_replay
    from hrhub.ledger import Ledger

    ledger = Ledger.open()
    try:
        summary = run_replay(
            ledger,
            by=by or default_actor(),
            system=system,
            stage=stage,
            ids=ids or (),
            dry_run=dry_run,
        )
    except (KeyError, ValueError) as exc:
        fail(str(exc.args[0] if isinstance(exc, KeyError) else exc))
        return
    if json_output:
        emit_json(summary.as_dict())
    else:
        _print_summary(summary)
    if any(o.status == STILL_FAILING for o in summary.outcomes):
        raise typer.Exit(1)


def _print_summary(summary: ReplaySummary) -> None:
    if not summary.outcomes:
        console.print("no dead letters to replay")
        return
    title = "replay (dry run)" if summary.dry_run else "replay"
    table = Table(title=title)
    for column in ("system", "replayed", "would replay", "still failing", "already closed"):
        table.add_column(column)
    systems = summary.by_system()
    for system, row in systems.items():
        table.add_row(
            system,
            str(row["replayed"]),
            str(row["would_replay"]),
            str(row["still_failing"]),
            str(row["already_replayed"]),
        )
    console.print(table)
    for system, row in systems.items():
        for reason in row["reasons"]:
            console.print(f"[yellow]{escape(system)}[/] still failing: {escape(reason)}")


def export(
    dead_letters: Annotated[
        Path,
        typer.Option("--dead-letters", help="The .xlsx workbook to write.", dir_okay=False),
    ],
    system: Annotated[str | None, typer.Option("--system", help="Only this system.")] = None,
    open_only: Annotated[
        bool, typer.Option("--open-only/--all", help="Open letters only (default), or all.")
    ] = True,
    json_output: JsonFlag = False,
) -> None:
    """Write dead letters to an Excel workbook HR can key in by hand while a system is down.

    The workbook holds personal data: handle it per policy.
    """
    from hrhub.flow.dead_letter_export import export_dead_letters
    from hrhub.ledger import Ledger

    if dead_letters.suffix.lower() != ".xlsx":
        fail(f"{dead_letters}: the workbook must be an .xlsx file")
    ledger = Ledger.open()
    letters = [
        letter
        for letter in ledger.dead_letters(open_only=open_only)
        if system is None or letter.system == system
    ]
    try:
        rows = export_dead_letters(letters, dead_letters)
    except OSError as exc:
        fail(f"{dead_letters}: cannot write the workbook: {exc}")
        return
    if json_output:
        emit_json({"file": str(dead_letters), "rows": rows, "total": sum(rows.values())})
        return
    console.print(
        f"wrote {sum(rows.values())} dead letters to {escape(str(dead_letters))} "
        f"({', '.join(f'{k} {v}' for k, v in rows.items()) or 'none'}); "
        "[bold]it holds personal data: handle it per policy[/]"
    )
