"""candidate_flow under a real Airflow scheduler, not `airflow dags test`.

Two shapes: the embedded one (SQLite, LocalExecutor) and production's (Airflow and the ledger on
PostgreSQL, CeleryExecutor with a Redis broker and a PostgreSQL result backend, two Celery
workers; tests/airflow/production_shape.py). Each test starts the api-server, scheduler and
dag-processor (hrhub/deployment.py), triggers a run with `airflow dags trigger` as an operator
would, waits for it and checks what reached the ledger against what the simulators hold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from hrhub.deployment import airflow_deployment
from hrhub.flow.run_state import FLAG_TASK_ID
from hrhub.sandbox import connection_env, sandbox
from tests.airflow.production_shape import (
    DAG_ID,
    PG_URL,
    WORKERS,
    assert_flow_reconciled,
    celery_env,
    run_once,
    start_workers,
)

pytestmark = pytest.mark.airflow


def test_scheduler_runs_the_flow_on_sqlite(tmp_path: Path) -> None:
    home = tmp_path / "airflow_home"
    ledger_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with sandbox() as systems:
        extra = {**connection_env(systems), "HRHUB_DATABASE_URL": ledger_url}
        with airflow_deployment(
            home, f"sqlite:///{home / 'airflow.db'}", "LocalExecutor", extra
        ) as deployment:
            tasks = run_once(deployment, "hrhub_sqlite_run")
        extracts = [t for t in tasks if t["task_id"] == "extract"]
        assert len(extracts) >= 5, tasks
        assert_flow_reconciled(systems, ledger_url)


@pytest.mark.postgres
def test_scheduler_runs_the_flow_in_the_production_shape(
    tmp_path: Path, pg_database: Callable[[str], str], celery_queue: str
) -> None:
    home = tmp_path / "airflow_home"
    metadata_db, ledger_db = pg_database("airflow"), pg_database("ledger")
    extra = celery_env(metadata_db, ledger_db, celery_queue)
    ledger_url = extra["HRHUB_DATABASE_URL"]
    with sandbox() as systems:
        with airflow_deployment(
            home, PG_URL.format(metadata_db), "CeleryExecutor", {**connection_env(systems), **extra}
        ) as deployment:
            start_workers(deployment, celery_queue)
            run_once(deployment, "hrhub_celery_run")
            tasks = deployment.task_instances(DAG_ID, "hrhub_celery_run")
        assert_flow_reconciled(systems, ledger_url)
    # `any_task_failed` is skipped by the scheduler (nothing failed), so it runs nowhere.
    [flag] = [t for t in tasks if t["task_id"] == FLAG_TASK_ID]
    assert flag["state"] == "skipped" and not flag["hostname"], flag
    ran = [t for t in tasks if t["task_id"] != FLAG_TASK_ID]
    ran_on = Counter(t["hostname"] for t in ran)
    # Every other task instance ran on one of this test's workers, none elsewhere.
    assert set(ran_on) <= set(WORKERS), ran_on
    assert sum(ran_on.values()) == len(ran) >= 10, ran_on
    # Ten tasks, four at a time, two slots per worker: both workers normally share them, but
    # Celery does not promise it; both answered the ping above, which is what must hold.
    print(f"task instances per worker: {dict(ran_on)}")
