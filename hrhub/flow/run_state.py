"""A run whose report runs whatever happened must still end red when a task failed for good.

candidate_flow and daily_reconciliation end in a `report` task that runs when its upstream
tasks are done, failed or not (so HR admins get the batch's report even when a system was
down). Airflow takes a run's state from its leaf tasks, so without more such a run ends
"success" with a push or an extract failed: green while writes wait. `flag_failed_tasks(dag)`
adds one task, `any_task_failed`, downstream of every other task, with the ONE_FAILED rule: it
is skipped when every task succeeded (the run stays green) and fails, naming the failed tasks,
when any failed for good (the run ends failed). Retries still come first: a task instance that
is up for retry has not failed yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk import DAG

__all__ = [
    "FAILED_STATES",
    "FLAG_TASK_ID",
    "failed_of",
    "flag_failed_tasks",
    "task_instance_name",
    "unsettled",
]

FLAG_TASK_ID = "any_task_failed"
FAILED_STATES = ("failed", "upstream_failed")  # failed for good, retries spent


def flag_failed_tasks(dag: DAG) -> DAG:
    """Add `any_task_failed` downstream of every task of `dag` (call once the DAG is built).

    Airflow is imported here, not with the module, so the harness that reads run states
    (`unsettled`) needs no Airflow configuration."""
    from airflow.sdk import TriggerRule, task

    @task(task_id=FLAG_TASK_ID, trigger_rule=TriggerRule.ONE_FAILED, retries=0)
    def any_task_failed(ti: Any = None, dag_run: Any = None) -> None:
        _fail_naming_failed_tasks(ti, dag_run)

    others = list(dag.tasks)
    with dag:
        flag = any_task_failed()
    flag.operator.set_upstream(others)
    return dag


def failed_of(states: dict[str, Any]) -> list[str]:
    """The task ids (mapped ones as task_mapindex) whose state is failed or upstream_failed."""
    return sorted(task_id for task_id, state in states.items() if state in FAILED_STATES)


def unsettled(tasks: Iterable[Mapping[str, Any]]) -> list[str]:
    """The task instances (dicts with task_id, state, optionally map_index) that did not end as
    in a good run, where every task succeeded and `any_task_failed` was skipped."""
    return [
        f"{task_instance_name(t)}={t['state']}"
        for t in tasks
        if t["state"] != ("skipped" if t["task_id"] == FLAG_TASK_ID else "success")
    ]


def task_instance_name(ti: Mapping[str, Any]) -> str:
    """A task instance as a person reads it: task id, and [map index] if mapped."""
    map_index = ti.get("map_index")
    return (
        f"{ti['task_id']}[{map_index}]"
        if map_index is not None and map_index >= 0
        else ti["task_id"]
    )


def _fail_naming_failed_tasks(ti: Any, dag_run: Any) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    states = ti.get_task_states(dag_id=dag_run.dag_id, run_ids=[dag_run.run_id])
    failed = [t for t in failed_of(states.get(dag_run.run_id, {})) if t != FLAG_TASK_ID]
    raise AirflowFailException(
        f"run {dag_run.run_id}: {len(failed)} task(s) failed for good: {', '.join(failed)}. "
        "Their work waits for the next run (writes stay in the outbox); to retry now, clear "
        "them with their downstream tasks."
    )
