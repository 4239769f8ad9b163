"""The demo: the whole flow on the simulators through real Airflow, then a reconciled report.

Every simulator starts on loopback: SuccessFactors with `candidates` candidates, and the
interview room empty, starting each ordered session at once and completing it
`SESSION_SECONDS` later, as if each candidate took the interview straight away. Airflow runs
on SQLite in `out_dir/airflow`, the ledger in `out_dir/ledger.db`, both fresh each time.
`candidate_flow` runs (extract, screen, schedule, invite, push), then, once the interviews are
done, `interview_results` (score, review, push). The result is counted per stage and per
system, reconciled against the simulators (lost and duplicated records must be 0) and written
as `out_dir/report.html`, with the audit log's head to keep outside the ledger.

`DemoSession` is the same thing in steps, for callers that change the world between runs
(the reliability matrix brings a system that was down back up, then runs the flow again).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hrhub.airflow_env import airflow_env, ensure_pools, run_airflow
from hrhub.sandbox import SandboxSystem, connection_env, sandbox

__all__ = ["DemoResult", "DemoSession", "demo_session", "run_demo"]

DAGS = ("candidate_flow", "interview_results")
SESSION_SECONDS = 2.0
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")  # a fresh ledger leaves none of the old
# What `airflow dags test` logs when the run it drove ended failed (and then exits 1).
_RUN_FAILED = re.compile(r"DagRun Finished: [\s\S]{0,800}?state=failed")


@dataclass
class DemoResult:
    summary: dict[str, Any]
    reconciliation: dict[str, Any]
    report: Path
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Nothing lost, nothing twice, and the audit log intact."""
        return (
            self.reconciliation["lost"] == 0
            and self.reconciliation["duplicates"] == 0
            and self.summary["audit"]["ok"]
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "report": str(self.report),
            "seconds": self.seconds,
            "summary": self.summary,
            "reconciliation": self.reconciliation,
        }


@dataclass
class DemoSession:
    """Running simulators, a prepared Airflow and a fresh ledger (see `demo_session`)."""

    systems: list[SandboxSystem]
    env: dict[str, str]
    ledger_url: str
    out_dir: Path
    say: Callable[[str], None]
    seconds: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # each Airflow command's stdout/err
    failed_runs: list[str] = field(default_factory=list)  # DAG runs that ended failed

    def airflow(self, *args: str, label: str = "") -> None:
        """Run `airflow <args>` in the session's environment, keeping its output and time.

        A non-zero exit raises with Airflow's own output, except where `dags test` ran its
        DAG run to the end and that run failed (a task failed for good: the next run and the
        reconciliation deal with it, as in production): that run is noted in `failed_runs`.
        """
        name = "airflow " + " ".join(args) + label
        started = time.monotonic()
        proc = run_airflow(*args, env=self.env, timeout=3600, check=False)
        self.outputs[f"{name} (stdout)"], self.outputs[f"{name} (stderr)"] = (
            proc.stdout,
            proc.stderr,
        )
        self.seconds[name.removeprefix("airflow ")] = round(time.monotonic() - started, 1)
        if (
            proc.returncode != 0
            and args[:2] == ("dags", "test")
            and _RUN_FAILED.search(proc.stdout + proc.stderr)
        ):
            self.failed_runs.append(" ".join(args[2:]) + label)
        elif proc.returncode != 0:
            raise RuntimeError(
                f"{name} exited {proc.returncode}\n--- stdout ---\n{proc.stdout[-4000:]}\n"
                f"--- stderr ---\n{proc.stderr[-4000:]}"
            )

    def run_flow(self, label: str = "") -> None:
        """Run both DAGs once through Airflow (`airflow dags test`), timing each. `dags test`
        exits 0 whatever the run's end state: a failed task is left to the next run and to
        the reconciliation, as in production."""
        for dag_id in DAGS:
            if dag_id == "interview_results":
                time.sleep(SESSION_SECONDS + 0.5)  # the candidates finish their interviews
            self.say(f"running {dag_id} through Airflow")
            self.airflow("dags", "test", dag_id, label=label)

    def system(self, name: str) -> SandboxSystem:
        return next(s for s in self.systems if s.system == name)

    def result(self) -> DemoResult:
        """Reconcile every system with the ledger, count the run, write the report."""
        from hrhub.flow.flow_report import flow_summary, write_html
        from hrhub.ledger import Ledger
        from hrhub.reconcile import reconcile

        self.say("reconciling every system with the ledger")
        ledger = Ledger.open(self.ledger_url)
        reconciliation = reconcile(self.systems, ledger)
        summary = flow_summary(ledger)
        audit = ledger.verify_audit()
        summary["audit"] = {
            "ok": audit.ok,
            "entries": audit.checked,
            "sealed": audit.sealed,
            "head": audit.head,
            "problem": audit.reason,
        }
        summary["failed_runs"] = list(self.failed_runs)
        report = write_html(summary, reconciliation, self.out_dir / "report.html")
        return DemoResult(summary, reconciliation, report, dict(self.seconds))


@contextmanager
def demo_session(
    *,
    candidates: int = 300,
    faults: str = "",
    out_dir: Path = Path("out/demo"),
    options: Mapping[str, Mapping[str, Any]] | None = None,
    connection_extras: Mapping[str, Mapping[str, str]] | None = None,
    extra_env: Mapping[str, str] | None = None,
    prepare: Callable[[list[SandboxSystem]], None] | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> Iterator[DemoSession]:
    """Start the simulators and prepare Airflow and a fresh ledger for the demo.

    `options` adds simulator options to the demo's own (see `hrhub.sandbox.start_sandbox`),
    `connection_extras` extras to a system's connection (e.g. its `retry_max_seconds`),
    `extra_env` variables to Airflow's environment; `prepare` sees the started systems
    before their connections are handed to Airflow (to change their credentials, say).
    """
    out_dir = Path(out_dir).resolve()
    shutil.rmtree(out_dir / "airflow", ignore_errors=True)
    for name in ("ledger.db", *(f"ledger.db{side}" for side in SQLITE_SIDE_FILES), "report.html"):
        (out_dir / name).unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    ledger_url = f"sqlite:///{out_dir / 'ledger.db'}"
    merged: dict[str, dict[str, Any]] = {
        "successfactors": {"candidates": candidates, "requisitions": 20},
        # No history before the demo: every session in the room is one the flow ordered.
        "interview_room": {"auto_start": True, "session_seconds": SESSION_SECONDS, "seeded": 0},
    }
    for system, extra in (options or {}).items():
        merged[system] = {**merged.get(system, {}), **extra}
    with sandbox(faults=faults, options=merged) as systems:
        if prepare is not None:
            prepare(systems)
        connections = connection_env(systems)
        for system in systems:
            extra = (connection_extras or {}).get(system.system)
            if extra:
                connections[system.env_var] += "&" + urlencode(extra)
        env = airflow_env(
            {**connections, "HRHUB_DATABASE_URL": ledger_url, **(extra_env or {})},
            home=out_dir / "airflow",
        )
        env["AIRFLOW_HOME"] = str(out_dir / "airflow")
        say("preparing Airflow (database, pools)")
        session = DemoSession(systems, env, ledger_url, out_dir, say)
        started = time.monotonic()
        session.airflow("db", "migrate")
        ensure_pools(env)
        session.seconds["airflow_setup"] = round(time.monotonic() - started, 1)
        yield session


def run_demo(
    *,
    candidates: int = 300,
    faults: str = "",
    out_dir: Path = Path("out/demo"),
    options: Mapping[str, Mapping[str, Any]] | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> DemoResult:
    """Run the demo (see the module docstring); `say` hears each step as it starts."""
    with demo_session(
        candidates=candidates, faults=faults, out_dir=out_dir, options=options, say=say
    ) as session:
        session.run_flow()
        return session.result()
