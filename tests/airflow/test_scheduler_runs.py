"""candidate_flow under a real Airflow scheduler, not `airflow dags test`.

Two shapes: the embedded one (SQLite, LocalExecutor) and production's (Airflow and the ledger on
PostgreSQL, CeleryExecutor with a Redis broker and a PostgreSQL result backend, two Celery
workers). Each test starts the api-server, scheduler and dag-processor (tests/airflow/
deployment.py), triggers a run with `airflow dags trigger` as an operator would, waits for it
and checks what reached the ledger against what the simulators hold.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery import Celery
from redis import Redis
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from hrhub.ledger import Ledger
from hrhub.reconcile import reconcile_extract, reconcile_targets
from hrhub.sandbox import SandboxSystem, connection_env, sandbox
from tests.airflow.deployment import (
    HOSTNAME_VARIABLE,
    Deployment,
    airflow_deployment,
    reachable,
)

pytestmark = pytest.mark.airflow

DAG_ID = "candidate_flow"
PG_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
BROKER_URL = "redis://127.0.0.1:6379/0"
WORKERS = ("worker_a", "worker_b")


def ping_workers(broker_url: str, nodes: list[str]) -> list[str]:
    """The Celery node names among `nodes` that answer a broadcast ping through the broker."""
    app = Celery(broker=broker_url)
    try:
        replies = app.control.ping(destination=nodes, timeout=1.5) or []
    finally:
        app.close()
    return [name for reply in replies for name in reply]


def assert_flow_reconciled(systems: list[SandboxSystem], ledger_url: str) -> None:
    """Every registered source landed in the ledger (nothing lost, no extract letter), every
    application went as far as the flow takes it or to a dead letter with its reason, and
    every write the flow owed landed once in its target."""
    ledger = Ledger.open(ledger_url)
    rows = reconcile_extract(systems, ledger)
    assert {r["system"] for r in rows} == {
        "attendance",
        "dingtalk",
        "interview_room",
        "successfactors",
        "yonyou",
    }
    for row in rows:
        assert row["source"] > 0, row
        assert (row["staged"], row["dead_letters"], row["lost"]) == (row["source"], 0, 0), row
    letters = ledger.dead_letters()
    assert [d for d in letters if d.system != "hrhub"] == []
    attendance = next(s for s in systems if s.system == "attendance")
    newest_upload = max(
        row["upload_time"] for row in attendance.server.tables["transactions"].values()
    )
    assert ledger.get_watermark("attendance", "transactions") == newest_upload

    # Screening letters exactly the applications whose resume SuccessFactors cannot give.
    sf = next(s for s in systems if s.system == "successfactors").server
    for letter in letters:
        assert (letter.field, letter.error_class) == ("resume", "UnparseableResume"), letter
        assert sf.resume_kind(int(letter.record_id.rsplit(":", 1)[1])) != "text", letter
    stages = Counter(r.stage for r in ledger.iter_staged("application"))
    assert stages["invited"] > 0 and stages["screened"] > stages["invited"], stages
    assert stages["dead_letter"] == len(letters), stages
    targets = {(r["system"], r["operation"]): r for r in reconcile_targets(systems, ledger)}
    for row in targets.values():
        assert (row["lost"], row["pending"], row["dead_letters"]) == (0, 0, 0), row
        assert row["duplicates"] in (0, None), row
    assert targets[("interview_room", "create_orders")]["landed"] == stages["invited"]


def run_once(deployment: Deployment, run_id: str) -> list[dict]:
    """Trigger one run, wait for it to succeed and return its task instances."""
    deployment.wait_for_dag(DAG_ID)
    deployment.trigger(DAG_ID, run_id)
    state = deployment.wait_for_run(DAG_ID, run_id)
    tasks = deployment.task_states(DAG_ID, run_id)
    assert state == "success", tasks
    assert {t["state"] for t in tasks} == {"success"}, tasks
    return tasks


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


@pytest.fixture
def pg_database() -> Iterator[Callable[[str], str]]:
    """Makes fresh PostgreSQL databases on demand and drops them all at the end."""
    if not reachable("127.0.0.1", 5432):
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")
    admin = create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError:
        admin.dispose()
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")
    made: list[str] = []

    def make(purpose: str) -> str:
        name = f"hrhub_{purpose}_{secrets.token_hex(6)}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        return name

    try:
        yield make
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def celery_queue() -> Iterator[str]:
    """A Redis queue of its own, so workers of a concurrent test session never take these
    tasks; Kombu's keys for it are deleted at the end."""
    if not reachable("127.0.0.1", 6379):
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    queue = f"hrhub_{secrets.token_hex(6)}"
    yield queue
    client = Redis.from_url(BROKER_URL)
    try:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    finally:
        client.close()


@pytest.mark.postgres
def test_scheduler_runs_the_flow_in_the_production_shape(
    tmp_path: Path, pg_database: Callable[[str], str], celery_queue: str
) -> None:
    home = tmp_path / "airflow_home"
    metadata_db = pg_database("airflow")
    ledger_url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{pg_database('ledger')}"
    queue = celery_queue
    with sandbox() as systems:
        extra = {
            **connection_env(systems),
            "HRHUB_DATABASE_URL": ledger_url,
            "AIRFLOW__CELERY__BROKER_URL": BROKER_URL,
            "AIRFLOW__CELERY__RESULT_BACKEND": (
                f"db+postgresql://postgres@127.0.0.1:5432/{metadata_db}"
            ),
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
        }
        with airflow_deployment(
            home,
            f"postgresql+psycopg2://postgres@127.0.0.1:5432/{metadata_db}",
            "CeleryExecutor",
            extra,
        ) as deployment:
            nodes = [f"{worker}@{queue}" for worker in WORKERS]
            for worker, node in zip(WORKERS, nodes, strict=True):
                deployment.start(
                    worker,
                    *("celery", "worker", "--celery-hostname", node, "--queues", queue),
                    *("--concurrency", "2", "--skip-serve-logs"),
                    extra_env={HOSTNAME_VARIABLE: worker},
                )
            deployment.wait(
                "both Celery workers to answer a ping through Redis",
                lambda: set(ping_workers(BROKER_URL, nodes)) == set(nodes),
                timeout=120,
                interval=2,
            )
            run_once(deployment, "hrhub_celery_run")
            tasks = deployment.task_instances(DAG_ID, "hrhub_celery_run")
        assert_flow_reconciled(systems, ledger_url)
    ran_on = Counter(t["hostname"] for t in tasks)
    # Every task instance ran on one of this test's workers, none elsewhere.
    assert set(ran_on) <= set(WORKERS), ran_on
    assert sum(ran_on.values()) == len(tasks) >= 10, ran_on
    # Ten tasks, four at a time, two slots per worker: both workers normally share them, but
    # Celery does not promise it; both answered the ping above, which is what must hold.
    print(f"task instances per worker: {dict(ran_on)}")
