"""Where the ledger lives and how its engines are tuned."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from hrhub.ledger import (
    ENV_VAR,
    Ledger,
    LedgerBase,
    create_ledger_engine,
    database_url,
    normalize_url,
    store,
)

from .support import rec


def test_database_url_prefers_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "postgresql://hub@db.example:5432/hrhub")
    assert database_url() == "postgresql://hub@db.example:5432/hrhub"


def test_database_url_defaults_to_sqlite_under_project(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(store, "_project_root", lambda: tmp_path)
    assert database_url() == f"sqlite:///{tmp_path / '.hrhub' / 'ledger.db'}"
    assert (tmp_path / ".hrhub").is_dir()


@pytest.mark.parametrize("url", ["postgresql://u@h/db", "postgres://u@h/db"])
def test_plain_postgres_urls_use_psycopg2(url: str) -> None:
    assert normalize_url(url).drivername == "postgresql+psycopg2"
    engine = create_ledger_engine(url)
    assert engine.dialect.driver == "psycopg2"
    assert engine.pool._pre_ping  # stale connections are replaced, not reported as errors


def test_explicit_driver_is_kept() -> None:
    assert normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"


def test_sqlite_uses_wal_and_busy_timeout(tmp_path: Path) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path / 'deep' / 'er' / 'ledger.db'}")
    with ledger.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
    ledger.close()


def test_in_memory_sqlite_works() -> None:
    ledger = Ledger("sqlite://")
    ledger.create_all()
    assert ledger.stage([rec()], batch_id="b1").inserted == 1
    assert ledger.get_records(["sf:cand:1"])[0].canonical_id == "sf:cand:1"


def test_create_all_creates_then_is_idempotent(ledger: Ledger) -> None:
    LedgerBase.metadata.drop_all(ledger.engine)
    ledger.create_all()
    ledger.stage([rec()], batch_id="b1")
    ledger.create_all()
    ledger.create_all()
    assert [r.canonical_id for r in ledger.get_records(["sf:cand:1"])] == ["sf:cand:1"]


def test_create_all_gives_an_older_ledger_todays_indexes(ledger: Ledger) -> None:
    """A ledger made before an index existed gets it, and loses the one it replaced."""
    ledger.stage([rec()], batch_id="b1")
    with ledger.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_ledger_staged_entity_stage_job"))
        conn.execute(text("DROP INDEX ix_ledger_staged_updated_at"))
        conn.execute(text("DROP INDEX ix_ledger_staged_entity_id"))
        conn.execute(
            text(
                "CREATE INDEX ix_ledger_staged_entity_stage ON ledger_staged_record (entity, stage)"
            )
        )
    ledger.create_all()
    # Asked of the catalogue: reflection does not see SQLite's expression indexes.
    catalogue = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index'",
        "postgresql": "SELECT indexname FROM pg_indexes WHERE tablename = 'ledger_staged_record'",
    }[ledger.backend]
    with ledger.engine.connect() as conn:
        names = set(conn.execute(text(catalogue)).scalars())
    assert {
        "ix_ledger_staged_entity_stage_job",
        "ix_ledger_staged_updated_at",
        "ix_ledger_staged_entity_id",
    } <= names
    assert "ix_ledger_staged_entity_stage" not in names
    assert [r.canonical_id for r in ledger.get_records(["sf:cand:1"])] == ["sf:cand:1"]


def test_create_all_from_several_processes_at_once(ledger_url: str, ledger: Ledger) -> None:
    LedgerBase.metadata.drop_all(ledger.engine)
    workers = [Ledger(ledger_url) for _ in range(3)]
    start = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def create(worker: Ledger) -> None:
        try:
            start.wait()
            worker.create_all()
        except BaseException as exc:  # surfaced below: a thread cannot fail the test
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for w in workers:
        w.close()
    assert not errors
    assert ledger.status()["audit_entries"] == 0
