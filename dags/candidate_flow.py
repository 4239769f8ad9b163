"""
### candidate_flow

Moves every candidate through hrhub's flow: **extract** each registered source stream into the
ledger (incremental, watermark per system and stream), then **report** the batch.

The later steps of the flow (screen, schedule, invite, score, review, push, onboard) join this
DAG as they are built; each task works on a batch of ids held in the ledger, never one task per
candidate. Connections come from the Airflow connections of each system
(`hrhub_<system>_default`; `hrhub sandbox up` prints them for the simulators).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="candidate_flow",
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["hrhub"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": pendulum.duration(seconds=30)},
)
def candidate_flow() -> None:
    @task
    def plan_extract() -> list[dict[str, str]]:
        from hrhub.flow import tasks

        return tasks.plan_extract()

    @task(max_active_tis_per_dagrun=4)
    def extract(source: dict[str, str]) -> dict:
        from hrhub.flow import tasks

        return tasks.extract(source)

    @task
    def report(summaries: list[dict]) -> dict:
        from hrhub.flow import tasks

        return tasks.report(list(summaries))

    report(extract.expand(source=plan_extract()))


candidate_flow_dag = candidate_flow()
