"""A real Airflow deployment on one machine: api-server, scheduler, dag-processor and workers.

The production-shaped tests and the latency benchmark run the flow through it; the browser tests
view hrhub's pages in Airflow's UI through `airflow_api_server` (the api-server alone).

`airflow dags test` runs a DAG in one process; this starts the long-running components of
Airflow 3 as separate process groups in a temporary AIRFLOW_HOME, on free loopback ports, the
way an operator runs them: tasks reach the metadata database only through the API server's
execution API (`[core] execution_api_server_url`, tokens signed with `[api_auth] jwt_secret`).
Every process writes its own log file; a failure inside the `with` block gets their tails as a
note, and every process group is killed on the way out.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from hrhub.airflow_env import (
    REPO_ROOT,
    airflow_bin,
    airflow_env,
    ensure_pools,
    run_airflow,
    run_airflow_json,
)

T = TypeVar("T")
HOSTNAME_VARIABLE = "HRHUB_WORKER_HOSTNAME"
TERMINAL_RUN_STATES = {"success", "failed"}
# The deployment writes its own password file and points SimpleAuthManager at it.
PASSWORDS_FILE_VARIABLE = "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
USERS_VARIABLE = "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"


def process_hostname() -> str:
    """`[core] hostname_callable` for deployments: each worker names itself through a variable,
    so task instances show which of two workers on one machine ran them."""
    return os.environ.get(HOSTNAME_VARIABLE) or socket.getfqdn()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reachable(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class Component:
    """One Airflow process (and its children, in their own process group)."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM the whole group, SIGKILL whatever is left after `grace` seconds."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue
            # The leader is gone; children of the group may still be finishing.
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            return


@dataclass
class Deployment:
    """The environment every component shares and the components started with it."""

    home: Path
    env: dict[str, str]
    api_url: str
    components: list[Component] = field(default_factory=list)

    def start(self, name: str, *args: str, extra_env: Mapping[str, str] | None = None) -> Component:
        log_path = self.home / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [airflow_bin(), *args],
                env={**self.env, **(extra_env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=REPO_ROOT,
            )
        component = Component(name, process, log_path)
        self.components.append(component)
        return component

    def stop(self) -> None:
        for component in reversed(self.components):
            component.stop()

    def stop_component(self, name: str) -> None:
        """Stop one component on purpose (a restart test): it no longer counts as died."""
        component = next(c for c in self.components if c.name == name)
        component.stop()
        self.components.remove(component)

    def log_tails(self, chars: int = 3000) -> str:
        return "\n".join(
            f"--- {c.name} (exit {c.process.poll()}) ---\n{c.log()[-chars:]}"
            for c in self.components
        )

    def ensure_alive(self) -> None:
        for component in self.components:
            if component.process.poll() is not None:
                raise RuntimeError(f"{component.name} exited {component.process.returncode}")

    def wait(
        self, what: str, ready: Callable[[], T | None], timeout: float, interval: float = 1.0
    ) -> T:
        """Poll `ready()` until it returns something truthy; fail if a component dies."""
        deadline = time.monotonic() + timeout
        while True:
            self.ensure_alive()
            value = ready()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(interval)

    def health(self) -> dict:
        try:
            with urllib.request.urlopen(f"{self.api_url}/api/v2/monitor/health", timeout=5) as r:
                return json.load(r)
        except (urllib.error.URLError, OSError, ValueError):
            return {}

    def wait_healthy(self, components: tuple[str, ...], timeout: float = 120) -> None:
        """The API server answers and reports each named component healthy."""

        def ready() -> bool:
            report = self.health()
            return bool(report) and all(
                report.get(name, {}).get("status") == "healthy" for name in components
            )

        self.wait(f"healthy {', '.join(components)}", ready, timeout, interval=2)

    def wait_for_log(self, name: str, text: str, timeout: float = 90) -> None:
        component = next(c for c in self.components if c.name == name)
        self.wait(f"{text!r} in the {name} log", lambda: text in component.log(), timeout)

    def passwords(self) -> dict[str, str]:
        """SimpleAuthManager's password of each user, as this deployment chose them."""
        return json.loads(Path(self.env[PASSWORDS_FILE_VARIABLE]).read_text())

    def api_token(self) -> str:
        """A REST API token for the `admin` user, whose password this deployment chose."""
        request = urllib.request.Request(
            f"{self.api_url}/auth/token",
            data=json.dumps({"username": "admin", "password": self.passwords()["admin"]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["access_token"]

    def api_get(self, path: str) -> dict:
        request = urllib.request.Request(
            f"{self.api_url}/api/v2/{path}",
            headers={"Authorization": f"Bearer {self.api_token()}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        """The run's task instances as the REST API shows them (with `hostname`)."""
        path = f"dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=100"
        return self.api_get(path)["task_instances"]

    def airflow_json(self, *args: str) -> object:
        return run_airflow_json(*args, env=self.env, timeout=120)

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> None:
        """The dag-processor has parsed and serialized the DAG (so it can be triggered)."""

        def ready() -> bool:
            dags = self.airflow_json("dags", "list")
            return any(d.get("dag_id") == dag_id for d in dags)  # type: ignore[union-attr]

        self.wait(f"DAG {dag_id} to be parsed", ready, timeout, interval=2)

    def trigger(self, dag_id: str, run_id: str) -> None:
        run_airflow("dags", "trigger", dag_id, "--run-id", run_id, env=self.env, timeout=120)

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        runs = self.airflow_json("dags", "list-runs", dag_id)
        return next((r["state"] for r in runs if r["run_id"] == run_id), None)  # type: ignore[union-attr]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 150) -> str:
        """The run's final state ('success' or 'failed')."""

        def ready() -> str | None:
            state = self.run_state(dag_id, run_id)
            return state if state in TERMINAL_RUN_STATES else None

        return self.wait(f"run {run_id} of {dag_id} to finish", ready, timeout, interval=2)

    def task_states(self, dag_id: str, run_id: str) -> list[dict]:
        return self.airflow_json("tasks", "states-for-dag-run", dag_id, run_id)  # type: ignore[return-value]


def deployment_env(
    home: Path,
    database_url: str,
    executor: str,
    extra: Mapping[str, str] | None = None,
    *,
    users: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], str]:
    """Environment shared by every component, and the API server's URL.

    `users` maps SimpleAuthManager user names to roles, each given a fresh password in the
    deployment's own password file. Without them airflow.cfg's demo users stay: `admin` gets a
    password here, SimpleAuthManager generates the others'."""
    api_port = free_port()
    home.mkdir(parents=True, exist_ok=True)
    passwords_file = home / "api_passwords.json"
    names = users or {"admin": "admin"}
    passwords_file.write_text(json.dumps({name: secrets.token_urlsafe(16) for name in names}))
    user_env = {USERS_VARIABLE: ",".join(f"{n}:{r}" for n, r in users.items())} if users else {}
    api_url = f"http://127.0.0.1:{api_port}"
    env = airflow_env(
        {
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
            "AIRFLOW__CORE__EXECUTOR": executor,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__BASE_URL": api_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_url}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            PASSWORDS_FILE_VARIABLE: str(passwords_file),
            **user_env,
            "AIRFLOW__API__SECRET_KEY": secrets.token_hex(32),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "hrhub.deployment.process_hostname",
            # Only the runs the caller triggers: no hourly run appears beside them.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
            **(extra or {}),
        },
        home=home,
    )
    # The repository's airflow.cfg is shared; this deployment's home must win over the caller's.
    env["AIRFLOW_HOME"] = str(home)
    return env, api_url


@contextmanager
def migrated_deployment(
    home: Path,
    database_url: str,
    executor: str,
    extra: Mapping[str, str] | None = None,
    *,
    users: Mapping[str, str] | None = None,
) -> Iterator[Deployment]:
    """A migrated metadata database and no component yet: a failure inside gets the tails of
    the components' logs as a note, and every component started is stopped on the way out."""
    env, api_url = deployment_env(home, database_url, executor, extra, users=users)
    deployment = Deployment(home=home, env=env, api_url=api_url)
    try:
        run_airflow("db", "migrate", env=env, timeout=600)
        yield deployment
    except BaseException as error:
        error.add_note(deployment.log_tails())
        raise
    finally:
        deployment.stop()


@contextmanager
def airflow_deployment(
    home: Path,
    database_url: str,
    executor: str,
    extra: Mapping[str, str] | None = None,
    *,
    triggerer: bool = False,
) -> Iterator[Deployment]:
    """A migrated metadata database and a running api-server, scheduler and dag-processor,
    and the triggerer if asked (deferred tasks, asset watchers); the caller starts workers
    (`Deployment.start`) if the executor needs them."""
    with migrated_deployment(home, database_url, executor, extra) as deployment:
        ensure_pools(deployment.env)
        deployment.start("api-server", "api-server")
        deployment.start("scheduler", "scheduler", "--skip-serve-logs")
        deployment.start("dag-processor", "dag-processor")
        healthy = ("metadatabase", "scheduler", "dag_processor")
        if triggerer:
            deployment.start("triggerer", "triggerer", "--skip-serve-logs")
            healthy += ("triggerer",)
        deployment.wait_healthy(healthy)
        yield deployment


@contextmanager
def airflow_api_server(
    home: Path,
    users: Mapping[str, str],
    extra: Mapping[str, str] | None = None,
    *,
    database_url: str | None = None,
) -> Iterator[Deployment]:
    """Airflow's UI and the pages of hrhub's plugin: a migrated metadata database (SQLite in
    `home` unless given) and the api-server alone, with the repository's plugins folder.

    `users` maps SimpleAuthManager user names to roles (admin, op, user, viewer); their
    passwords are `Deployment.passwords()`. `extra` adds environment (HRHUB_DATABASE_URL for
    the ledger the pages read). No scheduler runs: views need only the API server."""
    extra = {"AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"), **(extra or {})}
    database_url = database_url or f"sqlite:///{home / 'airflow.db'}"
    with migrated_deployment(home, database_url, "LocalExecutor", extra, users=users) as deployment:
        deployment.start("api-server", "api-server")
        deployment.wait_healthy(("metadatabase",))
        yield deployment
