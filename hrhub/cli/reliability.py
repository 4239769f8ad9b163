"""`hrhub reliability`: prove nothing is lost, duplicated or leaked, and print the table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from hrhub.cli._output import console, emit_json, fail
from hrhub.reliability.faults import SCENARIOS

CHECKS = ("faults", "kills", "hostile", "leaks")


def reliability(
    candidates: Annotated[
        int,
        typer.Option("--candidates", min=1, help="Candidates per fault scenario's company."),
    ] = 2000,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            help="Run only this fault scenario (repeatable): "
            + ", ".join(s.name for s in SCENARIOS)
            + ".",
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help=f"Run only this check (repeatable): {', '.join(CHECKS)}."),
    ] = None,
    kills: Annotated[
        int, typer.Option("--kills", min=1, help="SIGKILLs of the kill campaign.")
    ] = 20,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for each run's report, ledger and Airflow files.")
    ] = Path("out/reliability"),
    json_output: Annotated[bool, typer.Option("--json", help="Everything as JSON.")] = False,
) -> None:
    """Break the hub on purpose and count what it lost, duplicated, crashed on or leaked.

    faults: the whole flow through real Airflow on the simulators under each fault scenario
    (`hrhub demo --faults SPEC`), reconciled with every system.
    kills: the production shape (PostgreSQL, CeleryExecutor with Redis, two workers) while
    the flow runs; a worker or the scheduler killed with SIGKILL at random points, --kills
    times, each restarted; the runs resumed, then every system reconciled.
    hostile: hundreds of broken and hostile inputs at every entry point (each system's
    payloads, resumes, audio, transcripts, mapping files, CLI arguments, web forms, signed
    links): each must be refused or quarantined with a clear message, nothing crashes, the
    good inputs next to it go through.
    leaks: the flow run with marker secrets and personal data seeded into every system (and
    faults, so the error paths run too), then everything the run left (logs, XCom and
    Airflow's database, task output, error messages) searched for the markers.

    Exit code 1 if any check fails. The fault matrix takes a while: `--only faults --scenario
    errors --candidates 300` for a quick look.
    """
    from hrhub.reliability.faults import run_matrix, select_scenarios
    from hrhub.reliability.report import fault_rows, print_report, rows_as_json

    checks = list(only or CHECKS)
    unknown = sorted(set(checks) - set(CHECKS))
    if unknown:
        fail(f"unknown check {', '.join(unknown)} (known: {', '.join(CHECKS)})")
    try:
        select_scenarios(scenario)
    except ValueError as exc:
        fail(f"{exc}; scenarios: " + "; ".join(f"{s.name} ({s.what})" for s in SCENARIOS))
    rows = []
    with console.status("starting") as status:
        if "faults" in checks:
            rows += fault_rows(
                run_matrix(
                    candidates=candidates, scenarios=scenario, out_dir=out, say=status.update
                )
            )
        if "kills" in checks:
            rows.append(_kills(kills, status.update))
        if "hostile" in checks:
            rows.append(_hostile(status.update))
        if "leaks" in checks:
            rows.append(_leaks(out / "leaks", status.update))
    if json_output:
        emit_json(rows_as_json(rows))
    else:
        print_report(rows, console)
    if not all(row.ok for row in rows):
        raise typer.Exit(1)


def _hostile(say: Callable[[str], None]) -> Any:
    import logging
    import time

    from hrhub.reliability.hostile import run_corpus
    from hrhub.reliability.report import hostile_row

    started = time.monotonic()
    # The inputs' own warnings (hundreds of them, by design) would bury the table.
    quiet = logging.getLogger("hrhub")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        outcomes = run_corpus(
            progress=lambda done, total, o: say(f"hostile input {done}/{total}: {o.id}")
        )
    finally:
        quiet.setLevel(level)
    return hostile_row(outcomes, time.monotonic() - started)


LEAK_RUN_FAULTS = "error_rate=0.1,drop=0.02,drop_after=0.5,token_expiry=2,seed=11"


def _leaks(out: Path, say: Callable[[str], None]) -> Any:
    import time

    from hrhub.reliability.leaks import run_leak_check
    from hrhub.reliability.report import leak_row

    started = time.monotonic()
    report = run_leak_check(
        out_dir=out, candidates=100, faults=LEAK_RUN_FAULTS, say=lambda s: say(f"leaks: {s}")
    )
    return leak_row(report, time.monotonic() - started)


def _kills(kills: int, say: Callable[[str], None]) -> Any:
    from hrhub.reliability.kills import run_kill_campaign
    from hrhub.reliability.report import kill_row

    return kill_row(run_kill_campaign(kills=kills, say=lambda s: say(f"kill -9: {s}")))
