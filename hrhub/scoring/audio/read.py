"""A WAV recording -> mono float32 samples at the analysis rate, or the reason it is unusable.

Scoring must never measure a recording it could not hear: every way a WAV can be unusable
raises `UnusableAudio` with a machine reason and a message a person can act on. The RIFF chunk
headers are checked before anything is decoded (a 3-hour upload is refused as too long from its
header, and a data chunk shorter than its header says is "truncated", which libsndfile would
quietly pad or cut). Decoding then runs in blocks, so the native-rate audio of a long recording
is never held whole in memory: each block is mixed to mono and resampled to ANALYSIS_RATE.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from math import ceil, gcd
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf

__all__ = [
    "ANALYSIS_RATE",
    "CLIPPED_LIMIT",
    "DEFAULT_MAX_SECONDS",
    "REASONS",
    "SILENT_DBFS",
    "Decoded",
    "UnusableAudio",
    "decode_samples",
    "decode_wav",
]

ANALYSIS_RATE = 8_000  # enough for syllable energy (300-3000 Hz) and pitch up to 400 Hz
DEFAULT_MAX_SECONDS = 3 * 3600.0
CLIPPED_LIMIT = 0.01  # share of samples at full scale above which levels cannot be trusted
FULL_SCALE = 0.9999  # |sample| at or above this is at full scale (PCM16: -32768 and 32767)
SILENT_DBFS = -50.0  # a recording whose loudest 10 ms stays below this has no usable speech
REASONS = ("not_wav", "empty", "truncated", "silent", "clipped", "too_long", "unreadable")

_BLOCK_FRAMES = 1 << 20  # decode about a minute of 16 kHz audio at a time
_UNKNOWN_SIZE = 0xFFFFFFFF  # streaming writers' "size not known" data chunk


class UnusableAudio(ValueError):
    """The recording cannot be measured; `reason` is one of REASONS, the message says why."""

    def __init__(self, reason: str, detail: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Decoded:
    """Mono samples at `rate`, and the length of the original recording."""

    samples: np.ndarray  # float32, mono
    rate: int
    duration_s: float  # frames / native rate of the input, before resampling


@dataclass(frozen=True)
class _Header:
    data_bytes: int  # what the header declares (or what is there, for a streamed file)
    available: int  # bytes of the data chunk actually present


def decode_wav(
    source: bytes | bytearray | memoryview | str | os.PathLike[str],
    *,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    rate: int = ANALYSIS_RATE,
) -> Decoded:
    """Check and decode one WAV (bytes or a path) to mono float32 at `rate`."""
    if isinstance(source, bytes | bytearray | memoryview):
        raw = bytes(source)
        if not raw:
            raise UnusableAudio("empty", "the file has 0 bytes")
        return _decode(io.BytesIO(raw), len(raw), max_seconds, rate)
    if not isinstance(source, str | os.PathLike):
        raise TypeError(f"audio must be bytes or a path, got {type(source).__name__}")
    path = Path(source)
    try:
        size = path.stat().st_size
        handle = path.open("rb")
    except OSError as exc:
        raise UnusableAudio("unreadable", f"cannot open {path}: {exc.strerror or exc}") from None
    with handle:
        if size == 0:
            raise UnusableAudio("empty", f"{path} has 0 bytes")
        return _decode(handle, size, max_seconds, rate)


def decode_samples(y: np.ndarray, sr: int, *, rate: int = ANALYSIS_RATE) -> Decoded:
    """Check samples already in memory: 1-D mono or 2-D (frames, channels) as soundfile gives.

    Integer arrays are scaled from their type's full scale; floats are taken as -1..1.
    """
    if int(sr) != sr or sr <= 0:
        raise ValueError(f"sample rate must be a positive whole number of Hz, got {sr}")
    array = np.asarray(y)
    if array.ndim not in (1, 2):
        raise UnusableAudio("unreadable", f"samples have {array.ndim} dimensions (need 1 or 2)")
    if np.issubdtype(array.dtype, np.integer):
        limits = np.iinfo(array.dtype)
        middle = (int(limits.max) + int(limits.min) + 1) / 2  # 0 signed, 128 for uint8
        array = (array.astype(np.float32) - np.float32(middle)) / np.float32(
            limits.max - middle + 1
        )
    elif not np.issubdtype(array.dtype, np.floating):
        raise UnusableAudio("unreadable", f"samples of type {array.dtype} are not audio")
    frames = array.shape[0]
    if frames == 0 or array.size == 0:
        raise UnusableAudio("empty", "0 samples")
    blocks = (array[i : i + _BLOCK_FRAMES] for i in range(0, frames, _BLOCK_FRAMES))
    return _collect(blocks, int(sr), rate, expected_frames=frames)


def _decode(handle: BinaryIO, size: int, max_seconds: float, rate: int) -> Decoded:
    header = _read_header(handle, size)
    if header.data_bytes == 0:
        raise UnusableAudio("empty", "the data chunk holds 0 samples (nothing was recorded)")
    if header.available < header.data_bytes:
        raise UnusableAudio(
            "truncated",
            f"the data chunk has {header.available:,} of the {header.data_bytes:,} bytes its "
            "header declares (upload or recording cut off)",
        )
    handle.seek(0)
    try:
        sound = sf.SoundFile(handle)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise UnusableAudio("unreadable", f"libsndfile cannot decode it ({exc})") from None
    with sound:
        frames, native = sound.frames, sound.samplerate
        if frames <= 0:
            raise UnusableAudio("empty", "0 samples (nothing was recorded)")
        seconds = frames / native
        if seconds > max_seconds:
            raise UnusableAudio(
                "too_long",
                f"{_clock(seconds)} long (limit {_clock(max_seconds)}); split the recording",
            )
        return _collect(_blocks(sound), native, rate, expected_frames=frames)


def _blocks(sound: sf.SoundFile) -> Iterator[np.ndarray]:
    try:
        while True:
            block = sound.read(_BLOCK_FRAMES, dtype="float32", always_2d=True)
            if not len(block):
                return
            yield block
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise UnusableAudio("unreadable", f"decoding failed part way ({exc})") from None


class _Levels:
    """Frames, clipping and peak counted over the blocks as they pass to the resampler."""

    def __init__(self) -> None:
        self.frames = 0
        self.clipped = 0
        self.values = 0
        self.peak = 0.0

    def mono(self, blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        for block in blocks:
            if not np.all(np.isfinite(block)):
                raise UnusableAudio("unreadable", "samples contain NaN or infinite values")
            magnitude = np.abs(block)
            self.frames += len(block)
            self.clipped += int(np.count_nonzero(magnitude >= FULL_SCALE))
            self.values += block.size
            self.peak = max(self.peak, float(magnitude.max(initial=0.0)))
            mono = block if block.ndim == 1 else block.mean(axis=1, dtype=np.float32)
            yield mono.astype(np.float32, copy=False)


def _collect(
    blocks: Iterator[np.ndarray], native: int, rate: int, expected_frames: int = 0
) -> Decoded:
    """Mono-mix and resample every block into one array; refuse clipped or silent audio."""
    levels = _Levels()
    samples = np.empty(ceil(expected_frames * rate / native) + 1, dtype=np.float32)
    filled = 0
    loudest = float("-inf")
    for piece in _resampled(levels.mono(blocks), native, rate):
        if filled + len(piece) > len(samples):
            samples = np.resize(samples, max(2 * len(samples), filled + len(piece)))
        samples[filled : filled + len(piece)] = piece
        filled += len(piece)
        loudest = max(loudest, _loudest_dbfs(piece, rate))
    share = levels.clipped / levels.values if levels.values else 0.0
    if share > CLIPPED_LIMIT:
        raise UnusableAudio(
            "clipped",
            f"{share:.1%} of samples at full scale (limit {CLIPPED_LIMIT:.0%}); record again "
            "with the input gain lower",
        )
    if levels.peak == 0.0 or loudest < SILENT_DBFS:
        shown = "-inf" if levels.peak == 0.0 else f"{loudest:.0f}"
        raise UnusableAudio(
            "silent",
            f"loudest 10 ms at {shown} dBFS (speech needs > {SILENT_DBFS:.0f} dBFS); check the "
            "microphone and that the right track was uploaded",
        )
    return Decoded(samples=samples[:filled], rate=rate, duration_s=levels.frames / native)


def _resampled(blocks: Iterator[np.ndarray], native: int, rate: int) -> Iterator[np.ndarray]:
    """Blocks resampled from `native` to `rate` as if they were one signal.

    Each piece is filtered with `pad` input samples of its neighbours (more than the
    polyphase filter's half-length) and starts on a multiple of `down`, so the pieces' output
    grids meet exactly and their concatenation is the resampled whole.
    """
    divisor = gcd(native, rate)
    up, down = rate // divisor, native // divisor
    if up == down:
        yield from blocks
        return
    half_length = ceil(10 * max(up, down) / up) + 2  # resample_poly's default filter, in input
    pad = down * ceil(half_length / down)
    carry = np.zeros(0, dtype=np.float32)
    carry_start = 0  # absolute input index of carry[0]
    done = 0  # input samples whose output has been yielded; a multiple of `down`
    for block in blocks:
        buffer = np.concatenate((carry, block))
        end = carry_start + len(buffer)
        ready = (max(end - pad, 0) // down) * down
        if ready > done:
            piece = buffer[max(done - pad, 0) - carry_start : ready + pad - carry_start]
            yield _piece(piece, done - max(done - pad, 0), ready - done, up, down)
            done = ready
        keep = max(done - pad, 0)
        carry, carry_start = buffer[keep - carry_start :], keep
    end = carry_start + len(carry)
    if end > done:
        piece = carry[max(done - pad, 0) - carry_start :]
        yield _piece(piece, done - max(done - pad, 0), end - done, up, down)


def _piece(segment: np.ndarray, lead: int, length: int, up: int, down: int) -> np.ndarray:
    """The output for `length` input samples that start `lead` samples into `segment`."""
    from scipy.signal import resample_poly  # here, not at import: see features.py

    out = resample_poly(segment.astype(np.float64), up, down)
    offset = lead * up // down
    return out[offset : offset + ceil(length * up / down)].astype(np.float32)


def _loudest_dbfs(samples: np.ndarray, rate: int) -> float:
    """The highest 10 ms mean power, in dB relative to full scale."""
    hop = max(rate // 100, 1)
    usable = len(samples) // hop * hop
    if usable == 0:
        return float("-inf")
    frames = samples[:usable].reshape(-1, hop).astype(np.float64)
    power = float(np.max(np.mean(frames * frames, axis=1)))
    return 10.0 * float(np.log10(power)) if power > 0 else float("-inf")


def _read_header(handle: BinaryIO, size: int) -> _Header:
    """Walk the RIFF chunk headers (never the data) to find fmt and data."""
    head = handle.read(12)
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        kind = _sniff(head)
        raise UnusableAudio("not_wav", f"not a WAV file ({kind}); upload a .wav recording")
    rf64_data: int | None = None
    seen_fmt = False
    position = 12
    while position + 8 <= size:
        handle.seek(position)
        chunk = handle.read(8)
        if len(chunk) < 8:
            break
        chunk_id, chunk_size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        body = position + 8
        if chunk_id == b"ds64" and chunk_size >= 16:
            rf64_data = struct.unpack("<Q", handle.read(16)[8:16])[0]
        elif chunk_id == b"fmt ":
            seen_fmt = True
        elif chunk_id == b"data":
            if not seen_fmt:
                raise UnusableAudio("unreadable", "the data chunk comes before any fmt chunk")
            available = size - body
            declared = chunk_size
            if head[:4] == b"RF64" and chunk_size == _UNKNOWN_SIZE and rf64_data is not None:
                declared = rf64_data
            elif chunk_size in (_UNKNOWN_SIZE, 0) and available > 0:
                declared = available  # written by a streaming recorder that never came back
            return _Header(data_bytes=declared, available=available)
        position = body + chunk_size + (chunk_size & 1)
    if not seen_fmt:
        raise UnusableAudio("unreadable", "no fmt chunk: the WAV header is damaged")
    raise UnusableAudio("truncated", "no data chunk after the header (recording cut off)")


def _sniff(head: bytes) -> str:
    signatures = (
        (b"fLaC", "FLAC"),
        (b"OggS", "Ogg"),
        (b"ID3", "MP3"),
        (b"\xff\xfb", "MP3"),
        (b"\x1aE\xdf\xa3", "WebM/Matroska"),
        (b"%PDF", "PDF"),
        (b"PK\x03\x04", "ZIP/Office"),
    )
    for magic, name in signatures:
        if head.startswith(magic):
            return f"looks like {name}"
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return "looks like MP4/M4A"
    if len(head) < 12:
        return f"only {len(head)} bytes"
    return "no RIFF/WAVE header"


def _clock(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
