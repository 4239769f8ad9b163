"""The project's evaluator on hand-made spans, with P/R/F1 worked out by hand."""

from __future__ import annotations

import pytest

from hrhub.scoring.ner.evaluate import score_spans


def test_exact_match_per_type_and_micro() -> None:
    gold = [
        [(0, 2, "NAME"), (5, 9, "ORG"), (10, 12, "TITLE")],
        [(0, 3, "ORG"), (4, 6, "EDU")],
    ]
    pred = [
        # NAME right; ORG boundary off by one (1 FP + 1 FN); TITLE right
        [(0, 2, "NAME"), (5, 8, "ORG"), (10, 12, "TITLE")],
        # ORG right; EDU span labelled PRO (EDU FN, PRO FP); an extra LOC (FP)
        [(0, 3, "ORG"), (4, 6, "PRO"), (7, 8, "LOC")],
    ]
    scores = score_spans(gold, pred)
    # micro: tp = NAME, TITLE, ORG = 3; fp = ORG(5,8), PRO, LOC = 3; fn = ORG(5,9), EDU = 2
    assert (scores.micro.tp, scores.micro.fp, scores.micro.fn) == (3, 3, 2)
    assert scores.micro.precision == pytest.approx(50.0)  # 3 / 6
    assert scores.micro.recall == pytest.approx(60.0)  # 3 / 5
    assert scores.micro.f1 == pytest.approx(2 * 50 * 60 / 110)  # 54.5454...
    org = scores.per_type["ORG"]  # tp 1, fp 1, fn 1
    assert (org.precision, org.recall, org.f1) == pytest.approx((50.0, 50.0, 50.0))
    assert scores.per_type["NAME"].f1 == pytest.approx(100.0)
    assert scores.per_type["EDU"].as_dict()["f"] == 0.0  # never predicted: P 0, R 0, F 0
    assert scores.per_type["PRO"].precision == 0.0
    assert scores.sentences == 2


def test_duplicates_count_once_each_and_lengths_must_match() -> None:
    scores = score_spans([[(0, 2, "ORG")]], [[(0, 2, "ORG"), (0, 2, "ORG")]])
    assert (scores.micro.tp, scores.micro.fp, scores.micro.fn) == (1, 1, 0)
    with pytest.raises(ValueError):
        score_spans([[]], [[], []])


def test_no_entities_anywhere_scores_zero_without_dividing_by_zero() -> None:
    scores = score_spans([[]], [[]])
    assert scores.micro.f1 == 0.0
    assert scores.as_dict()["ents_per_type"] == {}
