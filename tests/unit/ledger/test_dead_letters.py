"""Dead letters: parked with a reason, listed while open, closed by replay."""

from __future__ import annotations

import pytest

from hrhub.ledger import Ledger, Letter


def test_dead_letter_lifecycle(ledger: Ledger) -> None:
    letter = ledger.dead_letter(
        "yonyou",
        "candidate",
        "yy:cand:7",
        "candidate yy:cand:7: field 'gender': unknown enum value 'X'",
        {"gender": "X"},
        field="gender",
        error_class="DataContractError",
    )
    assert letter.id is not None
    assert (letter.replayed_at, letter.replay_count) == (None, 0)
    assert letter.created_at.tzinfo is not None
    [open_letter] = ledger.dead_letters()
    assert open_letter.reason.startswith("candidate yy:cand:7")
    assert open_letter.payload == {"gender": "X"}

    replayed = ledger.mark_replayed(letter.id)
    assert replayed.replay_count == 1
    assert replayed.replayed_at is not None
    assert ledger.dead_letters() == []
    assert [d.id for d in ledger.dead_letters(open_only=False)] == [letter.id]
    assert ledger.mark_replayed(letter.id).replay_count == 2


def test_unserialisable_payload_is_still_parked(ledger: Ledger) -> None:
    letter = ledger.dead_letter("sf", "resume", "sf:res:1", "broken resume", {"raw": b"\xff"})
    assert letter.payload == {"unserialisable": "{'raw': b'\\xff'}"}
    assert letter.field is None


def test_unknown_dead_letter_is_reported(ledger: Ledger) -> None:
    with pytest.raises(KeyError, match="no dead letter with id 12345"):
        ledger.mark_replayed(12345)


def test_dead_letter_many_parks_each_record_in_order(ledger: Ledger) -> None:
    letters = [
        Letter("hrhub", "screening_result", f"sf:app:{n}", f"application sf:app:{n}: bad", {"n": n})
        for n in range(3)
    ]
    letters.append(Letter("hrhub", "screening_result", "sf:app:x", "why", {1j: 2}, "resume", "E"))
    parked = ledger.dead_letter_many(letters)
    assert [p.record_id for p in parked] == ["sf:app:0", "sf:app:1", "sf:app:2", "sf:app:x"]
    assert all(p.id is not None for p in parked)
    stored = ledger.dead_letters()
    assert [(s.record_id, s.reason) for s in stored] == [(p.record_id, p.reason) for p in parked]
    assert (stored[3].field, stored[3].error_class) == ("resume", "E")
    assert "unserialisable" in stored[3].payload  # a bad payload never blocks its own letter
    assert ledger.dead_letter_many([]) == []
