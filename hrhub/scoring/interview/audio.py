"""Delivery from audio features: only with consent, only pace and pauses, only a small weight.

Voice may be biometric data (PIPL art. 28), so nothing of the recording enters a score unless
the candidate consented to audio analysis; without consent the features are ignored even when
a caller passes them. With consent, delivery is how far speech rate and the share of pauses lie
inside a normal conversational range, and it makes up DELIVERY_WEIGHT of communication.
Pitch and loudness are never scored: median pitch mostly tells sex and age apart, not skill.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from hrhub.scoring.audio.features import FEATURE_KEYS

__all__ = [
    "AUDIO_KEYS",
    "DELIVERY_COMPETENCY",
    "DELIVERY_RANGES",
    "DELIVERY_WEIGHT",
    "Delivery",
    "delivery_from",
    "in_range_score",
]

AUDIO_KEYS = FEATURE_KEYS
"""What the audio analysis delivers (syllables per second, ratios, Hz, semitones, dB, s)."""

DELIVERY_COMPETENCY = "communication"
DELIVERY_WEIGHT = 0.10
DELIVERY_RANGES: dict[str, tuple[float, float]] = {
    "speech_rate_sps": (2.5, 6.0),  # syllables/s: unhurried to brisk, zh and en alike
    "pause_ratio": (0.0, 0.35),  # share of the answer spent silent: long silences count
}


@dataclass
class Delivery:
    """What the audio contributed: a 0-1 delivery score and the features it came from."""

    used: bool
    score: float | None = None
    features: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def in_range_score(value: float, low: float, high: float) -> float:
    """1 inside [low, high], falling linearly to 0 at half the range's width outside it."""
    margin = (high - low) / 2
    distance = max(low - value, value - high, 0.0)
    return max(0.0, 1.0 - distance / margin)


def delivery_from(
    audio: Mapping[str, float | int | None] | None, *, consent: bool, audio_error: str | None
) -> Delivery:
    """The delivery part of communication, or why there is none (see the module docstring)."""
    if not audio:
        return Delivery(used=False)
    if not consent:
        return Delivery(used=False, notes=["audio features ignored: no audio consent"])
    if audio_error:
        return Delivery(used=False, notes=[f"audio features ignored: {audio_error}"])
    notes = [
        f"unknown audio feature {key!r} ignored" for key in sorted(audio) if key not in AUDIO_KEYS
    ]
    usable: dict[str, float] = {}
    for key in DELIVERY_RANGES:
        value = audio.get(key)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            notes.append(f"audio feature {key!r} is not a finite number ({value!r}): ignored")
            continue
        usable[key] = float(value)
    if not usable:
        notes.append("no usable delivery feature (speech_rate_sps, pause_ratio)")
        return Delivery(used=False, notes=notes)
    parts = [in_range_score(v, *DELIVERY_RANGES[k]) for k, v in usable.items()]
    return Delivery(used=True, score=sum(parts) / len(parts), features=usable, notes=notes)
