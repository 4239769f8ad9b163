"""The fault matrix (hrhub/reliability/faults.py) on a small company, through real Airflow.

`make reliability` runs every scenario at full size; here the one with every fault at once
runs on a small company. It must end reconciled (lost 0, duplicates 0, nothing owed, the
audit log intact), and each fault it names must really have been injected: a zero would
otherwise prove nothing. (A system down for a whole run: tests/airflow/test_system_down.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hrhub.reliability.faults import run_scenario, select_scenarios
from hrhub.reliability.report import fault_rows, rows_as_json

pytestmark = pytest.mark.airflow

CANDIDATES = 60


def test_every_fault_at_once_ends_reconciled(tmp_path: Path) -> None:
    (everything,) = select_scenarios(["everything"])
    result = run_scenario(everything, candidates=CANDIDATES, out_dir=tmp_path)
    assert result.ok, result.as_dict()
    assert (result.lost, result.duplicates, result.pending) == (0, 0, 0)
    for kind in ("faulted", "rate_limited", "dropped", "slow_pages", "duplicated"):
        assert result.faults.get(kind, 0) > 0, (kind, result.faults)
    assert result.faults.get("shuffled_pages", 0) > 0, result.faults
    assert result.records > CANDIDATES and result.landed == result.writes > 0
    for group in result.dead_letters:  # every dead letter carries its reason
        assert group["count"] > 0 and group["example"], group
    (row,) = fault_rows([result])
    assert (row.lost, row.duplicated, row.crashes, row.inputs) == (0, 0, None, None)
    assert rows_as_json([row])["ok"] is True
