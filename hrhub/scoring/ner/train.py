"""The project's NER training recipe: BMES files -> the CRF component -> the shipped pipeline.

The config (hrhub/scoring/configs/resume_ner.cfg) holds every choice, so the same command on
the same data gives the same model; users retrain on their own resumes with it. The dev file
is only scored (the pipeline has no checkpoints to pick from).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hrhub.scoring.ner import MODEL_DIR
from hrhub.scoring.ner.bmes import read_bmes
from hrhub.scoring.ner.evaluate import NerScores, evaluate_pipeline

CONFIG_PATH = Path(__file__).resolve().parents[1] / "configs" / "resume_ner.cfg"
CARD_NAME = "MODEL_CARD.md"


@dataclass
class TrainResult:
    """Where the model went, what the project's evaluator says on dev, and what was repaired."""

    output: Path
    scores: NerScores
    repairs: list[str] = field(default_factory=list)
    seconds: float = 0.0


def train_ner(
    train: Path | str,
    dev: Path | str,
    *,
    output: Path | str = MODEL_DIR,
    config: Path | str = CONFIG_PATH,
    max_iterations: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> TrainResult:
    """Train on `train`, write the pipeline to `output`, score it on `dev`.

    Training data may contain entities cut by a sentence break (ResumeNER's train split has
    two); those are repaired and reported. The dev file must be well formed (it is read first,
    so a broken one fails before training).
    """
    import spacy
    from spacy.util import load_config, load_model_from_config

    import hrhub.scoring.ner.component  # noqa: F401  registers the factory

    output = Path(output)
    read_bmes(dev)
    started = time.perf_counter()
    settings = dict(overrides or {})
    if max_iterations is not None:
        settings["components.ner.max_iterations"] = max_iterations
    nlp = load_model_from_config(load_config(Path(config), overrides=settings), auto_fill=True)
    train_read = read_bmes(train, repair=True)
    nlp.get_pipe("ner").train([(s.text, s.spans) for s in train_read.sentences])
    card = output / CARD_NAME
    kept_card = card.read_bytes() if card.is_file() else None  # documentation, not the model
    if output.exists():
        shutil.rmtree(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    if kept_card is not None:
        card.write_bytes(kept_card)
    seconds = time.perf_counter() - started
    scores = evaluate_pipeline(spacy.load(output), dev)
    _write_meta(output, scores, seconds, train_read.repairs)
    return TrainResult(output=output, scores=scores, repairs=train_read.repairs, seconds=seconds)


def _write_meta(output: Path, scores: NerScores, seconds: float, repairs: list[str]) -> None:
    """Record the dev scores (project evaluator) and the recipe in the pipeline's meta.json."""
    meta_path = output / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(
        name="resume_ner",
        version=meta.get("version", "0.0.0"),
        description="hrhub Chinese resume NER (ResumeNER labels), char tokens, CRF tagger.",
        license="research data (ResumeNER, Zhang & Yang 2018); retrain on your own resumes",
        requirements=["hrhub (registers the hrhub_resume_crf factory)", "python-crfsuite"],
    )
    meta["hrhub"] = {
        "recipe": "hrhub scoring train-ner (hrhub/scoring/configs/resume_ner.cfg)",
        "dev_scores": {k: v for k, v in scores.as_dict().items() if k != "seconds"},
        "train_seconds": round(seconds, 1),
        "train_repairs": repairs,
    }
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
