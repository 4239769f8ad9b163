"""The production shape on one machine: fresh PostgreSQL databases, a Celery queue of its own,
Celery workers, and Airflow's REST API to trigger and watch runs.

Production runs Airflow and the ledger on PostgreSQL and the CeleryExecutor with a Redis
broker and a PostgreSQL result backend across machines; here that is two Celery workers on
one machine, each naming itself through HOSTNAME_VARIABLE. Every caller (a test, the kill
campaign, a benchmark) gets databases and a Celery queue of its own, so concurrent sessions
never share them. A service that is not there raises `ServiceUnreachable`, naming it and its
address, so a test layer can turn it into a skip and a command into a clear error.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import psutil
from sqlalchemy import create_engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from hrhub.deployment import (
    HOSTNAME_VARIABLE,
    TERMINAL_RUN_STATES,
    Component,
    Deployment,
    reachable,
)
from hrhub.flow.run_state import unsettled

DAG_ID = "candidate_flow"
PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/{}"
PG_ADMIN_URL = PG_URL.format("postgres")
BROKER_URL = "redis://127.0.0.1:6379/0"
WORKERS = ("worker_a", "worker_b")
# Where Kombu's Redis transport keeps delivered, not yet acknowledged messages (Airflow's
# Celery tasks are acknowledged late): a worker killed mid-task leaves its message there.
UNACKED_KEYS = ("unacked", "unacked_index")


class ServiceUnreachable(RuntimeError):
    """A service the production shape needs (PostgreSQL, Redis) does not answer."""

    def __init__(self, service: str, address: str, detail: str = "") -> None:
        self.service, self.address = service, address
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"{service} not reachable at {address}{suffix}")


class RunFailed(RuntimeError):
    """A DAG run ended in a state other than success; carries its task instances."""

    def __init__(self, run_id: str, state: str, tasks: list[dict]) -> None:
        self.run_id, self.state, self.tasks = run_id, state, tasks
        super().__init__(f"run {run_id} ended {state}: {tasks}")


# -- PostgreSQL ------------------------------------------------------------------------------


def _admin_url(admin_url: str) -> URL:
    from hrhub.ledger.store import normalize_url  # pins psycopg2, as the ledger does

    return normalize_url(admin_url)


@contextmanager
def pg_databases(admin_url: str = PG_ADMIN_URL) -> Iterator[Callable[[str], str]]:
    """Makes fresh databases on the server `admin_url` reaches, on demand (`make(purpose)`
    returns the new database's name), and drops them all at the end. Raises
    ServiceUnreachable if the server does not answer."""
    url = _admin_url(admin_url)
    address = f"{url.host or '127.0.0.1'}:{url.port or 5432}"
    if not reachable(url.host or "127.0.0.1", url.port or 5432):
        raise ServiceUnreachable("PostgreSQL", address)
    admin = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError as error:
        admin.dispose()
        raise ServiceUnreachable("PostgreSQL", address, str(error.orig).strip()) from error
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


def pg_database_url(name: str, admin_url: str = PG_ADMIN_URL) -> str:
    """The URL of database `name` on the server of `admin_url` (same user and password)."""
    return _admin_url(admin_url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def pg_database(purpose: str, admin_url: str = PG_ADMIN_URL) -> Iterator[str]:
    """One throwaway database (its URL), dropped at the end; see `pg_databases`."""
    with pg_databases(admin_url) as make:
        yield pg_database_url(make(purpose), admin_url)


# -- Celery on Redis -------------------------------------------------------------------------


@contextmanager
def celery_queue_name(broker_url: str = BROKER_URL) -> Iterator[str]:
    """A Redis queue of its own, so workers of a concurrent session never take these tasks;
    Kombu's keys for it, and messages of it a killed worker left unacknowledged, are deleted
    at the end. Raises ServiceUnreachable if Redis does not answer."""
    from redis import Redis

    client = Redis.from_url(broker_url)
    pool = client.connection_pool.connection_kwargs
    host, port = pool.get("host", "127.0.0.1"), int(pool.get("port", 6379))
    if not reachable(host, port):
        client.close()
        raise ServiceUnreachable("Redis", f"{host}:{port}")
    queue = f"hrhub_{secrets.token_hex(6)}"
    try:
        yield queue
    finally:
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
    from celery import Celery

    app = Celery(broker=broker_url)
    try:
        replies = app.control.ping(destination=nodes, timeout=1.5) or []
    finally:
        app.close()
    return [name for reply in replies for name in reply]


def worker_node(component: str, queue: str) -> str:
    """The Celery node name `start_worker` gives a worker."""
    return f"{component}@{queue}"


def start_worker(
    deployment: Deployment, component: str, queue: str, hostname: str | None = None
) -> Component:
    """One Celery worker (two task slots) on `queue`, its task instances showing `hostname`
    (default: the component's name)."""
    return deployment.start(
        component,
        *("celery", "worker", "--celery-hostname", worker_node(component, queue)),
        *("--queues", queue, "--concurrency", "2", "--skip-serve-logs"),
        extra_env={HOSTNAME_VARIABLE: hostname or component},
    )


def wait_for_workers(
    deployment: Deployment, queue: str, workers: tuple[str, ...], timeout: float = 120
) -> None:
    """Every named worker answers a ping through Redis."""
    nodes = [worker_node(worker, queue) for worker in workers]
    deployment.wait(
        f"{len(nodes)} Celery worker(s) to answer a ping through Redis",
        lambda: set(ping_workers(BROKER_URL, nodes)) == set(nodes),
        timeout=timeout,
        interval=2,
    )


def start_workers(
    deployment: Deployment, queue: str, workers: tuple[str, ...] = WORKERS
) -> list[Component]:
    """Start the workers and wait until every one answers a ping through Redis."""
    started = [start_worker(deployment, worker, queue) for worker in workers]
    wait_for_workers(deployment, queue, workers)
    return started


# -- killing a component as a dying machine would ----------------------------------------------


def kill_component(deployment: Deployment, name: str, timeout: float = 15) -> dict[int, str]:
    """SIGKILL one component as a dying machine would: its process group and the group of
    every process it started (a Celery worker's task process runs in a group of its own), so
    nothing gets to clean up or report. The deployment no longer counts the component.
    Returns the command line of each process killed, by pid; RuntimeError if one survives."""
    component = next(c for c in deployment.components if c.name == name)
    leader = psutil.Process(component.process.pid)
    own_group = os.getpgid(0)
    os.killpg(leader.pid, signal.SIGSTOP)  # nothing forks or finishes while the tree is read
    processes = [leader, *leader.children(recursive=True)]
    groups, cmdlines = set(), {}
    for process in processes:
        with suppress(ProcessLookupError, psutil.NoSuchProcess):
            cmdlines[process.pid] = " ".join(process.cmdline())
            groups.add(os.getpgid(process.pid))
    for group in groups - {own_group}:
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    # An orphan is reaped by init in its own time: a zombie has died all the same.
    alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    if alive:
        raise RuntimeError(f"{name}: still alive after SIGKILL: {alive}")
    deployment.stop_component(name)
    return cmdlines


# -- Airflow's REST API --------------------------------------------------------------------
# What callers wait on and read, through the API server: `Deployment.wait_for_run`,
# `wait_for_dag` and `task_states` start the airflow command line every two seconds, some
# seconds of CPU each, which the run's own tasks then lack on a two-core machine.


def api_request(
    deployment: Deployment,
    method: str,
    path: str,
    body: dict | None = None,
    *,
    token: str | None = None,
) -> dict:
    """One call of Airflow's REST API as the deployment's admin (`token`: one the caller
    keeps; by default a fresh one is asked for)."""
    request = urllib.request.Request(
        f"{deployment.api_url}/api/v2/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {token or deployment.api_token()}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def poll(deployment: Deployment, path: str, *, token: str | None = None) -> dict | None:
    """GET for a wait loop: None while the API server is too busy to answer in time (the
    loop asks again; `Deployment.wait` still fails at once if the server died) or answers 404
    (not there yet)."""
    try:
        return api_request(deployment, "GET", path, token=token)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return None


def wait_for_dag(deployment: Deployment, timeout: float = 120, *, dag_id: str = DAG_ID) -> None:
    """The dag-processor has parsed and stored the DAG (so it can be triggered)."""

    def parsed() -> bool:
        dag = poll(deployment, f"dags/{dag_id}")
        return dag is not None and dag["dag_id"] == dag_id

    deployment.wait(f"DAG {dag_id} to be parsed", parsed, timeout, interval=2)


def wait_for_run(
    deployment: Deployment, run_id: str, timeout: float = 150, *, dag_id: str = DAG_ID
) -> str:
    """The run's final state ('success' or 'failed')."""

    def done() -> str | None:
        run = poll(deployment, f"dags/{dag_id}/dagRuns/{run_id}")
        return run["state"] if run and run["state"] in TERMINAL_RUN_STATES else None

    return deployment.wait(f"run {run_id} to finish", done, timeout, interval=2)


def task_states(deployment: Deployment, run_id: str, *, dag_id: str = DAG_ID) -> list[dict]:
    """(task_id, map_index, state, try_number, hostname) of the run's task instances."""
    keys = ("task_id", "map_index", "state", "try_number", "hostname")
    return [{k: t[k] for k in keys} for t in deployment.task_instances(dag_id, run_id)]


def run_once(deployment: Deployment, run_id: str, *, dag_id: str = DAG_ID) -> list[dict]:
    """Trigger one run, wait for it to succeed, return its task instances; RunFailed if the
    run or one of its task instances did not succeed."""
    wait_for_dag(deployment, dag_id=dag_id)
    deployment.trigger(dag_id, run_id)
    state = wait_for_run(deployment, run_id, dag_id=dag_id)
    tasks = task_states(deployment, run_id, dag_id=dag_id)
    if state != "success" or unsettled(tasks):
        raise RunFailed(run_id, state, tasks)
    return tasks
