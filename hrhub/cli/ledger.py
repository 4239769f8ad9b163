"""`hrhub ledger`: what the hub's own store holds, and whether its audit log is intact."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from rich.table import Table

from hrhub.cli._output import console, emit_json

app = typer.Typer(help="Inspect the ledger (HRHUB_DATABASE_URL, SQLite by default).")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@app.command("status")
def status(json_output: JsonFlag = False) -> None:
    """Counts of staged records per stage, outbox, receipts, dead letters and cursors."""
    from hrhub.ledger import Ledger  # sqlmodel: loaded only when a ledger command runs

    ledger = Ledger.open()
    data = ledger.status()
    if json_output:
        emit_json(data)
        return
    console.print(f"ledger: {data['database']}")
    staged = Table(title="staged records")
    for column in ("entity", "stage", "count"):
        staged.add_column(column)
    for entity, stages in sorted(data["staged"].items()):
        for stage, count in sorted(stages.items()):
            staged.add_row(entity, stage, str(count))
    console.print(staged)
    outbox = ", ".join(f"{k} {v}" for k, v in data["outbox"].items())
    console.print(f"outbox: {outbox}")
    console.print(f"receipts: {data['receipts']}")
    console.print(f"open dead letters: {data['dead_letters_open']}")
    console.print(f"audit entries: {data['audit_entries']}")
    cursors = Table(title="cursors")
    for column in ("system", "stream", "watermark", "updated_at"):
        cursors.add_column(column)
    for row in data["cursors"]:
        cursors.add_row(*(str(row[c]) for c in ("system", "stream", "watermark", "updated_at")))
    console.print(cursors)


@app.command("verify")
def verify(
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head",
            metavar="SEQ:HASH",
            help="A head printed by an earlier verify or run report: it must still be in "
            "the log, unchanged (catches entries cut off the end).",
        ),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Check the audit log: its hash chain, the seals made with the audit key, and (with
    --expect-head) an earlier head. Exit 1 if an entry was changed, removed or forged.

    Keep the head it prints (SEQ:HASH) somewhere outside the ledger, e.g. with the run's
    report: the log cut back to an earlier state is still a valid chain, and only a head
    kept elsewhere shows it. Example: `hrhub ledger verify --expect-head 1042:9f3c...`.
    """
    from hrhub.ledger import Ledger  # sqlmodel: loaded only when a ledger command runs
    from hrhub.ledger.audit import AuditAnchor

    try:
        anchor = AuditAnchor.parse(expect_head) if expect_head else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--expect-head") from None
    ledger = Ledger.open()
    result = ledger.verify_audit(anchor=anchor)
    if json_output:
        emit_json({**dataclasses.asdict(result), "head": result.head})
    elif result.ok:
        seals = "sealed" if result.sealed else "not sealed (no audit key)"
        console.print(
            f"[green]audit log intact[/]: {result.checked} entries, {seals}; "
            f"head {result.head or '(empty)'}"
        )
    else:
        console.print(
            f"[bold red]audit log broken[/] at entry {result.first_bad_seq}: {result.reason}"
        )
    if not result.ok:
        raise typer.Exit(1)
