"""Bias audit of hiring outcomes: selection and scoring rates and impact ratios per category.

`read_results` reads the CSV (errors name line and column), `audit` computes the figures NYC
Local Law 144 asks for (sex, ethnicity and their intersections; four-fifths flags; small
categories reported but not compared; unknowns counted), `render_html` makes a self-contained
report with inline SVG charts.
"""

from __future__ import annotations

from hrhub.scoring.csvfile import CsvInputError
from hrhub.scoring.fairness.impact import (
    DEFAULT_MIN_SHARE,
    DEFAULT_THRESHOLD,
    BiasAudit,
    CategoryFigures,
    CategoryTable,
    Flag,
    audit,
)
from hrhub.scoring.fairness.records import AuditRow, parse_results, read_results
from hrhub.scoring.fairness.report import render_html
from hrhub.scoring.fairness.summary import plain_summary

__all__ = [
    "DEFAULT_MIN_SHARE",
    "DEFAULT_THRESHOLD",
    "AuditRow",
    "BiasAudit",
    "CategoryFigures",
    "CategoryTable",
    "CsvInputError",
    "Flag",
    "audit",
    "parse_results",
    "plain_summary",
    "read_results",
    "render_html",
]
