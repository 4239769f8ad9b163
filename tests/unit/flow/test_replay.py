"""Replay of dead letters through the real extract, outbox and CLI, on a temp SQLite ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from hrhub.cli import app
from hrhub.flow.extract import extract_stream
from hrhub.flow.replay import PUSH, REPLAYED, STILL_FAILING, replay
from hrhub.ledger import Ledger, OutboxStatus

RAW = {
    "candidateId": 42,
    "firstName": "三",
    "lastName": "张",
    "primaryEmail": "zhang.san@example.com",
    "lastModifiedDateTime": "/Date(1793347200000)/",
}
RECORD_ID = "successfactors:candidate:42"


class OnePageClient:
    """A source that returns one page: what extract_stream reads from a connector client."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    def read_stream(self, stream: str, *, since: Any, overlap_seconds: int) -> list[Any]:
        return [self.records]

    def cursor_value(self, stream: str, raw: dict[str, Any]) -> str:
        return str(raw["lastModifiedDateTime"])


def _break_candidate_mapping(mappings: Path) -> str:
    path = mappings / "successfactors" / "candidate.in.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(
        original.replace("from: lastModifiedDateTime", "from: lastModifiedStamp"), encoding="utf-8"
    )
    return original


def _dead_push(ledger: Ledger) -> str:
    item = ledger.enqueue("yonyou", "nc_pre_hire", "hrhub:pre_hire:1", {"name": "张三"}, "v1")
    ledger.fail(item.idempotency_key, "pk_dept 'D9' unknown", retriable=False, field="pk_dept")
    return item.idempotency_key


def test_push_letter_requeues_once_even_when_replayed_twice(ledger: Ledger) -> None:
    key = _dead_push(ledger)
    [letter] = ledger.dead_letters()

    first = replay(ledger, by="hr.li")
    second = replay(ledger, by="hr.li")

    assert [(o.letter_id, o.stage, o.status) for o in first.outcomes] == [
        (letter.id, PUSH, REPLAYED)
    ]
    assert second.outcomes == []
    items = ledger.outbox_items("yonyou", "nc_pre_hire")
    assert [(i.idempotency_key, i.status, i.payload) for i in items] == [
        (key, OutboxStatus.PENDING.value, {"name": "张三"})
    ]
    assert ledger.claim("yonyou", 10)[0].idempotency_key == key
    assert ledger.dead_letters() == []
    [entry] = [e for e in ledger.audit_entries() if e.action == "dead_letter.replay"]
    assert (entry.actor, entry.data["outcome"]) == ("hr.li", REPLAYED)
    # Asking for the closed letter by id is reported, not redone.
    again = replay(ledger, by="hr.li", ids=[letter.id])
    assert again.outcomes[0].status == "already_replayed"
    assert len(ledger.outbox_items("yonyou", "nc_pre_hire")) == 1
    assert ledger.verify_audit().ok


def test_dry_run_writes_nothing(ledger: Ledger) -> None:
    _dead_push(ledger)
    summary = replay(ledger, by="hr.li", dry_run=True)
    assert [o.status for o in summary.outcomes] == ["would_replay"]
    assert len(ledger.dead_letters()) == 1
    assert ledger.outbox_items("yonyou", "nc_pre_hire")[0].status == OutboxStatus.DEAD.value
    assert ledger.audit_entries() == []


def test_extract_letter_replays_after_the_mapping_is_fixed(ledger: Ledger, mappings: Path) -> None:
    original = _break_candidate_mapping(mappings)
    summary = extract_stream(
        "successfactors", "Candidate", client=OnePageClient([RAW]), ledger=ledger
    )
    assert summary.dead_letters == 1
    [letter] = ledger.dead_letters()
    assert letter.record_id == RECORD_ID and "modified_at" in letter.reason

    still = replay(ledger, by="hr.li", stage="extract")
    assert [o.status for o in still.outcomes] == [STILL_FAILING]
    assert ledger.get_records([RECORD_ID]) == []

    (mappings / "successfactors" / "candidate.in.yaml").write_text(original, encoding="utf-8")
    fixed = replay(ledger, by="hr.li", stage="extract")
    assert [o.status for o in fixed.outcomes] == [REPLAYED]
    [record] = ledger.get_records([RECORD_ID])
    assert record.payload["name"] == "张三" and record.payload["raw"]["candidateId"] == 42
    assert ledger.dead_letters() == []
    assert replay(ledger, by="hr.li").outcomes == []
    assert len(list(ledger.iter_staged("candidate"))) == 1
    assert ledger.verify_audit().ok


def test_extract_letter_stays_open_with_the_new_reason(ledger: Ledger, mappings: Path) -> None:
    path = mappings / "successfactors" / "candidate.in.yaml"
    _break_candidate_mapping(mappings)
    extract_stream("successfactors", "Candidate", client=OnePageClient([RAW]), ledger=ledger)
    # A person "fixes" the mapping into another mistake: the letter says so now.
    text = path.read_text(encoding="utf-8").replace("from: lastModifiedStamp", "from: firstName")
    path.write_text(text, encoding="utf-8")

    summary = replay(ledger, by="hr.li")

    [outcome] = summary.outcomes
    assert outcome.status == STILL_FAILING
    assert "sf_date" in outcome.reason and "'三'" in outcome.reason
    [letter] = ledger.dead_letters()
    assert letter.reason == outcome.reason and letter.replayed_at is None
    assert summary.by_system()["successfactors"]["still_failing"] == 1


def test_cli_replay_json_and_exit_code(ledger: Ledger, mappings: Path) -> None:
    _dead_push(ledger)
    _break_candidate_mapping(mappings)
    extract_stream("successfactors", "Candidate", client=OnePageClient([RAW]), ledger=ledger)
    runner = CliRunner()

    result = runner.invoke(app, ["replay", "--json", "--by", "ops.wang"])

    assert result.exit_code == 1, result.output  # one still fails
    data = json.loads(result.stdout)
    assert data["systems"]["yonyou"]["replayed"] == 1
    assert data["systems"]["successfactors"]["still_failing"] == 1
    assert {e.actor for e in ledger.audit_entries()} == {"ops.wang"}
    unknown = runner.invoke(app, ["replay", "--id", "999"])
    assert unknown.exit_code == 2 and "no dead letter with id 999" in unknown.output
