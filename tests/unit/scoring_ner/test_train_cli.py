"""`hrhub scoring train-ner` / `evaluate-ner` end to end on a tiny made-up corpus (seconds)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from typer.testing import CliRunner

from hrhub.cli import app

NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静"]
ORGS = ["华夏银行", "中信证券", "万科集团", "平安保险"]
TITLES = ["董事长", "总经理", "财务总监", "独立董事"]


def bmes_sentence(rng: random.Random) -> str:
    """One sentence in BMES, e.g. 张伟，男，本科，现任万科集团总经理。"""
    parts = [
        (rng.choice(NAMES), "NAME"),
        ("，男，", None),
        ("本科", "EDU"),
        ("，现任", None),
        (rng.choice(ORGS), "ORG"),
        (rng.choice(TITLES), "TITLE"),
        ("。", None),
    ]
    lines = []
    for text, label in parts:
        for i, char in enumerate(text):
            if label is None:
                tag = "O"
            elif len(text) == 1:
                tag = f"S-{label}"
            else:
                prefix = "B" if i == 0 else "E" if i == len(text) - 1 else "M"
                tag = f"{prefix}-{label}"
            lines.append(f"{char} {tag}")
    return "\n".join(lines) + "\n\n"


def test_train_then_evaluate_a_tiny_model(tmp_path: Path) -> None:
    rng = random.Random(0)
    train = tmp_path / "train.char.bmes"
    dev = tmp_path / "dev.char.bmes"
    train.write_text("".join(bmes_sentence(rng) for _ in range(50)), encoding="utf-8")
    dev.write_text("".join(bmes_sentence(rng) for _ in range(20)), encoding="utf-8")
    out = tmp_path / "model"
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "scoring",
            "train-ner",
            "--train",
            str(train),
            "--dev",
            str(dev),
            "--output",
            str(out),
            "--max-iterations",
            "50",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["output"] == str(out) and report["sentences"] == 20

    import spacy

    nlp = spacy.load(out)
    assert nlp.pipe_names == ["ner"]
    doc = nlp("王芳，男，本科，现任中信证券总经理。")
    assert len(doc) == 18  # one token per character
    # learnt from 50 sentences of one template: every entity, unseen combination included
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("王芳", "NAME"),
        ("本科", "EDU"),
        ("中信证券", "ORG"),
        ("总经理", "TITLE"),
    ]
    assert report["ents_f"] == 100.0
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert "ents_f" in meta["hrhub"]["dev_scores"]

    result = runner.invoke(
        app, ["scoring", "evaluate-ner", "--dev", str(dev), "--model", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["sentences"] == 20


def test_clear_errors_for_missing_files_and_models(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["scoring", "train-ner", "--train", str(tmp_path / "x"), "--dev", str(tmp_path / "y")]
    )
    assert result.exit_code == 2 and "no such file" in result.output
    dev = tmp_path / "dev.char.bmes"
    dev.write_text("张 B-NAME\n伟 E-NAME\n\n", encoding="utf-8")
    result = runner.invoke(
        app, ["scoring", "evaluate-ner", "--dev", str(dev), "--model", str(tmp_path / "none")]
    )
    assert result.exit_code == 2 and "hrhub scoring train-ner" in result.output
