"""The daily reconciliation's read-back, against running simulators over loopback.

Writes land through the outbox; then orders are deleted in the room as an operator would in
its console (SuccessFactors' interview records: tests/integration/successfactors/
test_sf_interviews.py). `verify_target` must find exactly
those, re-open their writes (receipt gone, audit entry), and the next push must re-create each
once: the targets reconcile with lost 0 and duplicates 0. A target that cannot answer must not
be read as "everything was deleted".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors._core.errors import ConnectorError
from connectors._core.registry import get_connector
from connectors._core.retry import retry_policy
from connectors.interview_room.client import InterviewRoomClient
from hrhub.flow.push import enqueue_writes, push
from hrhub.flow.verify import verify_target
from hrhub.reconcile import reconcile_targets
from hrhub.sandbox import SandboxSystem, sandbox
from tests.integration.test_reconcile_targets import interviews, room_client


@pytest.fixture
def room() -> Iterator[SandboxSystem]:
    with sandbox(only=["interview_room"], options={"interview_room": {"seeded": 0}}) as (room,):
        yield room


def test_a_deleted_room_order_is_recreated_and_the_targets_reconcile(room, ledger) -> None:
    enqueue_writes("interview_room", "create_orders", interviews(room, 4), ledger=ledger)
    with room_client(room) as client:
        assert push("interview_room", client=client, ledger=ledger).landed == 4
        order = room.server.rows("orders")[0]
        room.server.delete_order(order["id"])
        assert reconcile_targets([room], ledger)[0]["landed"] == 4  # the ledger cannot tell

        (summary,) = verify_target("interview_room", client, ledger)
        assert (summary.checked, summary.absent) == (4, 1)
        assert ledger.outbox_item(summary.reopened[0]).canonical_id == order["external_id"]
        assert push("interview_room", client=client, ledger=ledger).landed == 1

    external = [o["external_id"] for o in room.server.rows("orders")]
    assert sorted(external) == sorted(i["canonical_id"] for i in interviews(room, 4))
    (row,) = reconcile_targets([room], ledger)
    assert (row["owed"], row["landed"], row["lost"], row["duplicates"]) == (4, 4, 0, 0)


def test_a_room_that_cannot_answer_is_an_error_not_a_deletion(room, ledger) -> None:
    enqueue_writes("interview_room", "create_orders", interviews(room, 2), ledger=ledger)
    with room_client(room) as client:
        assert push("interview_room", client=client, ledger=ledger).landed == 2
    sandbox_login = get_connector("interview_room").sandbox
    room.server.stop()
    with (
        InterviewRoomClient(
            room.url,
            workspace=sandbox_login["login"],
            api_key=sandbox_login["password"],
            retry=retry_policy(initial=0.01, cap=0.05),
        ) as client,
        pytest.raises(ConnectorError),
    ):
        verify_target("interview_room", client, ledger)
    items = ledger.outbox_items("interview_room", "create_orders")
    assert [item.status for item in items] == ["done", "done"]
    assert not [e for e in ledger.audit_entries() if e.action == "write.reopened"]


def test_reopen_leaves_a_write_that_has_not_landed_alone(ledger) -> None:
    item = ledger.enqueue("interview_room", "create_orders", "hrhub:interview:x", {"a": 1}, "v1")
    again = ledger.reopen(item.idempotency_key, "test")
    assert again.status == "pending" and again.last_error is None
    assert not ledger.audit_entries()
