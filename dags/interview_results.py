"""
### interview_results

Turns finished AI interviews into results in the HR systems, every five minutes:
**extract** the interview room's completed sessions (incremental, the room's `updated_at`
watermark), **score** each analysed interview not scored yet with its job family's rubric
(audio only with the candidate's consent), hold the results a person must confirm for review,
queue the others' writes, then **push** them to each system that takes interview results
(SuccessFactors interview assessments, the Yonyou product's interview result).

Why a timed schedule and not an Asset: the first step polls the room, which Airflow cannot
observe as an asset event without a watcher on the room's webhook, and a time schedule with
`max_active_runs=1` and `catchup=False` gives one small batch at a time however late a run is.
The score task does publish the `hrhub://ledger/interview_result` Asset, so reports and other
flows can run on fresh results (`schedule=[Asset(...)]`). Scoring and pushing are idempotent:
a retried or overlapping window scores nothing twice and writes nothing twice.
Connections: `hrhub_interview_room_default`, and `hrhub_<system>_default` of each target.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

INTERVIEW_RESULTS = Asset(name="hrhub_interview_results", uri="hrhub://ledger/interview_result")


@dag(
    dag_id="interview_results",
    schedule="*/5 * * * *",
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

    @task
    def targets(scored: dict) -> list[str]:
        return list(scored["push_to"])

    @task(max_active_tis_per_dagrun=2)
    def push(system: str) -> dict:
        from hrhub.flow import tasks

        return tasks.push_writes(system)

    push.expand(system=targets(score(extract())))


interview_results_dag = interview_results()
