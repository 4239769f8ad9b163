"""The callables behind the DAGs' tasks: they open hooks and the ledger, then call the steps.

DAG files import only this module's functions, inside their tasks, so parsing a DAG costs no
import of connectors, pydantic models or the ledger.
"""

from __future__ import annotations

import logging
from typing import Any

from connectors._core.registry import get_connector
from hrhub.flow.extract import extract_stream, planned_streams
from hrhub.ledger import Ledger

log = logging.getLogger(__name__)

__all__ = ["extract", "plan_extract", "report"]


def plan_extract() -> list[dict[str, str]]:
    """The (system, stream) pairs this run extracts."""
    return planned_streams()


def extract(source: dict[str, str], conn_id: str | None = None) -> dict[str, Any]:
    """Extract one stream; returns counts and the batch id (ids stay in the ledger)."""
    spec = get_connector(source["system"])
    hook = spec.hook_class()(conn_id=conn_id)
    try:
        summary = extract_stream(
            source["system"], source["stream"], client=hook.get_conn(), ledger=Ledger.open()
        )
    finally:
        hook.close()
    result = summary.as_dict()
    log.info(
        "extract %s.%s: read %d, inserted %d, updated %d, skipped %d, dead letters %d",
        summary.system,
        summary.stream,
        summary.read,
        summary.inserted,
        summary.updated,
        summary.skipped,
        summary.dead_letters,
    )
    return result


def report(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-batch counts plus the ledger's state, logged for HR admins and returned for XCom."""
    totals = {
        key: sum(s[key] for s in summaries)
        for key in ("read", "inserted", "updated", "skipped", "dead_letters")
    }
    status = Ledger.open().status()
    log.info("batch totals %s; ledger %s", totals, status)
    return {"totals": totals, "streams": summaries, "ledger": status}
