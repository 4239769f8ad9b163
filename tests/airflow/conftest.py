"""Real Airflow for the tests: a migrated SQLite metadata database in a temporary AIRFLOW_HOME,
and for the production-shaped deployments PostgreSQL databases and a Celery queue of their own.

Every test here drives Airflow's own command line in a subprocess, with the repository's
airflow.cfg, exactly as `make demo` and operators do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hrhub.airflow_env import airflow_env, ensure_pools, run_airflow
from tests.airflow.production_shape import celery_queue_name, pg_databases


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


@pytest.fixture
def pg_database() -> Iterator[Callable[[str], str]]:
    """Makes fresh PostgreSQL databases on demand and drops them all at the end."""
    with pg_databases() as make:
        yield make


@pytest.fixture
def celery_queue() -> Iterator[str]:
    """A Redis queue of this test's own (see `production_shape.celery_queue_name`)."""
    with celery_queue_name() as queue:
        yield queue
