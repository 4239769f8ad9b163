"""The interview-room audio fixtures, spoken by espeak-ng: answers and a speech-rate sweep.

`python -m hrhub.scoring.audio.fixtures --out connectors/interview_room/recordings` writes every
clip as 16 kHz mono PCM16 WAV plus `manifest.json` (clips sorted by file name, so a rerun with
the same espeak-ng gives the same files). Answers: the five bank questions in Chinese and
English, a "strong" STAR answer with numbers each, and a "weak" vague answer with fillers and
hesitation pauses (`-g`) for q_complaint and q_team. The sweep: one fixed text per language
spoken at 100-260 words per minute, the ground truth the speech-rate estimate must track.

Chinese uses the voice `cmn-latn-pinyin`, not `cmn`: espeak-ng 1.51's `cmn` voice (Debian 12)
reads its own pinyin-with-tone-number transcription as English, so 好 comes out as "hao two"
(espeak-ng issue #1236); `cmn-latn-pinyin` is the same Mandarin voice with Latin read as pinyin.
The manifest's syllable counts come from espeak-ng's own phoneme transcription of each text
(what it actually spoke, numbers included), not from the audio.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from math import gcd
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

__all__ = [
    "ANSWERS",
    "SAMPLE_RATE",
    "SWEEP_RATES",
    "SWEEP_TEXTS",
    "VOICES",
    "FixtureClip",
    "all_clips",
    "count_syllables",
    "espeak_binary",
    "espeak_version",
    "render",
    "write_fixtures",
]

SAMPLE_RATE = 16_000
VOICES = {"zh": "cmn-latn-pinyin", "en": "en-us"}
SWEEP_RATES = (100, 140, 180, 220, 260)
GENERATOR = "python -m hrhub.scoring.audio.fixtures --out connectors/interview_room/recordings"


@dataclass(frozen=True)
class FixtureClip:
    """What to speak and how: the manifest entry without the measured fields."""

    kind: str  # "answer" | "rate_sweep"
    language: str  # "zh" | "en"
    text: str
    wpm: int
    pause_ms: int = 0  # espeak-ng word gap (-g, in 10 ms units) times 10; 0 = none
    question_id: str | None = None
    quality: str | None = None  # "strong" | "weak" for answers

    @property
    def file(self) -> str:
        if self.kind == "answer":
            return f"answer_{self.language}_{self.question_id}_{self.quality}.wav"
        return f"rate_{self.language}_{self.wpm}.wpm.wav"


def _answer(language: str, question_id: str, quality: str, wpm: int, text: str) -> FixtureClip:
    pause_ms = 300 if quality == "weak" else 0
    return FixtureClip("answer", language, text, wpm, pause_ms, question_id, quality)


# Numbers in the Chinese texts are digits with 百分之 (espeak-ng reads "%" in English).
ANSWERS: tuple[FixtureClip, ...] = (
    _answer(
        "zh",
        "q_complaint",
        "strong",
        160,
        "客户投诉延误。我说理解您的心情，当天补发作为解决方案，满意度升到百分之95。",
    ),
    _answer("zh", "q_complaint", "weak", 160, "嗯，那个，客户不太高兴，我就，嗯，聊了聊，还行吧。"),
    _answer(
        "zh",
        "q_team",
        "strong",
        160,
        "我带五人团队上线新系统，每天站会跟进风险，提前两周上线，效率提高百分之30。",
    ),
    _answer("zh", "q_team", "weak", 160, "嗯，就是，大家一起努力，那个，我帮了点忙，还可以。"),
    _answer(
        "zh",
        "q_sales",
        "strong",
        170,
        "目标200万。我拜访50家老客户推出续约套餐，最终完成260万，超额百分之30。",
    ),
    _answer(
        "zh",
        "q_pipeline",
        "strong",
        160,
        "我搭建实时数据管道，日处理十亿条日志，延迟降到五分钟，错误减少百分之80。",
    ),
    _answer(
        "zh",
        "q_motivation",
        "strong",
        160,
        "我做了六年客服，贵公司一年增长百分之40，我想三个月内把满意度提升五个点。",
    ),
    _answer(
        "en",
        "q_complaint",
        "strong",
        160,
        "A client complained about a late order. I said I understand your frustration, "
        "shipped a replacement within 24 hours, and satisfaction rose to 95 percent.",
    ),
    _answer(
        "en",
        "q_complaint",
        "weak",
        170,
        "Um, so, the customer was like, kind of upset, and I, uh, talked to him, and it was fine.",
    ),
    _answer(
        "en",
        "q_team",
        "strong",
        160,
        "I led a team of five to launch a new billing system. We held daily risk check-ins, "
        "shipped two weeks early, and cut invoice errors by 30 percent.",
    ),
    _answer(
        "en",
        "q_team",
        "weak",
        160,
        "Uh, we kind of, um, worked together, and I, like, helped out, so it went okay.",
    ),
    _answer(
        "en",
        "q_sales",
        "strong",
        170,
        "Our quarterly target was 2 million dollars. I visited 50 past clients with a renewal "
        "offer and closed 2.6 million, 30 percent above target.",
    ),
    _answer(
        "en",
        "q_pipeline",
        "strong",
        160,
        "I built a Kafka pipeline that handles one billion events a day, cut latency from two "
        "hours to five minutes, and reduced report errors by 80 percent.",
    ),
    _answer(
        "en",
        "q_motivation",
        "strong",
        160,
        "I have spent six years in customer service. Your users grew 40 percent last year, "
        "and I want to raise satisfaction five points within three months.",
    ),
)

# About 10 s each at 160 wpm; the sweep speaks exactly these at every rate. The Chinese one has
# no punctuation: espeak-ng's pauses at "，" keep their length whatever -s says, so with them the
# clip's true rate drifts from the set rate (clip length x wpm fell 13% from 100 to 260 wpm) and
# the sweep would measure espeak-ng's pause model instead of hrhub's estimator.
SWEEP_TEXTS = {
    "zh": "每天早上团队先看工单再给等得最久的客户打电话多数问题午饭前解决",
    "en": "Every morning the team reviews open tickets, agrees on priorities, and calls the "
    "customers who waited longest, so most problems are solved before lunch.",
}


def all_clips() -> list[FixtureClip]:
    """Every fixture clip, sorted by file name."""
    sweep = [
        FixtureClip("rate_sweep", language, text, wpm)
        for language, text in SWEEP_TEXTS.items()
        for wpm in SWEEP_RATES
    ]
    return sorted([*ANSWERS, *sweep], key=lambda clip: clip.file)


def espeak_binary() -> str:
    """The espeak-ng executable; FileNotFoundError says how to install it."""
    found = shutil.which("espeak-ng") or (
        "/usr/bin/espeak-ng" if Path("/usr/bin/espeak-ng").is_file() else None
    )
    if found is None:
        raise FileNotFoundError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    return found


def espeak_version() -> str:
    """espeak-ng's version number, e.g. "1.51"."""
    out = _run([espeak_binary(), "--version"])
    match = re.search(r"text-to-speech:\s*(\S+)", out)
    return match.group(1) if match else out.strip()


def render(clip: FixtureClip) -> np.ndarray:
    """The clip spoken by espeak-ng: int16 samples, mono, SAMPLE_RATE."""
    command = [espeak_binary(), "-v", VOICES[clip.language], "-s", str(clip.wpm)]
    if clip.pause_ms:
        command += ["-g", str(clip.pause_ms // 10)]
    with tempfile.TemporaryDirectory(prefix="hrhub-espeak-") as tmp:
        path = Path(tmp) / "clip.wav"
        _run([*command, "-w", str(path), clip.text])
        samples, rate = sf.read(path, dtype="float64", always_2d=True)
    mono = samples.mean(axis=1)
    if rate != SAMPLE_RATE:
        divisor = gcd(rate, SAMPLE_RATE)
        mono = resample_poly(mono, SAMPLE_RATE // divisor, rate // divisor)
    return np.clip(np.round(mono * 32768.0), -32768, 32767).astype(np.int16)


_NON_SPOKEN = re.compile(r"\([a-z-]+\)")  # espeak-ng's language-switch marks, e.g. "(en)"
_IPA_VOWELS = "aeiouyæɐɑɒɔəɘɚɛɜɝɞɤɨɪɯɵøœɶʉʊʌʏᵻ"
_IPA_NUCLEUS = re.compile(f"[{_IPA_VOWELS}ː]+|\u0329")  # vowel runs and syllabic consonants


def count_syllables(text: str, language: str) -> int:
    """Syllables espeak-ng speaks for `text`, from its own transcription.

    Mandarin: one tone number per syllable in the `-x` output. English: vowel runs (and
    syllabic consonants) in the `--ipa` output.
    """
    voice = VOICES[language]
    if language == "zh":
        phonemes = _run([espeak_binary(), "-q", "-x", "-v", voice, text])
        return len(re.findall(r"\d+", _NON_SPOKEN.sub("", phonemes)))
    phonemes = _run([espeak_binary(), "-q", "--ipa", "-v", voice, text])
    return len(_IPA_NUCLEUS.findall(_NON_SPOKEN.sub("", phonemes)))


def write_fixtures(out: Path) -> dict[str, Any]:
    """Speak every clip into `out`, write manifest.json there, and return the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for clip in all_clips():
        samples = render(clip)
        sf.write(out / clip.file, samples, SAMPLE_RATE, subtype="PCM_16", format="WAV")
        entries.append(
            {
                "file": clip.file,
                "kind": clip.kind,
                "language": clip.language,
                "question_id": clip.question_id,
                "quality": clip.quality,
                "text": clip.text,
                "voice": VOICES[clip.language],
                "wpm": clip.wpm,
                "pause_ms": clip.pause_ms,
                "syllables": count_syllables(clip.text, clip.language),
                "duration_s": round(len(samples) / SAMPLE_RATE, 3),
            }
        )
    manifest = {
        "generator": GENERATOR,
        "espeak_ng": espeak_version(),
        "sample_rate": SAMPLE_RATE,
        "clips": entries,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (out / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for WAVs + manifest")
    args = parser.parse_args(argv)
    manifest = write_fixtures(args.out)
    seconds = sum(clip["duration_s"] for clip in manifest["clips"])
    print(f"{len(manifest['clips'])} clips, {seconds:.1f} s of audio, written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
