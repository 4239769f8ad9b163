"""Watermarks move only with a committed batch, and never backwards."""

from __future__ import annotations

import pytest

from hrhub.ledger import Ledger, StageResult, later_watermark

from .support import rec


def test_no_watermark_before_the_first_batch(ledger: Ledger) -> None:
    assert ledger.get_watermark("successfactors", "candidates") is None


def test_commit_batch_stages_and_advances(ledger: Ledger) -> None:
    result = ledger.commit_batch(
        "successfactors", "candidates", [rec()], "2025-03-01T09:00:00Z", "b1"
    )
    assert result == StageResult(inserted=1)
    assert ledger.get_watermark("successfactors", "candidates") == "2025-03-01T09:00:00Z"
    assert ledger.get_watermark("successfactors", "jobs") is None
    assert [r.batch_id for r in ledger.get_records(["sf:cand:1"])] == ["b1"]


def test_stage_alone_does_not_move_the_watermark(ledger: Ledger) -> None:
    ledger.stage([rec()], batch_id="b1")
    assert ledger.get_watermark("successfactors", "candidates") is None


def test_watermark_never_moves_backwards(ledger: Ledger) -> None:
    ledger.commit_batch("sf", "candidates", [], "2025-03-01T10:00:00Z", "b1")
    ledger.commit_batch("sf", "candidates", [], "2025-03-01T09:00:00Z", "b2")
    assert ledger.get_watermark("sf", "candidates") == "2025-03-01T10:00:00Z"
    ledger.commit_batch("sf", "candidates", [], "2025-03-01T17:30:00+08:00", "b3")
    assert ledger.get_watermark("sf", "candidates") == "2025-03-01T10:00:00Z"
    ledger.commit_batch("sf", "candidates", [], "2025-03-01T11:00:00Z", "b4")
    assert ledger.get_watermark("sf", "candidates") == "2025-03-01T11:00:00Z"


def test_numeric_watermarks_compare_as_numbers(ledger: Ledger) -> None:
    ledger.commit_batch("yonyou", "staff", [], "999", "b1")
    ledger.commit_batch("yonyou", "staff", [], "1000", "b2")
    ledger.commit_batch("yonyou", "staff", [], "998", "b3")
    assert ledger.get_watermark("yonyou", "staff") == "1000"


def test_failed_batch_moves_nothing(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger.commit_batch("sf", "candidates", [rec("sf:cand:0")], "100", "b1")
    real_advance = Ledger._advance_cursor

    def advance_then_crash(self: Ledger, *args: object) -> None:
        real_advance(self, *args)  # type: ignore[arg-type]
        raise RuntimeError("worker killed mid-commit")

    monkeypatch.setattr(Ledger, "_advance_cursor", advance_then_crash)
    with pytest.raises(RuntimeError, match="mid-commit"):
        ledger.commit_batch("sf", "candidates", [rec("sf:cand:1")], "200", "b2")
    monkeypatch.undo()
    assert ledger.get_watermark("sf", "candidates") == "100"
    assert ledger.get_records(["sf:cand:1"]) == []
    assert ledger.commit_batch("sf", "candidates", [rec("sf:cand:1")], "200", "b2").inserted == 1
    assert ledger.get_watermark("sf", "candidates") == "200"


def test_failed_staging_keeps_the_watermark(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_stage(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Ledger, "_stage_in", broken_stage)
    with pytest.raises(RuntimeError, match="disk full"):
        ledger.commit_batch("sf", "candidates", [rec()], "200", "b1")
    assert ledger.get_watermark("sf", "candidates") is None


@pytest.mark.parametrize(
    ("current", "candidate", "later"),
    [
        ("2025-03-01T10:00:00Z", "2025-03-01T09:59:59+00:00", "2025-03-01T10:00:00Z"),
        ("2025-03-01T10:00:00+08:00", "2025-03-01T03:00:00Z", "2025-03-01T03:00:00Z"),
        ("99", "100", "100"),
        ("1700000000.5", "1700000000.25", "1700000000.5"),
        ("page-b", "page-a", "page-b"),
    ],
)
def test_later_watermark(current: str, candidate: str, later: str) -> None:
    assert later_watermark(current, candidate) == later
