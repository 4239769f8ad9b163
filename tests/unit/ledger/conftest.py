"""Ledger fixtures: every test runs on SQLite (tmp_path) and on a throwaway PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from hrhub.ledger import Ledger, LedgerBase
from hrhub.production import ServiceUnreachable, pg_database

PG_ADMIN_URL = os.environ.get(
    "HRHUB_TEST_PG_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh database for this test session, dropped at the end."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(pg_database("test", PG_ADMIN_URL))
        except ServiceUnreachable as error:
            pytest.skip(str(error))
        yield url


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
