"""Write mapping files to a temporary folder, the way auditors write them: as YAML text."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

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
