"""The two spaCy pipelines answers are read with, built once per process.

Chinese is ``spacy.blank("zh")`` with the jieba segmenter, English ``spacy.blank("en")``; both
get a sentencizer. Nothing is downloaded: blank pipelines need no model package. spaCy is
imported inside the builders so importing the scoring package stays cheap.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from hrhub.scoring.resume.read import Unparseable, detect_language

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Token

__all__ = [
    "answer_language",
    "chinese_nlp",
    "english_nlp",
    "nlp_for",
    "pipeline_versions",
    "words",
]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@cache
def chinese_nlp() -> Language:
    """Chinese words by jieba, sentences by punctuation (。！？ and the like)."""
    import logging

    import jieba
    import spacy

    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter on stderr

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.add_pipe("sentencizer")
    return nlp


@cache
def english_nlp() -> Language:
    """English words by spaCy's rule tokenizer, sentences by punctuation."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def nlp_for(language: str) -> Language:
    """The pipeline of "zh" or "en" (anything else reads as English)."""
    return chinese_nlp() if language == "zh" else english_nlp()


def answer_language(text: str, declared: str | None = None) -> str:
    """ "zh" or "en": the declared BCP 47 tag when it names one, else by script share."""
    if declared:
        primary = declared.split("-")[0].lower()
        if primary in ("zh", "en"):
            return primary
    try:
        return detect_language(text)
    except Unparseable:
        return "zh" if _HAN.search(text) else "en"


def words(tokens: Iterable[Token]) -> list[Token]:
    """Tokens that are words: no punctuation, spaces or symbols."""
    return [t for t in tokens if not (t.is_punct or t.is_space or _is_symbol(t.text))]


def _is_symbol(text: str) -> bool:
    return not any(ch.isalnum() for ch in text)


def pipeline_versions() -> str:
    """spaCy and jieba versions, for the model version stamped on every result."""
    return f"spacy {_version('spacy')}, jieba {_version('jieba')}"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "absent"
