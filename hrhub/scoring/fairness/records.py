"""The audit's input: one row per assessed candidate with sex, ethnicity, outcome and score.

CSV columns: `candidate_id`, `sex`, `ethnicity` (free text; blank, "unknown", "未知" or "不详"
means unknown), `selected` (true/false, 1/0, yes/no, 是/否) and optionally `score` (0-100; when
the column is there every row needs one). Categories are compared case-insensitively after
Unicode (NFKC) and whitespace normalisation, so "female" and " Female" are one category.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from hrhub.scoring.csvfile import CsvInputError, CsvTable, read_csv

ID_COLUMN = "candidate_id"
SEX_COLUMN = "sex"
ETHNICITY_COLUMN = "ethnicity"
SELECTED_COLUMN = "selected"
SCORE_COLUMN = "score"

UNKNOWN_VALUES = frozenset({"", "unknown", "未知", "不详"})
_TRUE = frozenset({"true", "1", "yes", "y", "t", "是"})
_FALSE = frozenset({"false", "0", "no", "n", "f", "否"})


@dataclass(frozen=True)
class AuditRow:
    """One assessed candidate; `sex`/`ethnicity` None means the unknown category."""

    candidate_id: str
    sex: str | None
    ethnicity: str | None
    selected: bool
    score: float | None = None
    line: int | None = None


def category(text: str | None) -> str | None:
    """A category label as compared (normalised), or None for the unknown category."""
    if text is None:
        return None
    clean = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    return None if clean.casefold() in UNKNOWN_VALUES else clean


def read_results(path: str | Path) -> list[AuditRow]:
    """Rows of a results CSV; `CsvInputError` naming line and column for any bad cell."""
    return parse_results(read_csv(path))


def parse_results(table: CsvTable) -> list[AuditRow]:
    """Rows from a split CSV (see the module docstring for the columns)."""
    table.require(ID_COLUMN, SEX_COLUMN, ETHNICITY_COLUMN, SELECTED_COLUMN)
    has_score = SCORE_COLUMN in table.header
    if not table.records:
        raise CsvInputError(table.source, "no data rows after the header", line=2)
    rows: list[AuditRow] = []
    first_line: dict[str, int] = {}
    for record in table.records:
        cells = record.cells

        def bad(column: str, message: str, line: int = record.line) -> CsvInputError:
            return CsvInputError(table.source, message, line=line, column=column)

        candidate_id = cells[ID_COLUMN]
        if not candidate_id:
            raise bad(ID_COLUMN, "empty cell (every row needs its candidate id)")
        if candidate_id in first_line:
            raise bad(
                ID_COLUMN, f"{candidate_id!r} already appears on line {first_line[candidate_id]}"
            )
        first_line[candidate_id] = record.line
        selected = _boolean(cells[SELECTED_COLUMN])
        if selected is None:
            raise bad(
                SELECTED_COLUMN,
                f"expected true/false, 1/0, yes/no or 是/否, got {cells[SELECTED_COLUMN]!r}",
            )
        score = _score(cells[SCORE_COLUMN]) if has_score else None
        if isinstance(score, str):
            raise bad(SCORE_COLUMN, score)
        rows.append(
            AuditRow(
                candidate_id=candidate_id,
                sex=category(cells[SEX_COLUMN]),
                ethnicity=category(cells[ETHNICITY_COLUMN]),
                selected=selected,
                score=score,
                line=record.line,
            )
        )
    return rows


def _boolean(cell: str) -> bool | None:
    text = unicodedata.normalize("NFKC", cell).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _score(cell: str) -> float | str:
    """The 0-100 score in a cell, or why there is none (a missing score is never a zero)."""
    text = unicodedata.normalize("NFKC", cell).strip()
    if not text:
        return "empty cell (the score column is present, so every row needs a 0-100 score)"
    try:
        value = float(text)
    except ValueError:
        return f"not a number: {cell!r}"
    if not math.isfinite(value) or not 0 <= value <= 100:
        return f"score {cell} is outside 0-100"
    return value
