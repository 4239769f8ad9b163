"""Read ResumeNER-style `.char.bmes` files and turn them into spaCy training data.

One "char TAG" per line, a blank line between sentences, tags B-/M-/E-/S-<LABEL> or O.
Errors name the file and the line, because a bad line in a 128k-line file is otherwise
impossible to find.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

Span = tuple[int, int, str]  # character offsets [start, end) and the label


class BmesError(ValueError):
    """A malformed line or an impossible tag sequence, with its place in the file."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class Sentence:
    """One sentence: its text, its entity spans and the file line where it starts."""

    text: str
    spans: list[Span] = field(default_factory=list)
    line: int = 0


@dataclass
class BmesFile:
    """What a file holds, plus the boundary repairs made when reading with `repair=True`."""

    sentences: list[Sentence]
    repairs: list[str] = field(default_factory=list)


_PREFIXES = ("B", "M", "E", "S")


def _parse_line(path: Path | str, lineno: int, line: str) -> tuple[str, str, str | None]:
    """Split "char TAG" into (char, prefix, label); prefix is "O" with label None for O."""
    parts = line.split(" ")
    if len(parts) != 2 or len(parts[0]) != 1 or not parts[1]:
        raise BmesError(
            path, lineno, f"expected 'CHAR TAG' (one character, a space, a tag), got {line!r}"
        )
    char, tag = parts
    if tag == "O":
        return char, "O", None
    prefix, sep, label = tag.partition("-")
    if not sep or prefix not in _PREFIXES or not label:
        raise BmesError(path, lineno, f"bad tag {tag!r}: expected O or B-/M-/E-/S-<LABEL>")
    return char, prefix, label


def read_bmes(path: Path | str, *, repair: bool = False) -> BmesFile:
    """Read a BMES file into sentences with character-offset spans.

    With `repair=True`, an entity cut by a sentence break (the sentence ends inside it, or
    the next one starts inside it, as happens twice in ResumeNER's train split) is closed or
    opened at the break and reported in `.repairs`; every other problem still raises.
    """
    path = Path(path)
    sentences: list[Sentence] = []
    repairs: list[str] = []
    chars: list[str] = []
    spans: list[Span] = []
    open_label: str | None = None
    open_start = 0
    start_line = 0

    def problem(lineno: int, message: str) -> None:
        if not repair:
            raise BmesError(path, lineno, message)
        repairs.append(f"{path}:{lineno}: {message} (repaired at the sentence break)")

    def close_sentence(lineno: int) -> None:
        nonlocal open_label, chars, spans
        if open_label is not None:
            problem(lineno, f"sentence ends inside a {open_label} entity")
            spans.append((open_start, len(chars), open_label))
            open_label = None
        if chars:
            sentences.append(Sentence("".join(chars), spans, start_line))
        chars, spans = [], []

    with path.open(encoding="utf-8") as handle:
        lineno = 0
        for lineno, raw in enumerate(handle, start=1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                close_sentence(lineno)
                continue
            char, prefix, label = _parse_line(path, lineno, line)
            if not chars:
                start_line = lineno
            pos = len(chars)
            chars.append(char)
            if prefix in ("M", "E"):
                if open_label is None:
                    if pos != 0:
                        raise BmesError(
                            path, lineno, f"{prefix}-{label} without a preceding B-{label}"
                        )
                    problem(lineno, f"sentence starts inside a {label} entity ({prefix}-{label})")
                    open_label, open_start = label, pos
                elif open_label != label:
                    raise BmesError(path, lineno, f"{prefix}-{label} inside a {open_label} entity")
                if prefix == "E":
                    spans.append((open_start, pos + 1, label))
                    open_label = None
                continue
            if open_label is not None:
                raise BmesError(
                    path,
                    lineno,
                    f"{open_label} entity not closed with E-{open_label} before {prefix}",
                )
            if prefix == "B":
                open_label, open_start = label, pos
            elif prefix == "S":
                spans.append((pos, pos + 1, label))
        close_sentence(lineno + 1)
    return BmesFile(sentences, repairs)


def to_docbin(sentences: Iterable[Sentence], vocab: Vocab | None = None) -> DocBin:
    """One Doc per sentence, one token per character (as the zh "char" segmenter does)."""
    from spacy.tokens import Doc, DocBin
    from spacy.vocab import Vocab

    vocab = vocab or Vocab()
    docbin = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    for sentence in sentences:
        words = list(sentence.text)
        doc = Doc(vocab, words=words, spaces=[False] * len(words))
        doc.ents = [doc.char_span(s, e, label=label) for s, e, label in sentence.spans]
        docbin.add(doc)
    return docbin


def bmes_to_spacy(src: Path | str, dest: Path | str, *, repair: bool = False) -> BmesFile:
    """Convert a BMES file to a `.spacy` DocBin file; returns what was read."""
    data = read_bmes(src, repair=repair)
    to_docbin(data.sentences).to_disk(dest)
    return data
