"""aud_features: speech-rate tracking, yin vs pyin, and a long interview analysed end to end.

The audio is the espeak-ng fixtures in connectors/interview_room/recordings (made by
`python -m hrhub.scoring.audio.fixtures`), so the set speaking rate is known exactly.

Measured side by side in one run:
- `sweep_zh`, `sweep_en`: the rate-sweep clips (one text per language at 100-260 wpm) through
  `analyse_audio`; per rate the estimated syllables per second over the rate the clip really
  has (syllables espeak-ng spoke / clip length). Tracking is good when that ratio stays put as
  the rate changes: spread = (max-min)/mean. The same against the set wpm is reported too; it
  also carries espeak-ng's own departure from its set rate (large for Mandarin).
- `yin`, `pyin`: the same pipeline (decode, levels, syllables, pauses, pitch) on the same
  sample of answers, once with `librosa.yin` (what hrhub uses) and once with `librosa.pyin`;
  real-time factor of each per CPU-second, ratio yin/pyin.
- `interview`: N minutes of answers with pauses between them, as one WAV, analysed end to end
  from its bytes; the issue's target is 30 minutes in under 6 CPU-seconds (>= 300x real time).
- `scored`: the same N minutes fully scored: audio features from the WAV bytes plus the
  transcript (the clips' texts, timed as in the WAV) through the customer-service rubric; the
  target is 30 minutes in under 10 seconds. Scored twice, the two JSON documents must be the
  same bytes (reported as `same_bytes`).
Targets are reported, never asserted.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from hrhub.bench import Report, Result, rate_row, ratio, result

RECORDINGS = Path(__file__).resolve().parents[2] / "connectors" / "interview_room" / "recordings"
REGENERATE = "python -m hrhub.scoring.audio.fixtures --out connectors/interview_room/recordings"
PYIN_SAMPLE_S = 60.0
GAP_S = 1.5  # silence between answers in the built interview
SPREAD_TARGET = 0.10
RTF_TARGET = 300.0
SCORED_TARGET_S = 10.0  # a 30-minute interview fully scored
SCORED_FAMILY = "customer_service"
YIN_OVER_PYIN_TARGET = 10.0


def load_manifest(directory: Path = RECORDINGS) -> dict[str, Any]:
    """The fixtures' manifest; RuntimeError (reported by the CLI) says how to make them."""
    path = directory / "manifest.json"
    if not path.is_file():
        raise RuntimeError(f"no audio fixtures at {directory}; make them with `{REGENERATE}`")
    return json.loads(path.read_text(encoding="utf-8"))


def pyin_pitch(samples: np.ndarray, rate: int) -> np.ndarray:
    """`librosa.pyin` on the same pitch-frame grid as hrhub's yin route; NaN where unvoiced."""
    import librosa

    from hrhub.scoring.audio.features import FMAX, FMIN, PITCH_FRAME_S, PITCH_HOP_S

    frame, hop = round(PITCH_FRAME_S * rate), round(PITCH_HOP_S * rate)
    if len(samples) < frame:
        return np.zeros(0)
    f0, _voiced, _probability = librosa.pyin(
        samples, fmin=FMIN, fmax=FMAX, sr=rate, frame_length=frame, hop_length=hop, center=False
    )
    return f0


def answers_audio(manifest: dict[str, Any], seconds: float, directory: Path = RECORDINGS):
    """Answer clips in manifest order, GAP_S apart, repeated to exactly `seconds` (int16)."""
    rate = manifest["sample_rate"]
    clips = [
        sf.read(directory / clip["file"], dtype="int16")[0]
        for clip in manifest["clips"]
        if clip["kind"] == "answer"
    ]
    gap = np.zeros(round(GAP_S * rate), dtype=np.int16)
    one_round = np.concatenate([part for clip in clips for part in (clip, gap)])
    wanted = round(seconds * rate)
    repeats = -(-wanted // len(one_round))
    return np.tile(one_round, repeats)[:wanted]


def answers_analysis(manifest: dict[str, Any], seconds: float, directory: Path = RECORDINGS):
    """The transcript of `answers_audio(manifest, seconds)`: each clip's text at its times."""
    from hrhub.models import Consent, InterviewAnalysis, TranscriptSegment

    rate = manifest["sample_rate"]
    clips = [clip for clip in manifest["clips"] if clip["kind"] == "answer"]
    lengths = [sf.info(directory / clip["file"]).frames for clip in clips]
    gap = round(GAP_S * rate)
    segments, at, wanted, index = [], 0, round(seconds * rate), 0
    while at < wanted:
        clip, length = clips[index % len(clips)], lengths[index % len(clips)]
        end = min(at + length, wanted)
        segments.append(
            TranscriptSegment(
                question_id=clip["question_id"],
                start_ms=at * 1000 // rate,
                end_ms=end * 1000 // rate,
                text=clip["text"],
                language=clip["language"],
            )
        )
        at, index = end + gap, index + 1
    return InterviewAnalysis(
        source_system="interview_room",
        remote_id="bench-long-interview",
        modified_at="2026-01-05T10:00:00+08:00",
        interview_id="hrhub:interview:bench-long",
        application_id="hrhub:application:bench-long",
        candidate_id="hrhub:candidate:bench-long",
        language="zh",
        segments=segments,
        audio_duration_ms=round(seconds * 1000),
        consent=Consent(audio_consent=True),
        completed_at="2026-01-05T10:30:00+08:00",
    )


def _score_fully(wav: bytes, analysis: Any, model: Any) -> Any:
    """What the score step does for one interview: audio features, then the rubric."""
    from hrhub.scoring.audio import analyse_audio
    from hrhub.scoring.interview import score_interview

    return score_interview(analysis, model, audio=analyse_audio(wav).as_dict())


def _timed(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - wall, time.process_time() - cpu


def _audio_row(
    contender: str, label: str, audio_s: float, wall: float, cpu: float, **extra: Any
) -> Result:
    rtf = audio_s / cpu if cpu > 0 else float("inf")
    return rate_row(
        contender,
        label,
        round(audio_s),
        wall,
        audio_s=round(audio_s, 3),
        cpu_s=cpu,
        rtf=rtf,
        **{"ratios": None, "spread": None, "spread_to_wpm": None, **extra},
    )


def spread(values: list[float]) -> float:
    """(max - min) / mean: how far apart ratios that should be equal are."""
    return (max(values) - min(values)) / (sum(values) / len(values))


def _sweep(manifest: dict[str, Any], language: str, directory: Path) -> tuple[Result, list]:
    """One language's sweep: estimated rate over the clip's spoken rate, and over the set wpm."""
    from hrhub.scoring.audio import analyse_audio

    clips = sorted(
        (c for c in manifest["clips"] if c["kind"] == "rate_sweep" and c["language"] == language),
        key=lambda clip: clip["wpm"],
    )
    wall = cpu = audio = 0.0
    to_spoken, to_set, detail = [], [], []
    for clip in clips:
        features, clip_wall, clip_cpu = _timed(analyse_audio, directory / clip["file"])
        wall, cpu, audio = wall + clip_wall, cpu + clip_cpu, audio + features.duration_s
        spoken_sps = clip["syllables"] / clip["duration_s"]
        to_spoken.append(round(features.speech_rate_sps / spoken_sps, 4))
        to_set.append(round(features.speech_rate_sps / (clip["wpm"] / 60.0), 4))
        detail.append(
            {
                "wpm": clip["wpm"],
                "speech_rate_sps": round(features.speech_rate_sps, 4),
                "spoken_sps": round(spoken_sps, 4),
                "syllables_estimated": round(features.speech_rate_sps * features.duration_s),
                "syllables_spoken": clip["syllables"],
            }
        )
    row = _audio_row(
        f"sweep_{language}",
        f"sweep {language} {clips[0]['wpm']}-{clips[-1]['wpm']} wpm",
        audio,
        wall,
        cpu,
        ratios=to_spoken,
        spread=round(spread(to_spoken), 4),
        ratios_to_wpm=to_set,
        spread_to_wpm=round(spread(to_set), 4),
    )
    return row, detail


def _pitch_route(samples16: np.ndarray, rate: int, tracker: Any) -> Any:
    from hrhub.scoring.audio.features import features_of
    from hrhub.scoring.audio.read import decode_samples

    decoded = decode_samples(samples16, rate)
    return features_of(decoded.samples, decoded.rate, decoded.duration_s, pitch_tracker=tracker)


def aud_features(minutes: int = 30, *, report: Report, directory: Path = RECORDINGS) -> Result:
    """Sweep, yin vs pyin on a sample, then `minutes` of interview end to end."""
    from hrhub.scoring.audio import analyse_audio
    from hrhub.scoring.audio.features import yin_pitch

    manifest = load_manifest(directory)
    rate = manifest["sample_rate"]
    report("rate sweep: zh and en at 100-260 wpm")
    first = directory / manifest["clips"][0]["file"]
    analyse_audio(first)  # imports and librosa's first-call compilation stay out of the timings
    sweeps = {language: _sweep(manifest, language, directory) for language in ("zh", "en")}

    sample_s = min(PYIN_SAMPLE_S, minutes * 60.0)
    report(f"yin vs pyin on the same {sample_s:.0f} s of answers")
    sample = answers_audio(manifest, sample_s, directory)
    _pitch_route(sample[: rate * 2], rate, pyin_pitch)  # pyin's first-call compilation
    yin_features, wall, cpu = _timed(_pitch_route, sample, rate, yin_pitch)
    yin = _audio_row("yin", "yin route*", sample_s, wall, cpu)
    pyin_features, wall, cpu = _timed(_pitch_route, sample, rate, pyin_pitch)
    pyin = _audio_row("pyin", "pyin route*", sample_s, wall, cpu)

    report(f"building a {minutes}-minute interview WAV")
    buffer = io.BytesIO()
    interview_audio = answers_audio(manifest, minutes * 60.0, directory)
    sf.write(buffer, interview_audio, rate, subtype="PCM_16", format="WAV")
    wav = buffer.getvalue()
    report(f"analysing {minutes} minutes end to end")
    features, wall, cpu = _timed(analyse_audio, wav)
    label = f"{minutes}-min interview"
    interview = _audio_row("interview", label, minutes * 60.0, wall, cpu)

    report(f"scoring {minutes} minutes fully (audio + transcript + rubric), twice")
    from hrhub.scoring.interview import load_competency_model

    model = load_competency_model(SCORED_FAMILY)
    analysis = answers_analysis(manifest, minutes * 60.0, directory)
    from hrhub.scoring.interview import score_interview

    _, load_wall, _ = _timed(score_interview, analysis, model)  # loads spaCy and jieba once
    scored, wall, cpu = _timed(_score_fully, wav, analysis, model)
    same_bytes = scored.to_json() == _score_fully(wav, analysis, model).to_json()
    full = _audio_row("scored", f"{minutes}-min fully scored", minutes * 60.0, wall, cpu)
    scored_met = wall * 30 / minutes < SCORED_TARGET_S

    spreads = {language: row["spread"] for language, (row, _) in sweeps.items()}
    to_wpm = {language: row["spread_to_wpm"] for language, (row, _) in sweeps.items()}
    spread_met = all(value <= SPREAD_TARGET for value in [*spreads.values(), *to_wpm.values()])
    rtf_met = interview["rtf"] >= RTF_TARGET
    return result(
        "aud_features",
        title=f"Interview audio features: rate sweep, yin vs pyin, {minutes} min end to end",
        contenders=[sweeps["zh"][0], sweeps["en"][0], yin, pyin, interview, full],
        ratios=[ratio(yin, pyin, metric="rtf", threshold=YIN_OVER_PYIN_TARGET)],
        columns=[
            ("label", "contender"),
            ("rows", "audio s"),
            ("seconds", "seconds"),
            ("cpu_s", "CPU s"),
            ("rtf", "x real time/core"),
            ("ratios", "estimated/spoken rate, slow to fast"),
            ("spread", "spread"),
            ("spread_to_wpm", "spread vs wpm"),
        ],
        params={
            "minutes": minutes,
            "pyin_sample_s": sample_s,
            "gap_s": GAP_S,
            "analysis_rate": 8_000,
            "espeak_ng": manifest.get("espeak_ng"),
        },
        source={
            "spread_zh": spreads["zh"],
            "spread_en": spreads["en"],
            "spread_target_met": spread_met,
            "spread_to_wpm_zh": to_wpm["zh"],
            "spread_to_wpm_en": to_wpm["en"],
            "sweep_zh": sweeps["zh"][1],
            "sweep_en": sweeps["en"][1],
            "interview_cpu_s": round(interview["cpu_s"], 3),
            "interview_rtf": round(interview["rtf"], 1),
            "rtf_target_met": rtf_met,
            "interview_features": features.as_dict(),
            "scored_seconds": round(full["seconds"], 3),
            "scored_target_met": scored_met,
            "scored_same_bytes": same_bytes,
            "scored_overall": scored.result.overall_score,
            "scored_segments": len(analysis.segments),
            "first_score_seconds_with_model_load": round(load_wall, 3),
            "yin_pitch_median_hz": yin_features.pitch_median_hz,
            "pyin_pitch_median_hz": pyin_features.pitch_median_hz,
        },
        notes=[
            f"speech-rate tracking: spread of estimated/spoken rate zh {spreads['zh']:.1%}, en "
            f"{spreads['en']:.1%} (target <= {SPREAD_TARGET:.0%} for both references: "
            + ("met" if spread_met else "SHORT")
            + "); spoken rate = syllables espeak-ng spoke (its own transcription) / clip "
            "length",
            f"against the set wpm (the issue's measure) the spread is zh {to_wpm['zh']:.1%}, "
            f"en {to_wpm['en']:.1%}; espeak-ng's cmn voice still shortens its clips faster than "
            "-s rises (clip length x wpm falls ~11% from 100 to 260 wpm), hence both figures",
            f"interview: {minutes} min analysed in {interview['cpu_s']:.2f} CPU-s, "
            f"{interview['rtf']:,.0f}x real time (target >= {RTF_TARGET:,.0f}x, i.e. 30 min "
            "in < 6 s: " + ("met" if rtf_met else "SHORT") + ")",
            f"scored: {minutes} min ({len(analysis.segments)} answers) fully scored in "
            f"{full['seconds']:.2f} s (target: 30 min in < {SCORED_TARGET_S:g} s: "
            + ("met" if scored_met else "SHORT")
            + f"); scored twice: {'the same bytes' if same_bytes else 'DIFFERENT bytes'}; "
            f"spaCy and jieba load once per process ({load_wall:.1f} s, before timing)",
            f"* yin and pyin run the same pipeline on the same {sample_s:.0f} s of answers "
            "(decode of in-memory samples included); only the pitch tracker differs",
            "x real time/core = audio seconds per CPU-second of this process; first-call "
            "compilation (numba) is warmed up before timing",
        ],
    )
