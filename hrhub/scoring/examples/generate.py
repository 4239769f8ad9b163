"""Make the example CSVs from fixed seeds (Python's `random`, stable across versions).

ratings_example.csv: 60 interviews, the seven competencies of the shared question bank scored
0-100 (correlated, as real rubric scores are), and a 1-5 human rating driven by TRUE_WEIGHTS
plus rater noise, so calibration has something real to recover (sales_skill plays no part).
results_example.csv: about 200 candidates built cell by cell (CELLS) so the audit shows one
flagged ethnicity (Hispanic or Latino, selection impact ratio 0.65), a category under 2% of
the sample, and candidates with unknown sex or ethnicity. Scores are higher for selected
candidates and a little lower for not-selected Hispanic or Latino ones (so the scoring rate
shows the same gap).
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path
from statistics import NormalDist

from hrhub.scoring.examples import EXAMPLES_DIR, RATINGS_EXAMPLE, RESULTS_EXAMPLE

RATINGS_SEED = 8
RESULTS_SEED = 144
RATINGS_ROWS = 60
HISPANIC_SCORE_SHIFT = -4.0
TRUE_WEIGHTS = {
    "communication": 25,
    "customer_focus": 20,
    "problem_solving": 20,
    "leadership": 10,
    "sales_skill": 0,
    "technical_depth": 5,
    "motivation": 20,
}
# (sex, ethnicity, count, selected); "" and "unknown" are the unknown category.
CELLS = [
    ("Female", "White", 34, 13),
    ("Male", "White", 36, 15),
    ("Female", "Asian", 24, 9),
    ("Male", "Asian", 26, 11),
    ("Female", "Black or African American", 18, 7),
    ("Male", "Black or African American", 18, 7),
    ("Female", "Hispanic or Latino", 15, 3),
    ("Male", "Hispanic or Latino", 15, 5),
    ("Female", "Two or more races", 4, 2),
    ("Male", "Two or more races", 4, 1),
    ("Female", "Native Hawaiian or Other Pacific Islander", 1, 0),
    ("Male", "Native Hawaiian or Other Pacific Islander", 2, 1),
    ("Female", "", 2, 1),
    ("Male", "unknown", 2, 0),
    ("", "White", 1, 1),
    ("unknown", "Asian", 1, 0),
    ("", "", 1, 0),
]


def ratings_example_csv(seed: int = RATINGS_SEED, rows: int = RATINGS_ROWS) -> str:
    """The ratings example as CSV text (same seed, same text)."""
    rng = random.Random(seed)
    names = list(TRUE_WEIGHTS)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["interview_id", *names, "human_rating"])
    for number in range(1, rows + 1):
        ability = rng.gauss(0, 1)
        scores = [
            min(100, max(0, round(62 + 14 * (0.6 * ability + 0.8 * rng.gauss(0, 1)))))
            for _ in names
        ]
        composite = sum(TRUE_WEIGHTS[n] * s for n, s in zip(names, scores, strict=True)) / 100
        rating = min(5, max(1, round(3 + (composite - 62) / 9 + rng.gauss(0, 0.35))))
        writer.writerow([f"iv-{number:03d}", *scores, rating])
    return out.getvalue()


def results_example_csv(seed: int = RESULTS_SEED) -> str:
    """The bias-audit example as CSV text (same seed, same text)."""
    rng = random.Random(seed)
    people = []
    for sex, ethnicity, count, selected in CELLS:
        shift = HISPANIC_SCORE_SHIFT if ethnicity == "Hispanic or Latino" else 0.0
        people += [(sex, ethnicity, True, s) for s in _spread(selected, 76.0, 5.0, rng)]
        people += [
            (sex, ethnicity, False, s) for s in _spread(count - selected, 54.0 + shift, 6.0, rng)
        ]
    rng.shuffle(people)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["candidate_id", "sex", "ethnicity", "selected", "score"])
    for number, (sex, ethnicity, selected, score) in enumerate(people, start=1):
        writer.writerow([f"c-{number:04d}", sex, ethnicity, str(selected).lower(), score])
    return out.getvalue()


def _spread(count: int, mean: float, sd: float, rng: random.Random) -> list[float]:
    """`count` scores at evenly spaced quantiles of N(mean, sd), lightly jittered.

    Evenly spaced rather than drawn, so each cell's share above the sample median follows its
    design and not the luck of a small draw.
    """
    normal = NormalDist(mean, sd)
    return [
        min(100.0, max(0.0, round(normal.inv_cdf((i + 0.5) / count) + rng.uniform(-0.3, 0.3), 1)))
        for i in range(count)
    ]


def write_examples(directory: Path = EXAMPLES_DIR) -> list[Path]:
    """Write both CSVs into `directory`; returns their paths."""
    paths = [directory / RATINGS_EXAMPLE.name, directory / RESULTS_EXAMPLE.name]
    for path, text in zip(paths, (ratings_example_csv(), results_example_csv()), strict=True):
        path.write_text(text, encoding="utf-8")
    return paths


if __name__ == "__main__":
    for written in write_examples():
        print(written)
