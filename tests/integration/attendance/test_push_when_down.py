"""A push of new hires to an attendance system that is down ends after one record's retries.

The simulator runs on loopback with `down=true` (every call: Django's 500 page); the client
comes from the attendance hook with a connection that gives up fast. The first employee's
call spends its attempts, the other nine are not sent and stay queued, retriable, naming that
first employee. Once the system is back, the next push creates all ten employees, each once,
with one probation schedule each.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest

from hrhub.flow.push import enqueue_writes, push_all
from hrhub.ledger import Ledger
from hrhub.sandbox import SandboxSystem, sandbox
from tests.integration.interview_room.test_push_when_down import hook_client
from tests.integration.test_reconcile_targets import new_hires

SYSTEM, OPERATION = "attendance", "upsert_employee"
ATTEMPTS = 2


@pytest.fixture
def attendance() -> Iterator[SandboxSystem]:
    with sandbox(only=[SYSTEM]) as (system,):
        yield system


def test_a_down_attendance_system_costs_one_records_retries_and_all_land_later(
    monkeypatch: pytest.MonkeyPatch, attendance: SandboxSystem, ledger: Ledger
) -> None:
    server = attendance.server
    client = hook_client(
        monkeypatch, attendance, retry_max_seconds="5", retry_max_attempts=str(ATTEMPTS)
    )
    records = new_hires(10)
    codes = [r["employee_code"] for r in records]
    first = records[0]["canonical_id"]
    assert enqueue_writes(SYSTEM, OPERATION, records, ledger=ledger).queued == 10
    employees_before = len(server.rows("employees"))

    server.set_faults("down=true")
    server.reset_stats()
    started = time.monotonic()
    pushed = push_all(SYSTEM, client=client, ledger=ledger)
    took = time.monotonic() - started

    assert (pushed.claimed, pushed.landed, pushed.requeued, pushed.dead_letters) == (10, 0, 10, 0)
    # The first record's call, tried twice, is all the system saw: its login (the first call
    # the client makes) fails; the login is retried inside each attempt, hence up to 2 x 2.
    seen = server.counters["requests"]
    assert server.counters["down"] == seen and ATTEMPTS <= seen <= ATTEMPTS * ATTEMPTS
    assert set(server.calls) == {("POST", "/jwt-api-token-auth/")}, server.calls
    assert took < 10, f"the push took {took:.1f}s against a down system"

    items = {i.canonical_id: i for i in ledger.outbox_items(SYSTEM, OPERATION)}
    assert Counter(i.status for i in items.values()) == {"pending": 10}
    assert ledger.dead_letters() == []
    assert "HTTP 500" in items[first].last_error and "not sent" not in items[first].last_error
    for record in records[1:]:
        error = items[record["canonical_id"]].last_error
        assert error.startswith(f"{SYSTEM} (record {record['employee_code']!r}): not sent:"), error
        assert f"earlier record of this batch ({codes[0]})" in error  # named by its emp_code
        assert "HTTP 500" in error
    assert len(server.rows("employees")) == employees_before

    server.set_faults(None)
    again = push_all(SYSTEM, client=client, ledger=ledger)
    assert (again.claimed, again.landed, again.requeued, again.dead_letters) == (10, 10, 0, 0)
    ours = Counter(e["emp_code"] for e in server.rows("employees") if e["emp_code"] in codes)
    assert ours == Counter(codes)  # each employee exactly once
    schedules = Counter(s["emp_code"] for s in server.rows("schedules") if s["emp_code"] in codes)
    assert schedules == Counter(codes)  # one probation schedule each
    assert {r.remote_id for r, _ in ledger.landed_writes(SYSTEM, OPERATION)} == set(codes)
    assert ledger.dead_letters() == []
