"""`hrhub demo` and `hrhub up`: the flow end to end on the simulators, through real Airflow."""

from __future__ import annotations

import contextlib
import json
import subprocess
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from hrhub.airflow_env import airflow_bin, airflow_env, ensure_pools, run_airflow
from hrhub.cli._output import console, emit_json, fail
from hrhub.sandbox import connection_env, sandbox

FaultsOption = Annotated[
    str, typer.Option("--faults", help="Simulator fault knobs (see `hrhub sandbox up --help`).")
]

DEMO_USERS = {
    "admin": "admin",
    "hr_admin": "hr_admin",
    "recruiter": "recruiter",
    "manager": "manager",
    "auditor": "auditor",
}


def demo(
    candidates: Annotated[
        int, typer.Option("--candidates", min=1, help="Candidates in the SuccessFactors simulator.")
    ] = 300,
    faults: FaultsOption = "",
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the report, the ledger and Airflow's files.")
    ] = Path("out/demo"),
    json_output: Annotated[bool, typer.Option("--json", help="Everything as JSON.")] = False,
) -> None:
    """Run the whole candidate flow through real Airflow on the simulators, then reconcile.

    Starts every simulator, runs `candidate_flow` (extract, screen, schedule, invite, push)
    and, once the candidates took their AI interviews, `interview_results` (score, review,
    push), with `airflow dags test` on a fresh SQLite database. Prints the applications per
    stage, the writes per system and the reconciliation (lost and duplicated records must be
    0: the exit code is 1 otherwise), and writes a report with charts to OUT/report.html.

    Examples: `hrhub demo`; `hrhub demo --candidates 1000 --faults error_rate=0.1 --json`.
    """
    from hrhub.demo import run_demo  # Airflow and the ledger: loaded only when used

    try:
        with console.status("starting the simulators") as status:
            result = run_demo(candidates=candidates, faults=faults, out_dir=out, say=status.update)
    except RuntimeError as exc:
        fail(str(exc), code=1)
    if json_output:
        emit_json(result.as_dict())
    else:
        _print_result(result)
    if not result.ok:
        raise typer.Exit(1)


def _print_result(result: Any) -> None:
    funnel = Table(title="applications per stage / 各阶段投递")
    funnel.add_column("stage")
    funnel.add_column("count", justify="right")
    for row in result.summary["funnel"]:
        if row["count"]:
            funnel.add_row(row["stage"], str(row["count"]))
    console.print(funnel)
    writes = Table(title="writes per system / 各系统写入")
    writes.add_column("system.operation")
    for column in ("owed", "landed", "queued", "dead", "lost", "dupl."):
        writes.add_column(column, justify="right")
    for row in result.reconciliation["targets"]:
        if row["owed"]:
            writes.add_row(
                f"{row['system']}.{row['operation']}",
                *(str(row[k]) for k in ("owed", "landed", "pending", "dead_letters", "lost")),
                "n/a" if row["duplicates"] is None else str(row["duplicates"]),
            )
    console.print(writes)
    rec, totals = result.reconciliation, result.summary["totals"]
    verdict = "[green]reconciled[/]" if result.ok else "[red]NOT reconciled[/]"
    console.print(
        f"{verdict}: lost {rec['lost']}, duplicates {rec['duplicates']}; open dead letters "
        f"{totals['dead_letters_open']} (each with its reason: `hrhub replay`, `hrhub export "
        f"--dead-letters`); results waiting for review {totals['reviews_pending']} "
        "(`hrhub review list`)"
    )
    for run in result.summary["failed_runs"]:
        console.print(f"[yellow]DAG run ended failed[/]: {run} (see its tasks in Airflow)")
    audit = result.summary["audit"]
    state = "[green]intact[/]" if audit["ok"] else f"[red]BROKEN[/] ({audit['problem']})"
    console.print(
        f"audit log {state}, {audit['entries']} entries; head {audit['head']} (keep it "
        "elsewhere: `hrhub ledger verify --expect-head HEAD` shows entries cut off later)"
    )
    timing = ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items())
    console.print(f"time: {timing}\nreport: {result.report}")


def up(faults: FaultsOption = "") -> None:
    """Airflow standalone (UI on http://127.0.0.1:8080) wired to every simulator.

    Demo users: admin, hr_admin, recruiter, manager, auditor; each password equals the user
    name. hrhub's pages are in Airflow's menu under "hrhub" (roles: airflow.cfg [hrhub_web]).
    """
    with sandbox(faults=faults) as systems:
        env = airflow_env(connection_env(systems))
        passwords = f"{env['AIRFLOW_HOME']}/simple_auth_manager_passwords.json"
        with open(passwords, "w", encoding="utf-8") as fh:
            json.dump(DEMO_USERS, fh)
        with console.status("preparing Airflow's database and the per-system pools"):
            run_airflow("db", "migrate", env=env)
            ensure_pools(env)
        for system in systems:
            console.print(f"[bold]{system.system}[/] simulator at {system.url}")
        with contextlib.suppress(KeyboardInterrupt):
            subprocess.run([airflow_bin(), "standalone"], env=env, check=False)
