"""The kill campaign: SIGKILL Airflow's workers and scheduler at random points, then reconcile.

DESIGN.md promises at-least-once delivery plus idempotent writes: a killed worker, a retried
task or a cleared run creates no duplicate and loses no record. This breaks a production-shape
deployment (hrhub/production.py: Airflow and the ledger on fresh PostgreSQL databases, the
CeleryExecutor with Redis, two Celery workers, scheduler, dag-processor, API server) again
and again while the flow runs, and then reconciles every source and target with the
simulators (hrhub/reconcile.py).

How it runs:
- a small company (SuccessFactors with `candidates` candidates; the interview room empty,
  starting each ordered session at once and completing it SESSION_SECONDS later, as the demo
  does) and every simulator on loopback; the interview room answers every call ROOM_LATENCY_MS
  late, so `push_interview_room` (one POST per order) takes seconds and kills land mid-write;
- candidate_flow runs back to back, and interview_results after each candidate_flow run that
  finished, beside the next one: the two workers' four task slots are shared by two runs and
  the ledger takes concurrent writers;
- after a random pause (seeded), one component is killed with SIGKILL, every process of it
  (`hrhub.production.kill_component`): the 2nd, 6th, 10th... kill (one in four) takes the
  scheduler, the others a Celery worker: one running a task (the kill waits until a worker
  runs one, BUSY_WAIT_SECONDS at most: killing an idle worker tests only its restart). The
  killed component is started again at once under its own name, as a process supervisor
  (systemd, Kubernetes) would, and the next pause starts once it is back (a worker answers a
  ping, the scheduler heartbeats);
- Airflow notices a dead task after KILL_SETTINGS' lowered heartbeat timeout and retries it
  (the DAGs' own retries, 30 s apart); a run that still has a failed task instance when it
  ends is resumed as an operator would: its failed task instances are cleared (same run, so
  the outbox hands the retry what the killed try held in flight), at most MAX_CLEARS times.
  Its failed tasks, and its state: candidate_flow's `any_task_failed` fails the run when a
  task failed for good (its report runs whatever happened), and a run "success" with a
  failed task would be counted as a regression;
- once `kills` kills are done, the runs in progress finish (resumed the same way), and the
  flow runs to the end once more (candidate_flow, then interview_results) until nothing is
  owed, at most SETTLE_ROUNDS times;
- then: every source and target reconciled (lost and duplicates must be 0), the outbox
  checked (nothing pending or in flight: no write stuck claimed), the audit chain verified
  (concurrent appenders lose no entry), dead letters counted with their reasons.

The pauses and choices come from one generator seeded with `seed`; where they land still
depends on how fast the machine runs, so two campaigns with one seed are alike, not equal.
"""

from __future__ import annotations

import random
import tempfile
import time
import urllib.error
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hrhub.deployment import TERMINAL_RUN_STATES, Deployment, airflow_deployment
from hrhub.flow.run_state import FAILED_STATES, task_instance_name, unsettled
from hrhub.production import (
    PG_URL,
    WORKERS,
    api_request,
    celery_env,
    celery_queue_name,
    kill_component,
    pg_databases,
    start_worker,
    start_workers,
    wait_for_dag,
    wait_for_workers,
)
from hrhub.sandbox import SandboxSystem, connection_env, sandbox

__all__ = [
    "KILL_SETTINGS",
    "Kill",
    "KillCampaignResult",
    "RunRecord",
    "production_world",
    "run_kill_campaign",
]

CANDIDATE_FLOW = "candidate_flow"
INTERVIEW_RESULTS = "interview_results"
DAGS = (CANDIDATE_FLOW, INTERVIEW_RESULTS)
SCHEDULER = "scheduler"
SCHEDULER_EVERY = 4  # one kill in four takes the scheduler: the 2nd, 6th, 10th...
SESSION_SECONDS = 2.0  # an ordered interview completes this long after its order
ROOM_LATENCY_MS = 800  # every interview-room call: a push of 25 orders takes ~20 s
PAUSE_SECONDS = (5.0, 30.0)  # between a component being back and the next kill
FIRST_PAUSE_SECONDS = (10.0, 40.0)  # from the first run's trigger to the first kill
POLL_SECONDS = 2.0
BUSY_WAIT_SECONDS = 90.0  # a worker kill waits this long at most for a worker with a task
MAX_CLEARS = 8  # times one run is cleared before it counts as failed for good
SETTLE_ROUNDS = 3
RUN_TIMEOUT_SECONDS = 1200.0
HEARTBEAT_TIMEOUT_S = 15
KILL_SETTINGS = {
    # A task whose worker died is failed, and retried, 15 s after its last heartbeat (the
    # supervisor heartbeats every 5 s), not after the default 5 minutes.
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT_S),
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
    # A task queued to a worker that died before starting it (its message sits unacknowledged
    # in Redis for the broker's day-long visibility timeout), or set queued by a scheduler
    # killed before it sent the message, is queued again after 90 s, not 10 minutes.
    "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "90",
    "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "15",
    # A restarted scheduler adopts (or resets) what the killed one had queued within ~50 s
    # (its last heartbeat must be 30 s old), not 5 minutes.
    "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "20",
}


def _bytecode_settings() -> dict[str, str]:
    """Compiled bytecode, as an installed deployment has: where the environment forbids
    writing .pyc files, every task process (and every restarted component) would compile its
    imports from source, seconds each on two cores (see hrhub.bench.latency)."""
    from hrhub.airflow_env import REPO_ROOT

    return {
        "PYTHONDONTWRITEBYTECODE": "",
        "PYTHONPYCACHEPREFIX": str(REPO_ROOT / ".hrhub" / "pycache"),
    }


@dataclass
class Kill:
    """One kill: when, what, what it interrupted, and the restart."""

    at_seconds: float  # since the campaign started
    component: str  # "worker" or "scheduler"
    victim: str  # the component's name (a worker's task instances show it as hostname)
    running: list[str]  # task instances it interrupted (a scheduler: every running one)
    processes: int  # processes killed
    task_processes: int  # of them, Airflow task processes (a task was cut short)
    restarted: bool = False
    restart_seconds: float = 0.0

    @property
    def mid_push(self) -> bool:
        """A worker killed while it wrote to a system (a `push_*` task)."""
        return self.component == "worker" and any(".push_" in t for t in self.running)


@dataclass
class RunRecord:
    """One DAG run and how it ended."""

    dag_id: str
    run_id: str
    started: float  # monotonic
    state: str = "running"
    clears: int = 0
    seconds: float = 0.0
    retries: int = 0  # task tries beyond the first, Airflow's own retries and the clears'
    resumed: list[str] = field(default_factory=list)  # task instances cleared, per clear
    success_with_failed_tasks: int = 0  # times it ended "success" with a task failed for good
    task_states: dict[str, int] = field(default_factory=dict)  # at the end: state -> count
    unsettled: list[str] = field(default_factory=list)  # at the end: tasks not as a good run's


@dataclass
class KillCampaignResult:
    """What a campaign did and what the reconciliation found (`ok`: the guarantee held)."""

    kills: list[Kill]
    runs: list[RunRecord]
    records: int  # source records the systems hold
    writes: int  # writes the hub owed its targets
    landed: int
    lost: int
    duplicates: int
    pending: int  # writes still queued after the last run
    in_flight: int  # writes still claimed after the last run (a claim nobody finished)
    dead_letters: list[dict[str, Any]]  # open ones by system, entity, error, with a reason
    reviews_pending: int  # results waiting for a person (by design, not a loss)
    audit_ok: bool
    unchecked: list[str]  # operations whose duplicates the target cannot tell
    tasks_by_worker: dict[str, int]
    seconds: float
    reconciliation: dict[str, Any] = field(default_factory=dict)

    @property
    def kills_by_component(self) -> dict[str, int]:
        return dict(Counter(k.component for k in self.kills))

    @property
    def restarted(self) -> int:
        return sum(1 for k in self.kills if k.restarted)

    @property
    def dead_letter_count(self) -> int:
        return sum(group["count"] for group in self.dead_letters)

    @property
    def ok(self) -> bool:
        return (
            self.lost == 0
            and self.duplicates == 0
            and self.pending == 0
            and self.in_flight == 0
            and self.audit_ok
            and self.restarted == len(self.kills)
            and all(run.state == "success" and not run.unsettled for run in self.runs)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "kills": len(self.kills),
            "kills_by_component": self.kills_by_component,
            "kills_cutting_a_task": sum(1 for k in self.kills if k.task_processes),
            "kills_mid_push": sum(1 for k in self.kills if k.mid_push),
            "kills_by_task": dict(Counter(task for k in self.kills for task in k.running)),
            "restarted": self.restarted,
            "runs": len(self.runs),
            "runs_by_state": dict(Counter(r.state for r in self.runs)),
            "clears": sum(r.clears for r in self.runs),
            "runs_success_with_failed_tasks": sum(
                1 for r in self.runs if r.success_with_failed_tasks
            ),
            "task_retries": sum(r.retries for r in self.runs),
            "records": self.records,
            "writes": self.writes,
            "landed": self.landed,
            "lost": self.lost,
            "duplicates": self.duplicates,
            "pending": self.pending,
            "in_flight": self.in_flight,
            "dead_letters": self.dead_letter_count,
            "dead_letter_reasons": self.dead_letters,
            "reviews_pending": self.reviews_pending,
            "audit_ok": self.audit_ok,
            "unchecked": self.unchecked,
            "tasks_by_worker": self.tasks_by_worker,
            "seconds": self.seconds,
            "kill_log": [{**asdict(k), "mid_push": k.mid_push} for k in self.kills],
            "run_log": [{k: v for k, v in asdict(r).items() if k != "started"} for r in self.runs],
        }


@dataclass
class World:
    """The running deployment, its simulators and ledger, and the queue its workers serve."""

    deployment: Deployment
    systems: list[SandboxSystem]
    ledger_url: str
    queue: str


@contextmanager
def production_world(home: Path, *, candidates: int, say: Callable[[str], None]) -> Iterator[World]:
    """Simulators, fresh PostgreSQL databases and a Celery queue, and the deployment (two
    workers) with KILL_SETTINGS, both DAGs parsed; everything removed on the way out."""
    options = {
        "successfactors": {"candidates": candidates, "requisitions": max(4, candidates // 10)},
        "interview_room": {"auto_start": True, "session_seconds": SESSION_SECONDS, "seeded": 0},
    }
    faults = f"interview_room.latency_ms={ROOM_LATENCY_MS}"
    with (
        pg_databases() as make,
        celery_queue_name() as queue,
        sandbox(faults=faults, options=options) as systems,
    ):
        metadata_db = make("airflow")
        extra = celery_env(metadata_db, make("ledger"), queue)
        say("starting Airflow: api-server, scheduler, dag-processor, two Celery workers")
        with airflow_deployment(
            home,
            PG_URL.format(metadata_db),
            "CeleryExecutor",
            {**connection_env(systems), **extra, **KILL_SETTINGS, **_bytecode_settings()},
        ) as deployment:
            start_workers(deployment, queue)
            for dag_id in DAGS:
                wait_for_dag(deployment, timeout=300, dag_id=dag_id)
            yield World(deployment, systems, extra["HRHUB_DATABASE_URL"], queue)


class _Api:
    """Airflow's REST API with one token kept (asked for again when it runs out)."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        for attempt in (1, 2):
            self.token = self.token or self.deployment.api_token()
            try:
                return api_request(self.deployment, method, path, body, token=self.token)
            except urllib.error.HTTPError as error:
                if error.code != 401 or attempt == 2:
                    raise
                self.token = None
        raise AssertionError("unreachable")

    def get(self, path: str) -> dict | None:
        """None while the server is too busy to answer (the caller asks again) or on 404."""
        try:
            return self.call("GET", path)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            return None

    def post(self, path: str, body: dict, *, conflict_ok: bool = False) -> dict | None:
        """POST, asked again while the server is busy; a 409 is None when `conflict_ok` (a
        trigger that timed out on the way back had created the run)."""
        deadline = time.monotonic() + 120
        while True:
            try:
                return self.call("POST", path, body)
            except urllib.error.HTTPError as error:
                if error.code == 409 and conflict_ok:
                    return None
                raise
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(POLL_SECONDS)


class _Campaign:
    """The loop: keep runs going, kill on schedule, resume what fails, then settle."""

    def __init__(
        self, world: World, kills: int, rng: random.Random, say: Callable[[str], None]
    ) -> None:
        self.world, self.target, self.rng, self.say = world, kills, rng, say
        self.api = _Api(world.deployment)
        self.started = time.monotonic()
        self.kills: list[Kill] = []
        self.runs: list[RunRecord] = []
        self.active: dict[str, RunRecord] = {}
        self.flows_since_results = 0  # candidate_flow runs done since interview_results began
        self.logs_kept = Counter[str]()

    # -- the phases ------------------------------------------------------------------------

    def run(self) -> None:
        self.tend(start_new=True)
        next_kill = time.monotonic() + self.rng.uniform(*FIRST_PAUSE_SECONDS)
        while len(self.kills) < self.target:
            time.sleep(POLL_SECONDS)
            self.tend(start_new=True)
            if time.monotonic() >= next_kill:
                self.kill()
                next_kill = time.monotonic() + self.rng.uniform(*PAUSE_SECONDS)
        self.say(f"{len(self.kills)} kills done: letting the runs in progress finish")
        self.drain()

    def settle(self) -> None:
        """Run the flow to its end until nothing is owed: what the last kills held back
        goes out, and interview_results takes the sessions the last orders completed."""
        from hrhub.ledger import Ledger
        from hrhub.reconcile import reconcile

        for n in range(1, SETTLE_ROUNDS + 1):
            self.say(f"settling, round {n}: candidate_flow, then interview_results")
            self.trigger(CANDIDATE_FLOW)
            self.drain()
            time.sleep(SESSION_SECONDS + 0.5)  # the last ordered sessions complete
            self.trigger(INTERVIEW_RESULTS)
            self.drain()
            ledger = Ledger.open(self.world.ledger_url)
            try:
                found = reconcile(self.world.systems, ledger)
            finally:
                ledger.close()
            owed = sum(row["pending"] for row in found["targets"])
            if found["lost"] == 0 and owed == 0:
                return
            self.say(f"after round {n}: lost {found['lost']}, still owed {owed}")

    def drain(self) -> None:
        while self.active:
            time.sleep(POLL_SECONDS)
            self.tend(start_new=False)

    # -- runs ------------------------------------------------------------------------------

    def tend(self, *, start_new: bool) -> None:
        """Look at each active run once: note its end, resume it if it failed; with
        `start_new`, start the next run of each DAG that has none going."""
        self.world.deployment.ensure_alive()
        for dag_id in DAGS:
            record = self.active.get(dag_id)
            if record is not None:
                self.look_at(record)
            if start_new and dag_id not in self.active and self.wanted(dag_id):
                self.trigger(dag_id)

    def wanted(self, dag_id: str) -> bool:
        """candidate_flow always; interview_results once a candidate_flow run has finished
        since its last run (its orders are sessions by then)."""
        return dag_id == CANDIDATE_FLOW or self.flows_since_results > 0

    def trigger(self, dag_id: str) -> RunRecord:
        number = sum(1 for r in self.runs if r.dag_id == dag_id) + 1
        run_id = f"hrhub_kill_{dag_id}_{number:02d}"
        self.api.post(
            f"dags/{dag_id}/dagRuns",
            {"dag_run_id": run_id, "logical_date": None},
            conflict_ok=True,
        )
        record = RunRecord(dag_id, run_id, started=time.monotonic())
        self.runs.append(record)
        self.active[dag_id] = record
        if dag_id == INTERVIEW_RESULTS:
            self.flows_since_results = 0
        self.say(f"{self.clock()} triggered {run_id}")
        return record

    def look_at(self, record: RunRecord) -> None:
        """A run is done when it ended and every task instance of it succeeded. The run's own
        state should say so (`any_task_failed` fails a run whose report ran after a task
        failed for good); a run "success" with a failed task is counted, as a regression.
        An operator clears the failed task instances of the same run either way."""
        run = self.api.get(f"dags/{record.dag_id}/dagRuns/{record.run_id}")
        state = run["state"] if run else None
        elapsed = time.monotonic() - record.started
        if state in TERMINAL_RUN_STATES:
            tasks = self.task_instances(record)
            if not tasks:
                return  # the API server is busy: look again next time
            failed = [task_instance_name(t) for t in tasks if t["state"] in FAILED_STATES]
            if state == "success" and failed:
                record.success_with_failed_tasks += 1
            if state == "success" and not failed:
                self.finish(record, "success", tasks)
                if record.dag_id == CANDIDATE_FLOW:
                    self.flows_since_results += 1
                return
            if record.clears >= MAX_CLEARS:
                self.finish(record, "failed", tasks)
                return
            record.clears += 1
            self.say(
                f"{self.clock()} {record.run_id} ended {state}, failed: {', '.join(failed)}; "
                f"clearing its failed tasks, resume {record.clears}"
            )
            self.api.post(
                f"dags/{record.dag_id}/dagRuns/{record.run_id}/clear",
                {"dry_run": False, "only_failed": True},
            )
            record.resumed.extend(failed)
        elif elapsed > RUN_TIMEOUT_SECONDS:
            states = [(task_instance_name(t), t["state"]) for t in self.task_instances(record)]
            raise TimeoutError(
                f"{record.run_id} still {state} after {elapsed:.0f} s; tasks: {states}"
            )

    def finish(self, record: RunRecord, state: str, tasks: list[dict]) -> None:
        record.state = state
        record.seconds = round(time.monotonic() - record.started, 1)
        record.retries = sum(max(0, t["try_number"] - 1) for t in tasks)
        record.task_states = dict(Counter(t["state"] for t in tasks))
        record.unsettled = unsettled(tasks)
        del self.active[record.dag_id]
        self.say(
            f"{self.clock()} {record.run_id} {state} in {record.seconds:.0f} s "
            f"({record.clears} resumes, {record.retries} task retries)"
        )

    def task_instances(self, record: RunRecord) -> list[dict]:
        path = f"dags/{record.dag_id}/dagRuns/{record.run_id}/taskInstances?limit=200"
        found = self.api.get(path)
        return found["task_instances"] if found else []

    def running(self) -> list[dict]:
        return [
            t
            for record in list(self.active.values())
            for t in self.task_instances(record)
            if t["state"] == "running"
        ]

    def busy_workers(self) -> list[dict]:
        """The running task instances once some worker runs one (the runs go on meanwhile),
        at most BUSY_WAIT_SECONDS: a worker is killed with a task in hand, not idle."""
        deadline = time.monotonic() + BUSY_WAIT_SECONDS
        while True:
            running = [t for t in self.running() if t["hostname"] in WORKERS]
            if running or time.monotonic() > deadline:
                return running
            time.sleep(0.5)
            self.tend(start_new=True)

    # -- kills -----------------------------------------------------------------------------

    def kill(self) -> None:
        number = len(self.kills) + 1
        kind = SCHEDULER if number % SCHEDULER_EVERY == 2 else "worker"
        running = self.running() if kind == SCHEDULER else self.busy_workers()
        if kind == SCHEDULER:
            victim, interrupted = SCHEDULER, running
        else:
            busy = sorted({t["hostname"] for t in running} & set(WORKERS))
            victim = self.rng.choice(busy or list(WORKERS))
            interrupted = [t for t in running if t["hostname"] == victim]
        names = [f"{t['dag_id']}.{t['task_id']}" for t in interrupted]
        killed_at = datetime.now(UTC)
        cmdlines = kill_component(self.world.deployment, victim)
        kill = Kill(
            at_seconds=round(time.monotonic() - self.started, 1),
            component="worker" if victim in WORKERS else SCHEDULER,
            victim=victim,
            running=names,
            processes=len(cmdlines),
            task_processes=sum(1 for c in cmdlines.values() if "airflow worker --" in c),
        )
        self.kills.append(kill)
        self.say(
            f"{self.clock()} kill {number}/{self.target}: SIGKILL {victim} "
            f"({kill.processes} processes) during {', '.join(names) or 'no task'}"
        )
        back = time.monotonic()
        self.restart(victim, killed_at)
        kill.restarted = True
        kill.restart_seconds = round(time.monotonic() - back, 1)
        self.say(f"{self.clock()} {victim} back in {kill.restart_seconds:.0f} s")

    def restart(self, victim: str, killed_at: datetime) -> None:
        """Start the component again as a supervisor would, and wait until it works: a
        worker answers a ping, a scheduler heartbeats after the kill. The killed process's
        log is kept beside the new one."""
        deployment = self.world.deployment
        log = deployment.home / f"{victim}.log"
        self.logs_kept[victim] += 1
        if log.exists():
            log.rename(log.with_name(f"{victim}.killed-{self.logs_kept[victim]}.log"))
        if victim in WORKERS:
            start_worker(deployment, victim, self.world.queue)
            wait_for_workers(deployment, self.world.queue, (victim,), timeout=300)
            return
        deployment.start(SCHEDULER, SCHEDULER, "--skip-serve-logs")

        def heartbeat() -> bool:
            beat = (deployment.health().get(SCHEDULER) or {}).get("latest_scheduler_heartbeat")
            return bool(beat) and datetime.fromisoformat(beat) > killed_at

        deployment.wait("the restarted scheduler's heartbeat", heartbeat, 300, interval=2)

    def clock(self) -> str:
        return f"[{time.monotonic() - self.started:6.0f} s]"


def run_kill_campaign(
    kills: int = 20,
    candidates: int = 120,
    seed: int = 7,
    say: Callable[[str], None] = lambda _: None,
    *,
    home: Path | None = None,
) -> KillCampaignResult:
    """Kill workers and the scheduler `kills` times while the flow runs (see the module
    docstring), then reconcile. `home`: the deployment's folder (its components' logs stay
    there); default a temporary one, removed at the end."""
    if kills < 0 or candidates < 1:
        raise ValueError(f"kills must be >= 0 and candidates >= 1, got {kills}, {candidates}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hrhub-kills-") as folder:
        base = Path(home) if home is not None else Path(folder)
        with production_world(base / "airflow", candidates=candidates, say=say) as world:
            campaign = _Campaign(world, kills, random.Random(seed), say)
            try:
                campaign.run()
                campaign.settle()
            except BaseException as error:
                error.add_note(f"kills so far: {[asdict(k) for k in campaign.kills]}")
                raise
            say("reconciling every system with the ledger")
            return _result(world, campaign, time.monotonic() - started)


def _result(world: World, campaign: _Campaign, seconds: float) -> KillCampaignResult:
    from hrhub.flow.flow_report import flow_summary
    from hrhub.ledger import Ledger
    from hrhub.reconcile import reconcile

    ledger = Ledger.open(world.ledger_url)
    try:
        found = reconcile(world.systems, ledger)
        summary = flow_summary(ledger)
        audit_ok = ledger.verify_audit().ok
    finally:
        ledger.close()
    statuses = Counter[str]()
    for target in summary["targets"]:
        statuses.update(target["outbox"])
    workers = Counter[str]()
    for record in campaign.runs:
        workers.update(  # a skipped task (any_task_failed when nothing failed) ran nowhere
            t["hostname"] or "?" for t in campaign.task_instances(record) if t["state"] != "skipped"
        )
    return KillCampaignResult(
        kills=campaign.kills,
        runs=campaign.runs,
        records=sum(row["source"] for row in found["sources"]),
        writes=sum(row["owed"] for row in found["targets"]),
        landed=summary["totals"]["landed"],
        lost=found["lost"],
        duplicates=found["duplicates"],
        pending=statuses["pending"],
        in_flight=statuses["in_flight"],
        dead_letters=summary["dead_letters"],
        reviews_pending=summary["totals"]["reviews_pending"],
        audit_ok=audit_ok,
        unchecked=found["unchecked"],
        tasks_by_worker=dict(workers),
        seconds=round(seconds, 1),
        reconciliation=found,
    )
