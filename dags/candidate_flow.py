"""
### candidate_flow

Moves every candidate from the source systems to an AI interview, in batches held in the
ledger (never one task per candidate):

1. **extract** each registered source stream (incremental, a watermark per system and stream);
2. **screen** the new applications: resumes read from their own system, job fit scored with
   the requisition's job profile (`jobs/*.yaml`), the top share shortlisted;
3. **schedule** the shortlisted inside the DingTalk working time of their job's interviewer
   panel (`interviewers` in `jobs/*.yaml`; every on-job person when a profile names none);
4. **reschedule** the booked interviews whose interviewers' shifts or leave changed since:
   each moves within its job's panel and its candidate gets a reschedule notice;
5. **invite**: the interview room's order, the application's new status and interview record
   and a DingTalk notice go to the outbox;
6. **push** the outbox to each system, one task per system in its own pool
   (`hrhub_<system>`, see `hrhub/flow/pools.py`), so a slow or down system delays only its
   own writes;
7. **report** the batch, whatever happened above;
8. **any_task_failed** is skipped when every task succeeded and fails, naming them, when any
   failed for good, so such a run ends failed rather than green (`hrhub/flow/run_state.py`).

A system that is down fails only its own tasks (its extract, its push), and so the run; the
rest of the run goes on, and its writes wait in the outbox for the next run (DingTalk down:
schedule and reschedule wait for the next run too, without failing). Anything that cannot go
on (an unreadable resume, a job without a profile, no free slot, a refused write) is a dead
letter with its reason; `hrhub replay` re-drives it. Every write is keyed in the outbox, so a
retried task, a cleared run or a killed worker duplicates nothing.
Connections: `hrhub_<system>_default` of each system (`hrhub sandbox up` prints them).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import TriggerRule, dag, task

from hrhub.flow.pools import PUSH_POOL_SLOTS
from hrhub.flow.push_task import push_task
from hrhub.flow.run_state import flag_failed_tasks


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

    # A source that is down fails its own extract task; screening goes on with what the
    # others staged (and what was staged before), so one system delays nothing else.
    @task(trigger_rule=TriggerRule.ALL_DONE)
    def screen(extracted: list[dict]) -> dict:
        from hrhub.flow import tasks

        return tasks.screen()

    @task
    def schedule(screened: dict, data_interval_end=None) -> dict:
        from hrhub.flow import tasks

        return tasks.schedule(now=data_interval_end.isoformat() if data_interval_end else None)

    @task
    def reschedule(scheduled: dict, data_interval_end=None) -> dict:
        from hrhub.flow import tasks

        return tasks.reschedule(now=data_interval_end.isoformat() if data_interval_end else None)

    @task
    def invite(scheduled: dict) -> dict:
        from hrhub.flow import tasks

        return tasks.invite()

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def report(summaries: list[dict], invited: dict) -> dict:
        from hrhub.flow import tasks

        return tasks.report([s for s in summaries if s])  # a failed extract left None

    extracted = extract.expand(source=plan_extract())
    invited = invite(reschedule(schedule(screen(extracted))))
    pushed = [push_task(system, invited) for system in sorted(PUSH_POOL_SLOTS)]
    done = report(extracted, invited)
    pushed >> done


candidate_flow_dag = flag_failed_tasks(candidate_flow())
