"""Yonyou's read-back for the daily reconciliation, against the simulator over loopback.

Records hrhub created are deleted in the simulator as an operator would in NC's or YonBIP's
console. `absent` must name exactly those (NC: its pre-hire persons, read by ts as the service
offers; YonBIP: each operation's documents, listed by `id in [...]`), `verify_target` must
re-open their writes, and the next push must create each once again. A Yonyou that cannot
answer, or answers short, must raise instead of making records look deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connectors._core.errors import ConfigError, ConnectorError, DataContractError
from connectors._core.retry import retry_policy
from connectors.yonyou import ncxml
from connectors.yonyou.bip_client import OPERATIONS as BIP_OPERATIONS
from connectors.yonyou.client import YonyouClient
from connectors.yonyou.sim_data import DEPARTMENTS, ORGS
from connectors.yonyou.sim_nc import psndoc_row
from connectors.yonyou.simulator import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, YonyouSimulator
from hrhub.flow.push import enqueue_writes, push
from hrhub.flow.verify import VerifySummary, verify_target
from hrhub.ledger import Ledger
from hrhub.reconcile import reconcile_targets
from hrhub.sandbox import SandboxSystem, sandbox
from tests.integration.yonyou.test_yonyou_flow import interview_result, pre_hire, resident_id

NC_OPERATIONS = ("nc_pre_hire", "nc_interview_result", "nc_checkin")


@pytest.fixture
def system() -> Iterator[SandboxSystem]:
    options = {"yonyou": {"persons": 60, "applicants": 12}}
    with sandbox(only=["yonyou"], options=options) as (yonyou,):
        yield yonyou


def client_for(system: SandboxSystem, flavor: str) -> YonyouClient:
    client = YonyouClient(
        system.url, flavor=flavor, username=SANDBOX_APP_KEY, password=SANDBOX_APP_SECRET
    )
    client.retry_policy = retry_policy(max_attempts=3, max_delay=2.0, initial=0.01, cap=0.05)
    return client


def by_operation(summaries: list[VerifySummary]) -> dict[str, VerifySummary]:
    return {s.operation: s for s in summaries}


def remote_ids(ledger: Ledger, operation: str) -> dict[str, str]:
    """canonical id -> the remote id its landed write answered."""
    return {
        item.canonical_id: receipt.remote_id
        for receipt, item in ledger.landed_writes("yonyou", operation)
    }


def reopened_entries(ledger: Ledger) -> list[Any]:
    return [e for e in ledger.audit_entries() if e.action == "write.reopened"]


def reconciled(system: SandboxSystem, ledger: Ledger, operation: str) -> tuple[int, ...]:
    (row,) = [r for r in reconcile_targets([system], ledger) if r["operation"] == operation]
    return row["owed"], row["landed"], row["lost"], row["duplicates"]


# --- NC: pre-hire persons ----------------------------------------------------------------------


def test_an_nc_pre_hire_deleted_in_nc_is_reopened_and_created_once_again(
    system: SandboxSystem, ledger: Ledger
) -> None:
    records = [pre_hire(n) for n in range(1, 5)]
    enqueue_writes("yonyou", "nc_pre_hire", records, ledger=ledger)
    with client_for(system, "nc") as client:
        assert push("yonyou", client=client, ledger=ledger).landed == 4
        landed = remote_ids(ledger, "nc_pre_hire")
        gone_id = records[1]["canonical_id"]
        deleted = system.server.delete("persons", landed[gone_id])
        assert client.absent("nc_pre_hire", landed.values()) == {landed[gone_id]}

        summaries = by_operation(verify_target("yonyou", client, ledger, flavor="nc"))
        assert tuple(summaries) == NC_OPERATIONS, "the NC connection's operations only"
        check = summaries["nc_pre_hire"]
        assert (check.landed, check.checked, check.absent, check.not_checked) == (4, 4, 1, None)
        assert [ledger.outbox_item(key).canonical_id for key in check.reopened] == [gone_id]
        assert ledger.outbox_item(check.reopened[0]).status == "pending"
        assert ledger.receipt_for(check.reopened[0]) is None
        for name in ("nc_interview_result", "nc_checkin"):
            assert "offers no read-back" in (summaries[name].not_checked or "")
        (entry,) = reopened_entries(ledger)
        assert entry.subject == gone_id
        assert f"no longer holds {landed[gone_id]}" in entry.data["reason"]
        assert ledger.verify_audit().ok

        assert push("yonyou", client=client, ledger=ledger).landed == 1
        again = by_operation(verify_target("yonyou", client, ledger, flavor="nc"))
        assert (again["nc_pre_hire"].checked, again["nc_pre_hire"].absent) == (4, 0)

    back = system.server.data.find_person(id_number=deleted["id_number"])
    assert back is not None and back.pk_psndoc != deleted["pk_psndoc"], "a new person"
    assert remote_ids(ledger, "nc_pre_hire")[gone_id] == back.pk_psndoc
    assert reconciled(system, ledger, "nc_pre_hire") == (4, 4, 0, 0)


def nc_persons_answer(server: YonyouSimulator, *, leave_out: str, total: int) -> str:
    """A queryPsndocByTs answer of one page holding every person but `leave_out`."""
    with server.data.lock:
        rows = [psndoc_row(p) for pk, p in server.data.persons.items() if pk != leave_out]
    return ncxml.result("psndoc", rows, total=total, pageindex=1, pagesize=500)


def test_an_nc_person_missing_from_one_read_only_is_not_reported_gone(
    system: SandboxSystem,
) -> None:
    server = system.server
    pk = next(iter(server.data.persons))
    # One read answers consistently without the person (as a row skipped mid-read looks).
    stale = nc_persons_answer(server, leave_out=pk, total=len(server.data.persons) - 1)
    server.nc_next_return["queryPsndocByTs"] = stale
    with client_for(system, "nc") as client:
        assert client.absent("nc_pre_hire", [pk]) == set()
    assert "queryPsndocByTs" not in server.nc_next_return, "the stale answer was used"


def test_an_nc_read_that_answers_short_raises(system: SandboxSystem) -> None:
    server = system.server
    pk = next(iter(server.data.persons))
    short = nc_persons_answer(server, leave_out=pk, total=len(server.data.persons))
    server.nc_next_return["queryPsndocByTs"] = short
    with client_for(system, "nc") as client, pytest.raises(DataContractError, match="59 of"):
        client.absent("nc_pre_hire", [pk])


# --- YonBIP: every operation's documents -------------------------------------------------------


def test_a_bip_interview_result_deleted_in_yonbip_is_reopened_and_created_once_again(
    system: SandboxSystem, ledger: Ledger
) -> None:
    applicants = sorted(system.server.data.applicants)[:4]
    records = [interview_result(n, a, 70.0 + n) for n, a in enumerate(applicants)]
    enqueue_writes("yonyou", "bip_interview_result", records, ledger=ledger)
    with client_for(system, "bip") as client:
        assert push("yonyou", client=client, ledger=ledger).landed == 4
        landed = remote_ids(ledger, "bip_interview_result")
        gone_id = records[2]["canonical_id"]
        [row] = [r for r in system.server.rows("interview_results") if r["pk"] == landed[gone_id]]
        system.server.delete("interview_results", row["bill_id"])

        summaries = by_operation(verify_target("yonyou", client, ledger, flavor="bip"))
        assert set(summaries) == set(BIP_OPERATIONS)
        check = summaries["bip_interview_result"]
        assert (check.landed, check.checked, check.absent, check.not_checked) == (4, 4, 1, None)
        assert [ledger.outbox_item(key).canonical_id for key in check.reopened] == [gone_id]
        assert ledger.receipt_for(check.reopened[0]) is None
        for name in ("bip_pre_hire", "bip_checkin", "bip_requisition"):
            idle = summaries[name]
            assert (idle.landed, idle.checked, idle.not_checked) == (0, 0, None), idle
        (entry,) = reopened_entries(ledger)
        assert entry.subject == gone_id

        assert push("yonyou", client=client, ledger=ledger).landed == 1
        again = by_operation(verify_target("yonyou", client, ledger, flavor="bip"))
        repaired = again["bip_interview_result"]
        assert (repaired.checked, repaired.absent) == (4, 0)
    codes = sorted(r["bill_id"] for r in system.server.rows("interview_results"))
    assert codes == sorted(r["canonical_id"].rsplit(":", 1)[-1] for r in records)
    assert reconciled(system, ledger, "bip_interview_result") == (4, 4, 0, 0)


ORG, DEPT = next(iter(ORGS)), next(iter(DEPARTMENTS))


def bip_row(operation: str, n: int, server: YonyouSimulator) -> dict[str, Any]:
    """A row the operation's save accepts (hrhub's reading of each YonBIP API)."""
    code = f"RB{n:03d}"
    if operation == "bip_requisition":
        post = {"code": "P01", "name": "数据工程师", "recruitNum": 1}
        return {
            "code": code,
            "name": "数据平台招聘",
            "recruitOrg": ORG,
            "begindate": "2026-03-01",
            "enddate": "2026-06-30",
            "recruitPostVO": [post],
        }
    if operation == "bip_pre_hire":
        return {
            "code": code,
            "name": f"新员工{n}",
            "certNo": resident_id(f"31010419910202{n:03d}"),
            "mobile": f"+86-1390000{n:04d}",
            "deptId": DEPT,
            "joinWorkDate": "2026-12-15",
        }
    if operation == "bip_interview_result":
        applicant = sorted(server.data.applicants)[n]
        return {"code": code, "applicantCode": applicant, "result": "pass"}
    staff = sorted(p.code for p in server.data.persons.values())[n]
    return {"code": code, "staffCode": staff, "signTime": "2026-12-01 09:00:00", "signType": "1"}


# operation -> (simulator table, the row's remote id, the row's store key)
STORES: dict[str, tuple[str, Callable[[dict], str], Callable[[dict], str]]] = {
    "bip_requisition": ("requisitions", lambda r: r["id"], lambda r: r["id"]),
    "bip_pre_hire": ("persons", lambda r: r["bip_id"], lambda r: r["pk_psndoc"]),
    "bip_interview_result": ("interview_results", lambda r: r["pk"], lambda r: r["bill_id"]),
    "bip_checkin": ("checkins", lambda r: r["pk"], lambda r: r["bill_id"]),
}


@pytest.mark.parametrize("operation", sorted(BIP_OPERATIONS))
def test_bip_absent_names_exactly_the_deleted_documents(
    system: SandboxSystem, operation: str
) -> None:
    server = system.server
    with client_for(system, "bip") as client:
        outcomes = client.write(operation, [bip_row(operation, n, server) for n in range(3)])
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        ids = [str(o.remote_id) for o in outcomes]
        table, remote_of, key_of = STORES[operation]
        [row] = [r for r in server.rows(table) if remote_of(r) == ids[0]]
        server.delete(table, key_of(row))
        assert client.absent(operation, [*ids, "1999999999999999999"]) == {
            ids[0],
            "1999999999999999999",
        }
        assert client.absent(operation, ids[1:]) == set()
        assert client.absent(operation, []) == set()


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flavor", "operation", "records"),
    [
        ("nc", "nc_pre_hire", [pre_hire(n) for n in range(1, 3)]),
        ("bip", "bip_pre_hire", [pre_hire(n) for n in range(1, 3)]),
    ],
)
def test_a_yonyou_that_cannot_answer_is_an_error_not_a_deletion(
    system: SandboxSystem, ledger: Ledger, flavor: str, operation: str, records: list[dict]
) -> None:
    enqueue_writes("yonyou", operation, records, ledger=ledger)
    with client_for(system, flavor) as client:
        assert push("yonyou", client=client, ledger=ledger).landed == 2
        system.server.set_faults("error_rate=1.0")
        with pytest.raises(ConnectorError):
            client.absent(operation, remote_ids(ledger, operation).values())
        with pytest.raises(ConnectorError):
            verify_target("yonyou", client, ledger, flavor=flavor)
    assert [i.status for i in ledger.outbox_items("yonyou", operation)] == ["done", "done"]
    assert not reopened_entries(ledger)


def test_read_back_is_the_product_s_and_refuses_what_it_cannot_check(
    system: SandboxSystem,
) -> None:
    with client_for(system, "nc") as nc, client_for(system, "bip") as bip:
        assert nc.read_back_operations == ("nc_pre_hire",)
        assert set(bip.read_back_operations) == set(BIP_OPERATIONS)
        with pytest.raises(ConfigError, match="no query"):
            nc.absent("nc_checkin", ["1001A1100000CK000000"])
        with pytest.raises(ConfigError, match="flavor"):
            nc.absent("bip_checkin", ["1"])
        with pytest.raises(ConfigError, match="flavor"):
            bip.absent("nc_pre_hire", ["1"])
        assert nc.absent("nc_pre_hire", []) == set()
