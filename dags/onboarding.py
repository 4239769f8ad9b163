"""
### onboarding

Every morning, the people hired since the last run are set up downstream: a pre-hire person in
the eHR (Yonyou NC or YonBIP, by the connection's flavor), a DingTalk smart-HR pre-entry and an
employee in the attendance system with the job's probation rules. It reads what
`candidate_flow` extracted (applications, candidates, jobs, the eHR's persons); each hire is
queued once however often it runs, and what a system needs but the source lacks (an id number,
an employee code the eHR has not assigned yet) is a dead letter naming the field.
Connections: `hrhub_yonyou_default`, `hrhub_dingtalk_default`, `hrhub_attendance_default`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from hrhub.flow.push_task import push_task

TARGETS = ("yonyou", "dingtalk", "attendance")


@dag(
    dag_id="onboarding",
    schedule="0 7 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["hrhub"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": pendulum.duration(seconds=30)},
)
def onboarding() -> None:
    @task
    def onboard() -> dict:
        from hrhub.flow import tasks

        return tasks.onboard_hires()

    queued = onboard()
    for system in TARGETS:
        push_task(system, queued)


onboarding_dag = onboarding()
