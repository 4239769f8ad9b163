"""interview_results starts when interviews end: the room's completed sessions, seen by the
AssetWatcher's trigger in a real triggerer, become an asset event that schedules the DAG.

The first tests drive `RoomSessionsCompletedTrigger.run()` alone against the room's simulator
(what it reports, what it ignores, that a room error does not end it). The last one runs the
whole path on a real deployment (SQLite, LocalExecutor, api-server, scheduler, dag-processor
and triggerer): interviews are ordered in the room with genuine links, their sessions complete,
and an `asset_triggered` run of interview_results must be created within a minute and write the
results to the ledger and SuccessFactors. It prints the measured latencies.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.interview_room.simulator import InterviewRoomSimulator
from hrhub.airflow_env import run_airflow
from hrhub.bench.interviews import interview_order, room_client
from hrhub.deployment import Deployment, airflow_deployment
from hrhub.flow.triggers import RoomSessionsCompletedTrigger, Watermark
from hrhub.ledger import Ledger
from hrhub.sandbox import SandboxSystem, connection_env, sandbox
from tests.integration.flow_score.world import Interview, pick_interviews

pytestmark = pytest.mark.airflow

DAG_ID = "interview_results"
WATCHED_URI = "hrhub://interview_room/completed_sessions"
EVENT_DEADLINE_S = 60.0  # session completed -> asset-triggered run created
ROOM = {"seeded": 0, "auto_start": True, "session_seconds": 1}


# -- the trigger alone ----------------------------------------------------------------------


@pytest.fixture
def room_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxSystem]:
    """The room's simulator, with three sessions completed before anyone watches, and its
    connection in the environment (where the hook looks it up)."""
    options = {"interview_room": {**ROOM, "seeded": 3}}
    with sandbox(only=["interview_room"], options=options) as (room,):
        for name, uri in connection_env([room]).items():
            monkeypatch.setenv(name, uri)
        yield room


def order(room: InterviewRoomSimulator, n: int) -> dict[str, Any]:
    """A valid order with a genuine link, as the hub's invite step sends it."""
    interview_id, candidate_id = f"hrhub:interview:E{n}-ai", f"successfactors:candidate:{n}"
    return interview_order(room, interview_id, f"successfactors:application:E{n}", candidate_id)


async def next_event(events: AsyncIterator[Any], timeout: float) -> dict[str, Any]:
    event = await asyncio.wait_for(anext(events), timeout)
    return event.payload


def test_the_trigger_serializes_to_its_class_and_configuration_only() -> None:
    trigger = RoomSessionsCompletedTrigger(poll_interval=2)
    classpath, kwargs = trigger.serialize()
    assert classpath == "hrhub.flow.triggers.RoomSessionsCompletedTrigger"
    assert kwargs == {"conn_id": None, "poll_interval": 2}
    again = RoomSessionsCompletedTrigger(**kwargs)
    assert again.serialize() == (classpath, kwargs)
    # The triggerer tells watchers apart by this hash: it must not change between parses.
    assert RoomSessionsCompletedTrigger.hash(classpath, kwargs) == again.hash(*again.serialize())


def test_the_trigger_reports_each_new_completed_session_once(room_env: SandboxSystem) -> None:
    room: InterviewRoomSimulator = room_env.server
    client = room_client(room)

    async def scenario() -> list[dict[str, Any]]:
        events = RoomSessionsCompletedTrigger(poll_interval=0.2).run()
        try:
            watching = asyncio.create_task(next_event(events, timeout=20))
            await asyncio.sleep(1.0)  # the watch starts: the seeded sessions are history
            assert not watching.done(), "sessions completed before the watch are not news"
            for n in (1, 2):
                await asyncio.to_thread(client.create_order, order(room, n))
            payloads = [await watching]
            while sum(p["sessions"] for p in payloads) < 2:
                payloads.append(await next_event(events, timeout=10))
            await asyncio.to_thread(client.create_order, order(room, 3))
            payloads.append(await next_event(events, timeout=10))
            quiet = asyncio.create_task(next_event(events, timeout=2))
            with pytest.raises(TimeoutError):
                await quiet  # nothing new: the DAG is not scheduled again
            return payloads
        finally:
            await events.aclose()

    payloads = asyncio.run(scenario())
    assert sum(p["sessions"] for p in payloads) == 3
    assert payloads[-1]["sessions"] == 1
    sessions = {s["external_id"]: s for s in room.rows("sessions")}
    newest = max(s["completed_at"] for s in sessions.values())
    assert datetime.fromisoformat(payloads[-1]["newest"]).timestamp() == pytest.approx(newest)


def test_the_trigger_keeps_watching_through_room_errors(
    room_env: SandboxSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused API key (the connection being fixed meanwhile) is logged and retried; the
    watch goes on and reports the session that completes afterwards."""
    room: InterviewRoomSimulator = room_env.server
    good = room_env.conn_uri
    monkeypatch.setenv(room_env.env_var, good.replace(room.API_KEY, "not-the-key"))

    async def scenario() -> dict[str, Any]:
        events = RoomSessionsCompletedTrigger(poll_interval=0.2).run()
        try:
            waiting = asyncio.create_task(next_event(events, timeout=30))
            await asyncio.sleep(1.5)  # several refused polls
            assert not waiting.done(), "a refused poll raised or fired instead of retrying"
            monkeypatch.setenv(room_env.env_var, good)
            await asyncio.to_thread(room_client(room).create_order, order(room, 9))
            return await waiting
        finally:
            await events.aclose()

    assert asyncio.run(scenario())["sessions"] == 1


def test_a_stored_watermark_resumes_the_watch() -> None:
    """What a restarted triggerer reads back from the asset's state store."""
    watermark = Watermark.starting()
    fresh = watermark.advance(
        [{"id": "ses_1", "updated_at": "2999-01-01T00:00:00.000Z"}, {"id": "ses_x"}]
    )
    assert [session_id for session_id, _ in fresh] == ["ses_1"]
    again = Watermark.from_state(watermark.as_state())
    assert again is not None and again.as_state() == watermark.as_state()
    assert again.advance([{"id": "ses_1", "updated_at": "2999-01-01T00:00:00.000Z"}]) == []
    assert Watermark.from_state({"floor": "not a time"}) is None


# -- the whole path, in a real deployment ---------------------------------------------------


def dag_runs(deployment: Deployment) -> list[dict[str, Any]]:
    return list(deployment.api_get(f"dags/{DAG_ID}/dagRuns?limit=100")["dag_runs"])


def epoch(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def completed_sessions(
    room: InterviewRoomSimulator, batch: list[Interview]
) -> Callable[[], dict[str, float] | None]:
    """Ready when every interview of the batch has completed: their completion times."""
    wanted = {i.interview_id for i in batch}

    def ready() -> dict[str, float] | None:
        done = {
            s["external_id"]: s["completed_at"]
            for s in room.rows("sessions")
            if s["status"] == "completed" and s["external_id"] in wanted
        }
        return done if set(done) == wanted else None

    return ready


def order_interviews(room: InterviewRoomSimulator, batch: list[Interview]) -> None:
    client = room_client(room)
    for interview in batch:
        client.create_order(
            interview_order(
                room, interview.interview_id, interview.application_id, interview.candidate_id
            )
        )


def asset_runs(deployment: Deployment) -> list[dict[str, Any]]:
    return [r for r in dag_runs(deployment) if r["run_type"] == "asset_triggered"]


def wait_for_results(deployment: Deployment, ledger: Ledger, batch: list[Interview]) -> None:
    """Every interview of the batch scored and no run of the DAG left in flight."""
    wanted = {i.interview_id for i in batch}

    def ready() -> bool:
        scored = {r.payload["interview_id"] for r in ledger.iter_staged("interview_result")}
        idle = all(r["state"] in ("success", "failed") for r in dag_runs(deployment))
        return idle and wanted <= scored

    deployment.wait(f"{sorted(wanted)} scored", ready, timeout=300, interval=2)


def interviews_end(
    deployment: Deployment, room: InterviewRoomSimulator, ledger: Ledger, batch: list[Interview]
) -> dict[str, float]:
    """Order the batch, let the sessions complete, wait for the asset-triggered run(s) and
    their results; seconds from the first completion to the run's creation and start, and
    from the last completion to the last run's end."""
    before = {r["dag_run_id"] for r in dag_runs(deployment)}
    order_interviews(room, batch)
    completed = deployment.wait(
        "the sessions to complete", completed_sessions(room, batch), timeout=30, interval=0.2
    )
    first_completion = min(completed.values())

    def new_runs() -> list[dict[str, Any]]:
        return [r for r in asset_runs(deployment) if r["dag_run_id"] not in before]

    deployment.wait(
        "an asset-triggered run of interview_results",
        new_runs,
        timeout=EVENT_DEADLINE_S - (time.time() - first_completion),
        interval=0.5,
    )
    wait_for_results(deployment, ledger, batch)
    runs = new_runs()
    first = min(runs, key=lambda r: epoch(r["queued_at"]))
    return {
        "created": epoch(first["queued_at"]) - first_completion,
        "started": epoch(first["start_date"]) - first_completion,
        "done": max(epoch(r["end_date"]) for r in runs) - max(completed.values()),
    }


def test_completed_interviews_start_the_dag_through_the_asset_watcher(tmp_path: Path) -> None:
    home = tmp_path / "airflow_home"
    ledger_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    options = {"interview_room": ROOM, "successfactors": {"candidates": 120, "requisitions": 8}}
    with sandbox(only=["interview_room", "successfactors"], options=options) as systems:
        room = next(s.server for s in systems if s.system == "interview_room")
        sf = next(s.server for s in systems if s.system == "successfactors")
        interviews: dict[str, Interview] = pick_interviews(sf)
        extra = {
            **connection_env(systems),
            "HRHUB_DATABASE_URL": ledger_url,
            # deployment_env turns the scheduler's own run creation off (only triggered runs);
            # asset-triggered runs are created by that same step, so it must be on here.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "True",
        }
        with airflow_deployment(
            home, f"sqlite:///{home / 'airflow.db'}", "LocalExecutor", extra, triggerer=True
        ) as deployment:
            deployment.wait_for_dag(DAG_ID)
            run_airflow("dags", "unpause", DAG_ID, env=deployment.env)
            # Unpaused, the dag-processor registers the watcher and the triggerer starts it.
            deployment.wait_for_log("triggerer", "watching the interview room from", timeout=180)
            # The fallback timer's latest tick runs once on unpausing; let it pass, so the
            # clock below measures the event path alone.
            deployment.wait(
                "the first timer run to finish",
                lambda: (
                    (runs := dag_runs(deployment))
                    and all(r["state"] in ("success", "failed") for r in runs)
                ),
                timeout=300,
                interval=2,
            )
            assert {r["run_type"] for r in dag_runs(deployment)} == {"scheduled"}
            ledger = Ledger.open(ledger_url)
            batch = [interviews[c] for c in ("consented", "no_audio", "opted_out")]
            latencies = [interviews_end(deployment, room, ledger, batch)]

            # A session that completes while the triggerer is down raises its event when the
            # triggerer is back: the watcher resumes from the watermark in the asset's store.
            deployment.stop_component("triggerer")
            before = {r["dag_run_id"] for r in dag_runs(deployment)}
            order_interviews(room, [interviews["no_family"]])
            deployment.wait(
                "the session to complete",
                completed_sessions(room, [interviews["no_family"]]),
                timeout=30,
                interval=0.2,
            )
            restarted = time.time()
            deployment.start("triggerer_restarted", "triggerer", "--skip-serve-logs")
            deployment.wait_for_log("triggerer_restarted", "(stored watermark)", timeout=120)
            deployment.wait(
                "an asset-triggered run after the restart",
                lambda: [r for r in asset_runs(deployment) if r["dag_run_id"] not in before],
                timeout=EVENT_DEADLINE_S,
                interval=0.5,
            )
            wait_for_results(deployment, ledger, [interviews["no_family"]])
            resumed = [r for r in asset_runs(deployment) if r["dag_run_id"] not in before]
            after_restart = min(epoch(r["queued_at"]) for r in resumed)
            runs = asset_runs(deployment)
            events = [
                e
                for e in deployment.api_get("assets/events?limit=100")["asset_events"]
                if e["uri"] == WATCHED_URI
            ]

    assert all(r["state"] == "success" for r in runs), runs
    # Each completed session raised the event once, from the watcher's trigger ...
    assert all(e["extra"]["from_trigger"] is True for e in events), events
    assert sum(e["extra"]["payload"]["sessions"] for e in events) == len(interviews), events
    # ... and the asset-triggered runs are the ones those events created.
    assert {r["run_id"] for e in events for r in e["created_dagruns"]} == {
        r["dag_run_id"] for r in runs
    }

    results = {r.payload["interview_id"]: r.payload for r in ledger.iter_staged("interview_result")}
    assert set(results) == {i.interview_id for i in interviews.values()}
    direct = {i for i, r in results.items() if not r["human_review"]}
    sf_ids = {i.interview_id: i.sf_interview_id for i in interviews.values()}
    written = {
        row["interviewRefId"]
        for row in sf.rows("InterviewOverallAssessment")
        if row.get("type") == "hrhub_ai_interview"
    }
    assert direct and written == {sf_ids[i] for i in direct}

    for latency in latencies:
        print(
            f"\nfirst session completed -> run created {latency['created']:.1f} s, "
            f"started {latency['started']:.1f} s; last session completed -> results pushed, "
            f"run done {latency['done']:.1f} s"
        )
    print(f"triggerer restarted -> run created {after_restart - restarted:.1f} s")
    assert all(latency["created"] < EVENT_DEADLINE_S for latency in latencies), latencies
