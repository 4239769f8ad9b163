"""The push task every DAG that writes uses: one task per target system, in its system's pool.

Defined once here so each DAG file only says which systems it writes to; the task itself calls
`hrhub.flow.tasks.push_writes`, imported when it runs (DAG parsing stays light).
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import task

from hrhub.flow.pools import pool_name


def push_task(system: str, upstream: Any) -> Any:
    """`push_<system>` in pool `hrhub_<system>`, downstream of `upstream` (an XComArg)."""

    @task(task_id=f"push_{system}", pool=pool_name(system))
    def push(_upstream: dict) -> dict:
        from hrhub.flow import tasks

        return tasks.push_writes(system)

    return push(upstream)
