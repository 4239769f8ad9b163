"""A CSV file as header + records that remember their line, so every error can name line and column.

Shared by the bias audit and by calibration (`hrhub.scoring.calibration`): HR sends both as
spreadsheet exports. Encoding: UTF-8 (with or without the BOM Excel writes), else GB18030
(what Excel on a Chinese Windows saves as "CSV"). Rows whose cells are all blank (Excel leaves
them at the end) are skipped; a row with a different number of cells than the header is an error.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path


class CsvInputError(ValueError):
    """Bad input in a CSV file; names the file, the line (1 = header) and the column."""

    def __init__(
        self, source: str, message: str, *, line: int | None = None, column: str | None = None
    ) -> None:
        self.source = source
        self.line = line
        self.column = column
        self.message = message
        where = source
        if line is not None:
            where += f" line {line}"
        if column is not None:
            where += f", column '{column}'" if line is not None else f" column '{column}'"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class CsvRecord:
    """One data row: its first physical line in the file and its cells by column name."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True)
class CsvTable:
    """A whole file: where it came from, the header in file order and the data rows."""

    source: str
    header: tuple[str, ...]
    records: tuple[CsvRecord, ...]

    def require(self, *columns: str) -> None:
        """Raise naming the first missing column (line 1 is the header)."""
        for column in columns:
            if column not in self.header:
                raise CsvInputError(
                    self.source,
                    f"missing column (the header has: {', '.join(self.header)})",
                    line=1,
                    column=column,
                )


def read_csv(path: str | Path) -> CsvTable:
    """Read and split a CSV file; `CsvInputError` for an unreadable or malformed file."""
    path = Path(path)
    source = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CsvInputError(source, f"cannot read the file: {exc.strerror or exc}") from None
    return parse_csv(decode(data, source), source=source)


def decode(data: bytes, source: str) -> str:
    """UTF-8 (BOM or not), else GB18030; the error names the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        line = data[: utf8_error.start].count(b"\n") + 1
        raise CsvInputError(
            source, "not UTF-8 or GB18030 text (save the sheet as CSV UTF-8)", line=line
        ) from None


def parse_csv(text: str, *, source: str) -> CsvTable:
    """Split CSV text into header and records (see the module docstring for the rules)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_line = 0
    header: tuple[str, ...] | None = None
    records: list[CsvRecord] = []
    try:
        for row in reader:
            line, previous_line = previous_line + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = _header(row, source, line)
                continue
            records.append(_record(row, header, source, line))
    except csv.Error as exc:
        raise CsvInputError(source, f"malformed CSV: {exc}", line=reader.line_num) from None
    if header is None:
        raise CsvInputError(source, "the file is empty (expected a header line)", line=1)
    return CsvTable(source=source, header=header, records=tuple(records))


def _header(row: list[str], source: str, line: int) -> tuple[str, ...]:
    names = [cell.strip() for cell in row]
    while names and not names[-1]:
        names.pop()
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            raise CsvInputError(source, f"header cell {position} is empty", line=line)
        if name in seen:
            raise CsvInputError(
                source, "the column appears twice in the header", line=line, column=name
            )
        seen.add(name)
    return tuple(names)


def _record(row: list[str], header: tuple[str, ...], source: str, line: int) -> CsvRecord:
    extra = row[len(header) :]
    if any(cell.strip() for cell in extra):
        raise CsvInputError(
            source, f"{len(row)} cells but the header has {len(header)} columns", line=line
        )
    if len(row) < len(header):
        raise CsvInputError(
            source,
            f"{len(row)} cells but the header has {len(header)} columns "
            f"(no value for '{header[len(row)]}')",
            line=line,
        )
    return CsvRecord(line=line, cells={name: row[i].strip() for i, name in enumerate(header)})
