"""Every DAG file imports cleanly, fast, with no network and no heavy imports at parse time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hrhub.airflow_env import REPO_ROOT, airflow_env, run_airflow, run_airflow_json

DAG_FILES = sorted((REPO_ROOT / "dags").glob("*.py"))

# Imported in a fresh interpreter: Airflow's SDK first (its own cost, provider discovery included,
# is not the DAG's), then the DAG file with sockets disabled; reports the DAG ids, the seconds the
# file took, and which heavy modules the DAG file itself pulled in.
PROBE = r"""
import importlib.util, json, socket, sys, time
import airflow.sdk  # noqa: F401
def no_network(*args, **kwargs):
    raise RuntimeError("network used while parsing a DAG file")
socket.socket.connect = no_network
socket.create_connection = no_network
from airflow.sdk import DAG
path = sys.argv[1]
before = set(sys.modules)
start = time.perf_counter()
spec = importlib.util.spec_from_file_location("dag_under_test", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
seconds = time.perf_counter() - start
added = set(sys.modules) - before
heavy = sorted(m for m in ("spacy", "librosa", "jieba", "sqlmodel", "zeep", "pyodata",
                           "connectors", "hrhub.ledger", "hrhub.models") if m in added)
dags = [v.dag_id for v in vars(module).values() if isinstance(v, DAG)]
print(json.dumps({"seconds": seconds, "heavy": heavy, "dags": dags}))
"""


def parse_dag_file(path: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        env=airflow_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{path.name} failed to import:\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_there_are_dag_files() -> None:
    assert any(p.name == "candidate_flow.py" for p in DAG_FILES)


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_imports_fast_without_network_or_heavy_imports(path: Path) -> None:
    result = parse_dag_file(path)
    assert result["dags"], f"{path.name} defines no DAG"
    assert result["heavy"] == [], f"{path.name} imports {result['heavy']} at parse time"
    # The bound: "in well under a second" once Airflow itself is loaded.
    assert result["seconds"] < 0.5, f"{path.name} took {result['seconds']:.3f} s to parse"


@pytest.mark.airflow
def test_airflow_reports_no_import_errors(airflow_home: Path) -> None:
    env = airflow_env(home=airflow_home)
    run_airflow("dags", "reserialize", env=env)
    assert run_airflow_json("dags", "list-import-errors", env=env) == []
    dag_ids = {d["dag_id"] for d in run_airflow_json("dags", "list", env=env)}
    assert "candidate_flow" in dag_ids


def test_every_system_hrhub_writes_to_has_a_pool_and_a_push_task_in_it() -> None:
    from connectors._core.registry import registry
    from hrhub.flow.pools import PUSH_POOL_SLOTS, pool_name

    writable = {name for name, spec in registry().items() if spec.manifest.get("operations")}
    assert set(PUSH_POOL_SLOTS) == writable
    pools = task_pools("candidate_flow")
    assert {f"push_{system}" for system in writable} <= set(pools)
    for system in writable:
        assert pools[f"push_{system}"] == pool_name(system)


def test_interview_results_pushes_every_system_that_takes_results_in_its_pool() -> None:
    from hrhub.flow.pools import RESULT_TARGETS, pool_name
    from hrhub.flow.score import RESULT_OPERATIONS

    assert set(RESULT_TARGETS) == {system for system, _ in RESULT_OPERATIONS}
    pools = task_pools("interview_results")
    for system in RESULT_TARGETS:
        assert pools[f"push_{system}"] == pool_name(system)


def test_candidate_flow_reschedules_between_schedule_and_invite() -> None:
    upstream = task_upstreams("candidate_flow")
    assert upstream["schedule"] == ["screen"]
    assert upstream["reschedule"] == ["schedule"]
    assert upstream["invite"] == ["reschedule"]


@pytest.mark.parametrize("dag_id", ["candidate_flow", "daily_reconciliation"])
def test_a_run_whose_report_runs_regardless_fails_when_a_task_failed(dag_id: str) -> None:
    """The report runs whatever happened (ALL_DONE); `any_task_failed`, after every other task,
    carries a failure to the run's state instead."""
    from hrhub.flow.run_state import FLAG_TASK_ID

    upstream = task_upstreams(dag_id)
    rules = _probe_tasks(dag_id, "[t.trigger_rule.value, t.retries, sorted(t.downstream_task_ids)]")
    assert rules["report"][0] == "all_done"
    assert upstream[FLAG_TASK_ID] == sorted(set(upstream) - {FLAG_TASK_ID})
    assert rules[FLAG_TASK_ID] == ["one_failed", 0, []]  # the only leaf, never retried
    assert [task for task, (_, _, down) in rules.items() if not down] == [FLAG_TASK_ID]


def task_upstreams(dag_id: str) -> dict[str, list[str]]:
    """Task id -> its upstream task ids (sorted) in `dags/<dag_id>.py`'s DAG, parsed in a
    fresh interpreter."""
    return _probe_tasks(dag_id, "sorted(t.upstream_task_ids)")


def task_pools(dag_id: str) -> dict[str, str]:
    """Task id -> pool of `dags/<dag_id>.py`'s DAG, parsed in a fresh interpreter."""
    return _probe_tasks(dag_id, "t.pool")


def _probe_tasks(dag_id: str, value: str) -> dict[str, Any]:
    """Task id -> `value` (an expression of the task `t`) over `dags/<dag_id>.py`'s DAG."""
    probe = (
        "import json, importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('f', sys.argv[1])\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        f"dag = m.{dag_id}_dag\n"
        f"print(json.dumps({{t.task_id: {value} for t in dag.tasks}}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(REPO_ROOT / "dags" / f"{dag_id}.py")],
        env=airflow_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])
