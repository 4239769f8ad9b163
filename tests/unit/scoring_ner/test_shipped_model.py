"""The shipped pipeline: plain `spacy.load`, at most 30 MB, the agreed labels, good on dev."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hrhub.scoring.ner import LABELS, MODEL_DIR, load_resume_ner

TARGET_F1 = 94.46  # Lattice LSTM (Zhang & Yang 2018) on ResumeNER


def test_loads_with_spacy_load_and_only_the_ner_component_of_hrhub(tmp_path: Path) -> None:
    """`spacy.load(path)` in a fresh process finds the CRF component through hrhub's
    spacy_factories entry point; nothing of hrhub beyond that component is imported."""
    code = (
        "import json, sys, spacy\n"
        f"nlp = spacy.load({str(MODEL_DIR)!r})\n"
        "doc = nlp('高勇：男，中国国籍，无境外居留权，现任董事长。')\n"
        "print(json.dumps({'labels': list(nlp.get_pipe('ner').labels), 'tokens': len(doc),"
        " 'ents': [(e.text, e.label_) for e in doc.ents],"
        " 'hrhub': sorted(m for m in sys.modules if m.split('.')[0] == 'hrhub')}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert sorted(out["labels"]) == sorted(LABELS)
    assert out["tokens"] == len("高勇：男，中国国籍，无境外居留权，现任董事长。")  # one per char
    expected = [("高勇", "NAME"), ("中国国籍", "CONT"), ("董事长", "TITLE")]
    assert [tuple(e) for e in out["ents"]] == expected
    assert set(out["hrhub"]) <= {
        "hrhub",
        "hrhub.scoring",
        "hrhub.scoring.ner",
        "hrhub.scoring.ner.component",
        "hrhub.scoring.ner.features",
    }


def test_model_directory_is_at_most_30_mb_and_clean() -> None:
    files = [p for p in MODEL_DIR.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    assert size <= 30 * 1024 * 1024, f"{size / 1e6:.1f} MB"
    names = {p.name for p in MODEL_DIR.iterdir()}
    assert {"config.cfg", "meta.json", "ner", "MODEL_CARD.md"} <= names
    assert {p.name for p in (MODEL_DIR / "ner").iterdir()} == {"model.crfsuite", "gazetteer.json"}
    assert not names & {"model-last", "model-best", "train.spacy", "dev.spacy", "tok2vec"}
    gazetteer = json.loads((MODEL_DIR / "ner" / "gazetteer.json").read_text(encoding="utf-8"))
    assert gazetteer and "NAME" not in set(gazetteer.values())  # people's names are never kept


def test_load_resume_ner_is_cached_and_names_the_command_when_missing(tmp_path: Path) -> None:
    assert load_resume_ner() is load_resume_ner()
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError) as info:
        load_resume_ner(missing)
    assert str(missing) in str(info.value)
    assert "hrhub scoring train-ner" in str(info.value)


def test_dev_scores_agree_with_spacy_evaluate_and_the_model_card(dev_bmes: Path) -> None:
    from hrhub.scoring.ner.evaluate import evaluate_pipeline, spacy_evaluate

    ours = evaluate_pipeline(load_resume_ner(), dev_bmes)
    theirs = spacy_evaluate(MODEL_DIR, dev_bmes)
    assert abs(ours.micro.f1 - theirs["ents_f"]) <= 0.01, (ours.micro.f1, theirs["ents_f"])
    for label, score in ours.per_type.items():
        assert abs(score.f1 - theirs["ents_per_type"][label]["f"]) <= 0.01, label
    recorded = json.loads((MODEL_DIR / "meta.json").read_text(encoding="utf-8"))
    assert abs(ours.micro.f1 - recorded["hrhub"]["dev_scores"]["ents_f"]) <= 0.01


@pytest.mark.xfail(
    strict=True,
    reason="issue 7 target not met yet: the shipped CRF scores 94.16 on dev, below 94.46 "
    "(see MODEL_CARD.md); remove this marker once a retrained model beats it",
)
def test_dev_f1_beats_lattice_lstm(dev_bmes: Path) -> None:
    from hrhub.scoring.ner.evaluate import evaluate_pipeline

    ours = evaluate_pipeline(load_resume_ner(), dev_bmes)
    assert ours.micro.f1 > TARGET_F1, ours.as_dict()
