"""Analyses and recordings from the real audio fixtures: the transcript's times agree with the
WAV, consent varies by candidate and withholds the audio, big recordings are refused."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
import soundfile as sf

from connectors._core.errors import ConfigError, DataContractError, RecordRejected
from connectors.interview_room import client as client_module
from connectors.interview_room.client import InterviewRoomClient
from connectors.interview_room.sim_audio import FIXTURES_DIR, REGENERATE, SILENCE_MS
from connectors.interview_room.simulator import InterviewRoomSimulator
from hrhub.mapping import load_mapping
from hrhub.models import InterviewAnalysis

from .support import FakeClock, client_for

MANIFEST = json.loads((FIXTURES_DIR / "manifest.json").read_text(encoding="utf-8"))
CLIP_TEXTS = {
    (c["language"], c["question_id"], c["quality"]): c["text"]
    for c in MANIFEST["clips"]
    if c["kind"] == "answer"
}


def analyses(client: InterviewRoomClient) -> list[dict[str, Any]]:
    return [r for page in client.read_stream("interview_analyses") for r in page]


def recorded(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["recording"]["available"]]


def test_segments_are_ordered_and_agree_with_the_recording(
    sim: InterviewRoomSimulator, client: InterviewRoomClient
) -> None:
    records = analyses(client)
    with_audio = recorded(records)
    assert {r["language"] for r in with_audio} == {"zh", "en"}
    for record in with_audio[:6]:
        segments = record["segments"]
        order = sim.orders[record["order_id"]]
        assert [s["question_id"] for s in segments] == [q["id"] for q in order["questions"]]
        starts = [s["start_ms"] for s in segments]
        ends = [s["end_ms"] for s in segments]
        assert starts[0] == 0 and all(a < b for a, b in zip(starts, ends, strict=True))
        assert all(
            abs(nxt - end - SILENCE_MS) <= 1 for end, nxt in zip(ends, starts[1:], strict=False)
        )
        for segment in segments:
            key = (record["language"], segment["question_id"])
            texts = {CLIP_TEXTS.get((*key, quality)) for quality in ("strong", "weak")}
            assert segment["text"] in texts and segment["language"] == record["language"]

        data = client.download_recording(record["session_id"])
        audio, rate = sf.read(io.BytesIO(data), dtype="float32")
        assert rate == 16_000 and audio.ndim == 1
        duration_ms = len(audio) * 1000 / rate
        assert abs(duration_ms - ends[-1]) < 1000
        assert record["recording"]["duration_ms"] == ends[-1]
        assert record["recording"]["size_bytes"] == len(data)
        # Speech where the transcript says the candidate spoke, silence between answers.
        for segment, gap_end in zip(segments, [*starts[1:], None], strict=True):
            spoken = audio[segment["start_ms"] * 16 : segment["end_ms"] * 16]
            assert np.sqrt(np.mean(spoken**2)) > 0.01
            if gap_end is not None:
                gap = audio[segment["end_ms"] * 16 + 16 : gap_end * 16 - 16]
                assert gap.size > 0 and np.max(np.abs(gap)) == 0.0


def test_weak_and_strong_answers_follow_the_candidate(client: InterviewRoomClient) -> None:
    qualities = set()
    for record in analyses(client):
        for segment in record["segments"]:
            if segment["question_id"] in ("q_complaint", "q_team"):
                for quality in ("strong", "weak"):
                    key = (record["language"], segment["question_id"], quality)
                    if CLIP_TEXTS[key] == segment["text"]:
                        qualities.add((record["candidate_id"], quality))
    by_candidate: dict[str, set[str]] = {}
    for candidate, quality in qualities:
        by_candidate.setdefault(candidate, set()).add(quality)
    assert all(len(q) == 1 for q in by_candidate.values())  # one way per candidate
    assert {q for qs in by_candidate.values() for q in qs} == {"strong", "weak"}


def test_consent_varies_by_candidate_and_deterministically(
    make_sim: Callable[..., InterviewRoomSimulator], clock: FakeClock
) -> None:
    first = analyses(client_for(make_sim()))
    clock.advance(86_400)  # another day, another server: the same people decide the same
    second = analyses(client_for(make_sim()))
    flags = {
        r["candidate_id"]: (
            r["consent"]["audio_consent"],
            r["consent"]["automated_decision_opt_out"],
        )
        for r in first
    }
    assert flags == {
        r["candidate_id"]: (
            r["consent"]["audio_consent"],
            r["consent"]["automated_decision_opt_out"],
        )
        for r in second
    }
    assert {audio for audio, _ in flags.values()} == {True, False}
    assert {opt_out for _, opt_out in flags.values()} == {True, False}
    assert all(r["consent"]["notice_version"] and r["consent"]["recorded_at"] for r in first)


def test_without_audio_consent_there_is_no_recording(client: InterviewRoomClient) -> None:
    refused = next(r for r in analyses(client) if not r["consent"]["audio_consent"])
    assert refused["recording"]["available"] is False and refused["recording"]["path"] is None
    assert refused["segments"], "the transcript is still delivered"
    with pytest.raises(RecordRejected) as failure:
        client.download_recording(refused["session_id"])
    assert failure.value.record_id == refused["session_id"]
    assert failure.value.field == "consent.audio_consent"
    assert "did not consent" in str(failure.value)


def test_a_recording_over_the_limit_is_refused_before_downloading(
    sim: InterviewRoomSimulator, client: InterviewRoomClient
) -> None:
    record = recorded(analyses(client))[0]
    path = record["recording"]["path"]
    sim.reset_stats()
    with pytest.raises(DataContractError) as failure:
        client.download_recording(record["session_id"], max_bytes=100_000)
    assert failure.value.record_id == record["session_id"]
    assert failure.value.field == "recording"
    assert f"{record['recording']['size_bytes']:,} bytes" in str(failure.value)
    assert "100,000-byte limit" in str(failure.value)
    assert sim.calls == [("GET", path)]  # the one-byte probe, nothing more


def test_recordings_come_in_ranges_and_survive_faults(
    sim: InterviewRoomSimulator, client: InterviewRoomClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = recorded(analyses(client))[0]
    whole = client.request("GET", record["recording"]["path"])
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"

    part = client.request("GET", record["recording"]["path"], headers={"Range": "bytes=44-99"})
    assert part.status_code == 206 and part.content == whole.content[44:100]
    assert part.headers["Content-Range"] == f"bytes 44-99/{len(whole.content)}"
    tail = client.request("GET", record["recording"]["path"], headers={"Range": "bytes=-10"})
    assert tail.content == whole.content[-10:]
    beyond = requests.get(
        sim.url + record["recording"]["path"],
        headers={
            "Authorization": f"Bearer {sim.API_KEY}",
            "X-Room-Workspace": sim.WORKSPACE,
            "Range": f"bytes={len(whole.content)}-",
        },
        timeout=5,
    )
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(whole.content)}"

    monkeypatch.setattr(client_module, "RECORDING_CHUNK_BYTES", 64_000)
    sim.set_faults("error_rate=0.3,drop=0.1,seed=2")
    sim.reset_stats()
    assert client.download_recording(record["session_id"]) == whole.content
    assert sim.counters["faulted"] + sim.counters["dropped"] > 0
    assert sim.counters["requests"] > len(whole.content) // 64_000


def test_analyses_map_to_the_canonical_record(client: InterviewRoomClient) -> None:
    mapping = load_mapping("interview_room", "interview_analysis", "in")
    records = analyses(client)
    mapped = [
        InterviewAnalysis.model_validate({**mapping.apply(r, record_id=r["session_id"]), "raw": r})
        for r in records
    ]
    assert len({m.canonical_id for m in mapped}) == len(records)
    for analysis, raw in zip(mapped, records, strict=True):
        assert analysis.interview_id == raw["external_id"]
        assert analysis.segments[-1].end_ms == analysis.audio_duration_ms
        assert analysis.consent.audio_consent == raw["consent"]["audio_consent"]
        assert (analysis.audio_ref is not None) == analysis.consent.audio_consent
        assert analysis.platform_signals["answer_latency_ms"] > 0
        assert analysis.completed_at is not None
        assert analysis.modified_at == analysis.completed_at


def test_missing_fixtures_say_how_to_make_them(
    make_sim: Callable[..., InterviewRoomSimulator], tmp_path: Path
) -> None:
    client = client_for(make_sim(fixtures_dir=tmp_path, seeded=3))
    with pytest.raises(ConfigError) as failure:
        analyses(client)
    assert REGENERATE in str(failure.value)
    assert failure.value.vendor_code == "fixtures_missing"
