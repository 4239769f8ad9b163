"""The shared espeak-ng fixtures (connectors/interview_room/recordings), read and analysed once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hrhub.scoring.audio import AudioFeatures, analyse_audio

ROOT = Path(__file__).resolve().parents[3]
RECORDINGS = ROOT / "connectors" / "interview_room" / "recordings"


@pytest.fixture(scope="session")
def manifest() -> dict[str, Any]:
    return json.loads((RECORDINGS / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def clips(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Manifest entries by file name."""
    return {clip["file"]: clip for clip in manifest["clips"]}


@pytest.fixture(scope="session")
def analysed(clips: dict[str, dict[str, Any]]) -> dict[str, AudioFeatures]:
    """Every fixture analysed from its path, by file name."""
    return {name: analyse_audio(RECORDINGS / name) for name in clips}
