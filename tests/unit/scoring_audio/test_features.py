"""Features measured on the espeak-ng fixtures, whose rate, pauses and syllables are known."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from hrhub.scoring.audio import FEATURE_KEYS, AudioFeatures, analyse_audio, analyse_samples
from hrhub.scoring.audio.read import _resampled
from tests.unit.scoring_audio.conftest import RECORDINGS

Clips = dict[str, dict[str, Any]]
Analysed = dict[str, AudioFeatures]


def sweep(clips: Clips, analysed: Analysed, language: str) -> list[tuple[int, AudioFeatures]]:
    """(wpm, features) of one language's rate sweep, slowest first."""
    entries = [c for c in clips.values() if c["kind"] == "rate_sweep"]
    chosen = sorted((c["wpm"], analysed[c["file"]]) for c in entries if c["language"] == language)
    assert [wpm for wpm, _ in chosen] == [100, 140, 180, 220, 260]
    return chosen


def test_duration_matches_the_manifest(clips: Clips, analysed: Analysed) -> None:
    for name, clip in clips.items():
        assert analysed[name].duration_s == pytest.approx(clip["duration_s"], rel=0.01), name


@pytest.mark.parametrize("language", ["zh", "en"])
def test_speech_rate_rises_with_the_set_rate(
    clips: Clips, analysed: Analysed, language: str
) -> None:
    rates = [features.speech_rate_sps for _, features in sweep(clips, analysed, language)]
    assert all(slower < faster for slower, faster in pairwise(rates)), rates
    articulation = [f.articulation_rate_sps for _, f in sweep(clips, analysed, language)]
    assert all(slower < faster for slower, faster in pairwise(articulation)), articulation


@pytest.mark.parametrize("language", ["zh", "en"])
def test_speech_rate_tracks_the_spoken_rate_within_ten_percent(
    clips: Clips, analysed: Analysed, language: str
) -> None:
    """Estimated over spoken syllables per second stays put from 100 to 260 wpm."""
    by_wpm = {
        c["wpm"]: c
        for c in clips.values()
        if c["kind"] == "rate_sweep" and c["language"] == language
    }
    ratios = [
        f.speech_rate_sps / (by_wpm[wpm]["syllables"] / by_wpm[wpm]["duration_s"])
        for wpm, f in sweep(clips, analysed, language)
    ]
    assert spread(ratios) <= 0.10, ratios


@pytest.mark.parametrize("language", ["zh", "en"])
def test_speech_rate_tracks_the_set_wpm_within_ten_percent(
    clips: Clips, analysed: Analysed, language: str
) -> None:
    """The issue's measure: estimate over the set rate stays put from 100 to 260 wpm.

    (The Chinese sweep text has no punctuation: espeak-ng's pauses at commas do not shrink with
    -s, see test_fixtures.py, and would make the set rate untrue for the clip.)
    """
    ratios = [f.speech_rate_sps / (wpm / 60) for wpm, f in sweep(clips, analysed, language)]
    assert spread(ratios) <= 0.10, ratios


def spread(values: list[float]) -> float:
    return (max(values) - min(values)) / float(np.mean(values))


def test_syllable_estimates_are_close_to_what_espeak_spoke(
    clips: Clips, analysed: Analysed
) -> None:
    for name, clip in clips.items():
        features = analysed[name]
        estimated = features.speech_rate_sps * features.duration_s
        assert estimated == pytest.approx(clip["syllables"], rel=0.15), name


def test_pauses_are_found_where_word_gaps_were_inserted(clips: Clips, analysed: Analysed) -> None:
    answers = [c for c in clips.values() if c["kind"] == "answer"]
    gapped = [c for c in answers if c["pause_ms"] >= 300]
    fluent = [c for c in answers if c["pause_ms"] == 0]
    assert len(gapped) == 4 and len(fluent) == 10
    for clip in gapped:  # a gap after nearly every word (zh: every syllable)
        features = analysed[clip["file"]]
        assert features.pause_count >= 0.6 * clip["syllables"], clip["file"]
        assert features.pause_ratio >= 0.4, clip["file"]
    for clip in fluent:  # only the pauses espeak-ng makes at sentence ends
        features = analysed[clip["file"]]
        assert features.pause_count <= 3, clip["file"]
        assert features.pause_ratio < 0.15, clip["file"]
    for clip in gapped:
        strong = analysed[clip["file"].replace("_weak", "_strong")]
        assert analysed[clip["file"]].pause_count > strong.pause_count + 8


def test_articulation_rate_leaves_the_pauses_out(clips: Clips, analysed: Analysed) -> None:
    for name in clips:
        features = analysed[name]
        assert features.articulation_rate_sps > features.speech_rate_sps, name
    weak = analysed["answer_en_q_team_weak.wav"]
    assert weak.articulation_rate_sps > 2 * weak.speech_rate_sps


def test_pitch_is_in_the_range_of_the_espeak_voices(analysed: Analysed) -> None:
    for name, features in analysed.items():
        assert 75.0 <= features.pitch_median_hz <= 140.0, name
        assert 0.3 <= features.pitch_variability_st <= 4.0, name
        assert 3.0 <= features.loudness_variability_db <= 20.0, name


def test_as_dict_has_exactly_the_feature_keys(analysed: Analysed) -> None:
    values = analysed["rate_en_180.wpm.wav"].as_dict()
    assert tuple(values) == FEATURE_KEYS
    assert FEATURE_KEYS == (
        "duration_s",
        "speech_rate_sps",
        "articulation_rate_sps",
        "pause_ratio",
        "pause_count",
        "pitch_median_hz",
        "pitch_variability_st",
        "loudness_variability_db",
    )
    assert isinstance(values["pause_count"], int)
    for key, value in values.items():
        assert isinstance(value, float | int), key
        assert round(value, 4) == value, key


def test_same_input_gives_identical_features() -> None:
    path = RECORDINGS / "answer_zh_q_complaint_strong.wav"
    first = analyse_audio(path).as_dict()
    assert analyse_audio(path).as_dict() == first
    assert analyse_audio(path.read_bytes()).as_dict() == first
    assert analyse_audio(str(path)).as_dict() == first


def test_samples_in_memory_give_the_same_features_as_the_file() -> None:
    path = RECORDINGS / "answer_en_q_sales_strong.wav"
    expected = analyse_audio(path).as_dict()
    pcm, rate = sf.read(path, dtype="int16")
    assert analyse_samples(pcm, rate).as_dict() == expected
    assert analyse_samples(pcm.astype(np.float32) / 32768, rate).as_dict() == expected
    stereo = np.stack([pcm, pcm], axis=1)
    assert analyse_samples(stereo, rate).as_dict() == expected


def test_other_sample_rates_measure_alike() -> None:
    path = RECORDINGS / "answer_en_q_pipeline_strong.wav"
    at_16k = analyse_audio(path)
    samples, _ = sf.read(path, dtype="float64")
    at_44k = analyse_samples(resample_poly(samples, 441, 160), 44_100)
    assert at_44k.duration_s == pytest.approx(at_16k.duration_s, abs=0.001)
    assert at_44k.speech_rate_sps == pytest.approx(at_16k.speech_rate_sps, rel=0.05)
    assert at_44k.pitch_median_hz == pytest.approx(at_16k.pitch_median_hz, rel=0.03)
    assert at_44k.pause_count == at_16k.pause_count


def test_a_long_recording_adds_up_its_answers(clips: Clips, analysed: Analysed) -> None:
    """Minutes of answers with 1.5 s between them, crossing the 60 s processing chunks."""
    answers = sorted(name for name, clip in clips.items() if clip["kind"] == "answer")
    gap = np.zeros(24_000, dtype=np.int16)
    parts = []
    for name in answers:
        parts += [sf.read(RECORDINGS / name, dtype="int16")[0], gap]
    whole = analyse_samples(np.concatenate(parts[:-1]), 16_000)
    syllables = sum(analysed[n].speech_rate_sps * analysed[n].duration_s for n in answers)
    assert whole.speech_rate_sps * whole.duration_s == pytest.approx(syllables, rel=0.04)
    pauses = sum(analysed[n].pause_count for n in answers) + len(answers) - 1
    assert abs(whole.pause_count - pauses) <= 2
    assert whole.duration_s == pytest.approx(sum(analysed[n].duration_s for n in answers) + 19.5)


@pytest.mark.parametrize("native", [11_025, 16_000, 22_050, 44_100, 48_000])
def test_resampling_in_blocks_equals_resampling_the_whole(native: int) -> None:
    signal = np.random.default_rng(native).standard_normal(native * 3 + 17).astype(np.float32)
    blocks = (signal[i : i + 9_001] for i in range(0, len(signal), 9_001))
    pieces = np.concatenate(list(_resampled(blocks, native, 8_000)))
    divisor = np.gcd(native, 8_000)
    whole = resample_poly(signal.astype(np.float64), 8_000 // divisor, native // divisor)
    assert len(pieces) == len(whole)
    np.testing.assert_allclose(pieces, whole.astype(np.float32), atol=1e-6)


@pytest.mark.parametrize("name", ["answer_en_q_team_weak.wav", "answer_zh_q_sales_strong.wav"])
def test_room_noise_at_20_db_snr_changes_little(name: str) -> None:
    clean, rate = sf.read(RECORDINGS / name, dtype="float64")
    speech_power = np.mean(clean[np.abs(clean) > 0.01] ** 2)
    noise = np.random.default_rng(20).normal(0.0, np.sqrt(speech_power / 100), len(clean))
    quiet, noisy = analyse_samples(clean, rate), analyse_samples(clean + noise, rate)
    assert noisy.speech_rate_sps == pytest.approx(quiet.speech_rate_sps, rel=0.05)
    assert noisy.pause_count == quiet.pause_count
    assert noisy.pitch_median_hz == pytest.approx(quiet.pitch_median_hz, rel=0.02)
