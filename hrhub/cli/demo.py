"""`hrhub demo` and `hrhub up`: the flow end to end on the simulators, through real Airflow."""

from __future__ import annotations

import contextlib
import json
import subprocess
from typing import Annotated

import typer
from rich.table import Table

from hrhub.airflow_env import airflow_bin, airflow_env, run_airflow
from hrhub.cli._output import console, emit_json, fail
from hrhub.sandbox import connection_env, sandbox

FaultsOption = Annotated[
    str, typer.Option("--faults", help="Simulator fault knobs (see `hrhub sandbox up --help`).")
]

DEMO_USERS = {
    "admin": "admin",
    "hr_admin": "hr_admin",
    "recruiter": "recruiter",
    "auditor": "auditor",
}


def demo(
    faults: FaultsOption = "",
    json_output: Annotated[bool, typer.Option("--json", help="Summary as JSON.")] = False,
) -> None:
    """Start every simulator, run `candidate_flow` with `airflow dags test`, reconcile.

    The summary counts, per system and stream, the records in the source, staged in the
    ledger, in dead letters, and `lost` (in the source but nowhere in the hub).
    """
    from hrhub.reconcile import reconcile_extract  # the ledger: loaded only when used

    with sandbox(faults=faults) as systems:
        env = airflow_env(connection_env(systems))
        with console.status("migrating Airflow's database"):
            run_airflow("db", "migrate", env=env)
        with console.status("running candidate_flow through Airflow"):
            try:
                run_airflow("dags", "test", "candidate_flow", env=env)
            except RuntimeError as exc:
                fail(str(exc), code=1)
        rows = reconcile_extract(systems)
    if json_output:
        emit_json({"streams": rows, "lost": sum(r["lost"] for r in rows)})
    else:
        table = Table(title="extract reconciliation")
        for column in rows[0] if rows else ["(no streams)"]:
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(v) for v in row.values()))
        console.print(table)
    if any(r["lost"] for r in rows):
        raise typer.Exit(1)


def up(faults: FaultsOption = "") -> None:
    """Airflow standalone (UI on http://127.0.0.1:8080) wired to every simulator.

    Demo users: admin, hr_admin, recruiter, auditor; each password equals the user name.
    """
    with sandbox(faults=faults) as systems:
        env = airflow_env(connection_env(systems))
        passwords = f"{env['AIRFLOW_HOME']}/simple_auth_manager_passwords.json"
        with open(passwords, "w", encoding="utf-8") as fh:
            json.dump(DEMO_USERS, fh)
        for system in systems:
            console.print(f"[bold]{system.system}[/] simulator at {system.url}")
        with contextlib.suppress(KeyboardInterrupt):
            subprocess.run([airflow_bin(), "standalone"], env=env, check=False)
