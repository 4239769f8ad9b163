"""What the resume CRF sees at each character: n-grams around it, its word, and known names.

Resumes are regular text: an entity's edges show in the characters around them (公司, 银行,
董事, 本科), in where a word segmenter puts word breaks, and in whether the span is a name seen
in training. `CharFeatures` turns a sentence into one list of feature strings per character:

- the characters within `window` on each side, the bigrams between them and three trigrams;
- the character classes around it (Han, Latin, digit, other);
- its position in jieba's segmentation (B/M/E/S and the word's length), and with `lexicon`
  the longest dictionary words it begins, ends or sits inside (jieba's bundled dictionary);
- with a gazetteer (entity texts from training, never people's names), the labels of the
  known entities it begins, ends or sits inside.

No Airflow and no spaCy here; jieba is loaded on first use.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = ["CharFeatures", "Span", "gazetteer_of", "spans_from_tags", "tags_from_spans"]

Span = tuple[int, int, str]  # character offsets [start, end) and the label
_LEXICON_MAX = 8  # longest dictionary word looked up
_GAZETTEER_MAX = 30  # longest gazetteer entry looked up
_PAD = "\x02"


@dataclass(frozen=True)
class CharFeatures:
    """The feature groups the tagger was trained with (stored in its config)."""

    window: int = 2
    segmentation: bool = True
    lexicon: bool = True
    gazetteer: Mapping[str, str] = field(default_factory=dict)
    prefixes: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        prefixes = frozenset(
            entry[:size]
            for entry in self.gazetteer
            for size in range(2, min(len(entry), _GAZETTEER_MAX) + 1)
        )
        object.__setattr__(self, "prefixes", prefixes)  # lookups stop at the first non-prefix

    def __call__(self, text: str) -> list[list[str]]:
        """One list of feature strings per character of `text`."""
        n, w = len(text), self.window
        padded = _PAD * 3 + text + _PAD * 3
        kinds = _PAD * 3 + "".join(map(_kind, text)) + _PAD * 3
        seg = _segmentation(text) if self.segmentation else None
        lex = _lexicon_matches(text) if self.lexicon else None
        gaz = _gazetteer_matches(text, self.gazetteer, self.prefixes) if self.prefixes else None
        columns = [["bias"] * n]
        columns += [[f"u{k}={c}" for c in padded[3 + k : 3 + k + n]] for k in range(-w, w + 1)]
        columns += [
            [f"b{k}={padded[j : j + 2]}" for j in range(3 + k, 3 + k + n)] for k in range(-w, w)
        ]
        columns += [
            [f"t{k}={padded[j : j + 3]}" for j in range(3 + k, 3 + k + n)] for k in (-2, -1, 0)
        ]
        columns.append([f"k={kinds[j : j + 5]}" for j in range(1, 1 + n)])
        if seg is not None:
            columns.append([f"s={tag}" for tag, _ in seg])
            columns.append([f"sl={tag}{min(length, 6)}" for tag, length in seg])
        if lex is not None:
            columns.append([f"lb={begins}" for begins, _, _ in lex])
            columns.append([f"lm={inside}" for _, inside, _ in lex])
            columns.append([f"le={ends}" for _, _, ends in lex])
        rows = [list(row) for row in zip(*columns, strict=True)]
        if seg is not None:  # the previous character's place and this one's
            for i in range(1, n):
                rows[i].append(f"sp={seg[i - 1][0]}{seg[i][0]}")
        if gaz is not None:
            for i, marks in gaz.items():
                rows[i] += sorted(marks)
        return rows


def _kind(char: str) -> str:
    if char.isdigit():
        return "D"
    if "\u4e00" <= char <= "\u9fff":
        return "H"
    if char.isascii() and char.isalpha():
        return "A"
    return "O"


def _segmentation(text: str) -> list[tuple[str, int]]:
    """(B/M/E/S, word length) of each character in jieba's segmentation (no HMM: stable)."""
    out: list[tuple[str, int]] = []
    for word in _jieba().cut(text, HMM=False):
        size = len(word)
        if size == 1:
            out.append(("S", 1))
        else:
            out += [("B", size), *([("M", size)] * (size - 2)), ("E", size)]
    return out


def _lexicon_matches(text: str) -> list[tuple[int, int, int]]:
    """Per character: the longest dictionary word it begins, sits inside, ends (0: none).

    jieba's table holds every prefix of its words (count 0 unless a word itself), so a lookup
    that finds nothing ends the search from that character."""
    table = _jieba().FREQ
    n = len(text)
    begins, inside, ends = [0] * n, [0] * n, [0] * n
    for i in range(n):
        if text[i] not in table:
            continue
        for size in range(2, min(_LEXICON_MAX, n - i) + 1):
            count = table.get(text[i : i + size])
            if count is None:
                break
            if count > 0:
                begins[i] = max(begins[i], size)
                ends[i + size - 1] = max(ends[i + size - 1], size)
                for k in range(i + 1, i + size - 1):
                    inside[k] = max(inside[k], size)
    return list(zip(begins, inside, ends, strict=True))


def _gazetteer_matches(
    text: str, gazetteer: Mapping[str, str], prefixes: frozenset[str]
) -> dict[int, set[str]]:
    """Characters that are part of known entity texts: g<B|M|E><label> for each."""
    n = len(text)
    marks: dict[int, set[str]] = {}
    for i in range(n - 1):
        for size in range(2, min(_GAZETTEER_MAX, n - i) + 1):
            fragment = text[i : i + size]
            if fragment not in prefixes:
                break
            label = gazetteer.get(fragment)
            if label is not None:
                marks.setdefault(i, set()).add(f"gB{label}")
                marks.setdefault(i + size - 1, set()).add(f"gE{label}")
                for k in range(i + 1, i + size - 1):
                    marks.setdefault(k, set()).add(f"gM{label}")
    return marks


def gazetteer_of(
    sentences: Iterable[tuple[str, Iterable[Span]]], *, exclude: Iterable[str] = ("NAME",)
) -> dict[str, str]:
    """Entity texts of two or more characters and their label, from (text, spans) pairs; the
    excluded labels (people's names by default) are never kept. A text seen with several
    labels keeps its most frequent one (ties: the label first in alphabetical order)."""
    left_out = set(exclude)
    counts: dict[str, dict[str, int]] = {}
    for text, spans in sentences:
        for start, end, label in spans:
            if end - start >= 2 and label not in left_out:
                seen = counts.setdefault(text[start:end], {})
                seen[label] = seen.get(label, 0) + 1
    return {
        entity: min(labels, key=lambda label: (-labels[label], label))
        for entity, labels in sorted(counts.items())
    }


def tags_from_spans(length: int, spans: Iterable[Span]) -> list[str]:
    """BMES tags (O outside) for a text of `length` characters."""
    tags = ["O"] * length
    for start, end, label in spans:
        if end - start == 1:
            tags[start] = f"S-{label}"
            continue
        tags[start] = f"B-{label}"
        for i in range(start + 1, end - 1):
            tags[i] = f"M-{label}"
        tags[end - 1] = f"E-{label}"
    return tags


def spans_from_tags(tags: Iterable[str]) -> list[Span]:
    """Entity spans of a BMES tag sequence; an entity left open or mixed is dropped."""
    spans: list[Span] = []
    start: int | None = None
    current = ""
    for i, tag in enumerate(tags):
        prefix, _, label = tag.partition("-")
        if prefix == "S":
            spans.append((i, i + 1, label))
            start = None
        elif prefix == "B":
            start, current = i, label
        elif prefix == "M":
            if label != current:
                start = None
        elif prefix == "E":
            if start is not None and label == current:
                spans.append((start, i + 1, label))
            start = None
        else:
            start = None
    return spans


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter on stderr
    jieba.dt.check_initialized()
    return jieba.dt
