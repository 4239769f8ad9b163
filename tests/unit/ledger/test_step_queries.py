"""Queries the flow's steps ask the ledger: payload fields in SQL, and what a target is owed."""

from __future__ import annotations

from hrhub.ledger import Ledger
from tests.unit.ledger.support import rec


def test_staged_fields_reads_payload_fields_with_an_equality_filter(ledger: Ledger) -> None:
    ledger.stage(
        [
            rec(
                "hrhub:sr:1", entity="screening_result", payload={"job_id": "j1", "fit_score": 81.5}
            ),
            rec("hrhub:sr:2", entity="screening_result", payload={"job_id": "j1", "fit_score": 40}),
            rec("hrhub:sr:3", entity="screening_result", payload={"job_id": "j2", "fit_score": 99}),
            rec("hrhub:sr:4", entity="screening_result", payload={"job_id": "j1"}),
            rec("sf:cand:1", payload={"job_id": "j1", "fit_score": 10}),
        ],
        batch_id="b",
    )

    one = ledger.staged_fields("screening_result", ["fit_score"], where={"job_id": "j1"})
    assert sorted(one, key=str) == sorted([("81.5",), ("40",), (None,)], key=str)
    two = ledger.staged_fields("screening_result", ["job_id", "fit_score"])
    assert sorted(two, key=str) == sorted(
        [("j1", "81.5"), ("j1", "40"), ("j2", "99"), ("j1", None)], key=str
    )
    assert ledger.staged_fields("screening_result", ["fit_score"], where={"job_id": "j9"}) == []


def test_owed_counts_pending_and_in_flight_writes_of_one_target(ledger: Ledger) -> None:
    assert ledger.owed("successfactors") == 0
    first = ledger.enqueue("successfactors", "comment", "sf:app:1", {"a": 1}, "v1")
    ledger.enqueue("successfactors", "comment", "sf:app:2", {"a": 2}, "v1")
    ledger.enqueue("dingtalk", "work_notification", "n:1", {"a": 3}, "v1")
    assert ledger.owed("successfactors") == 2

    claimed = ledger.claim("successfactors", 1)
    assert ledger.owed("successfactors") == 2  # in flight is still owed
    ledger.complete(claimed[0].idempotency_key, "remote-1")
    assert ledger.owed("successfactors") == 1
    assert first.target_system == "successfactors"
    assert ledger.owed("dingtalk") == 1
