"""The attendance system's read-back for the daily reconciliation, over loopback.

New hires land as employees through the outbox; one is then deleted through the API, as an
operator would in BioTime's console. `absent` must name exactly that emp_code, `verify_target`
must re-open its write, and the next push must create the employee once again without a second
probation schedule. A system that cannot answer must raise instead of making employees look
deleted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors._core.errors import ConfigError, ConnectorError
from connectors.attendance.client import PERSONNEL_PATHS, AttendanceClient
from hrhub.flow.push import enqueue_writes, push
from hrhub.flow.verify import verify_target
from hrhub.ledger import Ledger
from hrhub.reconcile import reconcile_targets
from hrhub.sandbox import SandboxSystem, sandbox
from tests.integration.test_reconcile_targets import attendance_client, new_hires


@pytest.fixture
def system() -> Iterator[SandboxSystem]:
    with sandbox(only=["attendance"]) as (attendance,):
        yield attendance


def land(system: SandboxSystem, ledger: Ledger, n: int) -> list[dict[str, Any]]:
    records = new_hires(n)
    enqueue_writes("attendance", "upsert_employee", records, ledger=ledger)
    with attendance_client(system) as client:
        assert push("attendance", client=client, ledger=ledger).landed == n
    return records


def delete_employee(client: AttendanceClient, emp_code: str) -> None:
    """DELETE /personnel/api/employees/<id>/, as an operator removing the person."""
    employee = client.find_employee(emp_code)
    assert employee is not None
    client.request("DELETE", f"{PERSONNEL_PATHS['employees']}{employee['id']}/")


def reopened_entries(ledger: Ledger) -> list[Any]:
    return [e for e in ledger.audit_entries() if e.action == "write.reopened"]


def test_a_deleted_employee_is_reopened_and_created_once_again(
    system: SandboxSystem, ledger: Ledger
) -> None:
    records = land(system, ledger, 3)
    codes = [r["employee_code"] for r in records]
    schedules = len(system.server.rows("schedules"))
    with attendance_client(system) as client:
        delete_employee(client, codes[1])
        assert client.absent("upsert_employee", [*codes, "no-such-code"]) == {
            codes[1],
            "no-such-code",
        }
        assert client.absent("upsert_employee", [codes[0], codes[2]]) == set()

        (check,) = verify_target("attendance", client, ledger)
        assert (check.operation, check.landed, check.checked, check.absent) == (
            "upsert_employee",
            3,
            3,
            1,
        )
        assert check.not_checked is None
        [item] = [ledger.outbox_item(key) for key in check.reopened]
        assert item.canonical_id == records[1]["canonical_id"]
        assert item.status == "pending" and ledger.receipt_for(item.idempotency_key) is None
        (entry,) = reopened_entries(ledger)
        assert entry.subject == records[1]["canonical_id"]
        assert f"no longer holds {codes[1]}" in entry.data["reason"]
        assert ledger.verify_audit().ok

        assert push("attendance", client=client, ledger=ledger).landed == 1
        (again,) = verify_target("attendance", client, ledger)
        assert (again.checked, again.absent) == (3, 0)

    stored = [e["emp_code"] for e in system.server.rows("employees")]
    assert sorted(c for c in stored if c in codes) == sorted(codes), "each back, once"
    assert len(system.server.rows("schedules")) == schedules, "the schedule was found again"
    (row,) = reconcile_targets([system], ledger)
    assert (row["owed"], row["landed"], row["lost"], row["duplicates"]) == (3, 3, 0, 0)


def test_a_code_the_list_skipped_is_asked_again_before_it_is_gone(
    system: SandboxSystem, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = [r["employee_code"] for r in land(system, ledger, 2)]
    with attendance_client(system) as client:
        real = client.list_all

        def skipping(path: str, **params: Any) -> list[dict[str, Any]]:
            # A row lost between pages (another employee deleted mid-read) looks like this.
            return [e for e in real(path, **params) if e["emp_code"] != codes[0]]

        monkeypatch.setattr(client, "list_all", skipping)
        assert client.absent("upsert_employee", codes) == set()
        delete_employee(client, codes[0])
        assert client.absent("upsert_employee", codes) == {codes[0]}


def test_an_attendance_system_that_cannot_answer_is_an_error_not_a_deletion(
    system: SandboxSystem, ledger: Ledger
) -> None:
    codes = [r["employee_code"] for r in land(system, ledger, 2)]
    with attendance_client(system) as client:
        client.check()  # logged in: the reads themselves fail, not the login
        system.server.set_faults("error_rate=1.0")
        with pytest.raises(ConnectorError):
            client.absent("upsert_employee", codes)
        with pytest.raises(ConnectorError):
            verify_target("attendance", client, ledger)
    statuses = [i.status for i in ledger.outbox_items("attendance", "upsert_employee")]
    assert statuses == ["done", "done"]
    assert not reopened_entries(ledger)


def test_read_back_refuses_what_it_cannot_check(system: SandboxSystem) -> None:
    with attendance_client(system) as client:
        assert client.read_back_operations == ("upsert_employee",)
        with pytest.raises(ConfigError, match="cannot read back 'schedules'"):
            client.absent("schedules", ["9000"])
        assert client.absent("upsert_employee", []) == set()
