"""Dead letters as an Excel workbook HR can key in by hand while a system is down.

One sheet per system and a summary sheet. Each row is one letter: id, system, stage,
entity/operation, record id, reason, created, then the payload's fields flattened to columns.
Personal data is kept (HR needs it to key the record in), so every sheet opens with a note that
the file holds personal data and must be handled per policy. Text is always stored as text: a
value from a remote system that starts with '=' is not turned into a formula.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hrhub.flow.replay import letter_stage
from hrhub.ledger import DeadLetter

PERSONAL_DATA_NOTE = (
    "This file holds personal data of candidates and employees. Handle it per the company's "
    "personal-information policy (PIPL): keep it only as long as needed, share it only with "
    "the people who key the records in, and delete it afterwards."
)
SUMMARY_SHEET = "summary"
FIXED_COLUMNS = ("id", "system", "stage", "entity/operation", "record id", "reason", "created")
HEADER_ROW = 2  # row 1 holds the personal-data note
_MAX_WIDTH = 60
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def export_dead_letters(letters: Iterable[DeadLetter], path: str | Path) -> dict[str, int]:
    """Write `letters` to an .xlsx workbook at `path`; returns rows written per system."""
    by_system: dict[str, list[DeadLetter]] = defaultdict(list)
    for letter in sorted(letters, key=lambda x: (x.system, x.id or 0)):
        by_system[letter.system].append(letter)
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = SUMMARY_SHEET
    for system, group in by_system.items():
        _system_sheet(workbook.create_sheet(_sheet_name(system)), group)
    _summary_sheet(summary, by_system)
    workbook.save(Path(path))
    return {system: len(group) for system, group in by_system.items()}


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested objects to dotted columns; lists of plain values joined with '; ', other lists as
    JSON, so every column holds one cell's worth."""
    if isinstance(value, Mapping):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list):
        if all(v is None or isinstance(v, str | int | float | bool) for v in value):
            return {prefix: "; ".join("" if v is None else str(v) for v in value)}
        return {prefix: json.dumps(value, ensure_ascii=False, sort_keys=True)}
    return {prefix or "payload": value}


def _system_sheet(sheet: Worksheet, letters: list[DeadLetter]) -> None:
    flats = [flatten(letter.payload) if letter.payload is not None else {} for letter in letters]
    payload_columns = sorted({key for flat in flats for key in flat})
    headers = list(FIXED_COLUMNS) + [
        f"payload.{key}" if key in FIXED_COLUMNS else key for key in payload_columns
    ]
    rows = [
        [
            letter.id,
            letter.system,
            letter_stage(letter),
            letter.entity,
            letter.record_id,
            letter.reason,
            letter.created_at.astimezone(UTC).replace(tzinfo=None),
            *(flat.get(key) for key in payload_columns),
        ]
        for letter, flat in zip(letters, flats, strict=True)
    ]
    _table(sheet, headers, rows)
    created = FIXED_COLUMNS.index("created") + 1
    for (cell,) in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=created, max_col=created):
        cell.number_format = "yyyy-mm-dd hh:mm:ss"


def _summary_sheet(sheet: Worksheet, by_system: Mapping[str, list[DeadLetter]]) -> None:
    headers = ["system", "sheet", "letters", "open", "replayed", "extract", "push"]
    rows = []
    for system, group in by_system.items():
        stages = Counter(letter_stage(letter) for letter in group)
        open_count = sum(1 for letter in group if letter.replayed_at is None)
        rows.append(
            [
                system,
                _sheet_name(system),
                len(group),
                open_count,
                len(group) - open_count,
                stages["extract"],
                stages["push"],
            ]
        )
    _table(sheet, headers, rows)


def _table(sheet: Worksheet, headers: list[str], rows: list[list[Any]]) -> None:
    """Note, bold header, rows; frozen header, autofilter and widths fitted to the content."""
    sheet.cell(row=1, column=1, value=PERSONAL_DATA_NOTE).font = Font(bold=True, color="C00000")
    for column, header in enumerate(headers, start=1):
        sheet.cell(row=HEADER_ROW, column=column, value=header).font = Font(bold=True)
    for offset, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            _set(sheet, HEADER_ROW + offset, column, value)
    last = get_column_letter(len(headers))
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(rows)}"
    for column, header in enumerate(headers, start=1):
        values = [header, *(row[column - 1] for row in rows)]
        width = max(len(_text(v)) for v in values)
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, _MAX_WIDTH)


def _set(sheet: Worksheet, row: int, column: int, value: Any) -> None:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text: no formula from a remote system's value
        if len(value) > _MAX_WIDTH:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _sheet_name(system: str) -> str:
    name = _SHEET_NAME_BAD.sub("_", system)[:31] or "system"
    return f"{name}_" if name == SUMMARY_SHEET else name
