"""The shipped example files are what the seeded generator makes, and they show what they say."""

from __future__ import annotations

from hrhub.scoring.calibration import calibrate, load_weights, read_ratings
from hrhub.scoring.examples import CURRENT_WEIGHTS_EXAMPLE, RATINGS_EXAMPLE, RESULTS_EXAMPLE
from hrhub.scoring.examples.generate import (
    TRUE_WEIGHTS,
    ratings_example_csv,
    results_example_csv,
)


def test_shipped_csvs_match_the_generator() -> None:
    assert RATINGS_EXAMPLE.read_text(encoding="utf-8") == ratings_example_csv()
    assert RESULTS_EXAMPLE.read_text(encoding="utf-8") == results_example_csv()


def test_the_ratings_example_has_60_rows_and_calibrates_near_its_true_weights() -> None:
    rows = read_ratings(RATINGS_EXAMPLE)
    assert len(rows) == 60
    assert set(rows[0].scores) == set(TRUE_WEIGHTS)
    report = calibrate(rows, current_weights=load_weights(CURRENT_WEIGHTS_EXAMPLE))
    assert max(report.weights, key=report.weights.get) == "communication"
    assert report.fitted.cross_validated.pearson_r > report.current.cross_validated.pearson_r
