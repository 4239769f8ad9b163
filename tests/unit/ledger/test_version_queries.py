"""Cheap questions a step asks before reading records: the staged version of some ids (the
extract's "already held?") and how many records sit at a stage (what scoring did before)."""

from __future__ import annotations

from datetime import timedelta

from hrhub.ledger import Ledger
from tests.unit.ledger.support import T0, rec


def test_staged_versions_names_the_modified_at_of_known_ids_only(ledger: Ledger) -> None:
    ledger.stage(
        [rec("sf:cand:1", minutes=5), rec("sf:cand:2", minutes=7), rec("sf:cand:3")], batch_id="b"
    )
    ledger.stage([rec("sf:cand:2", minutes=9, payload={"name": "Wang Fang"})], batch_id="c")

    found = ledger.staged_versions(["sf:cand:2", "sf:cand:1", "sf:cand:404", "sf:cand:1"])
    assert found == {
        "sf:cand:1": T0 + timedelta(minutes=5),
        "sf:cand:2": T0 + timedelta(minutes=9),  # the version staged last
    }
    assert all(moment.tzinfo is not None for moment in found.values())
    assert ledger.staged_versions([]) == {}


def test_staged_versions_reads_past_one_chunk_of_ids(ledger: Ledger) -> None:
    ids = [f"sf:cand:{n}" for n in range(1200)]
    ledger.stage([rec(i, minutes=n % 60) for n, i in enumerate(ids)], batch_id="b")
    found = ledger.staged_versions([*ids, "sf:cand:x"])
    assert len(found) == 1200
    assert found["sf:cand:1199"] == T0 + timedelta(minutes=1199 % 60)


def test_count_in_stage_counts_one_entity_at_one_stage(ledger: Ledger) -> None:
    ledger.stage(
        [rec(f"room:a:{n}", entity="interview_analysis") for n in range(5)]
        + [rec("sf:cand:1"), rec("sf:cand:2")],
        batch_id="b",
    )
    assert ledger.count_in_stage("interview_analysis", "extracted") == 5
    assert ledger.count_in_stage("interview_analysis", "scored") == 0

    ledger.set_stage(["room:a:1", "room:a:3", "sf:cand:1"], "scored")
    assert ledger.count_in_stage("interview_analysis", "scored") == 2
    assert ledger.count_in_stage("interview_analysis", "extracted") == 3
    assert ledger.count_in_stage("candidate", "scored") == 1
    assert ledger.count_in_stage("nothing", "extracted") == 0
