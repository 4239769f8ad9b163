"""The project's NER training recipe: BMES files -> DocBins -> `spacy train` -> shipped model.

The config (hrhub/scoring/configs/resume_ner.cfg) holds every choice and both seeds, so the
same command on the same data gives the same model; users retrain on their own resumes with it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hrhub.scoring.ner import MODEL_DIR
from hrhub.scoring.ner.bmes import bmes_to_spacy
from hrhub.scoring.ner.evaluate import NerScores, evaluate_pipeline

CONFIG_PATH = Path(__file__).resolve().parents[1] / "configs" / "resume_ner.cfg"


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
    max_epochs: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> TrainResult:
    """Train on `train`, select on `dev` (spaCy's model-best) and copy the pipeline to `output`.

    Training data may contain entities cut by a sentence break (ResumeNER's train split has
    two); those are repaired and reported. The dev file must be well formed.
    """
    import time

    import spacy
    from spacy.cli.train import train as spacy_train

    output = Path(output)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hrhub-ner-train-") as tmp:
        tmp_dir = Path(tmp)
        train_read = bmes_to_spacy(train, tmp_dir / "train.spacy", repair=True)
        bmes_to_spacy(dev, tmp_dir / "dev.spacy")
        settings: dict[str, Any] = {
            "paths.train": str(tmp_dir / "train.spacy"),
            "paths.dev": str(tmp_dir / "dev.spacy"),
        }
        if max_epochs is not None:
            settings["training.max_epochs"] = max_epochs
        settings.update(overrides or {})
        spacy_train(Path(config), tmp_dir / "out", overrides=settings, use_gpu=-1)
        best = tmp_dir / "out" / "model-best"
        if output.exists():
            shutil.rmtree(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(best, output)
    _forget_temp_paths(output / "config.cfg")
    seconds = time.perf_counter() - started
    scores = evaluate_pipeline(spacy.load(output), dev)
    _write_meta(output, scores, seconds, train_read.repairs)
    return TrainResult(output=output, scores=scores, repairs=train_read.repairs, seconds=seconds)


def _forget_temp_paths(config_path: Path) -> None:
    """The shipped config must not point at the deleted temp DocBins: reset [paths] to null."""
    from spacy.util import load_config

    config = load_config(config_path, interpolate=False)
    config["paths"]["train"] = None
    config["paths"]["dev"] = None
    config.to_disk(config_path)


def _write_meta(output: Path, scores: NerScores, seconds: float, repairs: list[str]) -> None:
    """Record the dev scores (project evaluator) and the recipe in the pipeline's meta.json."""
    meta_path = output / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(
        name="resume_ner",
        version=meta.get("version", "0.0.0"),
        description="hrhub Chinese resume NER (ResumeNER labels), char tokens, CNN + NER.",
        license="research data (ResumeNER, Zhang & Yang 2018); retrain on your own resumes",
    )
    meta["hrhub"] = {
        "recipe": "hrhub scoring train-ner (hrhub/scoring/configs/resume_ner.cfg)",
        "dev_scores": {k: v for k, v in scores.as_dict().items() if k != "seconds"},
        "train_seconds": round(seconds, 1),
        "train_repairs": repairs,
    }
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
