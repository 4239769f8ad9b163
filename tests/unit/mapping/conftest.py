"""Write mapping files to a temporary folder, the way auditors write them: as YAML text."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hrhub.ledger import Ledger

HEADER = """\
system: attendance
entity: attendance_event
direction: in
"""


@pytest.fixture
def write_mapping(tmp_path: Path) -> Callable[..., Path]:
    """``write_mapping(body, name=..., header=True)`` -> path of the new file."""

    def write(body: str, name: str = "m.in.yaml", header: bool = True) -> Path:
        path = tmp_path / name
        text = textwrap.dedent(body)
        path.write_text((HEADER if header else "") + text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A ledger of its own on SQLite: approvals and writes land in its audit log and outbox."""
    store = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield store
    store.close()
