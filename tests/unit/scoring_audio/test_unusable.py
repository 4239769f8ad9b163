"""Every way a recording can be unusable gives UnusableAudio with its reason and a clear message."""

from __future__ import annotations

import io
import re
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from hrhub.scoring.audio import REASONS, UnusableAudio, analyse_audio, analyse_samples
from tests.unit.scoring_audio.conftest import RECORDINGS

RATE = 16_000
SPEECH = RECORDINGS / "answer_en_q_team_strong.wav"


def wav_bytes(samples: np.ndarray, rate: int = RATE, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, subtype=subtype, format="WAV")
    return buffer.getvalue()


def reason_of(source: object, **kwargs: float) -> UnusableAudio:
    with pytest.raises(UnusableAudio) as caught:
        analyse_audio(source, **kwargs)  # type: ignore[arg-type]
    assert caught.value.reason in REASONS
    assert str(caught.value).startswith(f"{caught.value.reason}: ")
    return caught.value


def riff(*chunks: tuple[bytes, bytes]) -> bytes:
    body = b"WAVE" + b"".join(cid + struct.pack("<I", len(data)) + data for cid, data in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def fmt_chunk(tag: int = 1, channels: int = 1, rate: int = RATE, bits: int = 16) -> bytes:
    align = channels * bits // 8
    return struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)


def test_unusable_audio_is_a_value_error_with_a_known_reason() -> None:
    error = UnusableAudio("silent", "loudest 10 ms at -inf dBFS")
    assert isinstance(error, ValueError)
    assert (error.reason, str(error)) == ("silent", "silent: loudest 10 ms at -inf dBFS")
    with pytest.raises(ValueError, match="unknown reason"):
        UnusableAudio("too_quiet", "not one of REASONS")


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(500), "MP3"),
        (b"fLaC\x00\x00\x00\x22" + bytes(500), "FLAC"),
        (b"candidate answer as text, not audio\n" * 20, "no RIFF/WAVE header"),
        (b"RIFF", "only 4 bytes"),
    ],
)
def test_not_a_wav(data: bytes, named: str) -> None:
    error = reason_of(data)
    assert error.reason == "not_wav"
    assert named in str(error)
    assert "upload a .wav recording" in str(error)


def test_a_file_of_zero_bytes_and_a_wav_of_zero_samples_are_empty(tmp_path: Path) -> None:
    assert reason_of(b"").reason == "empty"
    (tmp_path / "nothing.wav").write_bytes(b"")
    assert reason_of(tmp_path / "nothing.wav").reason == "empty"
    no_samples = wav_bytes(np.zeros(0, dtype=np.int16))
    assert len(no_samples) == 44
    error = reason_of(no_samples)
    assert error.reason == "empty"
    assert "0 samples" in str(error)
    with pytest.raises(UnusableAudio, match=r"^empty: 0 samples$"):
        analyse_samples(np.zeros(0, dtype=np.float32), RATE)


def test_a_data_chunk_shorter_than_its_header_says_is_truncated(tmp_path: Path) -> None:
    whole = SPEECH.read_bytes()
    cut = whole[: len(whole) // 2 + 1]
    error = reason_of(cut)
    assert error.reason == "truncated"
    declared = len(whole) - 44
    assert f"of the {declared:,} bytes its header declares" in str(error)
    (tmp_path / "cut.wav").write_bytes(cut)
    assert reason_of(tmp_path / "cut.wav").reason == "truncated"
    assert reason_of(whole[:40]).reason == "truncated"  # the header stops before the data chunk


def test_all_zero_audio_is_silent() -> None:
    error = reason_of(wav_bytes(np.zeros(RATE * 3, dtype=np.int16)))
    assert error.reason == "silent"
    assert "-inf dBFS" in str(error)
    with pytest.raises(UnusableAudio, match=r"^silent: "):
        analyse_samples(np.zeros((RATE, 2), dtype=np.int16), RATE)


def test_a_barely_audible_hiss_is_silent() -> None:
    hiss = np.random.default_rng(7).normal(0.0, 10**-3.5, RATE * 3)  # about -70 dBFS
    error = reason_of(wav_bytes(hiss.astype(np.float32), subtype="FLOAT"))
    assert error.reason == "silent"
    assert re.search(r"loudest 10 ms at -\d+ dBFS \(speech needs > -50 dBFS\)", str(error))


def test_quiet_speech_is_measured_like_loud_speech() -> None:
    pcm, rate = sf.read(SPEECH, dtype="float32")
    loud, quiet = analyse_samples(pcm, rate), analyse_samples(pcm * 0.02, rate)  # -34 dB
    assert quiet.as_dict() == pytest.approx(loud.as_dict(), rel=0.02)


def test_a_full_scale_square_wave_is_clipped() -> None:
    period = np.r_[np.full(40, 32767), np.full(40, -32768)].astype(np.int16)
    error = reason_of(wav_bytes(np.tile(period, RATE * 2 // 80)))
    assert error.reason == "clipped"
    assert str(error).startswith("clipped: 100.0% of samples at full scale (limit 1%)")


def test_overdriven_speech_is_clipped_and_a_few_peaks_are_not() -> None:
    pcm, rate = sf.read(SPEECH, dtype="float64")
    overdriven = np.clip(pcm * 8, -1.0, 32767 / 32768)
    error = reason_of(wav_bytes(overdriven, rate))
    assert error.reason == "clipped"
    share = float(re.match(r"clipped: ([\d.]+)%", str(error)).group(1))
    at_full_scale = np.mean(np.abs(np.round(overdriven * 32768)) >= 32767) * 100
    assert share == pytest.approx(at_full_scale, abs=0.05)
    few = pcm.copy()
    few[:: len(few) // 50] = 1.0  # 50 samples at full scale: far under 1%
    assert analyse_samples(few, rate).pause_count == analyse_audio(SPEECH).pause_count


def test_longer_than_max_seconds_is_too_long() -> None:
    error = reason_of(SPEECH, max_seconds=5)
    assert error.reason == "too_long"
    assert str(error) == "too_long: 0:10 long (limit 0:05); split the recording"


def test_too_long_is_told_from_the_header_of_a_huge_file(tmp_path: Path) -> None:
    """A four-hour WAV (a sparse file: its data is never written) is refused from its header."""
    rate, seconds = 8_000, 4 * 3600
    data_bytes = rate * seconds
    header = riff((b"fmt ", fmt_chunk(rate=rate, bits=8)))
    header = header[:4] + struct.pack("<I", 4 + 24 + 8 + data_bytes) + header[8:]
    path = tmp_path / "four_hours.wav"
    with path.open("wb") as handle:
        handle.write(header + b"data" + struct.pack("<I", data_bytes))
        handle.truncate(len(header) + 8 + data_bytes)
    error = reason_of(path)
    assert error.reason == "too_long"
    assert str(error) == "too_long: 4:00:00 long (limit 3:00:00); split the recording"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (riff((b"fmt ", fmt_chunk(tag=0x1234)), (b"data", bytes(3200))), "libsndfile cannot"),
        (riff((b"LIST", bytes(8)), (b"data", bytes(3200))), "before any fmt chunk"),
        (riff((b"LIST", bytes(8))), "no fmt chunk"),
        (riff((b"fmt ", fmt_chunk(channels=0)), (b"data", bytes(3200))), "libsndfile cannot"),
    ],
)
def test_a_damaged_header_is_unreadable(data: bytes, says: str) -> None:
    error = reason_of(data)
    assert error.reason == "unreadable"
    assert says in str(error)


def test_samples_that_are_not_numbers_are_unreadable() -> None:
    broken = np.ones(RATE, dtype=np.float32) * 0.1
    broken[100] = np.nan
    with pytest.raises(UnusableAudio, match=r"^unreadable: samples contain NaN"):
        analyse_samples(broken, RATE)
    with pytest.raises(UnusableAudio, match=r"^unreadable: samples have 3 dimensions"):
        analyse_samples(np.zeros((2, 2, 2)), RATE)


def test_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    error = reason_of(tmp_path / "absent.wav")
    assert error.reason == "unreadable"
    assert "absent.wav" in str(error)
