"""Broken recordings through the score step's audio analysis (librosa), among good ones.

The candidate consented to audio analysis, so the score step downloads each recording and
measures it. The hostile recording must make that interview's result unusable-audio, held for
a person with the reason (`audio_error`), never a crash and never a silent score with made-up
features; the two good interviews must be scored with their audio features.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import soundfile as sf

from connectors._core.errors import FatalError, RecordRejected
from hrhub.reliability.hostile.corpus import HostileInput, Verdict
from hrhub.reliability.hostile.interviews import (
    Interviews,
    analysis_payload,
    good_wav,
    score_among_good,
)
from hrhub.reliability.hostile.values import BINARY_HEADS, encoded, truncated

__all__ = ["ENTRY_POINT", "cases", "world"]

ENTRY_POINT = "audio"
RATE = 16_000
FIELDS = ("audio",)


@contextmanager
def world(folder: Path) -> Iterator[Interviews]:
    yield Interviews(folder, good_wav())


def _wav(samples: np.ndarray, rate: int = RATE, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


def _header(
    *,
    rate: int = RATE,
    channels: int = 1,
    bits: int = 16,
    data: bytes = b"",
    size: int | None = None,
) -> bytes:
    """A PCM WAV header with the given fields (any of them impossible) and `data`."""
    block = max(channels * bits // 8, 0)
    fmt = struct.pack("<HHIIHH", 1, channels, rate, min(rate * block, 2**32 - 1), block, bits)
    declared = len(data) if size is None else size
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
    body += b"data" + struct.pack("<I", declared) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _tone(seconds: float, amplitude: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def _float_wav(value: float) -> bytes:
    samples = _tone(2.0, 0.3)
    samples[::3] = value
    return _wav(samples, subtype="FLOAT")


# name -> (what is wrong, the recording's bytes given the good WAV)
_RECORDINGS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "empty": ("zero bytes", lambda _g: b""),
    "text": ("a text file in place of audio", lambda _g: "这不是录音".encode()),
    "gbk_text": ("GBK text named .wav", lambda _g: encoded("面试录音文件", "gbk") * 50),
    "mp3": (
        "an MP3 (ID3) labelled WAV",
        lambda _g: b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(400),
    ),
    "ogg": ("an Ogg file labelled WAV", lambda _g: b"OggS\x00\x02" + bytes(400)),
    "pdf": ("a PDF labelled WAV", lambda _g: BINARY_HEADS["pdf"]),
    "truncated": ("the download cut off half way", lambda g: truncated(g, 0.5)),
    "header_only": ("a header and no samples", lambda _g: _header()),
    "header_cut": ("the header cut off inside fmt", lambda g: g[:30]),
    "no_fmt": (
        "a data chunk with no fmt chunk",
        lambda _g: b"RIFF\x24\x00\x00\x00WAVEdata\x04\x00\x00\x00\x00\x00\x00\x00",
    ),
    "silent": ("ten seconds of digital silence", lambda _g: _wav(np.zeros(10 * RATE, np.int16))),
    "clipped": ("a square wave at full scale", lambda _g: _wav(np.sign(_tone(4.0, 1.0)) * 1.0)),
    "nan_samples": ("float samples that are NaN", lambda _g: _float_wav(float("nan"))),
    "inf_samples": ("float samples that are infinite", lambda _g: _float_wav(float("inf"))),
    "rate_zero": ("a sample rate of 0 Hz", lambda _g: _header(rate=0, data=bytes(3200))),
    "rate_huge": (
        "a sample rate of 4 GHz",
        lambda _g: _header(rate=4_000_000_000, data=bytes(3200)),
    ),
    "channels_zero": ("0 channels", lambda _g: _header(channels=0, data=bytes(3200))),
    "bits_7": ("7 bits per sample", lambda _g: _header(bits=7, data=bytes(3200))),
    "declares_4_hours": (
        "a header that declares four hours of audio",
        lambda _g: _header(data=bytes(3200), size=4 * 3600 * RATE * 2),
    ),
    "too_long": (
        "over the length limit (8 kHz, 3 h 0 min 2 s)",
        lambda _g: _header(rate=8000, bits=8, data=bytes(8000 * (3 * 3600 + 2))),
    ),
    "one_sample": ("a single sample", lambda _g: _wav(np.array([1000], np.int16))),
}


def _recordings(victim: str, hostile: bytes | Exception, good: bytes) -> Callable[[str], bytes]:
    def recordings(session_id: str) -> bytes:
        if session_id != victim:
            return good
        if isinstance(hostile, Exception):
            raise hostile
        return hostile

    return recordings


def feed_recording(make: Callable[[bytes], bytes | Exception]) -> Callable[[Interviews], Verdict]:
    def feed(interviews: Interviews) -> Verdict:
        victim = analysis_payload(0)
        recordings = _recordings(victim["remote_id"], make(interviews.wav), interviews.wav)
        return score_among_good(interviews, victim, recordings, field_names=FIELDS, audio=True)

    return feed


def cases() -> list[HostileInput]:
    found = [
        HostileInput(ENTRY_POINT, name, problem, feed_recording(make))
        for name, (problem, make) in _RECORDINGS.items()
    ]
    found += [
        HostileInput(
            ENTRY_POINT,
            "download_refused",
            "the room refuses the recording's download",
            feed_recording(
                lambda _g: RecordRejected(
                    "no_audio_consent", system="interview_room", status=403, field="recording"
                )
            ),
        ),
        HostileInput(
            ENTRY_POINT,
            "download_failed",
            "the download fails for good",
            feed_recording(
                lambda _g: FatalError("connection reset", system="interview_room", status=500)
            ),
        ),
    ]
    return found
