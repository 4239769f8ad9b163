"""Builders shared by the ledger tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hrhub.ledger import StageInput

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def rec(
    canonical_id: str = "sf:cand:1",
    *,
    minutes: int = 0,
    payload: dict | None = None,
    entity: str = "candidate",
) -> StageInput:
    """A staged-record input modified `minutes` after T0."""
    return StageInput(
        canonical_id=canonical_id,
        entity=entity,
        source_system="successfactors",
        remote_id=canonical_id.rsplit(":", 1)[-1],
        modified_at=T0 + timedelta(minutes=minutes),
        payload=payload if payload is not None else {"name": "Li Wei"},
    )
