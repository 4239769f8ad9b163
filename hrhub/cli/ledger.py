"""`hrhub ledger`: what the hub's own store holds, and whether its audit log is intact."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from hrhub.cli._output import console, emit_json
from hrhub.ledger import Ledger, database_url

app = typer.Typer(help="Inspect the ledger (HRHUB_DATABASE_URL, SQLite by default).")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@app.command("status")
def status(json_output: JsonFlag = False) -> None:
    """Counts of staged records per stage, outbox, receipts, dead letters and cursors."""
    ledger = Ledger()
    ledger.create_all()
    data = ledger.status()
    if json_output:
        emit_json(data)
        return
    console.print(f"ledger: {_masked_url(database_url())}")
    for section, value in data.items():
        if isinstance(value, list):
            table = Table(title=section)
            for column in value[0] if value else ["(none)"]:
                table.add_column(str(column))
            for row in value:
                table.add_row(*(str(v) for v in row.values()))
            console.print(table)
        elif isinstance(value, dict):
            table = Table(title=section)
            table.add_column("key")
            table.add_column("count", justify="right")
            for key, count in value.items():
                table.add_row(str(key), str(count))
            console.print(table)
        else:
            console.print(f"{section}: {value}")


@app.command("verify")
def verify(json_output: JsonFlag = False) -> None:
    """Check the hash chain of the audit log; exit 1 if an entry was changed or removed."""
    ledger = Ledger()
    ledger.create_all()
    result = ledger.verify_audit()
    if json_output:
        emit_json(result.__dict__ if hasattr(result, "__dict__") else result)
    elif result.ok:
        console.print(f"[green]audit log intact[/]: {result.checked} entries")
    else:
        console.print(
            f"[bold red]audit log broken[/] at entry {result.first_bad_seq}: {result.reason}"
        )
    if not result.ok:
        raise typer.Exit(1)


def _masked_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
