"""The shared recordings: what the manifest promises, and that espeak-ng remakes them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf

from hrhub.scoring.audio import fixtures
from tests.unit.scoring_audio.conftest import RECORDINGS

QUESTIONS = ("q_complaint", "q_team", "q_sales", "q_pipeline", "q_motivation")
FIELDS = {
    "file",
    "kind",
    "language",
    "question_id",
    "quality",
    "text",
    "voice",
    "wpm",
    "pause_ms",
    "syllables",
    "duration_s",
}
ESPEAK = Path("/usr/bin/espeak-ng")


def test_manifest_lists_every_clip_once_sorted(manifest: dict[str, Any]) -> None:
    assert manifest["sample_rate"] == 16_000
    assert manifest["generator"].startswith("python -m hrhub.scoring.audio.fixtures")
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?", manifest["espeak_ng"])
    names = [clip["file"] for clip in manifest["clips"]]
    assert names == sorted(set(names))
    assert {path.name for path in RECORDINGS.glob("*.wav")} == set(names)
    assert all(set(clip) == FIELDS for clip in manifest["clips"])
    answers = {
        (c["language"], c["question_id"], c["quality"])
        for c in manifest["clips"]
        if c["kind"] == "answer"
    }
    strong = {(lang, q, "strong") for lang in ("zh", "en") for q in QUESTIONS}
    weak = {(lang, q, "weak") for lang in ("zh", "en") for q in ("q_complaint", "q_team")}
    assert answers == strong | weak
    sweep = {(c["language"], c["wpm"]) for c in manifest["clips"] if c["kind"] == "rate_sweep"}
    assert sweep == {(lang, wpm) for lang in ("zh", "en") for wpm in (100, 140, 180, 220, 260)}
    for clip in manifest["clips"]:
        if clip["kind"] == "rate_sweep":
            assert clip["question_id"] is None and clip["quality"] is None
            assert clip["text"] == fixtures.SWEEP_TEXTS[clip["language"]]


def test_every_clip_is_16k_mono_pcm16_of_the_stated_length(manifest: dict[str, Any]) -> None:
    total = 0
    for clip in manifest["clips"]:
        path = RECORDINGS / clip["file"]
        info = sf.info(path)
        assert (info.samplerate, info.channels, info.subtype, info.format) == (
            16_000,
            1,
            "PCM_16",
            "WAV",
        ), clip["file"]
        assert round(info.frames / 16_000, 3) == clip["duration_s"]
        if clip["kind"] == "answer":
            assert 8.0 <= clip["duration_s"] <= 15.0, clip["file"]
            assert 150 <= clip["wpm"] <= 170, clip["file"]
        total += path.stat().st_size
    assert total <= 8_500_000


def test_answers_say_what_their_quality_promises(manifest: dict[str, Any]) -> None:
    clips = {c["file"]: c for c in manifest["clips"]}
    for clip in clips.values():
        if clip["kind"] != "answer":
            continue
        if clip["quality"] == "strong":  # results with numbers, no fillers
            assert re.search(r"\d|五|十|两", clip["text"]), clip["file"]
            assert not re.search(r"\b(um|uh)\b|嗯|那个", clip["text"]), clip["file"]
            assert clip["pause_ms"] == 0
        else:
            assert re.search(r"\b(um|uh|like)\b|嗯|那个|就是", clip["text"]), clip["file"]
            assert not re.search(r"\d", clip["text"]), clip["file"]
            assert clip["pause_ms"] == 300
    complaint = clips["answer_zh_q_complaint_strong.wav"]["text"]
    assert "理解您的心情" in complaint and "解决方案" in complaint


def test_espeak_honours_the_set_rate_in_english_but_not_in_mandarin(
    manifest: dict[str, Any],
) -> None:
    """Why both references are reported: clip length x wpm is not constant for the cmn voice."""
    for language, low, high in (("en", 0.98, 1.02), ("zh", 0.80, 0.92)):
        sweep = sorted(
            (c["wpm"], c["duration_s"])
            for c in manifest["clips"]
            if c["kind"] == "rate_sweep" and c["language"] == language
        )
        fastest, slowest = sweep[-1][0] * sweep[-1][1], sweep[0][0] * sweep[0][1]
        assert low <= fastest / slowest <= high, (language, sweep)


@pytest.mark.skipif(not ESPEAK.is_file(), reason="/usr/bin/espeak-ng is not installed")
@pytest.mark.parametrize(
    "name", ["answer_zh_q_team_weak.wav", "answer_en_q_sales_strong.wav", "rate_zh_220.wpm.wav"]
)
def test_espeak_regenerates_a_fixture_of_the_same_length(
    manifest: dict[str, Any], name: str
) -> None:
    entry = next(clip for clip in manifest["clips"] if clip["file"] == name)
    clip = next(c for c in fixtures.all_clips() if c.file == name)
    assert (clip.text, clip.wpm, clip.pause_ms) == (entry["text"], entry["wpm"], entry["pause_ms"])
    samples = fixtures.render(clip)
    assert len(samples) / fixtures.SAMPLE_RATE == pytest.approx(entry["duration_s"], rel=0.01)
    assert fixtures.count_syllables(clip.text, clip.language) == entry["syllables"]
