"""Staging: de-duplication by key and modification time, stages, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hrhub.ledger import EXTRACTED, Ledger, StageInput, StageResult, payload_hash

from .support import T0, rec


def test_new_record_is_inserted_as_extracted(ledger: Ledger) -> None:
    result = ledger.stage([rec(payload={"name": "Li Wei", "tags": ["java"]})], batch_id="b1")
    assert result == StageResult(inserted=1)
    [row] = ledger.get_records(["sf:cand:1"])
    assert row.stage == EXTRACTED
    assert row.batch_id == "b1"
    assert row.remote_id == "1"
    assert row.modified_at == T0
    assert row.modified_at.tzinfo is not None
    assert row.payload == {"name": "Li Wei", "tags": ["java"]}
    assert row.payload_hash == payload_hash({"tags": ["java"], "name": "Li Wei"})


def test_older_version_is_skipped_as_stale(ledger: Ledger) -> None:
    ledger.stage([rec(minutes=10, payload={"v": 2})], batch_id="b1")
    result = ledger.stage([rec(minutes=5, payload={"v": 1})], batch_id="b2")
    assert result == StageResult(skipped_stale=1)
    assert ledger.get_records(["sf:cand:1"])[0].payload == {"v": 2}


def test_identical_version_is_skipped_as_same(ledger: Ledger) -> None:
    ledger.stage([rec(payload={"v": 1})], batch_id="b1")
    ledger.set_stage(["sf:cand:1"], "screened")
    result = ledger.stage([rec(payload={"v": 1})], batch_id="b2")
    assert result == StageResult(skipped_same=1)
    [row] = ledger.get_records(["sf:cand:1"])
    assert (row.stage, row.batch_id) == ("screened", "b1")


def test_newer_time_same_payload_keeps_the_stage(ledger: Ledger) -> None:
    ledger.stage([rec(payload={"v": 1})], batch_id="b1")
    ledger.set_stage(["sf:cand:1"], "screened")
    result = ledger.stage([rec(minutes=3, payload={"v": 1})], batch_id="b2")
    assert result == StageResult(updated=1)
    [row] = ledger.get_records(["sf:cand:1"])
    assert row.stage == "screened"
    assert row.modified_at == T0 + timedelta(minutes=3)


def test_newer_changed_payload_replaces_and_resets_stage(ledger: Ledger) -> None:
    ledger.stage([rec(payload={"v": 1})], batch_id="b1")
    ledger.set_stage(["sf:cand:1"], "screened")
    result = ledger.stage([rec(minutes=3, payload={"v": 2})], batch_id="b2")
    assert result == StageResult(updated=1)
    [row] = ledger.get_records(["sf:cand:1"])
    assert (row.stage, row.batch_id, row.payload) == (EXTRACTED, "b2", {"v": 2})


def test_duplicates_inside_one_batch(ledger: Ledger) -> None:
    batch = [
        rec(payload={"v": 1}),
        rec(minutes=5, payload={"v": 2}),
        rec(payload={"v": 1}),  # replayed page
        rec(minutes=2, payload={"v": 3}),  # out of order
        rec("sf:cand:2"),
        rec("sf:cand:2"),  # exact duplicate
    ]
    result = ledger.stage(batch, batch_id="b1")
    assert result == StageResult(inserted=2, updated=1, skipped_stale=2, skipped_same=1)
    rows = {r.canonical_id: r for r in ledger.get_records(["sf:cand:1", "sf:cand:2"])}
    assert rows["sf:cand:1"].payload == {"v": 2}
    assert rows["sf:cand:1"].modified_at == T0 + timedelta(minutes=5)


def test_other_time_zones_compare_in_utc(ledger: Ledger) -> None:
    shanghai = timezone(timedelta(hours=8))
    local = StageInput("sf:cand:1", "candidate", "sf", "1", T0.astimezone(shanghai), {"v": 1})
    ledger.stage([local], batch_id="b1")
    assert ledger.stage([rec(payload={"v": 1})], batch_id="b2") == StageResult(skipped_same=1)
    assert ledger.get_records(["sf:cand:1"])[0].modified_at.utcoffset() == timedelta(0)


def test_bad_inputs_are_dead_lettered_and_block_nothing(ledger: Ledger) -> None:
    naive = StageInput("sf:cand:9", "candidate", "sf", "9", datetime(2025, 3, 1), {"v": 1})
    nan = rec("sf:cand:8", payload={"scores": [1.0, float("nan")]})
    result = ledger.stage([naive, rec(), nan], batch_id="b1")
    assert result == StageResult(inserted=1, rejected=2)
    letters = {d.record_id: d for d in ledger.dead_letters()}
    assert letters["sf:cand:9"].field == "modified_at"
    assert "sf:cand:9" in letters["sf:cand:9"].reason
    assert "naive" in letters["sf:cand:9"].reason
    assert letters["sf:cand:8"].field == "payload.scores[1]"
    assert "sf:cand:8" in letters["sf:cand:8"].reason
    assert letters["sf:cand:8"].payload == {"unserialisable": "{'scores': [1.0, nan]}"}


def test_payload_values_are_normalised_to_json(ledger: Ledger) -> None:
    when = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
    ledger.stage([rec(payload={"at": when, "skills": ("a", "b")})], batch_id="b1")
    [row] = ledger.get_records(["sf:cand:1"])
    assert row.payload == {"at": "2025-01-02T03:04:00+00:00", "skills": ["a", "b"]}
    assert row.payload_hash == payload_hash(row.payload)


def test_set_stage_and_ids_in_stage(ledger: Ledger) -> None:
    ledger.stage([rec(f"sf:cand:{i}", minutes=10 - i) for i in range(5)], batch_id="b1")
    ledger.stage([rec("sf:job:1", entity="job")], batch_id="b1")
    assert ledger.set_stage(["sf:cand:1", "sf:cand:3", "unknown"], "screened") == 2
    assert ledger.set_stage([], "screened") == 0
    assert ledger.ids_in_stage("candidate", "screened") == ["sf:cand:3", "sf:cand:1"]
    assert ledger.ids_in_stage("candidate", EXTRACTED, limit=2) == ["sf:cand:4", "sf:cand:2"]
    assert ledger.ids_in_stage("job", EXTRACTED) == ["sf:job:1"]


def test_get_records_keeps_order_and_skips_unknown(ledger: Ledger) -> None:
    ledger.stage([rec("a"), rec("b"), rec("c")], batch_id="b1")
    got = ledger.get_records(["c", "nope", "a", "c"])
    assert [r.canonical_id for r in got] == ["c", "a"]


def test_large_batches_span_several_chunks(ledger: Ledger) -> None:
    ids = [f"sf:cand:{i:05d}" for i in range(1_200)]
    assert ledger.stage([rec(i) for i in ids], batch_id="b1").inserted == 1_200
    assert ledger.stage([rec(i) for i in ids], batch_id="b2").skipped_same == 1_200
    assert ledger.set_stage(ids, "screened") == 1_200
    assert len(ledger.get_records(ids)) == 1_200


def test_a_touched_record_whose_content_did_not_change_keeps_its_stage(ledger: Ledger) -> None:
    """SAP's effective-dating caveat: a re-read record with a new time and raw payload only."""
    first = {"name": "张伟", "modified_at": "2026-01-01T00:00:00Z", "raw": {"lastMod": 1}}
    touched = {"name": "张伟", "modified_at": "2026-01-01T00:03:00Z", "raw": {"lastMod": 2}}
    ledger.stage([rec(payload=first)], batch_id="b1")
    ledger.set_stage(["sf:cand:1"], "screened")
    assert ledger.stage([rec(minutes=3, payload=touched)], batch_id="b2") == StageResult(updated=1)
    [row] = ledger.get_records(["sf:cand:1"])
    assert (row.stage, row.batch_id) == ("screened", "b1")
    changed = {**touched, "name": "张伟伟"}
    ledger.stage([rec(minutes=4, payload=changed)], batch_id="b3")
    [row] = ledger.get_records(["sf:cand:1"])
    assert (row.stage, row.batch_id) == (EXTRACTED, "b3")
