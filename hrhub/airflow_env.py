"""Run Airflow's own command line against hrhub's airflow.cfg, with sandbox connections.

The demo, `hrhub up` and the Airflow tests all start Airflow the same way: AIRFLOW_CONFIG points
at the repository's airflow.cfg, HRHUB_HOME at the repository (airflow.cfg finds dags/ and
plugins/ through it), AIRFLOW_HOME at an ignored folder, and `AIRFLOW_CONN_*` variables at the
simulators.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def airflow_env(
    extra: Mapping[str, str] | None = None, *, home: Path | None = None
) -> dict[str, str]:
    """The environment an Airflow process of hrhub's runs with."""
    env = dict(os.environ)
    airflow_home = home or Path(env.get("AIRFLOW_HOME", REPO_ROOT / ".airflow"))
    airflow_home.mkdir(parents=True, exist_ok=True)
    env["AIRFLOW_HOME"] = str(airflow_home)
    env.setdefault("AIRFLOW_CONFIG", str(REPO_ROOT / "airflow.cfg"))
    env.setdefault("HRHUB_HOME", str(REPO_ROOT))
    env.update(extra or {})
    return env


def airflow_bin() -> str:
    """The `airflow` script beside the running interpreter (the project's venv)."""
    return str(Path(sys.executable).with_name("airflow"))


def run_airflow(
    *args: str, env: Mapping[str, str], timeout: float = 900, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `airflow <args>`; on failure the error carries Airflow's own output."""
    proc = subprocess.run(
        [airflow_bin(), *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"airflow {' '.join(args)} exited {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"
        )
    return proc


def run_airflow_json(*args: str, env: Mapping[str, str], timeout: float = 900) -> object:
    """Run `airflow <args> --output json` and decode it (Airflow may log warnings above it)."""
    out = run_airflow(*args, "--output", "json", env=env, timeout=timeout).stdout
    for line in reversed(out.strip().splitlines()):
        if line.startswith(("[", "{")):
            return json.loads(line)
    raise RuntimeError(f"airflow {' '.join(args)} printed no JSON:\n{out[-2000:]}")


def ensure_pools(env: Mapping[str, str]) -> None:
    """Create or resize the per-system pools the DAGs' write tasks run in, in one `airflow
    pools import` (an upsert: a second call sets the same slots); one Airflow process instead
    of one per pool, each of which costs seconds of start-up."""
    import tempfile

    from hrhub.flow.pools import PUSH_POOL_SLOTS, pool_name

    pools = {
        pool_name(system): {"slots": slots, "description": f"hrhub writes to {system}"}
        for system, slots in PUSH_POOL_SLOTS.items()
    }
    with tempfile.TemporaryDirectory(prefix="hrhub-pools-") as folder:
        path = Path(folder) / "pools.json"
        path.write_text(json.dumps(pools))
        run_airflow("pools", "import", str(path), env=env)
