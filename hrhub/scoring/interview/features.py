"""Transcript features of one answer: STAR structure, fillers, diversity, coherence, specificity.

- STAR: situation, task and action are present when a sentence has one of their cue words
  (lexicon.STAR_CUES); result needs a sentence with an outcome word (提升, 满意, reduced...)
  or a result cue (结果, in the end) together with a number. A story with no result is the
  commonest weak answer, so "we talked and it was fine" does not count.
- Fillers per 100 words: hesitation sounds (嗯, 呃, um, uh) always; words that are also real
  words (那个, 就是, 然后, like, you know) when they stand alone between pauses, are doubled,
  or, for 然后, beyond its first use in a sentence.
- Lexical diversity: MTLD (McCarthy & Jarvis 2010, threshold 0.72, mean of both directions)
  over lower-cased words, punctuation left out. It is length-robust unlike a plain type/token
  ratio, and a short answer cannot score above its own length.
- Coherence: share of the question's content words the answer takes up, and the mean word
  overlap (Jaccard) of consecutive sentences.
- Specificity per 100 words: figures, percentages, durations and named things (skills of the
  resume taxonomy, capitalised names inside an English sentence, Latin names in Chinese).
- Garbled: the share of letters (Han or Latin) among the characters that are neither digits,
  spaces nor punctuation; under GARBLED_BELOW the answer is not read as language at all.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from hrhub.scoring.interview.answers import Answer, Sentence, content_words
from hrhub.scoring.interview.lexicon import (
    DISCOURSE_FILLERS,
    DURATION,
    OUTCOME,
    PURE_FILLERS,
    RESULT_CUE,
    STAR_CUES,
    THEN_ZH,
)
from hrhub.scoring.interview.numbers import find_numbers
from hrhub.scoring.resume.skills import skills_for

__all__ = [
    "GARBLED_BELOW",
    "MTLD_THRESHOLD",
    "STAR_PARTS",
    "AnswerFeatures",
    "answer_features",
    "count_fillers",
    "linguistic_ratio",
    "mtld",
    "named_things",
    "star_parts",
]

STAR_PARTS = ("situation", "task", "action", "result")
MTLD_THRESHOLD = 0.72
GARBLED_BELOW = 0.6

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LETTER = re.compile(rf"[{_HAN}A-Za-z]")
_NEUTRAL = re.compile(r"[\s\d\u3000-\u303f\uff00-\uff65\u2000-\u206f!-/:-@\[-`{-~]")
_CAPITALISED = re.compile(r"^[A-Z][A-Za-z0-9+#.\-]*$")
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9+#.\-]+")
_NOT_NAMES = {"i", "i'm", "i've", "i'd", "i'll", "ok", "okay"}


@dataclass
class AnswerFeatures:
    """The measured features of one answer (see the module docstring for each)."""

    question_id: str
    language: str
    words: int
    sentences: int
    linguistic_ratio: float
    garbled: bool
    star: dict[str, bool] = field(default_factory=dict)
    star_quotes: dict[str, str] = field(default_factory=dict)
    fillers: list[str] = field(default_factory=list)
    filler_per_100: float = 0.0
    mtld: float = 0.0
    question_overlap: float | None = None
    sentence_overlap: float | None = None
    numbers_per_100: float = 0.0
    percentages_per_100: float = 0.0
    durations_per_100: float = 0.0
    named_per_100: float = 0.0
    specificity_per_100: float = 0.0
    named: list[str] = field(default_factory=list)

    @property
    def star_count(self) -> int:
        return sum(self.star.get(part, False) for part in STAR_PARTS)


def answer_features(answer: Answer) -> AnswerFeatures:
    """Measure one answer (an answer of any length; an empty one measures as zeros)."""
    tokens = answer.words
    count = len(tokens)
    ratio = linguistic_ratio(answer.text)
    star, quotes = star_parts(answer.sentences)
    fillers = count_fillers(answer.sentences)
    figures = find_numbers(answer.text)
    percentages = sum(1 for f in figures if f.percent)
    numbers = len(figures) - percentages
    durations = len(DURATION.findall(answer.text))
    named = named_things(answer)
    per_100 = 100.0 / count if count else 0.0
    return AnswerFeatures(
        question_id=answer.question_id,
        language=answer.language,
        words=count,
        sentences=len(answer.sentences),
        linguistic_ratio=ratio,
        garbled=ratio < GARBLED_BELOW,
        star=star,
        star_quotes=quotes,
        fillers=fillers,
        filler_per_100=len(fillers) * per_100,
        mtld=mtld(tokens),
        question_overlap=_question_overlap(answer),
        sentence_overlap=_sentence_overlap(answer.sentences),
        numbers_per_100=numbers * per_100,
        percentages_per_100=percentages * per_100,
        durations_per_100=durations * per_100,
        named_per_100=len(named) * per_100,
        specificity_per_100=(numbers + percentages + durations + len(named)) * per_100,
        named=named,
    )


def linguistic_ratio(text: str) -> float:
    """Letters (Han or Latin) among the characters that are not digits, spaces or punctuation."""
    letters = len(_LETTER.findall(text))
    other = sum(1 for ch in text if not _LETTER.match(ch) and not _NEUTRAL.match(ch))
    return letters / (letters + other) if letters + other else 0.0


def star_parts(sentences: list[Sentence]) -> tuple[dict[str, bool], dict[str, str]]:
    """Which STAR parts are present, and the first sentence that shows each."""
    found: dict[str, str] = {}
    for sentence in sentences:
        text = sentence.text.strip()
        for part, cue in STAR_CUES.items():
            if part not in found and cue.search(text):
                found[part] = text
        if "result" not in found and (
            OUTCOME.search(text) or (RESULT_CUE.search(text) and find_numbers(text))
        ):
            found["result"] = text
    return {part: part in found for part in STAR_PARTS}, {
        p: found[p] for p in STAR_PARTS if p in found
    }


def count_fillers(sentences: list[Sentence]) -> list[str]:
    """Every filler said, lower-cased, in order (see the module docstring for what counts)."""
    fillers: list[str] = []
    for sentence in sentences:
        text = sentence.text
        spans: list[tuple[int, int, str]] = []
        for pattern in (PURE_FILLERS, DISCOURSE_FILLERS):
            for match in pattern.finditer(text):
                if match.group().strip() and not _overlaps(spans, match.start(), match.end()):
                    spans.append((match.start(), match.end(), match.group().strip().lower()))
        then = list(THEN_ZH.finditer(text))
        for match in then[1:]:  # 然后 once links two steps; again and again is a filler
            if not _overlaps(spans, match.start(), match.end()):
                spans.append((match.start(), match.end(), match.group()))
        fillers += [word for _, _, word in sorted(spans)]
    return fillers


def _overlaps(spans: list[tuple[int, int, str]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e, _ in spans)


def mtld(tokens: list[str], threshold: float = MTLD_THRESHOLD) -> float:
    """Measure of textual lexical diversity: mean words per factor, forwards and backwards."""
    if not tokens:
        return 0.0
    forward = _mtld_pass(tokens, threshold)
    backward = _mtld_pass(tokens[::-1], threshold)
    return (forward + backward) / 2


def _mtld_pass(tokens: list[str], threshold: float) -> float:
    factors, types, count = 0.0, set(), 0
    for token in tokens:
        types.add(token)
        count += 1
        if len(types) / count <= threshold:
            factors += 1
            types, count = set(), 0
    if count:
        factors += (1 - len(types) / count) / (1 - threshold)
    return len(tokens) / factors if factors else float(len(tokens))


def named_things(answer: Answer) -> list[str]:
    """Distinct named things, sorted: taxonomy skills, names in English, Latin names in Chinese."""
    names = {hit.name for hit in skills_for(answer.text)}
    for sentence in answer.sentences:
        text = sentence.text.strip()
        if answer.language == "en":
            for position, word in enumerate(text.split()):
                word = word.strip(",.;:!?\"'()")
                if position and _CAPITALISED.match(word) and word.lower() not in _NOT_NAMES:
                    names.add(word.lower())
        else:
            names |= {m.group().lower() for m in _LATIN_NAME.finditer(text)}
    return sorted(names)


def _question_overlap(answer: Answer) -> float | None:
    if not answer.question:
        return None
    asked = content_words(answer.question, answer.language)
    if not asked:
        return None
    said = frozenset().union(*(s.content for s in answer.sentences))
    return len(asked & said) / len(asked)


def _sentence_overlap(sentences: list[Sentence]) -> float | None:
    pairs = [
        (a.content, b.content) for a, b in itertools.pairwise(sentences) if a.content or b.content
    ]
    if not pairs:
        return None
    return sum(len(a & b) / len(a | b) for a, b in pairs) / len(pairs)
