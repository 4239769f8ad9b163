"""Chaos on the production shape: the ledger's outbox and receipts keep every write once.

DESIGN.md promises at-least-once delivery plus idempotent writes: a retried task, a cleared
and rerun run or a killed worker creates no duplicate in any system and loses no record. These
tests break a real deployment (Airflow and the ledger on PostgreSQL, CeleryExecutor with Redis,
two Celery workers; tests/airflow/production_shape.py) while candidate_flow runs, and then
reconcile every source and target with the simulators:

1. a worker dies half way through a write-heavy task: the interview room is slowed down so
   `push_interview_room` takes seconds, and once some of its orders have landed the worker
   running it is killed with SIGKILL, every process of it (the Celery worker, its pool
   processes, the task's supervisor and the task process in its own group). Airflow notices
   the missing heartbeats and retries the task on the other worker; the run must succeed;
2. that run is cleared and run again by the scheduler: nothing may be sent twice.

Airflow notices a dead task after `[scheduler] task_instance_heartbeat_timeout` (lowered here
from 5 minutes); the DAG's own retry delay (30 s) then applies. The tests print the measured
times.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psutil
import pytest

from connectors._core.simulator import FaultSpec
from connectors.interview_room.simulator import InterviewRoomSimulator
from connectors.successfactors.simulator import SuccessFactorsSimulator
from hrhub.deployment import Component, Deployment, airflow_deployment
from hrhub.flow.run_state import FLAG_TASK_ID, unsettled
from hrhub.ledger import Ledger
from hrhub.sandbox import SandboxSystem, connection_env, sandbox
from tests.airflow.production_shape import (
    DAG_ID,
    PG_URL,
    WORKERS,
    api_request,
    assert_flow_reconciled,
    celery_env,
    celery_queue_name,
    pg_databases,
    start_workers,
    task_states,
    wait_for_dag,
    wait_for_run,
)

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

RUN_ID = "hrhub_chaos_run"
KILLED_TASK = "push_interview_room"  # one POST per order: its writes land one by one
ROOM_LATENCY_MS = 500  # per call while the orders are pushed: 25 orders take >12 s
KILL_AFTER_ORDERS = 4  # orders of this run in the room before the worker is killed
HEARTBEAT_TIMEOUT_S = 15
CHAOS_SETTINGS = {
    # A task whose worker died is failed, and retried, 15 s after its last heartbeat (the
    # supervisor heartbeats every 5 s), not after the default 5 minutes.
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT_S),
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
}
ROOM_ORDERS = ("POST", "/api/v1/orders")


@dataclass
class World:
    """One deployment for the module: its runs share the ledger and the simulators."""

    deployment: Deployment
    systems: list[SandboxSystem]
    ledger: Ledger
    ledger_url: str

    def server(self, system: str) -> Any:
        return next(s for s in self.systems if s.system == system).server


@dataclass
class KilledRun:
    """What the worker-kill run showed: the facts its tests assert on."""

    killed: str  # the worker's name (its task instances' hostname)
    killed_ti: str  # the id of the task instance it was running
    killed_cmdlines: list[str]  # of every process killed
    owed_orders: int  # the room's orders the outbox held (the invite step queued them)
    orders_before: dict[str, str]  # external_id -> order id, in the room at the kill
    receipts_before: int  # the room's receipts in the ledger at the kill
    room_posts_before: int  # order POSTs the room had answered at the kill
    tries: list[dict]  # push_interview_room's tries, as the REST API lists them
    state: str
    task_states: list[dict]
    kill_at: datetime
    seconds_total: float


@contextmanager
def component_logs_on_failure(deployment: Deployment) -> Iterator[None]:
    """What the deployment's processes logged, as a note on a failure of the block."""
    try:
        yield
    except BaseException as error:
        error.add_note(deployment.log_tails())
        raise


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("chaos") / "airflow_home"
    started = time.monotonic()
    with pg_databases() as make, celery_queue_name() as queue, sandbox() as systems:
        metadata_db = make("airflow")
        extra = celery_env(metadata_db, make("ledger"), queue)
        with airflow_deployment(
            home,
            PG_URL.format(metadata_db),
            "CeleryExecutor",
            {**connection_env(systems), **extra, **CHAOS_SETTINGS},
        ) as deployment:
            start_workers(deployment, queue)
            wait_for_dag(deployment)
            print(f"\ndeployment up in {time.monotonic() - started:.1f} s")
            ledger = Ledger.open(extra["HRHUB_DATABASE_URL"])
            try:
                yield World(deployment, systems, ledger, extra["HRHUB_DATABASE_URL"])
            finally:
                ledger.close()


# -- what the tests need beside hrhub.deployment ---------------------------------------------


def task_tries(deployment: Deployment, run_id: str, task_id: str) -> list[dict]:
    """Every try of one task instance, oldest first (try_number, hostname, state, dates)."""
    path = f"dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}/tries"
    return sorted(
        api_request(deployment, "GET", path)["task_instances"], key=lambda t: t["try_number"]
    )


def kill_worker(deployment: Deployment, name: str) -> dict[int, str]:
    """SIGKILL one worker as a dying machine would: the Celery worker's process group and the
    group of every process it started (the task process runs in a group of its own), so
    nothing gets to clean up or report. The deployment no longer counts the worker. Returns
    the command line of each process killed, by pid."""
    component: Component = next(c for c in deployment.components if c.name == name)
    leader = psutil.Process(component.process.pid)
    os.killpg(leader.pid, signal.SIGSTOP)  # nothing forks or finishes while the tree is read
    processes = [leader, *leader.children(recursive=True)]
    groups, cmdlines = set(), {}
    for process in processes:
        with suppress(ProcessLookupError, psutil.NoSuchProcess):
            cmdlines[process.pid] = " ".join(process.cmdline())
            groups.add(os.getpgid(process.pid))
    for group in groups:
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
    _, alive = psutil.wait_procs(processes, timeout=15)
    # An orphan is reaped by init in its own time: a zombie has died all the same.
    alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], f"still alive after SIGKILL: {alive}"
    deployment.stop_component(name)
    return cmdlines


def room_posts(room: InterviewRoomSimulator) -> int:
    with room.lock:
        return sum(1 for call in room.calls if call == ROOM_ORDERS)


def run_orders(room: InterviewRoomSimulator, before: set[str]) -> dict[str, str]:
    """external_id -> order id of the room's orders that are not in `before` (order ids)."""
    return {o["external_id"]: o["id"] for o in room.rows("orders") if o["id"] not in before}


# -- 1. a worker killed half way -------------------------------------------------------------


@pytest.fixture(scope="module")
def killed_run(world: World) -> KilledRun:
    """Run candidate_flow and kill the worker of `push_interview_room` half way through."""
    deployment, ledger = world.deployment, world.ledger
    room = world.server("interview_room")
    seeded = {o["id"] for o in room.rows("orders")}
    with component_logs_on_failure(deployment):
        started = time.monotonic()
        deployment.trigger(DAG_ID, RUN_ID)
        # The invite step queues the orders; the push runs after it: slow the room down now.
        deployment.wait(
            "the invite step to queue the room's orders",
            lambda: ledger.owed("interview_room"),
            timeout=400,
            interval=0.5,
        )
        room.set_faults(FaultSpec(latency_ms=ROOM_LATENCY_MS))
        deployment.wait(
            "the first order of this run in the room",
            lambda: run_orders(room, seeded),
            timeout=180,
            interval=0.2,
        )
        running = next(
            t for t in deployment.task_instances(DAG_ID, RUN_ID) if t["task_id"] == KILLED_TASK
        )
        assert (running["state"], running["try_number"]) == ("running", 1), running
        assert running["hostname"] in WORKERS, running
        deployment.wait(
            f"{KILL_AFTER_ORDERS} orders of this run in the room",
            lambda: len(run_orders(room, seeded)) >= KILL_AFTER_ORDERS,
            timeout=120,
            interval=0.1,
        )
        kill_at = datetime.now(UTC)
        killed = kill_worker(deployment, running["hostname"])
        orders_before = run_orders(room, seeded)
        # The invite step is done (the push runs after it): every order it queued is known.
        owed_orders = len(ledger.outbox_items("interview_room", "create_orders"))
        posts_before = room_posts(room)
        receipts_before = len(ledger.landed_writes("interview_room", "create_orders"))
        room.set_faults(FaultSpec.none())
        state = wait_for_run(deployment, RUN_ID, timeout=420)
        seconds_total = time.monotonic() - started
        return KilledRun(
            killed=running["hostname"],
            killed_ti=running["id"],
            killed_cmdlines=list(killed.values()),
            owed_orders=owed_orders,
            orders_before=orders_before,
            receipts_before=receipts_before,
            room_posts_before=posts_before,
            tries=task_tries(deployment, RUN_ID, KILLED_TASK),
            state=state,
            task_states=task_states(deployment, RUN_ID),
            kill_at=kill_at,
            seconds_total=seconds_total,
        )


def test_a_worker_killed_half_way_through_a_push_duplicates_and_loses_nothing(
    world: World, killed_run: KilledRun
) -> None:
    run = killed_run
    assert run.state == "success", run.task_states
    assert not unsettled(run.task_states), run.task_states
    # Every process of the worker died, the task process (its own group) too; Airflow's task
    # runner names itself after the task instance it runs.
    task_process = f"airflow worker -- {run.killed_ti}"
    assert any(task_process in cmd for cmd in run.killed_cmdlines), run.killed_cmdlines
    # The kill came half way: some of the task's orders had landed, not all of them, and the
    # ledger did not count them all as landed.
    landed_before = len(run.orders_before)
    assert 0 < landed_before < run.owed_orders, (landed_before, run.owed_orders)
    assert run.receipts_before < run.owed_orders
    # Try 1 ran on the killed worker and did not finish; a later try ran on the other one.
    first, *later = run.tries
    assert (first["try_number"], first["hostname"]) == (1, run.killed), run.tries
    assert first["state"] != "success", run.tries
    survivor = next(w for w in WORKERS if w != run.killed)
    retried = next(t for t in later if t["hostname"] == survivor)
    assert later[-1]["state"] == "success" and later[-1]["hostname"] == survivor, run.tries
    retried_at = datetime.fromisoformat(retried["start_date"])
    assert retried_at > run.kill_at, (retried, run.kill_at)

    room = world.server("interview_room")
    landed = {
        item.canonical_id: receipt.remote_id
        for receipt, item in world.ledger.landed_writes("interview_room", "create_orders")
    }
    orders = {o["external_id"]: o["id"] for o in room.rows("orders")}
    # Every order owed landed once, and the ones the killed try had sent kept their order:
    # the retry sent them again and the room answered with the order it had.
    assert len(landed) == run.owed_orders, landed
    assert {key: orders.get(key) for key in landed} == landed
    assert {key: landed[key] for key in run.orders_before} == run.orders_before
    assert_flow_reconciled(world.systems, world.ledger_url)
    print(
        f"\nworker kill: {run.killed} killed ({len(run.killed_cmdlines)} processes) with "
        f"{landed_before}/{run.owed_orders} orders in the room and {run.receipts_before} "
        f"receipts; try {retried['try_number']} started on {survivor} "
        f"{(retried_at - run.kill_at).total_seconds():.1f} s after the kill; order POSTs "
        f"{run.room_posts_before} before the kill, {room_posts(room)} in all for "
        f"{run.owed_orders} orders; run total {run.seconds_total:.1f} s"
        f"\n{KILLED_TASK} tries: "
        + ", ".join(f"{t['try_number']} on {t['hostname']}: {t['state']}" for t in run.tries)
    )


# -- 2. a run cleared and run again ----------------------------------------------------------


def receipts(ledger: Ledger) -> dict[str, tuple[str, datetime]]:
    """Every receipt in the ledger: idempotency key -> (remote id, written at)."""
    return {
        receipt.idempotency_key: (receipt.remote_id, receipt.written_at)
        for tally in ledger.write_tallies()
        for receipt, _ in ledger.landed_writes(tally["target_system"], tally["operation"])
    }


def outbox_keys(ledger: Ledger) -> set[str]:
    """The idempotency key of every write the outbox holds, whatever its state."""
    return {
        item.idempotency_key
        for tally in ledger.write_tallies()
        for item in ledger.outbox_items(tally["target_system"], tally["operation"])
    }


def hub_orders(room: InterviewRoomSimulator) -> dict[str, dict]:
    """The room's orders the hub made (external id `hrhub:interview:...`), by order id."""
    return {o["id"]: o for o in room.rows("orders") if o["external_id"].startswith("hrhub:")}


def sf_interviews(sf: SuccessFactorsSimulator) -> dict[int, dict]:
    """SuccessFactors' JobApplicationInterview records by key (a write would change one)."""
    return {row["applicationInterviewId"]: row for row in sf.rows("JobApplicationInterview")}


def tries_by_task(deployment: Deployment, run_id: str) -> dict[tuple[str, int], int]:
    return {
        (t["task_id"], t["map_index"]): t["try_number"]
        for t in deployment.task_instances(DAG_ID, run_id)
    }


def test_a_cleared_run_runs_again_and_sends_nothing_twice(
    world: World, killed_run: KilledRun
) -> None:
    deployment, ledger = world.deployment, world.ledger
    room, sf = world.server("interview_room"), world.server("successfactors")
    assert killed_run.state == "success"
    landed, keys = receipts(ledger), outbox_keys(ledger)
    posts, orders = room_posts(room), hub_orders(room)
    interviews = sf_interviews(sf)
    # A candidate's second shortlisted application is booked one run later (hrhub/flow/
    # schedule.py): the rerun, like any next run, invites those, and only those.
    waiting = set(ledger.ids_in_stage("application", "shortlisted"))
    tries_before = tries_by_task(deployment, RUN_ID)
    with component_logs_on_failure(deployment):
        started = time.monotonic()
        cleared = api_request(
            deployment, "POST", f"dags/{DAG_ID}/dagRuns/{RUN_ID}/clear", {"dry_run": False}
        )
        assert cleared["state"] in ("queued", "running"), cleared
        state = wait_for_run(deployment, RUN_ID, timeout=300)
        seconds = time.monotonic() - started
        tasks = task_states(deployment, RUN_ID)
        tries_after = tries_by_task(deployment, RUN_ID)
    assert state == "success", tasks
    assert not unsettled(tasks), tasks
    # Every task instance of the run ran again (but `any_task_failed`, skipped as nothing
    # failed: `unsettled` above says so)...
    assert tries_after.keys() == tries_before.keys()
    ran = [k for k in tries_before if k[0] != FLAG_TASK_ID]
    assert len(ran) == len(tries_before) - 1, tries_before
    assert all(tries_after[k] > tries_before[k] for k in ran), (tries_before, tries_after)
    # ... and sent nothing twice: every receipt is as it was (no landed write was sent or
    # recorded again), the interview records are untouched, and the only new orders are the
    # waiting applications', each POSTed once.
    after = receipts(ledger)
    assert {key: after.get(key) for key in landed} == landed
    assert not (set(after) - set(landed)) & keys, "a write owed before landed again"
    new_orders = {k: v for k, v in hub_orders(room).items() if k not in orders}
    assert {o["application_id"] for o in new_orders.values()} == waiting, (new_orders, waiting)
    assert room_posts(room) == posts + len(new_orders)
    assert {k: v for k, v in sf_interviews(sf).items() if k in interviews} == interviews
    per_application = Counter(o["application_id"] for o in hub_orders(room).values())
    assert set(per_application.values()) == {1}, per_application
    assert ledger.owed("interview_room") == 0
    assert_flow_reconciled(world.systems, world.ledger_url)
    print(
        f"\ncleared run: {len(tries_after)} task instances ran again in {seconds:.1f} s; "
        f"{len(landed)} receipts unchanged, {len(after) - len(landed)} new for the "
        f"{len(waiting)} applications waiting for this run; order POSTs {posts} -> "
        f"{room_posts(room)}"
    )
