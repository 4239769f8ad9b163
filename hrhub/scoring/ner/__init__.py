"""Chinese resume NER: the labels, where the shipped spaCy pipeline lives, and how to load it.

spaCy is imported inside functions so that importing this package stays cheap (DAG parsing,
the CLI's help) and only scoring code pays for it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

LABELS = ("NAME", "CONT", "RACE", "TITLE", "EDU", "ORG", "PRO", "LOC")
MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "resume_ner"
TRAIN_COMMAND = "hrhub scoring train-ner --train TRAIN.char.bmes --dev DEV.char.bmes"


def model_missing_message(path: Path) -> str:
    """Why loading failed and how to get a model: the path and the command that trains one."""
    return f"no resume NER model at {path}; train one with `{TRAIN_COMMAND} --output {path}`"


@lru_cache(maxsize=4)
def load_resume_ner(path: Path | str | None = None) -> Language:
    """The shipped pipeline (or one at `path`), loaded once per process."""
    model_dir = Path(path) if path is not None else MODEL_DIR
    if not (model_dir / "config.cfg").is_file() or not (model_dir / "meta.json").is_file():
        raise FileNotFoundError(model_missing_message(model_dir))
    import spacy

    import hrhub.scoring.ner.component  # noqa: F401  registers the pipeline's CRF factory

    return spacy.load(model_dir)


__all__ = ["LABELS", "MODEL_DIR", "TRAIN_COMMAND", "load_resume_ner"]
