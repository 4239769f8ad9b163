"""Small example inputs for `hrhub scoring calibrate` and `hrhub scoring bias-audit`.

The CSVs are synthetic and made by `generate.py` from fixed seeds (run
`python -m hrhub.scoring.examples.generate` to rewrite them); a test checks they still match.
"""

from __future__ import annotations

from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent
RATINGS_EXAMPLE = EXAMPLES_DIR / "ratings_example.csv"
RESULTS_EXAMPLE = EXAMPLES_DIR / "results_example.csv"
CURRENT_WEIGHTS_EXAMPLE = EXAMPLES_DIR / "weights_current_example.yaml"

__all__ = ["CURRENT_WEIGHTS_EXAMPLE", "EXAMPLES_DIR", "RATINGS_EXAMPLE", "RESULTS_EXAMPLE"]
