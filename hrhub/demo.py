"""The demo: the whole flow on the simulators through real Airflow, then a reconciled report.

Every simulator starts on loopback: SuccessFactors with `candidates` candidates, and the
interview room empty, starting each ordered session at once and completing it
`SESSION_SECONDS` later, as if each candidate took the interview straight away. Airflow runs
on SQLite in `out_dir/airflow`, the ledger in `out_dir/ledger.db`, both fresh each time.
`candidate_flow` runs (extract, screen, schedule, invite, push), then, once the interviews are
done, `interview_results` (score, review, push). The result is counted per stage and per
system, reconciled against the simulators (lost and duplicated records must be 0) and written
as `out_dir/report.html`.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hrhub.airflow_env import airflow_env, ensure_pools, run_airflow
from hrhub.sandbox import connection_env, sandbox

__all__ = ["DemoResult", "run_demo"]

DAGS = ("candidate_flow", "interview_results")
SESSION_SECONDS = 2.0


@dataclass
class DemoResult:
    summary: dict[str, Any]
    reconciliation: dict[str, Any]
    report: Path
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.reconciliation["lost"] == 0 and self.reconciliation["duplicates"] == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "report": str(self.report),
            "seconds": self.seconds,
            "summary": self.summary,
            "reconciliation": self.reconciliation,
        }


def run_demo(
    *,
    candidates: int = 300,
    faults: str = "",
    out_dir: Path = Path("out/demo"),
    say: Callable[[str], None] = lambda _: None,
) -> DemoResult:
    """Run the demo (see the module docstring); `say` hears each step as it starts."""
    from hrhub.flow.flow_report import flow_summary, write_html
    from hrhub.ledger import Ledger
    from hrhub.reconcile import reconcile

    out_dir = Path(out_dir).resolve()
    shutil.rmtree(out_dir / "airflow", ignore_errors=True)
    (out_dir / "ledger.db").unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    ledger_url = f"sqlite:///{out_dir / 'ledger.db'}"
    options = {
        "successfactors": {"candidates": candidates, "requisitions": 20},
        # No history before the demo: every session in the room is one the flow ordered.
        "interview_room": {"auto_start": True, "session_seconds": SESSION_SECONDS, "seeded": 0},
    }
    seconds: dict[str, float] = {}
    with sandbox(faults=faults, options=options) as systems:
        env = airflow_env(
            {**connection_env(systems), "HRHUB_DATABASE_URL": ledger_url},
            home=out_dir / "airflow",
        )
        env["AIRFLOW_HOME"] = str(out_dir / "airflow")
        say("preparing Airflow (database, pools)")
        started = time.monotonic()
        run_airflow("db", "migrate", env=env)
        ensure_pools(env)
        seconds["airflow_setup"] = round(time.monotonic() - started, 1)
        ledger = Ledger.open(ledger_url)
        for dag_id in DAGS:
            if dag_id == "interview_results":
                time.sleep(SESSION_SECONDS + 0.5)  # the candidates finish their interviews
            say(f"running {dag_id} through Airflow")
            started = time.monotonic()
            run_airflow("dags", "test", dag_id, env=env, timeout=3600)
            seconds[dag_id] = round(time.monotonic() - started, 1)
        say("reconciling every system with the ledger")
        reconciliation = reconcile(systems, ledger)
        summary = flow_summary(ledger)
    report = write_html(summary, reconciliation, out_dir / "report.html")
    return DemoResult(summary, reconciliation, report, seconds)
