"""Real Airflow for the tests: a migrated SQLite metadata database in a temporary AIRFLOW_HOME.

Every test here drives Airflow's own command line in a subprocess, with the repository's
airflow.cfg, exactly as `make demo` and operators do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hrhub.airflow_env import airflow_env, ensure_pools, run_airflow


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("airflow_home")
    env = airflow_env(home=home)
    run_airflow("db", "migrate", env=env, timeout=600)
    ensure_pools(env)
    return home


@pytest.fixture
def ledger_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"
