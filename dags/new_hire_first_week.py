"""
### new_hire_first_week

Every evening, the check-ins of the people hired in the last seven days go from the attendance
system into the eHR, so HR see in one place how each new hire settles in. **queue** picks the
punches of each new hire's first week from the ledger (candidate_flow extracts both the eHR's
persons and the terminals' punches) and owes them to the eHR's outbox; **push** writes them.
Each punch is one check-in however often this runs.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="new_hire_first_week",
    schedule="0 20 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["hrhub", "onboarding"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=1)},
)
def new_hire_first_week() -> None:
    @task
    def queue(ds: str | None = None) -> dict:
        from hrhub.flow import tasks

        return tasks.queue_first_week_checkins(ds or pendulum.now("Asia/Shanghai").to_date_string())

    @task
    def push(queued: dict) -> dict:
        from hrhub.flow import tasks

        return tasks.push_writes("yonyou")

    push(queue())


new_hire_first_week_dag = new_hire_first_week()
