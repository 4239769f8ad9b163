"""Speech rate, pauses, pitch and loudness of one recording, measured from the signal alone.

Syllables are counted the way de Jong & Wempe (2009) count them, without a transcript: peaks
of a band-limited (300-3000 Hz, where vowels carry their energy) intensity contour that stand
out from the silence, rise DIP_DB above the dips around them, lie MIN_SYLLABLE_S apart and fall
on voiced frames. Voicing comes from the pitch track itself: `librosa.yin` (not the slow
`pyin`) moves smoothly through voiced speech and jumps about in noise and fricatives, so a
frame is voiced when it is loud and its pitch continues a neighbour's. Silences of at least
MIN_PAUSE_S between the first and the last speech are pauses.

Everything runs on 8 kHz audio in 10 ms frames, as numpy operations over whole arrays, in
60 s chunks so that a long recording's temporaries stay small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

# scipy is imported inside the functions that filter: importing it costs seconds, and every
# Airflow task of the flow imports this package (through the job profiles and the rubric)
# while only the score step measures audio.

__all__ = [
    "FEATURE_KEYS",
    "FMAX",
    "FMIN",
    "AudioFeatures",
    "PitchTracker",
    "features_of",
    "yin_pitch",
]

FMIN, FMAX = 60.0, 400.0
HOP_S = 0.01  # one intensity frame
SMOOTH_S = 0.04  # intensity contour smoothing (shorter than a syllable at 7 per second)
BAND_HZ = (300.0, 3000.0)
SILENCE_DB = 25.0  # speech is louder than (robust peak - SILENCE_DB), as in de Jong & Wempe
NOISE_MARGIN_DB = 6.0  # ... and louder than the noise floor + this margin
NOISE_CAP_DB = 10.0  # ... but the threshold stays this far below the peak in a noisy room
VOICED_DB = 20.0  # frames within this of the robust peak can carry pitch and syllable nuclei
DIP_DB = 3.0  # a syllable peak rises this much above the dips around it (prominence)
MIN_SYLLABLE_S = 0.08
MIN_PAUSE_S = 0.25
CLICK_FRAMES = 3  # running median over frame power: a click lasts one frame, a syllable many
PITCH_FRAME_S = 0.04  # two periods of FMIN
PITCH_HOP_S = 0.02
PITCH_MEDIAN_FRAMES = 5  # 100 ms running median over the pitch track
OCTAVE_ST = 12.0
STEADY_ST = 2.5  # voiced pitch moves less than this (semitones) between 20 ms frames
MIN_VOICED_FRAMES = 10  # fewer voiced pitch frames than this: pitch not measurable
CHUNK_S = 60.0  # filter and pitch-track this much audio at a time
DECIMALS = 4

FEATURE_KEYS = (
    "duration_s",
    "speech_rate_sps",
    "articulation_rate_sps",
    "pause_ratio",
    "pause_count",
    "pitch_median_hz",
    "pitch_variability_st",
    "loudness_variability_db",
)

PitchTracker = Callable[[np.ndarray, int], np.ndarray]
"""(mono samples, rate) -> f0 in Hz per pitch frame (frame k starts at k * hop), NaN unvoiced."""


@dataclass(frozen=True)
class AudioFeatures:
    """What the recording shows about delivery; None where it could not be measured."""

    duration_s: float
    speech_rate_sps: float | None  # syllables per second over the whole recording
    articulation_rate_sps: float | None  # syllables per second of speaking time
    pause_ratio: float | None  # pause time / time from first to last speech
    pause_count: int  # silences >= MIN_PAUSE_S between the first and the last speech
    pitch_median_hz: float | None
    pitch_variability_st: float | None  # std of voiced pitch, semitones
    loudness_variability_db: float | None  # std of smoothed frame level over speech, dB

    def as_dict(self) -> dict[str, float | int | None]:
        """FEATURE_KEYS -> values, floats rounded to DECIMALS places (stable across runs)."""
        values = asdict(self)
        return {key: _rounded(values[key]) for key in FEATURE_KEYS}


def _rounded(value: Any) -> float | int | None:
    if value is None or isinstance(value, int):
        return value
    return round(float(value), DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def yin_pitch(samples: np.ndarray, rate: int) -> np.ndarray:
    """f0 per pitch frame by `librosa.yin`, in chunks so its frame matrices stay small."""
    import librosa

    frame, hop = round(PITCH_FRAME_S * rate), round(PITCH_HOP_S * rate)
    count = _frame_count(len(samples), frame, hop)
    f0 = np.full(count, np.nan)
    per_chunk = max(int(CHUNK_S * rate) // hop, 1)
    for first in range(0, count, per_chunk):
        last = min(first + per_chunk, count)
        piece = samples[first * hop : (last - 1) * hop + frame]
        f0[first:last] = librosa.yin(
            piece, fmin=FMIN, fmax=FMAX, sr=rate, frame_length=frame, hop_length=hop, center=False
        )
    return f0


def features_of(
    samples: np.ndarray,
    rate: int,
    duration_s: float,
    *,
    pitch_tracker: PitchTracker = yin_pitch,
) -> AudioFeatures:
    """Measure mono `samples` at `rate`; `duration_s` is the original recording's length."""
    hop = round(HOP_S * rate)
    full_power, band_power = _levels(samples, rate, hop)
    full_db, band_db = _db(full_power), _db(_smooth(band_power))
    speech, loud = _speech_frames(full_db, band_db)
    if not speech.any():
        return _nothing(duration_s)
    first, last = np.flatnonzero(speech)[[0, -1]]
    pauses = _runs(~speech[first : last + 1], round(MIN_PAUSE_S / HOP_S))
    pause_frames = int(sum(length for _, length in pauses))
    span = last - first + 1
    speaking_s = (span - pause_frames) * HOP_S
    f0 = _smoothed(pitch_tracker(samples, rate))
    nearest = _nearest_pitch_frame(len(full_db), len(f0), rate, hop)
    voiced = (loud & _steady(f0)[nearest]) if len(f0) else np.zeros_like(loud)
    syllables = _syllable_nuclei(band_db, voiced)
    pitch = _voiced_pitch(f0, rate, voiced, hop)
    pitch_median = float(np.median(pitch)) if len(pitch) >= MIN_VOICED_FRAMES else None
    variability = (
        float(np.std(12.0 * np.log2(pitch / pitch_median))) if pitch_median is not None else None
    )
    level = _db(_smooth(full_power))[speech]
    return AudioFeatures(
        duration_s=duration_s,
        speech_rate_sps=len(syllables) / duration_s if duration_s > 0 else None,
        articulation_rate_sps=len(syllables) / speaking_s if speaking_s > 0 else None,
        pause_ratio=pause_frames / span,
        pause_count=len(pauses),
        pitch_median_hz=pitch_median,
        pitch_variability_st=variability,
        loudness_variability_db=float(np.std(level)) if len(level) > 1 else None,
    )


def _nothing(duration_s: float) -> AudioFeatures:
    return AudioFeatures(duration_s, None, None, None, 0, None, None, None)


def _levels(samples: np.ndarray, rate: int, hop: int) -> tuple[np.ndarray, np.ndarray]:
    """Full-band and band-limited power of each 10 ms frame (power re full scale).

    A 3-frame running median takes out clicks (one loud frame) before anything is measured.
    """
    from scipy.ndimage import median_filter
    from scipy.signal import butter, sosfilt, sosfilt_zi

    count = len(samples) // hop
    full = np.empty(count)
    band = np.empty(count)
    sos = butter(2, BAND_HZ, btype="bandpass", fs=rate, output="sos")
    state = sosfilt_zi(sos) * 0.0
    per_chunk = max(int(CHUNK_S * rate) // hop, 1)
    for first in range(0, count, per_chunk):
        last = min(first + per_chunk, count)
        piece = samples[first * hop : last * hop].astype(np.float64)
        filtered, state = sosfilt(sos, piece, zi=state)
        full[first:last] = np.mean(np.square(piece).reshape(-1, hop), axis=1)
        band[first:last] = np.mean(np.square(filtered).reshape(-1, hop), axis=1)
    if count:
        full = median_filter(full, CLICK_FRAMES, mode="nearest")
        band = median_filter(band, CLICK_FRAMES, mode="nearest")
    return full, band


def _db(power: np.ndarray) -> np.ndarray:
    return 10.0 * np.log10(power + 1e-12)  # 1e-12: -120 dB, digital silence


def _smooth(power: np.ndarray) -> np.ndarray:
    """Power averaged over SMOOTH_S (in power, so silence next to speech weighs nothing)."""
    from scipy.ndimage import uniform_filter1d

    width = round(SMOOTH_S / HOP_S)
    return uniform_filter1d(power, width, mode="nearest") if len(power) else power


def _speech_frames(full_db: np.ndarray, band_db: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frames loud enough to be speech, and the louder ones that can carry voicing.

    Levels are relative to the recording's robust peak (99th percentile), so the microphone
    gain does not matter; the noise floor (5th percentile) keeps room noise out.
    """
    if not len(full_db):
        return np.zeros(0, bool), np.zeros(0, bool)
    peak = float(np.percentile(full_db, 99))
    floor = float(np.percentile(full_db, 5))
    threshold = max(peak - SILENCE_DB, min(floor + NOISE_MARGIN_DB, peak - NOISE_CAP_DB))
    speech = full_db > threshold
    band_peak = float(np.percentile(band_db, 99))
    return speech, speech & (band_db > band_peak - VOICED_DB)


def _runs(mask: np.ndarray, minimum: int) -> list[tuple[int, int]]:
    """(start, length) of every run of True in `mask` at least `minimum` long."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    lengths = np.flatnonzero(edges == -1) - starts
    keep = lengths >= minimum
    return list(zip(starts[keep].tolist(), lengths[keep].tolist(), strict=True))


def _syllable_nuclei(band_db: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """Frame indices of syllable nuclei: prominent, spaced, voiced intensity peaks."""
    from scipy.signal import find_peaks

    peaks, _ = find_peaks(
        band_db, prominence=DIP_DB, distance=max(round(MIN_SYLLABLE_S / HOP_S), 1)
    )
    return peaks[voiced[peaks]]


def _smoothed(f0: np.ndarray) -> np.ndarray:
    """The pitch track through a running median of PITCH_MEDIAN_FRAMES: one-frame glitches
    (a period doubled or halved for 20 ms) go, unvoiced stretches stay erratic. NaN -> 0."""
    from scipy.ndimage import median_filter

    f0 = np.nan_to_num(np.asarray(f0, dtype=np.float64), nan=0.0)
    return median_filter(f0, PITCH_MEDIAN_FRAMES, mode="nearest") if len(f0) else f0


def _steady(f0: np.ndarray) -> np.ndarray:
    """Pitch frames that continue a neighbour's pitch (within STEADY_ST): voicing.

    In voiced speech yin's period moves smoothly from frame to frame; in noise, fricatives and
    silence it jumps about the whole range, so continuity tells voiced from unvoiced at no
    extra cost. 0 (pyin's unvoiced NaN) is never steady.
    """
    inside = np.isfinite(f0) & (f0 > FMIN * 1.01) & (f0 < FMAX * 0.99)
    semitones = 12.0 * np.log2(np.where(inside, f0, FMIN))
    close = (np.abs(np.diff(semitones)) < STEADY_ST) & inside[1:] & inside[:-1]
    steady = np.zeros(len(f0), dtype=bool)
    steady[1:] |= close
    steady[:-1] |= close
    return steady


def _nearest_pitch_frame(frames: int, pitch_frames: int, rate: int, hop: int) -> np.ndarray:
    """For each intensity frame, the pitch frame whose centre is nearest to its centre."""
    frame, pitch_hop = round(PITCH_FRAME_S * rate), round(PITCH_HOP_S * rate)
    centres = np.arange(frames) * hop + hop / 2
    nearest = np.rint((centres - frame / 2) / pitch_hop).astype(np.int64)
    return np.clip(nearest, 0, max(pitch_frames - 1, 0))


def _voiced_pitch(f0: np.ndarray, rate: int, voiced: np.ndarray, hop: int) -> np.ndarray:
    """f0 of the pitch frames centred on voiced intensity frames, octave errors removed.

    What is still more than an octave from the median after smoothing is a halving or
    doubling error, not intonation.
    """
    frame, pitch_hop = round(PITCH_FRAME_S * rate), round(PITCH_HOP_S * rate)
    centres = (np.arange(len(f0)) * pitch_hop + frame // 2) // hop
    inside = centres < len(voiced)
    f0, centres = f0[inside], centres[inside]
    f0 = f0[voiced[centres] & (f0 > FMIN * 1.01) & (f0 < FMAX * 0.99)]
    if not len(f0):
        return f0
    semitones = 12.0 * np.log2(f0 / np.median(f0))
    return f0[np.abs(semitones) <= OCTAVE_ST]


def _frame_count(length: int, frame: int, hop: int) -> int:
    return 0 if length < frame else 1 + (length - frame) // hop
