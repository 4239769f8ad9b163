"""A session's recording, assembled from the shared answer clips so transcript and audio agree.

The clips (16 kHz mono PCM16 WAV, spoken by espeak-ng) and their manifest.json sit in
`recordings/` next to this file; the audio helper of hrhub makes them (REGENERATE). A session's
recording is its answers, in question order, with SILENCE_MS of silence between them; the
transcript's start/end times are computed from the clips' frame counts, so a segment ends
exactly where its clip ends in the WAV. Stdlib only (`wave`): the simulator stays light.
"""

from __future__ import annotations

import io
import json
import threading
import wave
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "FIXTURES_DIR",
    "REGENERATE",
    "SILENCE_MS",
    "Clip",
    "FixturesMissing",
    "Placed",
    "RecordingLibrary",
]

FIXTURES_DIR = Path(__file__).resolve().parent / "recordings"
REGENERATE = "python -m hrhub.scoring.audio.fixtures --out connectors/interview_room/recordings"
SILENCE_MS = 600
SAMPLE_RATE = 16_000
SAMPLE_WIDTH = 2  # PCM16
CACHED_RECORDINGS = 16


class FixturesMissing(RuntimeError):
    """The answer clips are not there (or not usable); the message says how to make them."""


@dataclass(frozen=True)
class Clip:
    """One answer clip of the manifest, with its length read from the WAV header."""

    file: str
    language: str
    question_id: str
    quality: str
    text: str
    frames: int

    @property
    def duration_ms(self) -> int:
        return round(self.frames * 1000 / SAMPLE_RATE)


@dataclass(frozen=True)
class Placed:
    """A clip placed in a recording: it starts `start_frame` frames in."""

    clip: Clip
    start_frame: int

    @property
    def start_ms(self) -> int:
        return round(self.start_frame * 1000 / SAMPLE_RATE)

    @property
    def end_ms(self) -> int:
        return round((self.start_frame + self.clip.frames) * 1000 / SAMPLE_RATE)


class RecordingLibrary:
    """The answer clips of one fixtures directory, read on first use and kept."""

    def __init__(self, directory: Path = FIXTURES_DIR) -> None:
        self.directory = directory
        self._clips: dict[tuple[str, str, str], Clip] | None = None
        self._rendered: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def _missing(self, what: str) -> FixturesMissing:
        return FixturesMissing(
            f"interview room audio fixtures {what} in {self.directory}; "
            f"regenerate them with: {REGENERATE}"
        )

    def clips(self) -> dict[tuple[str, str, str], Clip]:
        """Answer clips by (language, question_id, quality)."""
        with self._lock:
            if self._clips is None:
                self._clips = self._load()
            return self._clips

    def _load(self) -> dict[tuple[str, str, str], Clip]:
        manifest_path = self.directory / "manifest.json"
        if not manifest_path.is_file():
            raise self._missing("are missing (no manifest.json)")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            entries = [c for c in manifest["clips"] if c.get("kind") == "answer"]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self._missing(f"have an unreadable manifest.json ({exc})") from None
        clips = {}
        for entry in entries:
            clip = self._clip(entry)
            clips[(clip.language, clip.question_id, clip.quality)] = clip
        if not clips:
            raise self._missing("hold no answer clip")
        return clips

    def _clip(self, entry: dict[str, Any]) -> Clip:
        name = str(entry.get("file"))
        path = self.directory / name
        if not path.is_file():
            raise self._missing(f"are incomplete ({name} is listed but missing)")
        try:
            with wave.open(str(path), "rb") as wav:
                shape = (wav.getframerate(), wav.getnchannels(), wav.getsampwidth())
                frames = wav.getnframes()
        except (wave.Error, EOFError) as exc:
            raise self._missing(f"hold a broken WAV ({name}: {exc})") from None
        if shape != (SAMPLE_RATE, 1, SAMPLE_WIDTH):
            raise self._missing(f"hold {name} as {shape}, not 16 kHz mono PCM16")
        return Clip(
            file=name,
            language=str(entry["language"]),
            question_id=str(entry["question_id"]),
            quality=str(entry.get("quality") or "strong"),
            text=str(entry.get("text") or ""),
            frames=frames,
        )

    def answer(self, language: str, question_id: str, quality: str) -> Clip:
        """The clip answering `question_id` in `language`; a question with no weak answer
        recorded is answered with its strong one."""
        clips = self.clips()
        for wanted in (quality, "strong"):
            clip = clips.get((language, question_id, wanted))
            if clip is not None:
                return clip
        raise self._missing(f"have no {language} answer to {question_id}")

    def place(self, language: str, question_ids: Sequence[str], quality: str) -> list[Placed]:
        """The answers of one session laid out on the recording's timeline."""
        silence = SAMPLE_RATE * SILENCE_MS // 1000
        placed, at = [], 0
        for qid in question_ids:
            clip = self.answer(language, qid, quality)
            placed.append(Placed(clip, at))
            at += clip.frames + silence
        return placed

    @staticmethod
    def total_frames(placed: Sequence[Placed]) -> int:
        last = placed[-1] if placed else None
        return last.start_frame + last.clip.frames if last else 0

    def size_bytes(self, placed: Sequence[Placed]) -> int:
        """The WAV's size in bytes (a 44-byte header and the samples)."""
        return 44 + self.total_frames(placed) * SAMPLE_WIDTH

    def render(self, placed: Sequence[Placed]) -> bytes:
        """The WAV bytes of a laid-out session (the last few are kept: clients page by Range)."""
        key = tuple(f"{p.clip.file}@{p.start_frame}" for p in placed)
        with self._lock:
            if key in self._rendered:
                self._rendered.move_to_end(key)
                return self._rendered[key]
        pcm = bytearray(self.total_frames(placed) * SAMPLE_WIDTH)
        for p in placed:
            try:
                with wave.open(str(self.directory / p.clip.file), "rb") as wav:
                    samples = wav.readframes(p.clip.frames)
            except (OSError, wave.Error, EOFError) as exc:
                raise self._missing(f"could not be read ({p.clip.file}: {exc})") from None
            start = p.start_frame * SAMPLE_WIDTH
            pcm[start : start + len(samples)] = samples
        out = io.BytesIO()
        with wave.open(out, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(SAMPLE_WIDTH)
            wav.setframerate(SAMPLE_RATE)
            wav.writeframes(bytes(pcm))
        data = out.getvalue()
        with self._lock:
            self._rendered[key] = data
            while len(self._rendered) > CACHED_RECORDINGS:
                self._rendered.popitem(last=False)
        return data
