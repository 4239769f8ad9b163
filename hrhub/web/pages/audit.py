"""The audit log for auditors: newest first, 50 a page (keyset on seq), filtered by action and
actor, under the result of verifying the hash chain (the first broken entry named in red).

Audit data holds ids, actions and reasons; a value under a personal field's key (a name, an
email...) and anything a dead letter's reason quotes of its record are masked for a role
without Permission.PERSONAL_DATA (hrhub.web.masking).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from hrhub.ledger import DeadLetter, Ledger
from hrhub.ledger.tables import AuditEntry, utcnow
from hrhub.models import CANONICAL_MODELS, personal_fields
from hrhub.web.app import viewer_who_can, web_of
from hrhub.web.auth import Viewer
from hrhub.web.masking import Masker, text_values
from hrhub.web.queries import MAX_ROW_ID
from hrhub.web.roles import Permission

router = APIRouter()
PAGE_SIZE = 50
# Keys whose values are personal data wherever they appear in audit data.
PERSONAL_KEYS = frozenset().union(*(personal_fields(m) for m in CANONICAL_MODELS.values()))
DEAD_LETTER_SUBJECT = "dead_letter:"
# Keys naming a record, a result or a write: shown whole, never scrubbed as free text.
ID_SUFFIXES = ("_id", "_key")


@dataclass(frozen=True)
class Row:
    """One entry as the page shows it."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    data: str


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    viewer: Viewer = Depends(viewer_who_can(Permission.VIEW_AUDIT_LOG)),
    action: str = Query("", max_length=128),
    actor: str = Query("", max_length=255),
    before: int | None = Query(None, ge=1, le=MAX_ROW_ID),
) -> HTMLResponse:
    web = web_of(request)
    ledger = web.ledger
    entries = newest_entries(ledger, action=action, actor=actor, before=before)
    shown = entries[:PAGE_SIZE]
    filters = {k: v for k, v in (("action", action), ("actor", actor)) if v}
    next_url = ""
    if len(entries) > PAGE_SIZE:
        next_url = "?" + urlencode({**filters, "before": shown[-1].seq})
    # Verifying walks the whole chain (about 0.1 ms an entry: 10 s for 100,000): the app's
    # slow cache checks it at most once a minute, and the page says when it was.
    chain, checked_at = web.slow_cache.get(
        ("chain", ledger.url), lambda: (ledger.verify_audit(), utcnow())
    )
    return web.render(
        request,
        viewer,
        "audit.html",
        rows=shown_rows(ledger, viewer, shown),
        chain=chain,
        checked_at=checked_at,
        actions=known_actions(ledger, action),
        action=action,
        actor=actor,
        paged=before is not None,
        next_url=next_url,
    )


def newest_entries(
    ledger: Ledger, *, action: str = "", actor: str = "", before: int | None = None
) -> list[AuditEntry]:
    """Up to PAGE_SIZE + 1 entries, newest first (the extra one says a next page exists)."""
    stmt = select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(PAGE_SIZE + 1)
    if action:
        stmt = stmt.where(col(AuditEntry.action) == action)
    if actor:
        stmt = stmt.where(col(AuditEntry.actor) == actor)
    if before is not None:
        stmt = stmt.where(col(AuditEntry.seq) < before)
    with Session(ledger.engine) as session:
        return list(session.exec(stmt))


def known_actions(ledger: Ledger, chosen: str) -> list[str]:
    """The actions the log holds (DISTINCT in the database), plus the one asked for."""
    with Session(ledger.engine) as session:
        found = set(session.exec(select(AuditEntry.action).distinct()))
    return sorted(found | ({chosen} if chosen else set()))


def shown_rows(ledger: Ledger, viewer: Viewer, entries: list[AuditEntry]) -> list[Row]:
    letters = _letter_payloads(ledger, (e.subject for e in entries))
    rows = []
    for entry in entries:
        data = entry.data or {}
        masker = Masker.for_viewer(viewer, _personal_values(data))
        shown = mask_data(data, masker, letters.get(entry.subject))
        rows.append(
            Row(
                seq=entry.seq,
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                subject=entry.subject,
                data=json.dumps(shown, ensure_ascii=False, sort_keys=True),
            )
        )
    return rows


def mask_data(value: Any, masker: Masker, payload: Any = None) -> Any:
    """Audit data as `masker` lets it show: personal keys' values masked, and free texts with
    what they may quote of the record (`payload`) and of those values masked."""
    if isinstance(value, Mapping):
        return {key: _masked_item(key, item, masker, payload) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_data(item, masker, payload) for item in value]
    if isinstance(value, str):
        return masker.text(value, payload=payload)
    return value


def _masked_item(key: str, item: Any, masker: Masker, payload: Any) -> Any:
    if key in PERSONAL_KEYS:
        return masker.payload(item)
    if key.endswith(ID_SUFFIXES) and isinstance(item, str):
        return item  # an id is what the audit follows; ids carry no personal value
    return mask_data(item, masker, payload)


def _personal_values(value: Any) -> set[str]:
    """The values under personal keys anywhere in `value` (scrubbed from its texts too)."""
    if isinstance(value, Mapping):
        found: set[str] = set()
        for key, item in value.items():
            found |= text_values(item) if key in PERSONAL_KEYS else _personal_values(item)
        return found
    if isinstance(value, list):
        return set().union(*(_personal_values(item) for item in value))
    return set()


def _letter_payloads(ledger: Ledger, subjects: Iterable[str]) -> dict[str, Any]:
    """subject -> the dead letter's record, for the replays on the page (one query)."""
    ids = {
        int(s.removeprefix(DEAD_LETTER_SUBJECT))
        for s in subjects
        if s.startswith(DEAD_LETTER_SUBJECT) and s.removeprefix(DEAD_LETTER_SUBJECT).isdigit()
    }
    if not ids:
        return {}
    # The letters themselves, not their payload column: loading one unseals a payload sealed
    # at rest (hrhub/ledger/sealed_rows.py), which the masks need to see.
    stmt = select(DeadLetter).where(col(DeadLetter.id).in_(sorted(ids)))
    with Session(ledger.engine) as session:
        letters = list(session.exec(stmt))
    return {f"{DEAD_LETTER_SUBJECT}{letter.id}": letter.payload for letter in letters}
