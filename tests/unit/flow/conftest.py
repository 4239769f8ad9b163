"""Flow fixtures: a temp SQLite ledger the CLI sees too, and a temp copy of the mappings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hrhub.ledger import Ledger
from hrhub.mapping.engine import MAPPINGS_DIR_ENV, mappings_dir


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("HRHUB_DATABASE_URL", url)
    opened = Ledger.open(url)
    yield opened
    opened.close()


@pytest.fixture
def mappings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's mappings that a test may break and fix."""
    copy = tmp_path / "mappings"
    shutil.copytree(mappings_dir(), copy)
    monkeypatch.setenv(MAPPINGS_DIR_ENV, str(copy))
    return copy
