"""Calibration: fit the rubric's competency weights to human interview ratings, report agreement.

Input: one row per interview with the rubric's 0-100 score per competency and the rating a human
interviewer gave on an integer scale (default 1-5); see `read_ratings`.

Method (what `hrhub scoring calibrate` reports):
- Fit: non-negative least squares with a free intercept, rating ~ a + sum(w_c * score_c) with
  every w_c >= 0 (scipy.optimize.nnls on mean-centred data, which is the exact least-squares
  solution for an unconstrained intercept). A negative weight would reward a weaker answer, so
  none is allowed; a competency that adds nothing gets 0. Weights are given in percent summing
  to 100, so the composite sum(p_c * score_c) / 100 stays on the rubric's 0-100 scale.
- Rating bands: fitted, not equal-width. The composite maps to the rating scale through the same
  fit: rating = round(a + W * composite) clipped to the scale (W = sum of w_c), i.e. rating k+1
  starts where the fitted line crosses k + 0.5 (`band_edges`). Equal-width bands (0-20 -> 1, ...)
  would assume the human raters use the scale the way the rubric does; fitted bands do not.
- Cross-validation: k folds of a seeded permutation (deterministic). Each row is predicted once,
  by weights and bands fitted on the other folds only. Pearson r is between those held-out
  predictions (before rounding) and the human ratings; exact agreement is the share with
  predicted == human rating, adjacent agreement the share within one point (exact included).
- Current weights: the same folds and banding with the weights held fixed (only a and W are
  fitted on the training folds), so HR sees before and after on equal terms.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.optimize import nnls

from hrhub.scoring.csvfile import CsvInputError, CsvTable, read_csv

ID_COLUMN = "interview_id"
RATING_COLUMN = "human_rating"
DEFAULT_FOLDS = 5
DEFAULT_SCALE = (1, 5)
DEFAULT_SEED = 0
FEW_ROWS = 30

__all__ = [
    "DEFAULT_FOLDS",
    "DEFAULT_SCALE",
    "DEFAULT_SEED",
    "Agreement",
    "CalibrationError",
    "CalibrationReport",
    "CsvInputError",
    "FoldResult",
    "RatingRow",
    "WeightsEvaluation",
    "WeightsFileError",
    "agreement",
    "calibrate",
    "dump_weights",
    "load_weights",
    "parse_ratings",
    "parse_scale",
    "pearson_r",
    "read_ratings",
    "to_rating",
]


class CalibrationError(ValueError):
    """Ratings that were read but cannot be calibrated: too few rows, no signal, bad settings."""


class WeightsFileError(ValueError):
    """A weights YAML that cannot be used; the message names the file, line and competency."""


@dataclass(frozen=True)
class RatingRow:
    """One interview: rubric scores (0-100) per competency and the human rating."""

    interview_id: str
    scores: dict[str, float]
    human_rating: int
    line: int | None = None


@dataclass(frozen=True)
class Agreement:
    """How predicted ratings agree with the human ones (shares are 0-1)."""

    n: int
    pearson_r: float | None
    exact_agreement: float
    adjacent_agreement: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "pearson_r": _round(self.pearson_r, 4),
            "exact_agreement": round(self.exact_agreement, 4),
            "adjacent_agreement": round(self.adjacent_agreement, 4),
        }


@dataclass(frozen=True)
class FoldResult:
    """One fold: sizes, agreement on its held-out rows, and the weights fitted without them."""

    fold: int
    n_train: int
    n_test: int
    agreement: Agreement
    weights: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"fold": self.fold, "n_train": self.n_train, "n_test": self.n_test}
        data.update({k: v for k, v in self.agreement.to_dict().items() if k != "n"})
        if self.weights is not None:
            data["weights"] = self.weights
        return data


@dataclass(frozen=True)
class WeightsEvaluation:
    """A set of weights (percent) with its rating bands and agreement, held-out and in-sample."""

    weights: dict[str, float]
    intercept: float
    slope: float
    band_edges: tuple[tuple[int, float], ...]
    cross_validated: Agreement
    folds: tuple[FoldResult, ...]
    in_sample: Agreement

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": self.weights,
            "rating_from_composite": {
                "intercept": round(self.intercept, 4),
                "slope": round(self.slope, 6),
                "band_edges": [
                    {"rating": rating, "from_composite": round(edge, 2)}
                    for rating, edge in self.band_edges
                ],
            },
            "cross_validated": self.cross_validated.to_dict(),
            "in_sample": self.in_sample.to_dict(),
            "folds": [fold.to_dict() for fold in self.folds],
        }


@dataclass(frozen=True)
class CalibrationReport:
    """Fitted weights and, when given, the current weights, on the same folds."""

    n: int
    folds: int
    seed: int
    scale: tuple[int, int]
    competencies: tuple[str, ...]
    fitted: WeightsEvaluation
    current: WeightsEvaluation | None
    notes: tuple[str, ...]

    @property
    def weights(self) -> dict[str, float]:
        return self.fitted.weights

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "folds": self.folds,
            "seed": self.seed,
            "scale": list(self.scale),
            "competencies": list(self.competencies),
            "method": {
                "fit": "non-negative least squares, free intercept (scipy.optimize.nnls)",
                "bands": "fitted on the training folds: round(intercept + slope * composite)",
                "adjacent_agreement": "within one rating point, exact included",
            },
            "fitted": self.fitted.to_dict(),
            "current": self.current.to_dict() if self.current else None,
            "notes": list(self.notes),
        }


# ---- reading --------------------------------------------------------------------------------


def parse_scale(text: str) -> tuple[int, int]:
    """'1-5' -> (1, 5); ValueError for anything else (two whole numbers, low < high)."""
    parts = unicodedata.normalize("NFKC", text).strip().split("-")
    if len(parts) != 2 or not all(part.strip().isdigit() for part in parts):
        raise ValueError(f"expected LOW-HIGH whole numbers like 1-5, got {text!r}")
    low, high = (int(part) for part in parts)
    if low >= high:
        raise ValueError(f"the low end must be below the high end, got {text!r}")
    return low, high


def read_ratings(path: str | Path, *, scale: tuple[int, int] = DEFAULT_SCALE) -> list[RatingRow]:
    """Rows of a ratings CSV; `CsvInputError` naming line and column for any bad cell."""
    return parse_ratings(read_csv(path), scale=scale)


def parse_ratings(table: CsvTable, *, scale: tuple[int, int] = DEFAULT_SCALE) -> list[RatingRow]:
    """Rows from a split CSV: `interview_id`, `human_rating`, every other column a competency."""
    table.require(ID_COLUMN, RATING_COLUMN)
    competencies = [name for name in table.header if name not in (ID_COLUMN, RATING_COLUMN)]
    if not competencies:
        raise CsvInputError(
            table.source,
            "no competency columns besides interview_id and human_rating "
            "(expected e.g. communication, problem_solving)",
            line=1,
        )
    if not table.records:
        raise CsvInputError(table.source, "no data rows after the header", line=2)
    rows: list[RatingRow] = []
    first_line: dict[str, int] = {}
    for record in table.records:

        def bad(column: str, message: str, line: int = record.line) -> CsvInputError:
            return CsvInputError(table.source, message, line=line, column=column)

        interview_id = record.cells[ID_COLUMN]
        if not interview_id:
            raise bad(ID_COLUMN, "empty cell (every row needs its interview id)")
        if interview_id in first_line:
            raise bad(
                ID_COLUMN, f"{interview_id!r} already appears on line {first_line[interview_id]}"
            )
        first_line[interview_id] = record.line
        scores = {}
        for name in competencies:
            value = _number(record.cells[name])
            if isinstance(value, str):
                raise bad(name, value)
            if not 0 <= value <= 100:
                raise bad(name, f"score {record.cells[name]} is outside 0-100")
            scores[name] = value
        rating = _rating(record.cells[RATING_COLUMN], scale)
        if isinstance(rating, str):
            raise bad(RATING_COLUMN, rating)
        rows.append(RatingRow(interview_id, scores, rating, record.line))
    return rows


def _number(cell: str) -> float | str:
    """The number in a cell, or the reason there is none (never a silent zero)."""
    text = unicodedata.normalize("NFKC", cell).strip()
    if not text:
        return "empty cell (a number is needed)"
    try:
        value = float(text)
    except ValueError:
        return f"not a number: {cell!r}"
    if not math.isfinite(value):
        return f"not a finite number: {cell!r}"
    return value


def _rating(cell: str, scale: tuple[int, int]) -> int | str:
    value = _number(cell)
    if isinstance(value, str):
        return value
    low, high = scale
    if value != int(value):
        return f"rating {cell} is not a whole number on the {low}-{high} scale"
    if not low <= value <= high:
        return f"rating {cell} is off the {low}-{high} scale"
    return int(value)


def load_weights(path: str | Path) -> dict[str, float]:
    """Weights from a YAML mapping `competency: weight` (what `--out` writes), in file order."""
    path = Path(path)
    where = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise WeightsFileError(f"{where}: cannot read the weights file: {exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WeightsFileError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise WeightsFileError(f"{where}: expected a mapping of competency: weight")
    weights: dict[str, float] = {}
    for key_node, _ in node.value:
        line = key_node.start_mark.line + 1
        name = str(key_node.value)
        if name in weights:
            raise WeightsFileError(f"{where} line {line}: competency '{name}' appears twice")
        value = data.get(key_node.value, data.get(name))
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise WeightsFileError(
                f"{where} line {line}, competency '{name}': weight must be a number >= 0, "
                f"got {value!r}"
            )
        weights[name] = float(value)
    if not weights or sum(weights.values()) <= 0:
        raise WeightsFileError(f"{where}: the weights must not all be 0")
    return weights


def dump_weights(report: CalibrationReport, *, source: str | None = None) -> str:
    """The fitted weights as YAML `competency: percent`, provenance in comments (re-loadable)."""
    cv = report.fitted.cross_validated
    r_text = "n/a" if cv.pearson_r is None else f"{cv.pearson_r:.3f}"
    lines = [
        "# Competency weights in percent (sum 100), fitted by `hrhub scoring calibrate`.",
        f"# Data: {source or 'ratings'}; n={report.n}, {report.folds} folds, seed {report.seed}, "
        f"scale {report.scale[0]}-{report.scale[1]}.",
        f"# Cross-validated: r={r_text}, exact {cv.exact_agreement:.1%}, "
        f"adjacent {cv.adjacent_agreement:.1%}.",
    ]
    lines += [f"{name}: {value:g}" for name, value in report.fitted.weights.items()]
    return "\n".join(lines) + "\n"


# ---- fitting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scorer:
    """rating ~ intercept + slope * composite, composite = X @ percent / 100."""

    percent: np.ndarray
    intercept: float
    slope: float

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.intercept + self.slope * (X @ self.percent / 100.0)


def _fit_free(X: np.ndarray, y: np.ndarray) -> _Scorer:
    """Weights and bands from the data: NNLS on centred columns (free intercept)."""
    x_mean = X.mean(axis=0)
    coef, _ = nnls(X - x_mean, y - y.mean())
    slope = float(coef.sum())
    percent = coef / slope * 100.0 if slope > 0 else np.zeros_like(coef)
    return _Scorer(percent, float(y.mean() - x_mean @ coef), slope)


def _fit_fixed(percent: np.ndarray):
    """Bands only (intercept and slope >= 0) for weights held fixed."""

    def fit(X: np.ndarray, y: np.ndarray) -> _Scorer:
        composite = (X @ percent / 100.0)[:, None]
        mean = float(composite.mean())
        coef, _ = nnls(composite - mean, y - y.mean())
        slope = float(coef[0])
        return _Scorer(percent, float(y.mean() - mean * slope), slope)

    return fit


def calibrate(
    rows: Sequence[RatingRow],
    *,
    folds: int = DEFAULT_FOLDS,
    scale: tuple[int, int] = DEFAULT_SCALE,
    seed: int = DEFAULT_SEED,
    current_weights: Mapping[str, float] | None = None,
) -> CalibrationReport:
    """Fit weights to the human ratings and cross-validate them (see the module docstring)."""
    competencies = _check_rows(rows, folds, scale)
    X = np.array([[row.scores[name] for name in competencies] for row in rows], dtype=float)
    y = np.array([row.human_rating for row in rows], dtype=float)
    if np.ptp(y) == 0:
        raise CalibrationError(
            f"every human_rating is {int(y[0])}: a constant rating leaves nothing to fit"
        )
    permutation = np.random.default_rng(seed).permutation(len(rows))
    split = [np.sort(part) for part in np.array_split(permutation, folds)]
    fitted = _evaluate(X, y, split, scale, _fit_free, competencies, per_fold_weights=True)
    if sum(fitted.weights.values()) == 0:
        raise CalibrationError(
            "no competency score rises with human_rating: every weight fits to 0 "
            "(check that the columns are the rubric's scores for these interviews)"
        )
    notes = _fit_notes(fitted, competencies, len(rows))
    current = None
    if current_weights is not None:
        percent, current_notes = _current_percent(current_weights, competencies)
        notes += current_notes
        current = _evaluate(X, y, split, scale, _fit_fixed(percent), competencies)
    return CalibrationReport(
        n=len(rows),
        folds=folds,
        seed=seed,
        scale=scale,
        competencies=tuple(competencies),
        fitted=fitted,
        current=current,
        notes=tuple(notes),
    )


def _check_rows(rows: Sequence[RatingRow], folds: int, scale: tuple[int, int]) -> list[str]:
    low, high = scale
    if low >= high:
        raise CalibrationError(f"scale {low}-{high}: the low end must be below the high end")
    if folds < 2:
        raise CalibrationError(f"folds must be at least 2, got {folds}")
    if not rows:
        raise CalibrationError("no rows to calibrate on")
    if len(rows) < folds:
        lines = [row.line for row in rows if row.line is not None]
        where = f" (lines {min(lines)}-{max(lines)})" if lines else ""
        raise CalibrationError(
            f"{len(rows)} rows{where} are fewer than the {folds} folds: every fold needs at "
            f"least one held-out row; lower --folds or add ratings"
        )
    competencies = list(rows[0].scores)
    for row in rows:
        where = f"interview {row.interview_id!r}" + (f" (line {row.line})" if row.line else "")
        if set(row.scores) != set(competencies):
            raise CalibrationError(f"{where}: competencies differ from the first row's")
        if not low <= row.human_rating <= high:
            raise CalibrationError(f"{where}: human_rating {row.human_rating} is off the scale")
        for name, value in row.scores.items():
            if not (math.isfinite(value) and 0 <= value <= 100):
                raise CalibrationError(f"{where}, column '{name}': score {value} is not 0-100")
    return competencies


def _evaluate(
    X: np.ndarray,
    y: np.ndarray,
    split: list[np.ndarray],
    scale: tuple[int, int],
    fit,
    competencies: list[str],
    *,
    per_fold_weights: bool = False,
) -> WeightsEvaluation:
    held_out = np.empty_like(y)
    fold_results = []
    for number, test in enumerate(split, start=1):
        train = np.setdiff1d(np.arange(len(y)), test)
        scorer = fit(X[train], y[train])
        held_out[test] = scorer.predict(X[test])
        fold_results.append(
            FoldResult(
                fold=number,
                n_train=len(train),
                n_test=len(test),
                agreement=agreement(held_out[test], y[test], scale),
                weights=_percent(scorer.percent, competencies) if per_fold_weights else None,
            )
        )
    full = fit(X, y)
    return WeightsEvaluation(
        weights=_percent(full.percent, competencies),
        intercept=full.intercept,
        slope=full.slope,
        band_edges=_band_edges(full, scale),
        cross_validated=agreement(held_out, y, scale),
        folds=tuple(fold_results),
        in_sample=agreement(full.predict(X), y, scale),
    )


def agreement(predicted: np.ndarray, human: np.ndarray, scale: tuple[int, int]) -> Agreement:
    """Pearson r of the continuous predictions; exact/adjacent after `to_rating`."""
    human = np.asarray(human, dtype=float)
    rating = to_rating(predicted, scale)
    return Agreement(
        n=len(human),
        pearson_r=pearson_r(predicted, human),
        exact_agreement=float(np.mean(rating == human)),
        adjacent_agreement=float(np.mean(np.abs(rating - human) <= 1)),
    )


def to_rating(predicted: np.ndarray, scale: tuple[int, int]) -> np.ndarray:
    """Continuous predictions to the rating scale: round half up, clip to the ends."""
    return np.clip(np.floor(np.asarray(predicted, dtype=float) + 0.5), scale[0], scale[1])


def pearson_r(a: np.ndarray, b: np.ndarray) -> float | None:
    """Pearson r, or None when it is undefined (fewer than 2 values, or one side constant)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 2 or np.ptp(a) <= 1e-12 * max(1.0, float(np.abs(a).max())) or np.ptp(b) == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def _band_edges(scorer: _Scorer, scale: tuple[int, int]) -> tuple[tuple[int, float], ...]:
    """(rating, composite from which it is predicted) for every rating above the lowest."""
    if scorer.slope <= 0:
        return ()
    return tuple(
        (k + 1, (k + 0.5 - scorer.intercept) / scorer.slope) for k in range(scale[0], scale[1])
    )


def _percent(values: np.ndarray, competencies: list[str]) -> dict[str, float]:
    """Percent with two decimals summing to exactly 100 (largest remainder), or all 0."""
    total = float(np.sum(values))
    if total <= 0:
        return dict.fromkeys(competencies, 0.0)
    hundredths = np.asarray(values, dtype=float) / total * 10_000
    floors = np.floor(hundredths).astype(int)
    missing = 10_000 - int(floors.sum())
    order = sorted(range(len(floors)), key=lambda i: (-(hundredths[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return {name: int(floors[i]) / 100 for i, name in enumerate(competencies)}


def _fit_notes(fitted: WeightsEvaluation, competencies: list[str], n: int) -> list[str]:
    notes = []
    zero = [name for name in competencies if fitted.weights[name] == 0]
    if zero:
        notes.append(
            f"weight 0 for {', '.join(zero)}: alongside the other competencies it does not help "
            "predict the human ratings (weights are kept >= 0)"
        )
    if n < FEW_ROWS:
        notes.append(f"only {n} rated interviews: the figures are rough; {FEW_ROWS}+ is better")
    return notes


def _current_percent(
    weights: Mapping[str, float], competencies: list[str]
) -> tuple[np.ndarray, list[str]]:
    unknown = [name for name in weights if name not in competencies]
    if unknown:
        raise CalibrationError(
            f"current weights name {', '.join(map(repr, unknown))}, not a column of the ratings "
            f"(columns: {', '.join(competencies)})"
        )
    for name, value in weights.items():
        if not (math.isfinite(value) and value >= 0):
            raise CalibrationError(f"current weight for '{name}' must be >= 0, got {value}")
    total = float(sum(weights.values()))
    if total <= 0:
        raise CalibrationError("current weights are all 0")
    notes = []
    absent = [name for name in competencies if name not in weights]
    if absent:
        notes.append(f"current weights do not name {', '.join(absent)}: counted as 0")
    if abs(total - 100) > 0.01:
        notes.append(f"current weights sum to {total:g}; scaled to 100")
    percent = np.array([weights.get(name, 0.0) / total * 100 for name in competencies])
    return percent, notes


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
