"""The callables behind the DAGs' tasks: they open hooks and the ledger, then call the steps.

DAG files import only this module's functions, inside their tasks, so parsing a DAG costs no
import of connectors, pydantic models or the ledger.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from airflow.sdk import BaseHook

from connectors._core.registry import get_connector, registry
from hrhub.flow.extract import extract_stream, planned_streams
from hrhub.flow.lineage import OperationRecorder, emit_extract_lineage, emit_push_lineage
from hrhub.flow.onboard import CHECKIN_OPERATIONS, first_week_checkins
from hrhub.flow.push import push
from hrhub.flow.score import RESULT_OPERATIONS
from hrhub.flow.score import score_interviews as score_step
from hrhub.ledger import Ledger

log = logging.getLogger(__name__)

__all__ = [
    "extract",
    "plan_extract",
    "push_writes",
    "queue_first_week_checkins",
    "report",
    "score_interviews",
]


def plan_extract() -> list[dict[str, str]]:
    """The (system, stream) pairs this run extracts; a system serving several products (Yonyou
    NC or YonBIP) offers the streams of the product its connection names."""
    return planned_streams(flavors=connection_flavors())


def connection_flavors() -> dict[str, str | None]:
    """The `flavor` extra of each multi-product system's default connection (None if unset)."""
    flavors: dict[str, str | None] = {}
    for name, spec in registry().items():
        if spec.default_flavor is None:
            continue
        try:
            extra = BaseHook.get_connection(spec.default_conn_id).extra_dejson
        except Exception as exc:  # no connection yet: its extract task will say so clearly
            log.warning("%s: cannot read connection %s (%s)", name, spec.default_conn_id, exc)
            extra = {}
        flavors[name] = extra.get("flavor") or None
    return flavors


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
        # Pages staged before a failure were mapped too: their lineage is reported either way.
        emit_extract_lineage(source["system"], source["stream"])
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


def queue_first_week_checkins(day: str, days: int = 7) -> dict[str, Any]:
    """Queue new hires' first-week check-ins for the eHR (`day`: the run's date, YYYY-MM-DD)."""
    spec = get_connector("yonyou")
    flavor = connection_flavors().get("yonyou") or spec.default_flavor
    operation = CHECKIN_OPERATIONS.get(flavor or "")
    if operation is None:
        log.warning(
            "yonyou (%s): hrhub has no check-in operation for this product; skipped", flavor
        )
        return {"target_system": "yonyou", "operation": None, "skipped": flavor}
    summary = first_week_checkins(
        ledger=Ledger.open(), today=date.fromisoformat(day), operation=operation, days=days
    )
    log.info("first-week check-ins: %s", summary.as_dict())
    return summary.as_dict()


def push_writes(system: str, conn_id: str | None = None) -> dict[str, Any]:
    """Send what the outbox owes `system` and settle each record (receipt or dead letter)."""
    hook = get_connector(system).hook_class()(conn_id=conn_id)
    sent = OperationRecorder()
    try:
        summary = push(system, client=sent.wrap(hook.get_conn()), ledger=Ledger.open())
    finally:
        hook.close()
        emit_push_lineage(system, sent.operations)  # what was written, even if a call failed
    log.info("push %s: %s", system, summary.as_dict())
    return summary.as_dict()


def score_interviews(conn_id: str | None = None, batch_size: int = 200) -> dict[str, Any]:
    """Score the analysed interviews not scored yet, with recordings from the interview room
    (`conn_id`: its connection, default the connector's); returns counts and `push_to`, the
    systems that take interview results and have a connection, for the push tasks."""
    hook = get_connector("interview_room").hook_class()(conn_id=conn_id)
    try:
        client = hook.get_conn()
        summary = score_step(
            Ledger.open(),
            recordings=lambda session_id: client.download_recording(session_id),
            batch_size=batch_size,
            flavors=connection_flavors(),
        )
    finally:
        hook.close()
    result = summary.as_dict()
    result["push_to"] = sorted(set(summary.queued_by_target) | _result_targets_connected())
    log.info(
        "score: scored %d, held for review %d, queued writes %d, dead letters %d, skipped %d; "
        "audio analysed %d, audio errors %d; push to %s",
        summary.scored,
        summary.held_for_review,
        summary.queued_writes,
        summary.dead_letters,
        summary.skipped,
        summary.audio_analysed,
        summary.audio_errors,
        result["push_to"] or "none",
    )
    return result


def _result_targets_connected() -> set[str]:
    """Systems that take interview results and whose default connection exists, so writes a
    reviewer released since the last run are pushed too."""
    connected = set()
    for system in sorted({system for system, _ in RESULT_OPERATIONS}):
        try:
            BaseHook.get_connection(get_connector(system).default_conn_id)
        except Exception:  # no connection: nothing of ours can be pushed there anyway
            continue
        connected.add(system)
    return connected
