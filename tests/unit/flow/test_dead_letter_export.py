"""The dead-letter workbook, read back with openpyxl."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from hrhub.cli import app
from hrhub.flow.dead_letter_export import HEADER_ROW, PERSONAL_DATA_NOTE
from hrhub.ledger import Ledger


def _letters(ledger: Ledger) -> None:
    ledger.dead_letter(
        "successfactors",
        "candidate",
        "successfactors:candidate:42",
        "record successfactors:candidate:42 field 'modified_at': required",
        {
            "candidateId": 42,
            "firstName": '=HYPERLINK("x")',
            "address": {"city": "上海"},
            "emails": ["a@example.com", "b@example.com"],
        },
        field="modified_at",
    )
    item = ledger.enqueue(
        "yonyou", "nc_pre_hire", "hrhub:pre_hire:1", {"name": "张三", "id": "P1"}, "v1"
    )
    ledger.fail(item.idempotency_key, "pk_dept unknown", retriable=False, field="pk_dept")
    closed = ledger.dead_letter("yonyou", "candidate", "yonyou:candidate:9", "old", {"n": 1})
    assert closed.id is not None
    ledger.mark_replayed(closed.id)


def test_workbook_round_trip(ledger: Ledger, tmp_path: Path) -> None:
    _letters(ledger)
    path = tmp_path / "dead.xlsx"

    result = CliRunner().invoke(app, ["export", "--dead-letters", str(path), "--json"])

    assert result.exit_code == 0, result.output
    book = load_workbook(path)
    assert book.sheetnames == ["summary", "successfactors", "yonyou"]
    summary = book["summary"]
    assert summary["A1"].value == PERSONAL_DATA_NOTE
    assert [c.value for c in summary[HEADER_ROW + 1]][:5] == [
        "successfactors",
        "successfactors",
        1,
        1,
        0,
    ]

    sf = book["successfactors"]
    assert sf["A1"].value == PERSONAL_DATA_NOTE
    headers = [c.value for c in sf[HEADER_ROW]]
    assert headers == [
        "id",
        "system",
        "stage",
        "entity/operation",
        "record id",
        "reason",
        "created",
        "address.city",
        "candidateId",
        "emails",
        "firstName",
    ]
    row = dict(zip(headers, (c.value for c in sf[HEADER_ROW + 1]), strict=True))
    assert (row["stage"], row["record id"], row["address.city"]) == (
        "extract",
        "successfactors:candidate:42",
        "上海",
    )
    assert row["emails"] == "a@example.com; b@example.com" and row["candidateId"] == 42
    assert row["firstName"] == '=HYPERLINK("x")' and sf.cell(HEADER_ROW + 1, 11).data_type == "s"
    assert sf.freeze_panes == "A3" and sf.auto_filter.ref == "A2:K3"
    assert sf.column_dimensions["F"].width > 20

    yy = book["yonyou"]
    yy_headers = [c.value for c in yy[HEADER_ROW]]
    assert yy_headers[7:] == ["payload.id", "name"]  # sorted by the source key
    assert yy.max_row == HEADER_ROW + 1  # the replayed letter is left out by default
    assert [c.value for c in yy[HEADER_ROW + 1]][2:4] == ["push", "nc_pre_hire"]


def test_all_and_system_filter(ledger: Ledger, tmp_path: Path) -> None:
    _letters(ledger)
    path = tmp_path / "all.xlsx"
    result = CliRunner().invoke(
        app, ["export", "--dead-letters", str(path), "--all", "--system", "yonyou"]
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(path)
    assert book.sheetnames == ["summary", "yonyou"]
    assert book["yonyou"].max_row == HEADER_ROW + 2
    assert [c.value for c in book["summary"][HEADER_ROW + 1]][2:5] == [2, 1, 1]
