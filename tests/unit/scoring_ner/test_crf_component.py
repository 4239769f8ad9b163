"""The CRF component and its features on hand-made text: tags, gazetteer folds, save and load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import spacy

from hrhub.scoring.ner.component import FACTORY, ResumeCrf
from hrhub.scoring.ner.features import (
    CharFeatures,
    gazetteer_of,
    spans_from_tags,
    tags_from_spans,
)

ORGS = ["华夏银行", "中信证券", "万科集团", "平安保险", "招商银行", "宝钢股份"]
TITLES = ["董事长", "总经理", "财务总监", "独立董事"]
NAMES = ["张伟", "王芳", "李娜", "刘洋"]


def sentence(n: int) -> tuple[str, list[tuple[int, int, str]]]:
    """e.g. 张伟，现任华夏银行董事长。 with its spans."""
    name, org, title = NAMES[n % 4], ORGS[n % 6], TITLES[n % 4]
    text = f"{name}，现任{org}{title}。"
    org_at = len(name) + 3
    return text, [
        (0, len(name), "NAME"),
        (org_at, org_at + len(org), "ORG"),
        (org_at + len(org), org_at + len(org) + len(title), "TITLE"),
    ]


def test_tags_and_spans_round_trip_and_broken_tags_drop_only_their_entity() -> None:
    spans = [(0, 2, "NAME"), (3, 4, "EDU"), (5, 9, "ORG")]
    tags = tags_from_spans(10, spans)
    assert tags == ["B-NAME", "E-NAME", "O", "S-EDU", "O", "B-ORG", "M-ORG", "M-ORG", "E-ORG", "O"]
    assert spans_from_tags(tags) == spans
    broken = ["B-ORG", "M-TITLE", "E-ORG", "O", "B-NAME", "O", "B-EDU", "E-EDU"]
    assert spans_from_tags(broken) == [(6, 8, "EDU")]


def test_the_gazetteer_keeps_no_names_and_the_most_frequent_label() -> None:
    pairs = [
        ("张伟任华夏银行董事", [(0, 2, "NAME"), (3, 7, "ORG"), (7, 9, "TITLE")]),
        ("华夏银行", [(0, 4, "ORG")]),
        ("华夏银行", [(0, 4, "LOC")]),
        ("华夏银行", [(0, 4, "ORG")]),
        ("董", [(0, 1, "TITLE")]),
    ]
    assert gazetteer_of(pairs) == {"华夏银行": "ORG", "董事": "TITLE"}
    assert "张伟" in gazetteer_of(pairs, exclude=())


def test_features_mark_window_words_and_known_entities() -> None:
    features = CharFeatures(gazetteer={"华夏银行": "ORG"})
    rows = features("现任华夏银行董事")
    assert len(rows) == 8
    bank = rows[2]  # 华
    assert {"u0=华", "u-1=任", "u1=夏", "b0=华夏", "gBORG"} <= set(bank)
    assert "gMORG" in rows[3] and "gEORG" in rows[5] and not any(f[0] == "g" for f in rows[6])
    assert "s=B" in bank and any(f.startswith("lb=") and f != "lb=0" for f in bank)
    plain = CharFeatures(segmentation=False, lexicon=False)("现任")
    assert not any(f.startswith(("s=", "lb=", "g")) for row in plain for f in row)


@pytest.fixture(scope="module")
def trained() -> spacy.language.Language:
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    component = nlp.add_pipe(FACTORY, name="ner", config={"max_iterations": 60})
    component.train([sentence(n) for n in range(48)])
    return nlp


def test_a_trained_component_tags_unseen_combinations(trained: spacy.language.Language) -> None:
    doc = trained("刘洋，现任宝钢股份财务总监。")
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("刘洋", "NAME"),
        ("宝钢股份", "ORG"),
        ("财务总监", "TITLE"),
    ]
    assert trained.get_pipe("ner").labels == ("NAME", "ORG", "TITLE")
    assert list(trained.pipe(["", "。"])) and trained("").ents == ()
    assert "张伟" not in trained.get_pipe("ner").gazetteer  # names are never kept


def test_whitespace_separates_fields_and_spans_point_into_the_text(
    trained: spacy.language.Language,
) -> None:
    text = "  刘洋，现任宝钢股份 财务总监。 \n"
    spans = trained.get_pipe("ner").spans(text)
    assert [(text[start:end], label) for start, end, label in spans] == [
        ("刘洋", "NAME"),
        ("宝钢股份", "ORG"),
        ("财务总监", "TITLE"),
    ]
    assert trained.get_pipe("ner").spans(" \t\n") == []


def test_saved_pipeline_loads_with_spacy_load_in_a_fresh_process(
    trained: spacy.language.Language, tmp_path: Path
) -> None:
    trained.to_disk(tmp_path / "model")
    code = (
        "import json, spacy\n"
        f"nlp = spacy.load({str(tmp_path / 'model')!r})\n"
        "doc = nlp('李娜，现任招商银行独立董事。')\n"
        "print(json.dumps([(e.text, e.label_) for e in doc.ents], ensure_ascii=False))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [["李娜", "NAME"], ["招商银行", "ORG"], ["独立董事", "TITLE"]]


def test_an_untrained_component_refuses_clearly() -> None:
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    component: ResumeCrf = nlp.add_pipe(FACTORY, name="ner")
    with pytest.raises(ValueError, match="'ner' component has no model"):
        nlp("张伟")
    with pytest.raises(ValueError, match="no model to save"):
        component.to_disk(Path("/nonexistent"))
