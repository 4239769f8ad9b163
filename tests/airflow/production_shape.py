"""The production shape for the deployment tests, and what every run of candidate_flow must show.

The shape itself lives in hrhub/production.py (PostgreSQL databases and a Celery queue per
test, Celery workers, Airflow's REST API); this is its pytest layer: a service that is not
there (`ServiceUnreachable`) skips the test, and `assert_flow_reconciled` is the guarantee of
DESIGN.md checked against the simulators.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import pytest

from hrhub import production
from hrhub.ledger import Ledger
from hrhub.production import (
    BROKER_URL,
    DAG_ID,
    PG_ADMIN_URL,
    PG_URL,
    UNACKED_KEYS,
    WORKERS,
    RunFailed,
    ServiceUnreachable,
    api_request,
    celery_env,
    ping_workers,
    poll,
    run_once,
    start_worker,
    start_workers,
    task_states,
    wait_for_dag,
    wait_for_run,
)
from hrhub.reconcile import reconcile_extract, reconcile_targets
from hrhub.sandbox import SandboxSystem

__all__ = [
    "BROKER_URL",
    "DAG_ID",
    "PG_ADMIN_URL",
    "PG_URL",
    "UNACKED_KEYS",
    "WORKERS",
    "RunFailed",
    "ServiceUnreachable",
    "api_request",
    "assert_flow_reconciled",
    "celery_env",
    "celery_queue_name",
    "pg_databases",
    "ping_workers",
    "poll",
    "run_once",
    "start_worker",
    "start_workers",
    "task_states",
    "wait_for_dag",
    "wait_for_run",
]


@contextmanager
def pg_databases() -> Iterator[Callable[[str], str]]:
    """`hrhub.production.pg_databases`, skipping the test if PostgreSQL is not reachable."""
    with ExitStack() as stack:
        try:
            make = stack.enter_context(production.pg_databases())
        except ServiceUnreachable as error:
            pytest.skip(str(error))
        yield make


@contextmanager
def celery_queue_name() -> Iterator[str]:
    """`hrhub.production.celery_queue_name`, skipping the test if Redis is not reachable."""
    with ExitStack() as stack:
        try:
            queue = stack.enter_context(production.celery_queue_name())
        except ServiceUnreachable as error:
            pytest.skip(str(error))
        yield queue


def assert_flow_reconciled(systems: list[SandboxSystem], ledger_url: str) -> None:
    """Every registered source landed in the ledger (nothing lost, no extract letter), every
    application went as far as the flow takes it or to a dead letter with its reason, and
    every write the flow owed landed once in its target."""
    ledger = Ledger.open(ledger_url)
    rows = reconcile_extract(systems, ledger)
    assert {r["system"] for r in rows} == {
        "attendance",
        "dingtalk",
        "interview_room",
        "successfactors",
        "yonyou",
    }
    for row in rows:
        assert row["source"] > 0, row
        assert (row["staged"], row["dead_letters"], row["lost"]) == (row["source"], 0, 0), row
    letters = ledger.dead_letters()
    assert [d for d in letters if d.system != "hrhub"] == []
    attendance = next(s for s in systems if s.system == "attendance")
    newest_upload = max(
        row["upload_time"] for row in attendance.server.tables["transactions"].values()
    )
    assert ledger.get_watermark("attendance", "transactions") == newest_upload

    # Screening letters exactly the applications whose resume SuccessFactors cannot give.
    sf = next(s for s in systems if s.system == "successfactors").server
    for letter in letters:
        assert (letter.field, letter.error_class) == ("resume", "UnparseableResume"), letter
        assert sf.resume_kind(int(letter.record_id.rsplit(":", 1)[1])) != "text", letter
    stages = Counter(r.stage for r in ledger.iter_staged("application"))
    assert stages["invited"] > 0 and stages["screened"] > stages["invited"], stages
    assert stages["dead_letter"] == len(letters), stages
    targets = {(r["system"], r["operation"]): r for r in reconcile_targets(systems, ledger)}
    for row in targets.values():
        assert (row["lost"], row["pending"], row["dead_letters"]) == (0, 0, 0), row
        assert row["duplicates"] in (0, None), row
    assert targets[("interview_room", "create_orders")]["landed"] == stages["invited"]
