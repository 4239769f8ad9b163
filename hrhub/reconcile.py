"""Reconcile the source systems with the hub: every record staged or in dead letters.

`lost` counts records the source holds that the hub has neither staged nor dead-lettered; the
guarantee of DESIGN.md ("a record either lands or sits in dead letters") means it must be 0.

The source side counts what the hub keys as one record. Usually that is a row
(`count_stream`); a simulator whose rows can repeat one record (the attendance system's punches,
recorded by two terminals or uploaded twice, staged as one event) says how many distinct
records it holds with `count_entities`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connectors._core.registry import get_connector
from hrhub.ledger import Ledger
from hrhub.sandbox import SandboxSystem


def reconcile_extract(
    systems: Iterable[SandboxSystem], ledger: Ledger | None = None
) -> list[dict[str, Any]]:
    """One row per (system, stream): source count, staged, dead letters, lost."""
    ledger = ledger or Ledger.open()
    rows = []
    for system in systems:
        for stream in get_connector(system.system).streams_for(system.flavor):
            count = getattr(system.server, "count_entities", system.server.count_stream)
            source = count(stream.name)
            staged = ledger.staged_remote_ids(system.system, stream.entity)
            # Dead letters are keyed by canonical id, "<system>:<entity>:<remote id>".
            dead = {
                record_id.split(":", 2)[-1]
                for record_id in ledger.open_dead_letter_ids(system.system, stream.entity)
            }
            rows.append(
                {
                    "system": system.system,
                    "stream": stream.name,
                    "source": source,
                    "staged": len(staged),
                    "dead_letters": len(dead - staged),
                    "lost": max(0, source - len(staged | dead)),
                }
            )
    return rows
