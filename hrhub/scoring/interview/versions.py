"""The versions stamped on every result, so an auditor can tell what produced a score.

- rubric: ``family@version+sha256[:8]`` of the family file (CompetencyModel.rubric_version);
- model: the feature rules (lexicon.RULES_VERSION) and the spaCy and jieba that read the text;
- code: the installed hrhub package.
"""

from __future__ import annotations

import importlib.metadata
from functools import cache

from hrhub.scoring.interview.lexicon import RULES_VERSION
from hrhub.scoring.interview.nlp import pipeline_versions

__all__ = ["code_version", "model_version"]


@cache
def model_version() -> str:
    """E.g. 'hrhub-interview-rules 1.0 (spacy 3.8.18, jieba 0.42.1)'."""
    return f"hrhub-interview-rules {RULES_VERSION} ({pipeline_versions()})"


@cache
def code_version() -> str:
    """E.g. 'hrhub 0.1.0', from the package metadata."""
    try:
        return f"hrhub {importlib.metadata.version('hrhub')}"
    except importlib.metadata.PackageNotFoundError:
        return "hrhub (not installed)"
