"""A DAG's runs and where their time went, read from a running deployment's REST API.

For a latency benchmark: how long each run took, how much of it each task took (the mapped
tasks' instances counted by their slowest, since they run side by side), and the rest: the
time between tasks, when the scheduler queues the next one and a worker starts its process.
"""

from __future__ import annotations

import json
import urllib.error
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean
from typing import Any

from hrhub.deployment import Deployment

PAGE = 100  # the API's default maximum page size


def epoch(value: str | None) -> float | None:
    """An API timestamp (ISO 8601 with offset) as epoch seconds."""
    return datetime.fromisoformat(value).timestamp() if value else None


@dataclass
class RunProfile:
    """One finished run: when it was queued, started and ended, and each task's seconds."""

    run_id: str
    run_type: str
    state: str
    queued_at: float
    start: float
    end: float
    tasks: dict[str, float] = field(default_factory=dict)  # task id -> seconds (slowest map)
    task_starts: dict[str, float] = field(default_factory=dict)  # task id -> first start
    spans: list[tuple[float, float]] = field(default_factory=list)  # every instance's run
    returned: dict[str, Any] = field(default_factory=dict)  # task id -> its XCom return value

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def between_tasks(self) -> float:
        """The run's time when no task of it was running (tasks side by side count once)."""
        covered, reach = 0.0, self.start
        for began, ended in sorted(self.spans):
            began, ended = max(began, reach), min(ended, self.end)
            if ended > began:
                covered += ended - began
                reach = ended
        return max(0.0, self.seconds - covered)


def dag_runs(deployment: Deployment, dag_id: str) -> list[dict[str, Any]]:
    """Every run of the DAG, as the API lists them (all pages)."""
    runs: list[dict[str, Any]] = []
    while True:
        page = deployment.api_get(f"dags/{dag_id}/dagRuns?limit={PAGE}&offset={len(runs)}")
        runs.extend(page["dag_runs"])
        if len(page["dag_runs"]) < PAGE or len(runs) >= page.get("total_entries", 0):
            return runs


def task_return(deployment: Deployment, dag_id: str, run_id: str, task_id: str) -> Any:
    """What an unmapped task returned (its `return_value` XCom), or None if there is none."""
    path = f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value"
    try:
        value = deployment.api_get(path)["value"]
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise
    return json.loads(value) if isinstance(value, str) else value


def profile_runs(
    deployment: Deployment, dag_id: str, returns: Iterable[str] = ()
) -> list[RunProfile]:
    """The finished runs of the DAG, oldest first, each with its tasks' durations and what
    the tasks named in `returns` returned."""
    profiles = []
    for run in dag_runs(deployment, dag_id):
        start, end = epoch(run.get("start_date")), epoch(run.get("end_date"))
        if start is None or end is None:
            continue
        profile = RunProfile(
            run_id=run["dag_run_id"],
            run_type=run["run_type"],
            state=run["state"],
            queued_at=epoch(run.get("queued_at")) or start,
            start=start,
            end=end,
        )
        slowest: dict[str, float] = defaultdict(float)
        for ti in deployment.task_instances(dag_id, profile.run_id):
            began, ended = epoch(ti.get("start_date")), epoch(ti.get("end_date"))
            if began is None or ended is None:
                continue
            task = ti["task_id"]
            slowest[task] = max(slowest[task], ended - began)
            profile.spans.append((began, ended))
            profile.task_starts[task] = min(profile.task_starts.get(task, began), began)
        profile.tasks = dict(slowest)
        for task in returns:
            if task in profile.tasks:
                profile.returned[task] = task_return(deployment, dag_id, profile.run_id, task)
        profiles.append(profile)
    return sorted(profiles, key=lambda p: p.start)


def mean_task_seconds(runs: list[RunProfile]) -> dict[str, float]:
    """Mean seconds per task over the runs, plus `between tasks` and the whole `run`."""
    if not runs:
        return {}
    tasks = sorted({task for run in runs for task in run.tasks})
    means = {task: fmean(run.tasks.get(task, 0.0) for run in runs) for task in tasks}
    means["between tasks"] = fmean(run.between_tasks for run in runs)
    means["run"] = fmean(run.seconds for run in runs)
    return means
