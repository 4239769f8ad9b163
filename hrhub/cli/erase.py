"""`hrhub erase`: the right to erasure, from the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from hrhub.cli._output import console, emit_json, fail
from hrhub.cli.replay import default_actor

if TYPE_CHECKING:
    from hrhub.erasure import ErasureReport

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
STYLE = {
    "erased": "green",
    "not_found": "green",
    "manual": "yellow",
    "failed": "red",
    "pending": "red",
    "would_ask": "cyan",
}


def erase(
    candidate_id: Annotated[
        str | None,
        typer.Argument(
            metavar="CANDIDATE_ID",
            help="The candidate's canonical id, <system>:candidate:<remote id>, e.g. "
            "successfactors:candidate:42.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be deleted and asked; change nothing.")
    ] = False,
    actor: Annotated[
        str | None,
        typer.Option(
            "--actor", metavar="NAME", help="Who asks, for the audit log (default $USER)."
        ),
    ] = None,
    pending: Annotated[
        bool,
        typer.Option("--pending", help="List erasures still waiting for a system, and stop."),
    ] = False,
    json_output: JsonFlag = False,
) -> None:
    """Erase a candidate (the right to erasure): from the hub and every system.

    [bold]In the hub[/] (the ledger) these are deleted: the candidate's staged
    records (the candidate, their applications, parsed resumes, screening
    results, interviews, interview analyses and results), every write about
    them (queued, sent or refused) with its receipt, their dead letters and
    review holds. A tombstone of ids stays, so a later extract does not bring
    the candidate back while a source still holds them.

    [bold]In the systems[/], as each connector declares (connector.yaml
    `erasure`):

    - interview room (by API): every order and session of the candidate,
      with its transcript and recording, is deleted;
    - DingTalk (by API): work notifications sent to the candidate alone are
      recalled, which DingTalk allows within 24 hours of sending;
    - [bold]a person must act[/] on the rest; the output names each record
      and what to do: SuccessFactors (OData cannot delete candidates: purge
      them with Data Retention Management), Yonyou (applicants, pre-hire
      persons, interview results: its interfaces cannot delete), DingTalk
      pre-entries, robot messages and notifications older than 24 hours,
      attendance employees written on hire.

    A system that cannot be reached is kept as failed and asked again when
    you run this command for the candidate again (exit 1 until none is
    left). Running it again is always safe; once done it reports "already
    erased". `--pending` lists the erasures that wait. The request, each
    system's answer and the deletion go to the audit log, which names the
    candidate by id only. Systems are reached through their Airflow
    connections (AIRFLOW_CONN_*), as the flow reaches them.

    Examples:

      hrhub erase successfactors:candidate:42 --dry-run
      hrhub erase successfactors:candidate:42 --actor "Li Na (DPO)"
      hrhub erase --pending
    """
    from hrhub.erasure import (
        ALREADY_ERASED,
        COMPLETE,
        connections,
        erase_candidate,
        unfinished_erasures,
    )
    from hrhub.ledger import Ledger

    ledger = Ledger.open()
    if pending:
        waiting = unfinished_erasures(ledger)
        if json_output:
            emit_json([report.as_dict() for report in waiting])
        else:
            _print_pending(waiting)
        return
    if not candidate_id:
        fail("give a CANDIDATE_ID (e.g. successfactors:candidate:42), or --pending")
        return
    try:
        with connections() as clients:
            report = erase_candidate(
                ledger,
                candidate_id,
                actor=actor or default_actor(),
                clients=clients,
                dry_run=dry_run,
            )
    except ValueError as exc:
        fail(str(exc))
        return
    if json_output:
        emit_json(report.as_dict())
    else:
        _print_report(report)
    if report.status not in (COMPLETE, ALREADY_ERASED) and not report.dry_run:
        raise typer.Exit(1)


def _print_report(report: ErasureReport) -> None:
    subject = escape(report.subject_id)
    headline = {
        "erased": "[green]erased[/]: every system answered",
        "already_erased": "[green]already erased[/]: nothing left to do",
        "pending": "[red]not finished[/]: run this command again to ask the systems that failed",
        "dry_run": "[bold]dry run[/]: nothing was changed",
    }[report.status]
    console.print(f"erasure of {subject}: {headline}")
    removed = ", ".join(f"{table} {n}" for table, n in report.ledger.items())
    verb = "would remove" if report.dry_run else "removed"
    console.print(f"ledger: {verb} {removed or 'nothing'}")
    if report.in_flight:
        console.print(
            f"[yellow]{report.in_flight} write(s) in flight[/]: their payloads are wiped; the "
            "next run removes them (and erases what landed)"
        )
    if report.systems:
        table = Table(
            title="systems (dry run: how each would be asked)" if report.dry_run else "systems"
        )
        for column in ("system", "status", "how", "record", "what happened / what to do"):
            table.add_column(column, overflow="fold")
        for outcome in report.systems:
            for i, (status, detail, records) in enumerate(_grouped(outcome.records)):
                style = STYLE.get(status, "")
                table.add_row(
                    escape(outcome.system) if i == 0 else "",
                    f"[{style}]{status}[/]" if style else status,
                    outcome.how if i == 0 else "",
                    escape(", ".join(records)),
                    escape(detail),
                )
        console.print(table)
    manual = sorted({o.system for o in report.systems if o.status == "manual"})
    if manual and not report.dry_run:
        console.print(
            f"[yellow]a person must act[/] in {', '.join(manual)}: see 'what to do' above "
            "(the audit log holds the same)"
        )


def _grouped(records: list[dict[str, str]]) -> list[tuple[str, str, list[str]]]:
    """A system's records with the same answer on one row: (status, detail, records)."""
    rows: dict[tuple[str, str], list[str]] = {}
    for record in records:
        key = (record["status"], record.get("detail") or "")
        rows.setdefault(key, []).append(f"{record['kind']} {record['remote_id']}")
    return [(status, detail, names) for (status, detail), names in rows.items()]


def _print_pending(waiting: list[ErasureReport]) -> None:
    if not waiting:
        console.print("no erasure is waiting for a system")
        return
    table = Table(title="erasures waiting")
    for column in ("candidate", "requested", "by", "waiting for", "in flight"):
        table.add_column(column)
    for report in waiting:
        systems = [o.system for o in report.systems if o.status in ("failed", "pending")]
        table.add_row(
            escape(report.subject_id),
            report.requested_at or "",
            escape(report.requested_by or ""),
            escape(", ".join(systems)),
            str(report.in_flight),
        )
    console.print(table)
    console.print("run `hrhub erase CANDIDATE_ID` for each to ask again")
