"""
### daily_reconciliation

Every night, compares the systems with the ledger and repairs the drift, then writes the
report HR admins read in the morning:

1. **resync** each source stream in full (not only what changed since the watermark): a
   record the hourly incremental reads missed (a late timestamp, an edit the system did not
   stamp) is staged now and the flow picks it up; unchanged records are skipped;
2. **verify** each target: the records hrhub created there (SuccessFactors interview
   records, assessments and comments; interview-room orders) are read back in bulk, and one
   that is gone (deleted in the system's UI) has its write re-opened, with the facts in the
   audit log (`hrhub.flow.verify`);
3. **push** the repairs to each system, in its pool;
4. **report**: `daily-<date>.html` and `.json` under `$HRHUB_REPORTS_DIR` (default
   `out/reports`): stages, writes per system, dead letters, reviews, and the reconciliation
   (lost must be 0; what was missed and what was repaired).

Resync and verify run side by side; a system that is down fails its own tasks only, the
others go on and the report says which system was not reached. The run then ends failed, not
green: **any_task_failed** names the tasks that failed (`hrhub/flow/run_state.py`).
Connections: `hrhub_<system>_default`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import TriggerRule, dag, task

from hrhub.flow.pools import PUSH_POOL_SLOTS, pool_name
from hrhub.flow.push_task import push_task
from hrhub.flow.run_state import flag_failed_tasks

TIMEZONE = "Asia/Shanghai"  # the report is named for the company's day, not UTC's


@dag(
    dag_id="daily_reconciliation",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    tags=["hrhub"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=1)},
)
def daily_reconciliation() -> None:
    @task
    def plan_resync() -> list[dict[str, str]]:
        from hrhub.flow import tasks

        return tasks.plan_extract()

    @task(max_active_tis_per_dagrun=4)
    def resync(source: dict[str, str]) -> dict:
        from hrhub.flow import tasks

        return tasks.extract(source, full=True)

    def verify_task(system: str):
        @task(task_id=f"verify_{system}", pool=pool_name(system))
        def verify() -> dict:
            from hrhub.flow import tasks

            return tasks.verify_writes(system)

        return verify

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def report(resynced: list[dict], verified: list[dict], logical_date=None) -> dict:
        from hrhub.flow import tasks

        day = pendulum.instance(logical_date).in_timezone(TIMEZONE).date().isoformat()
        # A failed task's share is missing (None): the report names the system not reached.
        return tasks.daily_report(day, [r for r in resynced if r], [v for v in verified if v])

    resynced = resync.expand(source=plan_resync())
    verified = [verify_task(system)() for system in sorted(PUSH_POOL_SLOTS)]
    pushed = [
        push_task(system, checked)
        for system, checked in zip(sorted(PUSH_POOL_SLOTS), verified, strict=True)
    ]
    pushed >> report(resynced, verified)


daily_reconciliation_dag = flag_failed_tasks(daily_reconciliation())
