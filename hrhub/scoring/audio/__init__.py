"""Audio features for interview scoring (issue 8): speech rate, pauses, pitch, loudness.

`analyse_audio(wav)` checks a recording (bad input -> `UnusableAudio` with a reason and a
message a person can act on), decodes it in blocks to 8 kHz mono and measures it;
`analyse_samples(y, sr)` does the same for samples already in memory. The features come from
the signal alone (no transcript): syllable nuclei from a band-limited intensity contour (de Jong
& Wempe), pitch from `librosa.yin`. Only for recordings made with the candidate's consent
(DESIGN.md, "Scoring": a voice may be biometric data).
"""

from __future__ import annotations

import os

import numpy as np

from hrhub.scoring.audio.features import FEATURE_KEYS, AudioFeatures, features_of, yin_pitch
from hrhub.scoring.audio.read import (
    ANALYSIS_RATE,
    DEFAULT_MAX_SECONDS,
    REASONS,
    UnusableAudio,
    decode_samples,
    decode_wav,
)

__all__ = [
    "ANALYSIS_RATE",
    "DEFAULT_MAX_SECONDS",
    "FEATURE_KEYS",
    "REASONS",
    "AudioFeatures",
    "UnusableAudio",
    "analyse_audio",
    "analyse_samples",
    "yin_pitch",
]


def analyse_audio(
    source: bytes | str | os.PathLike[str], *, max_seconds: float = DEFAULT_MAX_SECONDS
) -> AudioFeatures:
    """Features of one WAV recording (bytes or a path); raises `UnusableAudio` with the reason."""
    decoded = decode_wav(source, max_seconds=max_seconds)
    return features_of(decoded.samples, decoded.rate, decoded.duration_s)


def analyse_samples(y: np.ndarray, sr: int) -> AudioFeatures:
    """Features of samples in memory: 1-D mono or 2-D (frames, channels), floats in -1..1."""
    decoded = decode_samples(y, sr)
    return features_of(decoded.samples, decoded.rate, decoded.duration_s)
