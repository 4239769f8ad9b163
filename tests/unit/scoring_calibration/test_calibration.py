"""Calibration: NNLS recovers known weights, hand-computed agreement, determinism, before/after."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hrhub.scoring.calibration import (
    CalibrationError,
    RatingRow,
    agreement,
    calibrate,
    pearson_r,
    to_rating,
)

NAMES = ["communication", "customer_focus", "problem_solving", "leadership"]
TRUE_PERCENT = {
    "communication": 50.0,
    "customer_focus": 30.0,
    "problem_solving": 0.0,
    "leadership": 20.0,
}


def synthetic_rows(
    n: int, *, seed: int, scale: tuple[int, int], noise: float, percent=TRUE_PERCENT
) -> list[RatingRow]:
    """Ratings made from known weights: the composite mapped linearly onto the scale, plus noise.

    Scores share an ability factor (correlation about 0.6), as real rubric scores do.
    """
    rng = np.random.default_rng(seed)
    low, high = scale
    weights = np.array([percent[name] for name in NAMES]) / 100
    rows = []
    for i in range(n):
        ability = rng.normal()
        scores = np.clip(55 + 15 * ability + 12 * rng.normal(size=len(NAMES)), 0, 100).round(1)
        latent = low + (high - low) * (scores @ weights - 20) / 70 + rng.normal(0, noise)
        rating = int(np.clip(np.floor(latent + 0.5), low, high))
        rows.append(RatingRow(f"iv-{i}", dict(zip(NAMES, scores, strict=True)), rating, i + 2))
    return rows


def test_nnls_recovers_known_weights_on_a_fine_scale() -> None:
    rows = synthetic_rows(400, seed=1, scale=(0, 100), noise=1.0)
    report = calibrate(rows, scale=(0, 100))
    for name, expected in TRUE_PERCENT.items():
        assert report.weights[name] == pytest.approx(expected, abs=1.0), name
    assert sum(report.weights.values()) == pytest.approx(100.0, abs=1e-9)
    assert report.fitted.cross_validated.pearson_r > 0.99


def test_nnls_recovers_known_weights_from_1_to_5_ratings() -> None:
    rows = synthetic_rows(300, seed=2, scale=(1, 5), noise=0.3)
    report = calibrate(rows)
    for name, expected in TRUE_PERCENT.items():
        assert report.weights[name] == pytest.approx(expected, abs=5.0), name
    assert report.weights["problem_solving"] < 3.0
    cv = report.fitted.cross_validated
    assert cv.pearson_r > 0.9 and cv.n == 300
    assert cv.exact_agreement > 0.6 and cv.adjacent_agreement > 0.97
    assert all(value >= 0 for value in report.weights.values())


def test_agreement_figures_on_a_hand_computed_case() -> None:
    predicted = np.array([1.4, 2.6, 3.5, 4.49, 5.7, 0.2])
    human = np.array([1, 2, 4, 4, 5, 3])
    # rounded half up and clipped to 1-5: 1, 3, 4, 4, 5, 1
    assert to_rating(predicted, (1, 5)).tolist() == [1, 3, 4, 4, 5, 1]
    figures = agreement(predicted, human, (1, 5))
    assert figures.n == 6
    assert figures.exact_agreement == pytest.approx(4 / 6)  # rows 1, 3, 4, 5
    assert figures.adjacent_agreement == pytest.approx(5 / 6)  # all but |1 - 3| = 2
    assert figures.pearson_r == pytest.approx(float(np.corrcoef(predicted, human)[0, 1]))


def test_pearson_r_is_none_when_undefined() -> None:
    assert pearson_r(np.array([3.0, 3.0, 3.0]), np.array([1, 2, 3])) is None
    assert pearson_r(np.array([1.0]), np.array([2.0])) is None


def test_an_exact_linear_relation_gives_full_agreement_and_hand_computed_bands() -> None:
    # rating = 1 + communication / 25 exactly; leadership is constant and must get weight 0.
    rows = [
        RatingRow(f"iv-{i}", {"communication": float(s), "leadership": 60.0}, 1 + s // 25, i + 2)
        for i, s in enumerate([0, 25, 50, 75, 100] * 4)
    ]
    report = calibrate(rows, folds=4)
    assert report.weights == {"communication": 100.0, "leadership": 0.0}
    assert report.fitted.intercept == pytest.approx(1.0)
    assert report.fitted.slope == pytest.approx(0.04)
    edges = [(rating, round(edge, 6)) for rating, edge in report.fitted.band_edges]
    assert edges == [(2, 12.5), (3, 37.5), (4, 62.5), (5, 87.5)]
    cv = report.fitted.cross_validated
    assert (cv.exact_agreement, cv.adjacent_agreement) == (1.0, 1.0)
    assert cv.pearson_r == pytest.approx(1.0)
    assert any("weight 0 for leadership" in note for note in report.notes)


def test_same_input_same_report_and_the_seed_only_moves_the_folds() -> None:
    rows = synthetic_rows(80, seed=3, scale=(1, 5), noise=0.4)
    first = json.dumps(calibrate(rows, seed=7).to_dict())
    assert json.dumps(calibrate(rows, seed=7).to_dict()) == first
    other = calibrate(rows, seed=8)
    assert other.weights == calibrate(rows, seed=7).weights  # the full-data fit
    assert json.dumps(other.to_dict()) != first  # the folds differ


def test_folds_partition_the_rows_and_never_train_on_the_held_out_ones() -> None:
    rows = synthetic_rows(53, seed=4, scale=(1, 5), noise=0.4)
    report = calibrate(rows, folds=5)
    tests = [fold.n_test for fold in report.fitted.folds]
    assert sum(tests) == 53 and max(tests) - min(tests) <= 1
    assert all(fold.n_train + fold.n_test == 53 for fold in report.fitted.folds)
    # each fold's weights come from its own training rows, so they differ a little
    assert len({json.dumps(fold.weights) for fold in report.fitted.folds}) == 5


def test_current_weights_are_compared_on_the_same_folds() -> None:
    rows = synthetic_rows(200, seed=5, scale=(1, 5), noise=0.3)
    truth = calibrate(rows, current_weights=TRUE_PERCENT)
    assert truth.current is not None
    assert truth.current.weights == TRUE_PERCENT
    assert [f.n_test for f in truth.current.folds] == [f.n_test for f in truth.fitted.folds]
    assert truth.current.cross_validated.pearson_r == pytest.approx(
        truth.fitted.cross_validated.pearson_r, abs=0.02
    )
    wrong = calibrate(rows, current_weights={"problem_solving": 1})
    assert wrong.current.weights["problem_solving"] == 100.0
    before, after = wrong.current.cross_validated, wrong.fitted.cross_validated
    assert before.pearson_r < after.pearson_r - 0.2  # the zero-weight competency predicts poorly
    assert before.exact_agreement < after.exact_agreement
    assert any("do not name communication" in note for note in wrong.notes)
    assert any("sum to 1; scaled to 100" in note for note in wrong.notes)


def test_current_weights_naming_an_unknown_competency_are_refused() -> None:
    rows = synthetic_rows(20, seed=6, scale=(1, 5), noise=0.3)
    with pytest.raises(CalibrationError, match="'charisma', not a column"):
        calibrate(rows, current_weights={"communication": 50, "charisma": 50})


def test_constant_ratings_and_unrelated_scores_are_clear_errors() -> None:
    flat = [RatingRow(f"iv-{i}", {"communication": float(i)}, 3, i + 2) for i in range(10)]
    with pytest.raises(CalibrationError, match="every human_rating is 3"):
        calibrate(flat)
    falling = [
        RatingRow(f"iv-{i}", {"communication": 10.0 * i}, 5 - i // 2, i + 2) for i in range(10)
    ]
    with pytest.raises(CalibrationError, match="every weight fits to 0"):
        calibrate(falling)


def test_fewer_rows_than_folds_names_the_lines() -> None:
    rows = synthetic_rows(4, seed=7, scale=(1, 5), noise=0.3)
    with pytest.raises(CalibrationError, match=r"4 rows \(lines 2-5\) are fewer than the 5 folds"):
        calibrate(rows, folds=5)


def test_report_dict_has_the_documented_shape() -> None:
    report = calibrate(synthetic_rows(60, seed=8, scale=(1, 5), noise=0.3))
    data = report.to_dict()
    assert list(data) == [
        "n", "folds", "seed", "scale", "competencies", "method", "fitted", "current", "notes",
    ]  # fmt: skip
    assert list(data["fitted"]["cross_validated"]) == [
        "n", "pearson_r", "exact_agreement", "adjacent_agreement",
    ]  # fmt: skip
    assert len(data["fitted"]["folds"]) == 5 and data["current"] is None
    json.dumps(data)  # plain data only
