"""`hrhub review`: interview results waiting for a person, and that person's decision."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from hrhub.cli._output import console, emit_json, fail

app = typer.Typer(help="Results a person must confirm before they are written back.")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@app.command("list")
def list_reviews(json_output: JsonFlag = False) -> None:
    """Results waiting for a person, longest waiting first."""
    from hrhub.flow.review import pending_reviews
    from hrhub.ledger import Ledger

    reviews = pending_reviews(Ledger.open())
    if json_output:
        emit_json([review.as_dict() for review in reviews])
        return
    if not reviews:
        console.print("no results wait for review")
        return
    table = Table(title="waiting for review")
    for column in ("result", "candidate", "proposed", "score", "since", "writes", "reasons"):
        table.add_column(column)
    for review in reviews:
        table.add_row(
            escape(review.result_id),
            escape(review.candidate_id),
            review.proposed_decision,
            "-" if review.overall_score is None else f"{review.overall_score:g}",
            review.since.isoformat(timespec="seconds"),
            str(review.writes),
            escape("; ".join(review.reasons)),
        )
    console.print(table)


@app.command("decide")
def decide(
    result_id: Annotated[str, typer.Argument(help="The result's canonical id.")],
    by: Annotated[str, typer.Option("--by", help="Who decides (named in the audit log).")],
    reason: Annotated[str, typer.Option("--reason", help="Why, in a sentence.")],
    approve: Annotated[
        bool, typer.Option("--approve", help="Release the writes unchanged.")
    ] = False,
    change: Annotated[
        str | None, typer.Option("--change", help="New decision: pass, hold or reject.")
    ] = None,
    score: Annotated[
        float | None, typer.Option("--score", help="New overall score 0-100 (with --change).")
    ] = None,
    reject: Annotated[bool, typer.Option("--reject", help="Write nothing back.")] = False,
    json_output: JsonFlag = False,
) -> None:
    """Approve, change or reject a held result; approve and change release its writes."""
    from hrhub.flow.review import ReviewDecision
    from hrhub.flow.review import decide as run_decide
    from hrhub.ledger import Ledger

    chosen = [
        flag for flag, on in (("approve", approve), ("change", change), ("reject", reject)) if on
    ]
    if len(chosen) != 1:
        fail("give exactly one of --approve, --change DECISION or --reject")
    if score is not None and change is None:
        fail("--score goes with --change")
    try:
        outcome = run_decide(
            Ledger.open(),
            result_id,
            decision=ReviewDecision(chosen[0]),
            by=by,
            reason=reason,
            new_decision=change,
            new_score=score,
        )
    except ValueError as exc:  # ReviewStateError is one: unknown, or decided already
        fail(str(exc))
        return
    data = {
        "result_id": outcome.result_id,
        "status": outcome.status,
        "before": outcome.before,
        "after": outcome.after,
        "queued": [item.idempotency_key for item in outcome.queued],
    }
    if json_output:
        emit_json(data)
        return
    console.print(
        f"result {escape(outcome.result_id)}: [bold]{outcome.status}[/] by {escape(by)}; "
        f"{len(outcome.queued)} write(s) queued"
    )
    if outcome.after is not None and outcome.after != outcome.before:
        console.print(f"  before {outcome.before}\n  after  {outcome.after}")
