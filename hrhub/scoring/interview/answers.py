"""Answers as the rubric sees them: the candidate's segments per question, read by spaCy.

Only candidate speech is scored (the interviewer's and the system's segments are context).
Segments are ordered by time, each is run through the language's pipeline once, and every
sentence keeps where it was said, so a quote taken from it carries start and end offsets in
the recording. Within a segment the offsets are interpolated by character position: the
transcript gives times per segment, not per word.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hrhub.models import Evidence, Speaker, TranscriptSegment
from hrhub.scoring.interview.nlp import answer_language, nlp_for, words
from hrhub.scoring.interview.questions import question_text

__all__ = ["QUOTE_CHARS", "Answer", "Sentence", "candidate_segments", "read_answer"]

QUOTE_CHARS = 120
"""Longest quote kept as evidence; a longer sentence is cut around the matched words."""


@dataclass(frozen=True)
class Sentence:
    """One sentence of an answer with the timing of the segment it belongs to."""

    text: str
    question_id: str
    words: tuple[str, ...]  # lower-cased word tokens, punctuation left out
    content: frozenset[str]  # words that carry meaning (no stop words), stemmed
    segment_start_ms: int
    segment_end_ms: int
    segment_chars: int
    offset: int  # start of the sentence in its segment's text

    def evidence(self, start: int = 0, end: int | None = None) -> Evidence:
        """A verbatim quote around characters [start, end) of the sentence, timed."""
        end = len(self.text) if end is None else end
        lo, hi = 0, len(self.text)
        if hi - lo > QUOTE_CHARS:
            spare = max(0, QUOTE_CHARS - (end - start))
            lo = max(0, start - spare // 2)
            hi = min(len(self.text), lo + max(QUOTE_CHARS, end - start))
        raw = self.text[lo:hi]
        quote = raw.strip()
        lo += len(raw) - len(raw.lstrip())
        hi = lo + len(quote)
        return Evidence(
            quote=quote,
            question_id=self.question_id,
            start_ms=self._ms(self.offset + lo),
            end_ms=self._ms(self.offset + hi),
        )

    def _ms(self, char: int) -> int:
        span = self.segment_end_ms - self.segment_start_ms
        share = char / self.segment_chars if self.segment_chars else 0.0
        return self.segment_start_ms + round(span * min(1.0, share))


@dataclass
class Answer:
    """Everything the candidate said to one question, in order."""

    question_id: str
    language: str  # "zh" or "en"
    text: str  # segment texts joined by newlines
    question: str | None  # the question as asked, or the bank's wording
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return [w for sentence in self.sentences for w in sentence.words]

    @property
    def start_ms(self) -> int:
        return min((s.segment_start_ms for s in self.sentences), default=0)


def candidate_segments(segments: Iterable[TranscriptSegment]) -> dict[str, list[TranscriptSegment]]:
    """The candidate's non-blank segments per question id, in time order (ids sorted)."""
    grouped: dict[str, list[tuple[int, int, int, TranscriptSegment]]] = {}
    for index, segment in enumerate(segments):
        if segment.speaker is Speaker.CANDIDATE and segment.text.strip():
            key = (segment.start_ms, segment.end_ms, index, segment)
            grouped.setdefault(segment.question_id, []).append(key)
    return {
        qid: [item[-1] for item in sorted(grouped[qid], key=lambda k: k[:3])]
        for qid in sorted(grouped)
    }


def read_answer(
    question_id: str, segments: list[TranscriptSegment], declared_language: str | None
) -> Answer:
    """Run the answer's segments through its language's pipeline (see the module docstring)."""
    text = "\n".join(segment.text.strip() for segment in segments)
    declared = next((s.language for s in segments if s.language), None) or declared_language
    language = answer_language(text, declared)
    asked = next((s.question_text for s in segments if s.question_text), None)
    answer = Answer(
        question_id=question_id,
        language=language,
        text=text,
        question=asked or question_text(question_id, language),
    )
    nlp = nlp_for(language)
    for segment, doc in zip(segments, nlp.pipe(s.text for s in segments), strict=True):
        for sent in doc.sents:
            if not sent.text.strip():
                continue
            tokens = words(sent)
            answer.sentences.append(
                Sentence(
                    text=sent.text,
                    question_id=question_id,
                    words=tuple(t.lower_ for t in tokens),
                    content=frozenset(stem(t.lower_) for t in tokens if not t.is_stop),
                    segment_start_ms=segment.start_ms,
                    segment_end_ms=segment.end_ms,
                    segment_chars=len(segment.text),
                    offset=sent.start_char,
                )
            )
    return answer


def content_words(text: str, language: str) -> frozenset[str]:
    """Meaning-carrying words of a text (a question, say), stemmed like answers' words."""
    return frozenset(stem(t.lower_) for t in words(nlp_for(language)(text)) if not t.is_stop)


def stem(word: str) -> str:
    """Crude stem of a Latin word: an -ing/-ed/-es/-s ending off, then its first STEM_CHARS
    letters (complaints/complaint, handled/handle, fixed/fix); blank pipelines have no
    lemmatiser. Han words are returned unchanged."""
    if not word.isascii():
        return word
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:STEM_CHARS]


STEM_CHARS = 5
