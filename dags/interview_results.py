"""
### interview_results

Turns finished AI interviews into results in the HR systems within a minute of the interview
ending: **extract** the interview room's completed sessions (incremental, the room's
`updated_at` watermark), **score** each analysed interview not scored yet with its job family's
rubric (audio only with the candidate's consent), hold the results a person must confirm for
review, queue the others' writes, then **push** them to each system that takes interview
results (SuccessFactors interview assessments, the Yonyou product's interview result).

How it is triggered: by the room, through Airflow's event-driven scheduling. The
`hrhub://interview_room/completed_sessions` Asset has an AssetWatcher whose trigger
(`hrhub.flow.triggers.RoomSessionsCompletedTrigger`) runs in the **triggerer** and polls the
room every few seconds for sessions completed since it last looked; each time there are some it
fires an event, the triggerer records it as an asset event, and the scheduler starts this DAG.
A timer every 15 minutes is the fallback (`AssetOrTimeSchedule`): it catches what an event
missed (the triggerer down, a session that showed up late) and retries writes left owed.

Why this way: the previous five-minute timer made results wait 2.5 minutes on average and up
to five, and the room offers no event Airflow could consume directly. The event is only a
wake-up call: the run itself reads the room from the ledger's watermark, so it does the exact
work whatever the event says, and two events or an event plus a timer tick cost one empty run
at most. `max_active_runs=1` and `catchup=False` keep one small batch at a time; events that
arrive during a run start one more run after it. Scoring and pushing are idempotent: a retried
or overlapping window scores nothing twice and writes nothing twice. Needs the triggerer running.

The score task publishes the `hrhub://ledger/interview_result` Asset, so reports and other
flows can run on fresh results (`schedule=[Asset(...)]`).
Connections: `hrhub_interview_room_default`, and `hrhub_<system>_default` of each target.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import (
    Asset,
    AssetOrTimeSchedule,
    AssetWatcher,
    CronTriggerTimetable,
    dag,
    task,
)

from hrhub.flow.pools import RESULT_TARGETS
from hrhub.flow.push_task import push_task
from hrhub.flow.triggers import RoomSessionsCompletedTrigger

INTERVIEW_RESULTS = Asset(name="hrhub_interview_results", uri="hrhub://ledger/interview_result")
ROOM_COMPLETED_SESSIONS = Asset(
    name="hrhub_interview_room_completed_sessions",
    uri="hrhub://interview_room/completed_sessions",
    watchers=[
        AssetWatcher(
            name="hrhub_interview_room_completions",
            trigger=RoomSessionsCompletedTrigger(poll_interval=5),
        )
    ],
)
FALLBACK = CronTriggerTimetable("*/15 * * * *", timezone="Asia/Shanghai")


@dag(
    dag_id="interview_results",
    schedule=AssetOrTimeSchedule(timetable=FALLBACK, assets=[ROOM_COMPLETED_SESSIONS]),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["hrhub", "scoring"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": pendulum.duration(seconds=30)},
)
def interview_results() -> None:
    @task
    def extract() -> dict:
        from hrhub.flow import tasks

        return tasks.extract({"system": "interview_room", "stream": "interview_analyses"})

    @task(outlets=[INTERVIEW_RESULTS])
    def score(extracted: dict) -> dict:
        from hrhub.flow import tasks

        return tasks.score_interviews()

    scored = score(extract())
    for system in RESULT_TARGETS:  # a system with nothing owed is not contacted
        push_task(system, scored)


interview_results_dag = interview_results()
