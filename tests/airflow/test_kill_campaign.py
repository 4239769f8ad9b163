"""Kill -9 at random points, then resume: nothing lost, nothing written twice.

`hrhub.reliability.kills.run_kill_campaign` runs candidate_flow and interview_results on the
production shape (Airflow and the ledger on PostgreSQL, CeleryExecutor with Redis, two Celery
workers) and kills a worker or the scheduler with SIGKILL `kills` times at random points;
each is restarted as a supervisor would, failed runs are cleared as an operator would. Then
every source and target is reconciled with the simulators.

Both tests are marked `reliability` (excluded from `make test`): the 20-kill campaign takes
a quarter of an hour on two cores, the 2-kill one several minutes (deployment start, a kill's
heartbeat timeout and retry delay, the final runs). The campaign's numbers are printed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hrhub.production import ServiceUnreachable
from hrhub.reliability.kills import KillCampaignResult, run_kill_campaign

pytestmark = [pytest.mark.airflow, pytest.mark.postgres, pytest.mark.reliability]


def campaign(kills: int, candidates: int, seed: int, home: Path) -> KillCampaignResult:
    try:
        return run_kill_campaign(
            kills=kills, candidates=candidates, seed=seed, say=print, home=home
        )
    except ServiceUnreachable as error:
        pytest.skip(str(error))


def check(result: KillCampaignResult, kills: int) -> None:
    """The guarantee of DESIGN.md after `kills` kills, and that the kills happened."""
    summary = result.as_dict()
    print(json.dumps({k: v for k, v in summary.items() if k != "run_log"}, indent=1))
    # Every kill happened and its component came back; one in four took the scheduler.
    assert len(result.kills) == kills
    schedulers = sum(1 for n in range(1, kills + 1) if n % 4 == 2)
    assert result.kills_by_component == {
        k: v for k, v in {"worker": kills - schedulers, "scheduler": schedulers}.items() if v
    }
    assert result.restarted == kills, result.kills
    assert all(k.processes > 0 for k in result.kills), result.kills
    # Both DAGs ran, and every run ended in success, every task instance of it too (the
    # DAG's retries, then clears).
    assert {r.dag_id for r in result.runs} == {"candidate_flow", "interview_results"}
    assert {r.state for r in result.runs} == {"success"}, summary["run_log"]
    assert all(not r.unsettled for r in result.runs), summary["run_log"]
    # Every source record was staged or dead-lettered; every write owed landed once or is
    # a dead letter; nothing is still queued or claimed.
    for row in result.reconciliation["sources"]:
        assert row["source"] > 0 and row["lost"] == 0, row
    for row in result.reconciliation["targets"]:
        assert (row["lost"], row["pending"]) == (0, 0), row
        assert row["duplicates"] in (0, None), row
    assert (result.lost, result.duplicates) == (0, 0)
    assert (result.pending, result.in_flight) == (0, 0)
    assert result.records > 0 and result.landed > 0
    assert result.writes == result.landed + sum(
        row["dead_letters"] for row in result.reconciliation["targets"]
    )
    # A dead letter says why; the audit chain lost no entry to concurrent appenders.
    assert all(group["example"] for group in result.dead_letters), result.dead_letters
    assert result.audit_ok
    assert result.ok


@pytest.mark.timeout(3600)
def test_twenty_kills_lose_nothing_and_duplicate_nothing(tmp_path: Path) -> None:
    result = campaign(kills=20, candidates=120, seed=7, home=tmp_path)
    check(result, 20)
    # The kills cut tasks short: workers were killed with a task process running.
    assert sum(1 for k in result.kills if k.task_processes) >= 10, result.kills
    assert set(result.tasks_by_worker) == {"worker_a", "worker_b"}, result.tasks_by_worker


@pytest.mark.timeout(1200)
def test_two_kills_lose_nothing_and_duplicate_nothing(tmp_path: Path) -> None:
    result = campaign(kills=2, candidates=60, seed=3, home=tmp_path)
    check(result, 2)
