"""The production shape for the deployment tests, and what every run of candidate_flow must show.

Production runs Airflow and the ledger on PostgreSQL and the CeleryExecutor with a Redis
broker and a PostgreSQL result backend across machines; here that is two Celery workers on
one machine, each naming itself through HOSTNAME_VARIABLE. Every test gets databases and a
Celery queue of its own, so concurrent test sessions (pytest-xdist workers) never share them.
A run is triggered as an operator does and watched through Airflow's REST API;
`assert_flow_reconciled` is the guarantee of DESIGN.md checked against the simulators.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from celery import Celery
from redis import Redis
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from hrhub.deployment import (
    HOSTNAME_VARIABLE,
    TERMINAL_RUN_STATES,
    Component,
    Deployment,
    reachable,
)
from hrhub.ledger import Ledger
from hrhub.reconcile import reconcile_extract, reconcile_targets
from hrhub.sandbox import SandboxSystem

DAG_ID = "candidate_flow"
PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/{}"
PG_ADMIN_URL = PG_URL.format("postgres")
BROKER_URL = "redis://127.0.0.1:6379/0"
WORKERS = ("worker_a", "worker_b")
# Where Kombu's Redis transport keeps delivered, not yet acknowledged messages (Airflow's
# Celery tasks are acknowledged late): a worker killed mid-task leaves its message there.
UNACKED_KEYS = ("unacked", "unacked_index")


@contextmanager
def pg_databases() -> Iterator[Callable[[str], str]]:
    """Makes fresh PostgreSQL databases on demand (their names) and drops them all at the end;
    skips the test if PostgreSQL is not reachable."""
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


@contextmanager
def celery_queue_name() -> Iterator[str]:
    """A Redis queue of its own, so workers of a concurrent test session never take these
    tasks; Kombu's keys for it, and messages of it a killed worker left unacknowledged, are
    deleted at the end. Skips the test if Redis is not reachable."""
    if not reachable("127.0.0.1", 6379):
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    queue = f"hrhub_{secrets.token_hex(6)}"
    yield queue
    client = Redis.from_url(BROKER_URL)
    try:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        unacked, index = UNACKED_KEYS
        for tag, raw in client.hscan_iter(unacked):
            try:
                routing_key = json.loads(raw)[2]
            except (ValueError, IndexError, TypeError):
                continue
            if routing_key == queue:
                client.hdel(unacked, tag)
                client.zrem(index, tag)
    finally:
        client.close()


def celery_env(metadata_db: str, ledger_db: str, queue: str) -> dict[str, str]:
    """The deployment's settings for the production shape (database names as `pg_databases`
    made them); `hrhub.deployment.airflow_deployment` takes them as `extra`."""
    return {
        "HRHUB_DATABASE_URL": PG_URL.format(ledger_db),
        "AIRFLOW__CELERY__BROKER_URL": BROKER_URL,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://postgres@127.0.0.1:5432/{metadata_db}",
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
    }


def ping_workers(broker_url: str, nodes: list[str]) -> list[str]:
    """The Celery node names among `nodes` that answer a broadcast ping through the broker."""
    app = Celery(broker=broker_url)
    try:
        replies = app.control.ping(destination=nodes, timeout=1.5) or []
    finally:
        app.close()
    return [name for reply in replies for name in reply]


def start_worker(
    deployment: Deployment, component: str, queue: str, hostname: str | None = None
) -> Component:
    """One Celery worker (two task slots) on `queue`, its task instances showing `hostname`
    (default: the component's name)."""
    return deployment.start(
        component,
        *("celery", "worker", "--celery-hostname", f"{component}@{queue}", "--queues", queue),
        *("--concurrency", "2", "--skip-serve-logs"),
        extra_env={HOSTNAME_VARIABLE: hostname or component},
    )


def start_workers(
    deployment: Deployment, queue: str, workers: tuple[str, ...] = WORKERS
) -> list[Component]:
    """Start the workers and wait until every one answers a ping through Redis."""
    started = [start_worker(deployment, worker, queue) for worker in workers]
    nodes = [f"{worker}@{queue}" for worker in workers]
    deployment.wait(
        f"{len(nodes)} Celery workers to answer a ping through Redis",
        lambda: set(ping_workers(BROKER_URL, nodes)) == set(nodes),
        timeout=120,
        interval=2,
    )
    return started


# -- Airflow's REST API --------------------------------------------------------------------
# What the tests wait on and read, through the API server: `Deployment.wait_for_run`,
# `wait_for_dag` and `task_states` start the airflow command line every two seconds, some
# seconds of CPU each, which the run's own tasks then lack on a two-core machine.


def api_request(deployment: Deployment, method: str, path: str, body: dict | None = None) -> dict:
    """One call of Airflow's REST API as the deployment's admin."""
    request = urllib.request.Request(
        f"{deployment.api_url}/api/v2/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {deployment.api_token()}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def poll(deployment: Deployment, path: str) -> dict | None:
    """GET for a wait loop: None while the API server is too busy to answer in time (the
    loop asks again; `Deployment.wait` still fails at once if the server died) or answers 404
    (not there yet)."""
    try:
        return api_request(deployment, "GET", path)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return None


def wait_for_dag(deployment: Deployment, timeout: float = 120) -> None:
    """The dag-processor has parsed and stored candidate_flow (so it can be triggered)."""

    def parsed() -> bool:
        dag = poll(deployment, f"dags/{DAG_ID}")
        return dag is not None and dag["dag_id"] == DAG_ID

    deployment.wait(f"DAG {DAG_ID} to be parsed", parsed, timeout, interval=2)


def wait_for_run(deployment: Deployment, run_id: str, timeout: float = 150) -> str:
    """The run's final state ('success' or 'failed')."""

    def done() -> str | None:
        run = poll(deployment, f"dags/{DAG_ID}/dagRuns/{run_id}")
        return run["state"] if run and run["state"] in TERMINAL_RUN_STATES else None

    return deployment.wait(f"run {run_id} to finish", done, timeout, interval=2)


def task_states(deployment: Deployment, run_id: str) -> list[dict]:
    """(task_id, map_index, state, try_number, hostname) of the run's task instances."""
    keys = ("task_id", "map_index", "state", "try_number", "hostname")
    return [{k: t[k] for k in keys} for t in deployment.task_instances(DAG_ID, run_id)]


def run_once(deployment: Deployment, run_id: str) -> list[dict]:
    """Trigger one run of candidate_flow, wait for it to succeed, return its task instances."""
    wait_for_dag(deployment)
    deployment.trigger(DAG_ID, run_id)
    state = wait_for_run(deployment, run_id)
    tasks = task_states(deployment, run_id)
    assert state == "success", tasks
    assert {t["state"] for t in tasks} == {"success"}, tasks
    return tasks


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
