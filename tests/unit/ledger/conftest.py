"""Ledger fixtures: every test runs on SQLite (tmp_path) and on a throwaway PostgreSQL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError

from hrhub.ledger import Ledger, LedgerBase

PG_ADMIN_URL = os.environ.get(
    "HRHUB_TEST_PG_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
PG_UNREACHABLE = "PostgreSQL not reachable at 127.0.0.1:5432"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh database for this test session, dropped at the end."""
    admin = create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError:
        admin.dispose()
        pytest.skip(PG_UNREACHABLE)
    name = f"hrhub_test_{secrets.token_hex(6)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """One engine per session to empty the ledger tables between tests."""
    engine = create_engine(pg_url)
    yield engine
    engine.dispose()


def _empty_ledger_tables(engine: Engine) -> None:
    """Faster than drop/create per test; create_all itself is tested on its own."""
    names = ", ".join(table.name for table in LedgerBase.metadata.sorted_tables)
    with engine.begin() as conn:
        LedgerBase.metadata.create_all(conn)
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty ledger database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    _empty_ledger_tables(request.getfixturevalue("pg_engine"))
    return request.getfixturevalue("pg_url")


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    """A ledger with its tables created."""
    led = Ledger(ledger_url)
    led.create_all()
    yield led
    led.close()
