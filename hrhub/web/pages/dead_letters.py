"""Dead letters: the records and writes that could not go on, with their reasons, and the
replay action (hrhub.flow.replay, the same replay `hrhub replay` runs, attributed to the
person who pressed the button).

The list reads open letters a page at a time (keyset on the letter id); a replay redirects
back with its outcome in the query (`done=12:replayed,13:still_failing`), and the page shows
each letter's current reason from the ledger, so the message cannot say more than the ledger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session, col, select

from hrhub.flow.replay import ALREADY_REPLAYED, REPLAYED, STILL_FAILING, ReplaySummary, replay
from hrhub.ledger import DeadLetter, Ledger
from hrhub.web.app import checked_form, viewer_who_can, web_of
from hrhub.web.auth import Refused, Viewer
from hrhub.web.masking import Masker
from hrhub.web.queries import MAX_ROW_ID
from hrhub.web.roles import Permission

router = APIRouter()
PAGE_SIZE = 50
OUTCOMES = (REPLAYED, STILL_FAILING, ALREADY_REPLAYED)
_DONE_ENTRY = re.compile(r"^(\d{1,18}):([a-z_]+)$")
_ID = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; empty means every system / entity."""

    system: str = ""
    entity: str = ""

    def query(self, **extra: object) -> str:
        """The list's query string with these filters (and `extra`), for links and redirects."""
        values = {"system": self.system, "entity": self.entity, **extra}
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


@dataclass(frozen=True)
class Flash:
    """One replay outcome shown after the redirect, with the letter as the ledger has it now."""

    letter_id: int
    status: str
    reason: str


def open_letters(ledger: Ledger, filters: Filters, after: int, limit: int) -> list[DeadLetter]:
    """Open letters with id > `after`, oldest first, at most `limit`."""
    stmt = (
        select(DeadLetter)
        .where(col(DeadLetter.replayed_at).is_(None), col(DeadLetter.id) > after)
        .order_by(col(DeadLetter.id))
        .limit(limit)
    )
    if filters.system:
        stmt = stmt.where(col(DeadLetter.system) == filters.system)
    if filters.entity:
        stmt = stmt.where(col(DeadLetter.entity) == filters.entity)
    with Session(ledger.engine) as session:
        return list(session.exec(stmt))


def filter_choices(ledger: Ledger) -> tuple[list[str], list[str]]:
    """The systems and entities that have open letters (the filter menus), from the database."""
    with Session(ledger.engine) as session:
        pairs = session.exec(
            select(DeadLetter.system, DeadLetter.entity)
            .where(col(DeadLetter.replayed_at).is_(None))
            .distinct()
        ).all()
    return sorted({s for s, _ in pairs}), sorted({e for _, e in pairs})


def parse_done(ledger: Ledger, done: str, masker: Masker) -> list[Flash]:
    """The outcomes a replay redirected with; entries that are not ours are ignored."""
    wanted: list[tuple[int, str]] = []
    for part in done.split(",")[:PAGE_SIZE]:
        match = _DONE_ENTRY.match(part.strip())
        if match and match.group(2) in OUTCOMES:
            wanted.append((int(match.group(1)), match.group(2)))
    if not wanted:
        return []
    with Session(ledger.engine) as session:
        letters = {
            letter.id: letter
            for letter in session.exec(
                select(DeadLetter).where(col(DeadLetter.id).in_([i for i, _ in wanted]))
            )
        }
    return [
        Flash(i, status, masker.text(letters[i].reason, payload=letters[i].payload))
        for i, status in wanted
        if i in letters
    ]


@router.get("/dead-letters", response_class=HTMLResponse)
def dead_letters_page(
    request: Request,
    viewer: Viewer = Depends(viewer_who_can(Permission.REPLAY)),
    system: str = Query("", max_length=64),
    entity: str = Query("", max_length=64),
    after: int = Query(0, ge=0, le=MAX_ROW_ID),
    done: str = Query("", max_length=2000),
) -> HTMLResponse:
    web = web_of(request)
    filters = Filters(system.strip(), entity.strip())
    letters = open_letters(web.ledger, filters, after, PAGE_SIZE + 1)
    more = len(letters) > PAGE_SIZE
    letters = letters[:PAGE_SIZE]
    systems, entities = filter_choices(web.ledger)
    # A reason may quote the refused value: masked (with the letter's payload) for a role
    # without personal data.
    masker = Masker.for_viewer(viewer)
    return web.render(
        request,
        viewer,
        "dead_letters.html",
        letters=letters,
        filters=filters,
        systems=systems,
        entities=entities,
        next_query=filters.query(after=letters[-1].id) if more else "",
        reasons={d.id: masker.text(d.reason, payload=d.payload) for d in letters},
        flashes=parse_done(web.ledger, done, masker),
    )


@router.post("/dead-letters/{letter_id}/replay")
def replay_letter(
    request: Request,
    letter_id: int,
    viewer: Viewer = Depends(viewer_who_can(Permission.REPLAY)),
    form: dict[str, str] = Depends(checked_form),
) -> RedirectResponse:
    """Replay one letter; an unknown one is 404, one replayed already 409 (nothing changes)."""
    summary = _replay(request, viewer, [letter_id])
    (outcome,) = summary.outcomes
    if outcome.status == ALREADY_REPLAYED:
        raise Refused(
            409,
            "already_replayed",
            f"dead letter {letter_id} was replayed already; nothing to do",
            actor=viewer.login,
        )
    return _back(request, form, summary)


@router.post("/dead-letters/replay")
def replay_shown(
    request: Request,
    viewer: Viewer = Depends(viewer_who_can(Permission.REPLAY)),
    form: dict[str, str] = Depends(checked_form),
) -> RedirectResponse:
    """Replay every letter the page showed (`ids`, comma-separated, at most one page)."""
    ids = _letter_ids(form.get("ids", ""), viewer)
    return _back(request, form, _replay(request, viewer, ids))


def _letter_ids(raw: str, viewer: Viewer) -> list[int]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    # ASCII digits, short enough for a ledger id: str.isdigit() also takes "²" and "١".
    if not parts or len(parts) > PAGE_SIZE or not all(_ID.fullmatch(p) for p in parts):
        raise Refused(
            400,
            "bad_form",
            f"field ids: 1 to {PAGE_SIZE} dead letter ids separated by commas, got {raw[:80]!r}",
            actor=viewer.login,
        )
    return [int(p) for p in parts]


def _replay(request: Request, viewer: Viewer, ids: list[int]) -> ReplaySummary:
    """The project's replay, by this viewer; unknown ids are refused before anything runs."""
    try:
        return replay(web_of(request).ledger, by=viewer.login, ids=ids)
    except KeyError as exc:
        raise Refused(404, "not_found", str(exc.args[0]), actor=viewer.login) from None


def _back(request: Request, form: dict[str, str], summary: ReplaySummary) -> RedirectResponse:
    """303 to the list as it was filtered, carrying the outcomes."""
    filters = Filters(form.get("system", "")[:64], form.get("entity", "")[:64])
    done = ",".join(f"{o.letter_id}:{o.status}" for o in summary.outcomes)
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/dead-letters?{filters.query(done=done)}", status_code=303)
