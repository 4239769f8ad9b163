"""Selection and scoring rates and impact ratios per category, as NYC Local Law 144 defines them.

Definitions (DCWP rules, 6 RCNY §5-300 to §5-304):
- selection rate: the share of a category that was selected (moved forward);
- scoring rate: the share of a category scoring above the median score of the whole sample
  (every assessed candidate with a score, unknowns included; a score equal to the median is not
  above it);
- impact ratio: a category's rate divided by the highest rate among the compared categories;
- categories: sex, ethnicity and every sex x ethnicity intersection. A candidate whose sex or
  ethnicity is unknown is counted in the sample and in the tables where it is known, and left
  out of the others; the number of unknowns is reported per table (§5-301 asks for it);
- a category under `min_share` of the whole sample may be left out of the impact-ratio
  comparison (§5-301 allows it for categories under 2%); it is still reported with its count and
  rates, and the summary says why it was left out.
A ratio under `threshold` (0.8, the EEOC's four-fifths rule of thumb) is flagged; ratios are
compared as exact fractions, so 32% against 40% is 0.8 and not flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from hrhub.scoring.fairness.records import AuditRow

DEFAULT_THRESHOLD = 0.8
DEFAULT_MIN_SHARE = 0.02
TOOL_NAME = "hrhub"
NOT_STATED = "not stated"
DISTRIBUTION_DATE_PLACEHOLDER = "[distribution date of the tool: fill in before publishing]"
TABLES = (
    ("sex", "sex"),
    ("ethnicity", "ethnicity"),
    ("intersection", "sex × ethnicity"),
)


@dataclass(frozen=True)
class CategoryFigures:
    """One category's count, rates and impact ratios (None where not computed)."""

    label: str
    parts: tuple[str, ...]
    count: int
    share: float
    selected: int
    selection_rate: float
    selection_impact_ratio: float | None
    above_median: int | None
    scoring_rate: float | None
    scoring_impact_ratio: float | None
    excluded: bool
    flags: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.label,
            "parts": list(self.parts),
            "count": self.count,
            "share": round(self.share, 4),
            "selected": self.selected,
            "selection_rate": round(self.selection_rate, 4),
            "selection_impact_ratio": _round(self.selection_impact_ratio),
            "above_median": self.above_median,
            "scoring_rate": _round(self.scoring_rate),
            "scoring_impact_ratio": _round(self.scoring_impact_ratio),
            "excluded_from_impact_ratio": self.excluded,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class CategoryTable:
    """The categories of one dimension (sex, ethnicity or their intersection)."""

    key: str
    dimension: str
    categories: tuple[CategoryFigures, ...]
    unknown: int
    highest_selection: str | None
    highest_scoring: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "unknown": self.unknown,
            "highest_selection_rate_category": self.highest_selection,
            "highest_scoring_rate_category": self.highest_scoring,
            "categories": [figures.to_dict() for figures in self.categories],
        }


@dataclass(frozen=True)
class Flag:
    """An impact ratio under the threshold."""

    table: str
    category: str
    measure: str  # "selection" or "scoring"
    impact_ratio: float
    rate: float
    reference_category: str
    reference_rate: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "category": self.category,
            "measure": self.measure,
            "impact_ratio": round(self.impact_ratio, 4),
            "rate": round(self.rate, 4),
            "reference_category": self.reference_category,
            "reference_rate": round(self.reference_rate, 4),
        }


@dataclass(frozen=True)
class BiasAudit:
    """A whole audit: what LL144's published summary holds, plus the per-category detail."""

    tool_name: str
    tool_version: str
    audit_date: str
    distribution_date: str
    data_source: str
    data_period: str
    n_assessed: int
    n_selected: int
    median_score: float | None
    threshold: float
    min_share: float
    tables: tuple[CategoryTable, ...]
    flags: tuple[Flag, ...]

    @property
    def has_scores(self) -> bool:
        return self.median_score is not None

    def table(self, key: str) -> CategoryTable:
        return next(table for table in self.tables if table.key == key)

    def excluded(self) -> list[tuple[CategoryTable, CategoryFigures]]:
        return [(t, c) for t in self.tables for c in t.categories if c.excluded]

    def to_dict(self) -> dict[str, Any]:
        """Plain data in a fixed key order (what `--json` and bias_audit.json hold)."""
        from hrhub.scoring.fairness.summary import plain_summary

        return {
            "tool": {"name": self.tool_name, "version": self.tool_version},
            "audit_date": self.audit_date,
            "distribution_date": self.distribution_date,
            "data": {"source": self.data_source, "period": self.data_period},
            "n_assessed": self.n_assessed,
            "n_selected": self.n_selected,
            "unknown": {table.key: table.unknown for table in self.tables},
            "method": {
                "threshold": self.threshold,
                "min_share": self.min_share,
                "median_score": _round(self.median_score),
                "selection_rate": "selected / count in the category",
                "scoring_rate": "share of the category scoring above the sample's median score",
                "impact_ratio": "rate / highest rate among the categories compared",
                "excluded": f"categories under {self.min_share:.0%} of the sample are reported "
                "but left out of the impact-ratio comparison (6 RCNY §5-301)",
                "unknown": "counted in the sample, left out of the tables where unknown",
            },
            "tables": {table.key: table.to_dict() for table in self.tables},
            "flags": [flag.to_dict() for flag in self.flags],
            "summary": plain_summary(self),
        }


def audit(
    rows: Sequence[AuditRow],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_share: float = DEFAULT_MIN_SHARE,
    audit_date: dt.date | str | None = None,
    data_source: str | None = None,
    data_period: str | None = None,
    distribution_date: dt.date | str | None = None,
) -> BiasAudit:
    """The audit of `rows` (see the module docstring); ValueError for unusable settings/rows."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    if not 0 <= min_share < 1:
        raise ValueError(f"min_share must be in [0, 1), got {min_share}")
    if not rows:
        raise ValueError("no candidates to audit")
    median = _median_score(rows)
    labels = {
        "sex": _labels(rows, lambda r: r.sex),
        "ethnicity": _labels(rows, lambda r: r.ethnicity),
    }

    def parts(key: str, row: AuditRow) -> tuple[str, ...] | None:
        """The row's category in table `key`, or None when it is unknown there."""
        sex = None if row.sex is None else labels["sex"][row.sex.casefold()]
        ethnicity = None if row.ethnicity is None else labels["ethnicity"][row.ethnicity.casefold()]
        chosen = {"sex": [sex], "ethnicity": [ethnicity], "intersection": [sex, ethnicity]}[key]
        known = tuple(part for part in chosen if part is not None)
        return known if len(known) == len(chosen) else None

    tables = [
        _table(
            key,
            dimension,
            [(parts(key, row), row) for row in rows],
            n_total=len(rows),
            median=median,
            threshold=threshold,
            min_share=min_share,
        )
        for key, dimension in TABLES
    ]
    flags = tuple(_flags(tables))
    return BiasAudit(
        tool_name=TOOL_NAME,
        tool_version=tool_version(),
        audit_date=_date_text(audit_date, NOT_STATED),
        distribution_date=_date_text(distribution_date, DISTRIBUTION_DATE_PLACEHOLDER),
        data_source=data_source or NOT_STATED,
        data_period=data_period or NOT_STATED,
        n_assessed=len(rows),
        n_selected=sum(row.selected for row in rows),
        median_score=median,
        threshold=threshold,
        min_share=min_share,
        tables=tuple(tables),
        flags=flags,
    )


def tool_version() -> str:
    """hrhub's installed version (the audited tool is this code)."""
    try:
        return version(TOOL_NAME)
    except PackageNotFoundError:
        return "unknown"


def _median_score(rows: Sequence[AuditRow]) -> float | None:
    scored = [row for row in rows if row.score is not None]
    if scored and len(scored) != len(rows):
        missing = next(row for row in rows if row.score is None)
        where = f" (line {missing.line})" if missing.line else ""
        raise ValueError(
            f"candidate {missing.candidate_id!r}{where}: no score, but other candidates have one; "
            "give every candidate a score or none"
        )
    return float(np.median([row.score for row in scored])) if scored else None


def _labels(rows: Sequence[AuditRow], value: Callable[[AuditRow], str | None]) -> dict[str, str]:
    """casefolded category -> the spelling seen first (so one category, one label)."""
    labels: dict[str, str] = {}
    for row in rows:
        text = value(row)
        if text is not None:
            labels.setdefault(text.casefold(), text)
    return labels


@dataclass(frozen=True)
class _Group:
    parts: tuple[str, ...]
    count: int
    selected: int
    above: int | None
    excluded: bool

    @property
    def selection_rate(self) -> Fraction:
        return Fraction(self.selected, self.count)

    @property
    def scoring_rate(self) -> Fraction | None:
        return None if self.above is None else Fraction(self.above, self.count)


def _table(
    key: str,
    dimension: str,
    members: list[tuple[tuple[str, ...] | None, AuditRow]],
    *,
    n_total: int,
    median: float | None,
    threshold: float,
    min_share: float,
) -> CategoryTable:
    by_parts: dict[tuple[str, ...], list[AuditRow]] = {}
    unknown = 0
    for parts, row in members:
        if parts is None:
            unknown += 1
        else:
            by_parts.setdefault(parts, []).append(row)
    groups = [
        _Group(
            parts=parts,
            count=len(rows),
            selected=sum(row.selected for row in rows),
            above=None if median is None else sum(row.score > median for row in rows),  # type: ignore[operator]
            excluded=Fraction(len(rows), n_total) < _exact(min_share),
        )
        for parts, rows in sorted(
            by_parts.items(), key=lambda item: [p.casefold() for p in item[0]]
        )
    ]
    compared = [group for group in groups if not group.excluded]
    best_selection = _highest(compared, lambda g: g.selection_rate)
    best_scoring = _highest(compared, lambda g: g.scoring_rate) if median is not None else None
    categories = []
    for group in groups:
        selection_ratio = scoring_ratio = None
        if not group.excluded:
            selection_ratio = _ratio(
                group.selection_rate, best_selection, lambda g: g.selection_rate
            )
            scoring_ratio = _ratio(group.scoring_rate, best_scoring, lambda g: g.scoring_rate)
        flags = tuple(
            measure
            for measure, ratio in (("selection", selection_ratio), ("scoring", scoring_ratio))
            if ratio is not None and ratio < _exact(threshold)
        )
        categories.append(
            CategoryFigures(
                label=" / ".join(group.parts),
                parts=group.parts,
                count=group.count,
                share=group.count / n_total,
                selected=group.selected,
                selection_rate=float(group.selection_rate),
                selection_impact_ratio=_float(selection_ratio),
                above_median=group.above,
                scoring_rate=_float(group.scoring_rate),
                scoring_impact_ratio=_float(scoring_ratio),
                excluded=group.excluded,
                flags=flags,
            )
        )
    return CategoryTable(
        key=key,
        dimension=dimension,
        categories=tuple(categories),
        unknown=unknown,
        highest_selection=" / ".join(best_selection.parts) if best_selection else None,
        highest_scoring=" / ".join(best_scoring.parts) if best_scoring else None,
    )


def _highest(groups: list[_Group], rate: Callable[[_Group], Fraction | None]) -> _Group | None:
    """The compared group with the highest rate (first in label order on a tie); None if 0."""
    best = max(groups, key=lambda g: rate(g) or 0, default=None)
    return best if best is not None and (rate(best) or 0) > 0 else None


def _ratio(
    rate: Fraction | None, best: _Group | None, best_rate: Callable[[_Group], Fraction | None]
) -> Fraction | None:
    """rate / the highest rate, exactly (so 0.32 / 0.40 is 0.8, not 0.7999...); None if no best."""
    if rate is None or best is None:
        return None
    return rate / best_rate(best)  # type: ignore[operator]


def _exact(value: float) -> Fraction:
    """A setting such as 0.8 as the fraction it is meant to be (4/5), for exact comparisons."""
    return Fraction(value).limit_denominator(1_000_000)


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _flags(tables: list[CategoryTable]) -> list[Flag]:
    """Every flagged ratio with the rate it was compared against, table by table."""
    flags = []
    for table in tables:
        for figures in table.categories:
            for measure in figures.flags:
                reference = (
                    table.highest_selection if measure == "selection" else table.highest_scoring
                )
                best = next(c for c in table.categories if c.label == reference)
                ratio, rate, best_rate = (
                    (figures.selection_impact_ratio, figures.selection_rate, best.selection_rate)
                    if measure == "selection"
                    else (figures.scoring_impact_ratio, figures.scoring_rate, best.scoring_rate)
                )
                assert ratio is not None and rate is not None and best_rate is not None
                flags.append(
                    Flag(table.key, figures.label, measure, ratio, rate, best.label, best_rate)
                )
    return flags


def _date_text(value: dt.date | str | None, default: str) -> str:
    if value is None:
        return default
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)
