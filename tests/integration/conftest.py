"""Fixtures shared by the integration tests: a fresh SQLite ledger per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hrhub.ledger import Ledger


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    store = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield store
    store.close()
