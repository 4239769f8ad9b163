"""A system that is down for a whole run delays its own writes and nothing else.

candidate_flow through real Airflow (`airflow dags test`) against every simulator, with
DingTalk answering every call with its server error for the whole first run (its connection
gives up on a call after a few seconds, `retry_max_seconds`, so the test does not wait out the
default two minutes a call). Its extract task fails; every other system's extract, the
screening and its SuccessFactors statuses go on. Scheduling needs the interviewers' DingTalk
calendars, so the shortlisted wait at their stage (not lost, not dead letters). When DingTalk
is back, the next run books and invites them, and every target reconciles with nothing lost
and nothing twice. The first run ends failed (not green): `any_task_failed` names the failed
extract; the second ends success with it skipped. (tests/unit/flow/test_invite_step.py covers
DingTalk failing between scheduling and invitation.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hrhub.airflow_env import airflow_env, run_airflow, run_airflow_json
from hrhub.flow.run_state import FLAG_TASK_ID
from hrhub.ledger import Ledger
from hrhub.reconcile import reconcile_targets
from hrhub.sandbox import SandboxSystem, connection_env, sandbox

pytestmark = pytest.mark.airflow

DOWN = "dingtalk"
GIVE_UP = "retry_max_seconds=2&retry_max_attempts=3"


def flow_env(airflow_home: Path, systems: list[SandboxSystem], ledger_url: str) -> dict:
    connections = {
        name: f"{uri}&{GIVE_UP}" if "dingtalk" in name.lower() else uri
        for name, uri in connection_env(systems).items()
    }
    return airflow_env({**connections, "HRHUB_DATABASE_URL": ledger_url}, home=airflow_home)


def task_states(env: dict, run_id: str) -> dict[str, str]:
    rows = run_airflow_json("tasks", "states-for-dag-run", "candidate_flow", run_id, env=env)
    states: dict[str, str] = {}
    for row in rows:  # type: ignore[union-attr]
        task_id = row["task_id"]
        if row.get("map_index") not in (None, -1, "-1", ""):
            task_id = f"{task_id}[{row['map_index']}]"
        states[task_id] = row["state"]
    return states


def latest_run(env: dict) -> dict:
    runs = run_airflow_json("dags", "list-runs", "candidate_flow", env=env)
    return max(runs, key=lambda r: r["logical_date"] or "")  # type: ignore[union-attr]


def test_a_system_down_for_the_whole_run_delays_only_its_own_writes(
    airflow_home: Path, ledger_url: str
) -> None:
    # A small company: the run's shape, not its volume, is under test.
    with sandbox(options={"successfactors": {"candidates": 60, "requisitions": 4}}) as systems:
        down = next(s for s in systems if s.system == DOWN).server
        ledger = Ledger.open(ledger_url)
        env = flow_env(airflow_home, systems, ledger_url)

        down.set_faults("error_rate=1.0")
        # The run ends failed, so `dags test` exits 1; the task states are the record.
        proc = run_airflow("dags", "test", "candidate_flow", env=env, timeout=900, check=False)
        down.set_faults(None)
        logged = proc.stdout + proc.stderr  # `dags test` runs the tasks in its own process

        first = latest_run(env)
        states = task_states(env, first["run_id"])
        failed = sorted(t for t, s in states.items() if s in ("failed", "upstream_failed"))
        # Only DingTalk's own task failed, the extract of its punches, and so the run.
        assert len(failed) == 2 and failed[0] == FLAG_TASK_ID, states
        assert failed[1].startswith("extract["), states
        assert first["state"] == "failed", first
        assert proc.returncode != 0
        assert "1 task(s) failed for good: extract_" in logged, logged[-3000:]
        for task in ("screen", "schedule", "invite", "push_successfactors", "push_interview_room"):
            assert states[task] == "success", (task, states)

        # Screening went on and its statuses landed in SuccessFactors; the shortlisted wait
        # for their interview (scheduling needs the interviewers' DingTalk calendars).
        waiting = ledger.ids_in_stage("application", "shortlisted")
        assert waiting, "the shortlisted wait for DingTalk"
        assert not list(ledger.iter_staged("interview"))
        tallies = {(t["target_system"], t["operation"]): t for t in ledger.write_tallies()}
        assert tallies[("successfactors", "application_status")]["landed"] > 0
        for (system, operation), tally in tallies.items():
            assert tally["pending"] == 0, (system, operation, tally)
            assert tally["landed"] + tally["dead_letters"] == tally["owed"], tally
        assert down.counters.get("faulted", 0) > 0  # the hub did try DingTalk

        run_airflow("dags", "test", "candidate_flow", env=env, timeout=900)
        second = latest_run(env)
        assert second["state"] == "success", second
        assert task_states(env, second["run_id"])[FLAG_TASK_ID] == "skipped"

        for row in reconcile_targets(systems, ledger):
            assert (row["lost"], row["pending"], row["duplicates"] or 0) == (0, 0, 0), row
        # Back: the waiting are booked in the interviewers' DingTalk time and invited.
        invited = set(ledger.ids_in_stage("application", "invited"))
        assert set(waiting) & invited
        assert list(ledger.iter_staged("interview"))
