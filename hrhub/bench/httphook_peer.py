"""flow_vs_httphook: candidate_flow against one Airflow task per candidate calling HttpHook.

Both contenders run through real Airflow (`airflow dags test`, in-process, no executor, the
same for both) on SQLite in a fresh AIRFLOW_HOME each, against a fresh sandbox each, seeded
alike (SuccessFactors with N candidates; the DAG's other systems beside it):

- hub: `candidate_flow` from dags/, with the steps after the comparable work marked successful
  instead of run (`--mark-success-pattern`: schedule, reschedule, invite, report and the pushes
  to the other systems). What runs: extract of every registered source stream, screen (resumes
  read in bulk), push_successfactors (the shortlisted applications' status). hrhub also extracts the
  candidates and the other systems' streams and keeps its ledger: extra work in its time.
- httphook: `hrhub/bench/peer_dags/per_candidate_screening.py`, the way the flow is written by
  hand today: a mapped task per application reading it with its resume through HttpHook and
  screening it with hrhub's own screening function, then a mapped task per shortlisted
  application writing its status.

Measured: the wall time of each `airflow dags test` (process start and DAG parsing included),
the HTTP requests SuccessFactors served during it, the task instances Airflow ran and the time
spent inside them (Airflow's task_instance table). Checked: both screened the same number of
applications, with the same fit score each; and whether SuccessFactors ends with the same
pipeline status on every application. Up to 500 applications it does; beyond, the shortlists
differ at the margin, because the hub ranks a chunk of 500 at a time (oldest change first, each
among those screened before it) and the peer ranks each requisition's applicants at once.

At the default 2,000 candidates the peer alone runs about 25 minutes on a 2-core machine;
`--scale` sizes it down.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from hrhub.bench import Report, Result, rate_row, ratio, result

HUB_DAG = "candidate_flow"
PEER_DAG = "per_candidate_screening"
PEER_FILE = Path(__file__).with_name("peer_dags") / f"{PEER_DAG}.py"
PEER_CONN_ID = "successfactors_http"
# candidate_flow's tasks past extract, screen and the SuccessFactors push: marked successful.
HUB_SKIPPED = r"^(schedule|reschedule|invite|report|push_(?!successfactors$)\w+)$"
SCORE_TOLERANCE = 1e-9  # fit scores compared as floats written to JSON and read back
MAX_MAP_LENGTH = 100_000  # Airflow's default (1,024) refuses one task per application at volume
OPTIONS = {
    "successfactors": {"candidates": 0, "requisitions": 20},
    "interview_room": {"seeded": 0},
}


@dataclass
class Run:
    """One contender's `airflow dags test`: what it cost and what it left behind."""

    contender: str
    seconds: float
    calls: Counter[str]  # SuccessFactors requests by method
    tasks: dict[str, tuple[int, float]]  # task_id -> (instances run, seconds inside them)
    xcom: dict[str, Any]  # task_id -> its return value (unmapped tasks)
    statuses: dict[int, int]  # applicationId -> appStatusSetItemId afterwards
    scores: dict[str, float]  # applicationId -> fit score, for every application scored
    applications: int = 0
    load: list[float] = field(default_factory=list)  # 1-minute load average before, after

    @property
    def task_instances(self) -> int:
        return sum(n for n, _ in self.tasks.values())

    @property
    def task_seconds(self) -> float:
        return sum(s for _, s in self.tasks.values())


def flow_vs_httphook(candidates: int = 2_000, *, report: Report) -> Result:
    """candidate_flow and the per-candidate HttpHook DAG on the same N candidates."""
    from hrhub.airflow_env import airflow_env, run_airflow

    with tempfile.TemporaryDirectory(prefix="hrhub-bench-httphook-") as folder:
        root = Path(folder)
        report("preparing an Airflow database to copy for each run")
        template = root / "template"
        env = airflow_env(home=template)
        env["AIRFLOW_HOME"] = str(template)
        run_airflow("db", "migrate", env=env)
        options = {**OPTIONS, "successfactors": {**OPTIONS["successfactors"]}}
        options["successfactors"]["candidates"] = candidates
        report(f"hub: {HUB_DAG} through Airflow on {candidates:,} candidates")
        hub = _run(
            "hub",
            ["dags", "test", HUB_DAG, "--mark-success-pattern", HUB_SKIPPED],
            dag_id=HUB_DAG,
            template=template,
            home=root / "hub",
            options=options,
            skipped=HUB_SKIPPED,
        )
        report(f"httphook: {PEER_DAG} through Airflow on {candidates:,} candidates")
        peer = _run(
            "httphook",
            ["dags", "test", PEER_DAG],
            dag_id=PEER_DAG,
            template=template,
            home=root / "httphook",
            options=options,
            dags_folder=PEER_FILE.parent,
        )
    report("comparing the outcomes")
    return _result(candidates, hub, peer)


def _run(
    contender: str,
    args: list[str],
    *,
    dag_id: str,
    template: Path,
    home: Path,
    options: dict[str, dict[str, Any]],
    dags_folder: Path | None = None,
    skipped: str | None = None,
) -> Run:
    """One `airflow dags test` in a fresh AIRFLOW_HOME (a copy of the migrated template)
    against a fresh sandbox; SuccessFactors counts the requests it serves. `dags_folder`:
    where Airflow finds the DAG, when not hrhub's dags/ (a DAG file must be in its bundle);
    `skipped`: the task ids marked successful instead of run."""
    from hrhub.airflow_env import airflow_env, run_airflow
    from hrhub.sandbox import connection_env, sandbox

    shutil.copytree(template, home)
    with sandbox(options=options) as systems:
        sf = next(s for s in systems if s.system == "successfactors")
        env = airflow_env(
            {
                **connection_env(systems),
                f"AIRFLOW_CONN_{PEER_CONN_ID.upper()}": _http_connection(sf.url, sf.server),
                "HRHUB_DATABASE_URL": f"sqlite:///{home / 'ledger.db'}",
                "AIRFLOW__CORE__MAX_MAP_LENGTH": str(MAX_MAP_LENGTH),
            },
            home=home,
        )
        env["AIRFLOW_HOME"] = str(home)
        if dags_folder is not None:
            env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_folder)
        server = sf.server
        server.max_calls = 10**7  # keep every call's method for the count
        server.reset_stats()
        load = [os.getloadavg()[0]]
        started = time.perf_counter()
        run_airflow(*args, env=env, timeout=7200)
        seconds = time.perf_counter() - started
        load.append(os.getloadavg()[0])
        with server.lock:
            calls = Counter(method for method, _ in server.calls)
            applications = server.count_stream("JobApplication")
            statuses = {
                int(row["applicationId"]): int(row["appStatusSetItemId"])
                for row in server.tables["JobApplication"].values()
            }
    tasks, xcom = _airflow_record(home / "airflow.db", dag_id, skipped)
    if dag_id == HUB_DAG:
        scores = _hub_scores(home / "ledger.db")
    else:
        scores = _peer_scores(home / "airflow.db")
    return Run(contender, seconds, calls, tasks, xcom, statuses, scores, applications, load)


def _hub_scores(ledger: Path) -> dict[str, float]:
    """Each SuccessFactors application's fit score, from the hub's screening results."""
    from hrhub.ledger import Ledger
    from hrhub.models import Application, ScreeningResult

    prefix = Application.make_canonical_id("successfactors", "")
    return {
        str(application).removeprefix(prefix): float(score)
        for application, score in Ledger.open(f"sqlite:///{ledger}").staged_fields(
            ScreeningResult.entity, ["application_id", "fit_score"]
        )
        if str(application).startswith(prefix) and score is not None
    }


def _peer_scores(database: Path) -> dict[str, float]:
    """Each application's fit score, from the peer's mapped screening tasks' return values."""
    with sqlite3.connect(database) as db:
        values = db.execute(
            "SELECT value FROM xcom WHERE dag_id = ? AND task_id = 'screen_application' "
            "AND key = 'return_value' AND map_index >= 0",
            (PEER_DAG,),
        ).fetchall()
    scores = {}
    for (value,) in values:
        item = json.loads(value) if isinstance(value, str | bytes) else value
        if item["outcome"]["fit_score"] is not None:
            scores[item["application_id"]] = float(item["outcome"]["fit_score"])
    return scores


def _http_connection(url: str, server: Any) -> str:
    """The plain `http` connection a team makes for SuccessFactors: Basic `user@company`."""
    parts = urlsplit(url)
    login = quote(f"{server.username}@{server.company_id}", safe="")
    password = quote(server.password, safe="")
    return f"http://{login}:{password}@{parts.hostname}:{parts.port}"


def _airflow_record(
    database: Path, dag_id: str, skipped: str | None
) -> tuple[dict[str, tuple[int, float]], dict[str, Any]]:
    """Per task that ran (not one of `skipped`, marked successful without running): its
    instances and their summed duration; and the unmapped tasks' return values."""
    with sqlite3.connect(database) as db:
        tasks = {
            task_id: (int(n), float(seconds or 0.0))
            for task_id, n, seconds in db.execute(
                "SELECT task_id, COUNT(*), SUM(duration) FROM task_instance "
                "WHERE dag_id = ? AND state = 'success' GROUP BY task_id",
                (dag_id,),
            )
            if not (skipped and re.fullmatch(skipped, task_id))
        }
        xcom = {
            task_id: json.loads(value) if isinstance(value, str | bytes) else value
            for task_id, value in db.execute(
                "SELECT task_id, value FROM xcom "
                "WHERE dag_id = ? AND key = 'return_value' AND map_index = -1",
                (dag_id,),
            )
        }
    return tasks, xcom


def _result(candidates: int, hub: Run, peer: Run) -> Result:
    screen = hub.xcom["screen"]
    pushed = hub.xcom["push_successfactors"]
    counted = peer.xcom["report"]
    rows = []
    for run, screened, written in (
        (hub, screen["screened"], pushed["landed"]),
        (peer, counted["screened"], counted["written"]),
    ):
        rows.append(
            rate_row(
                run.contender,
                "candidate_flow (extract, screen, push)"
                if run is hub
                else "one task per application (HttpHook)",
                screened,
                run.seconds,
                written=written,
                calls=sum(run.calls.values()),
                tasks=run.task_instances,
                in_tasks=run.task_seconds,
            )
        )
    hub_row, peer_row = rows
    differing = sum(1 for app, status in hub.statuses.items() if status != peer.statuses.get(app))
    same_statuses = hub.statuses == peer.statuses
    scores_differing = sum(
        1
        for app in hub.scores.keys() | peer.scores.keys()
        if abs(hub.scores.get(app, -1.0) - peer.scores.get(app, -1.0)) > SCORE_TOLERANCE
    )
    breakdown = {
        run.contender: {
            task: {"ran": n, "seconds": round(s, 3)} for task, (n, s) in run.tasks.items()
        }
        for run in (hub, peer)
    }
    entry = ratio(peer_row, hub_row, metric="seconds", threshold=1.0)
    ran, spent = peer.tasks.get("screen_application", (0, 0.0))
    per_task = spent / ran if ran else 0.0
    return result(
        "flow_vs_httphook",
        title=(
            f"{candidates:,} candidates ({hub.applications:,} applications): candidate_flow vs "
            "one Airflow task per application calling HttpHook"
        ),
        contenders=rows,
        ratios=[{**entry, "name": "httphook/hub time"}],
        columns=[
            ("label", "how"),
            ("rows", "screened"),
            ("written", "status writes"),
            ("calls", "SF requests"),
            ("tasks", "task runs"),
            ("in_tasks", "s in tasks"),
            ("seconds", "wall s"),
        ],
        params={"candidates": candidates, "applications": hub.applications},
        source={
            "candidates": candidates,
            "applications": hub.applications,
            "hub_screened": screen["screened"],
            "peer_screened": counted["screened"],
            "hub_shortlisted": screen["shortlisted"],
            "peer_written": counted["written"],
            "hub_landed": pushed["landed"],
            "hub_calls": dict(hub.calls),
            "peer_calls": dict(peer.calls),
            "statuses_agree": same_statuses,
            "statuses_differing": differing,
            "scores_compared": len(hub.scores.keys() | peer.scores.keys()),
            "scores_differing": scores_differing,
            "load_average": {"hub": hub.load, "httphook": peer.load},
            "tasks": breakdown,
        },
        notes=[
            "both through `airflow dags test` (in-process, no executor) on SQLite, fresh "
            "AIRFLOW_HOME and fresh simulators each; wall time includes Airflow's start and "
            "DAG parsing",
            "hub: extract + screen + push_successfactors of candidate_flow (schedule, "
            "reschedule, invite, report and the other pushes marked successful, not run); it "
            "also extracts the "
            "candidates and the other systems' streams and keeps its ledger",
            f"httphook: {peer.task_instances:,} task runs against hub's {hub.task_instances:,}; "
            f"SuccessFactors requests {sum(peer.calls.values()):,} vs "
            f"{sum(hub.calls.values()):,}",
            f"screened: hub {screen['screened']:,}, httphook {counted['screened']:,}; fit scores "
            f"differing: {scores_differing:,} of {len(hub.scores.keys() | peer.scores.keys()):,}; "
            f"status writes landed: hub {pushed['landed']:,}, httphook {counted['written']:,}; "
            + (
                "every application ends with the same SuccessFactors status"
                if same_statuses
                else f"{differing:,} applications end with a different status: the hub ranks "
                f"the applications a chunk at a time, oldest change first, each among those "
                f"screened before it (earlier ones keep their places); the peer ranks each "
                f"requisition's applicants at once"
            ),
            f"per application the peer spent {per_task:.2f} s in its screening task (one "
            "HttpHook read, the parse and the score, plus Airflow's own work per task instance)",
            "the hub's client keeps SAP's rate budget (10 calls/s); the peer, like most "
            f"hand-written DAGs, keeps none: at that budget its {sum(peer.calls.values()):,} "
            f"calls alone would take {sum(peer.calls.values()) / 10:,.0f} s",
            "pools do not apply in `airflow dags test` (no scheduler), so none are created",
        ],
    )
