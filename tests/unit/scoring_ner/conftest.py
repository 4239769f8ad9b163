"""Shared paths for the resume NER tests: the ResumeNER data lives beside the repo, never in it."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "resume_ner"


@pytest.fixture
def dev_bmes() -> Path:
    path = DATA_DIR / "dev.char.bmes"
    if not path.is_file():
        pytest.skip(f"ResumeNER dev split not found at {path.resolve()} (../shared is absent)")
    return path
