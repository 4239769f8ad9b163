"""Candidates: every application's stage, and one candidate's history from the ledger.

The list reads a page of 50 applications at a time (keyset on the canonical id), filtered in
SQL, and fetches the names and job titles of that page's rows only, so it answers as fast
over 100,000 applications as over thirty. The detail page assembles, in time order, what the
ledger knows of a candidate and their applications: when each was staged, the writes owed
and landed, dead letters, results held for review and the audit entries naming them.

A recruiter sees the applications of the requisitions they own (`scope_of`); a role without
Permission.PERSONAL_DATA sees personal values masked (hrhub.web.masking).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from hrhub.ledger import AuditEntry, DeadLetter, OutboxItem, Receipt, StagedRecord
from hrhub.ledger.tables import ReviewHold
from hrhub.models import Candidate, Stage, personal_fields
from hrhub.web.app import format_when, viewer_who_can, web_of
from hrhub.web.auth import Refused, Viewer
from hrhub.web.i18n import Translator, choose_language
from hrhub.web.masking import Masker, text_values
from hrhub.web.queries import Scope, payload_text, payload_values
from hrhub.web.roles import Permission
from hrhub.web.scope import scope_of

router = APIRouter()
PAGE_SIZE = 50
MAX_PARAM = 255
APPLICATION = "application"
CANDIDATE = "candidate"
JOB = "job"
RESULT = "interview_result"
STAGES = tuple(stage.value for stage in Stage)
# Kept for the bias audit only: no page shows them, whatever the role (a recruiter who saw
# them could weigh them).
BIAS_AUDIT_ONLY = frozenset({"demographics"})
# The candidate's personal fields in the model's order.
PERSONAL = tuple(name for name in Candidate.model_fields if name in personal_fields(Candidate))
# Same-time events read cause before effect: staged, owed, held, landed, dead letter, audit.
KIND_ORDER = {"staged": 0, "owed": 1, "held": 2, "landed": 3, "dead_letter": 4, "audit": 5}
_SUBJECT_TOKENS = re.compile(r"[\s/?&=]+")


# ------------------------------------------------------------------------------ the list


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; empty means no limit."""

    stage: str = ""
    job: str = ""
    q: str = ""
    after: str = ""

    def query(self, **changes: str) -> str:
        """The list's query string with these filters and `changes`, for links."""
        values = {"stage": self.stage, "job": self.job, "q": self.q, "after": self.after}
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})


@dataclass(frozen=True)
class ListRow:
    """One application as the list shows it (the name already masked for the viewer)."""

    application_id: str
    remote_id: str
    candidate_id: str | None
    name: str | None
    job_id: str | None
    job_title: str | None
    stage: str
    updated_at: datetime


def checked_filters(
    session: Session, viewer: Viewer, scope: Scope, stage: str, job: str, q: str, after: str
) -> Filters:
    """The filters, refused (400 naming the field, 403 for another's requisition) unless each
    is well-formed and in the viewer's scope."""
    for name, value in (("stage", stage), ("job", job), ("q", q), ("after", after)):
        if len(value) > MAX_PARAM:
            raise Refused(
                400, "bad_form", f"field {name}: longer than {MAX_PARAM}", actor=viewer.login
            )
    if stage and stage not in STAGES:
        raise Refused(
            400,
            "bad_form",
            f"field stage: {stage!r} is not a stage (known: {', '.join(STAGES)})",
            actor=viewer.login,
        )
    if job:
        found = session.get(StagedRecord, job)
        if found is None or found.entity != JOB:
            raise Refused(400, "bad_form", f"field job: no requisition {job!r}", actor=viewer.login)
        if not scope.allows_job(job):
            raise Refused(403, "not_your_requisition", f"requisition {job!r}", actor=viewer.login)
    return Filters(stage=stage, job=job, q=q.strip(), after=after)


def _filtered(stmt: Any, scope: Scope, filters: Filters) -> Any:
    """`stmt` limited to the applications the viewer may see and the filters ask for."""
    stmt = stmt.where(col(StagedRecord.entity) == APPLICATION)
    if scope.job_ids is not None:
        stmt = stmt.where(payload_text("job_id").in_(sorted(scope.job_ids)))
    if filters.stage:
        stmt = stmt.where(col(StagedRecord.stage) == filters.stage)
    if filters.job:
        stmt = stmt.where(payload_text("job_id") == filters.job)
    if filters.q:
        q = filters.q
        candidate = payload_text("candidate_id")
        stmt = stmt.where(
            or_(
                col(StagedRecord.canonical_id).startswith(q, autoescape=True),
                col(StagedRecord.remote_id).startswith(q, autoescape=True),
                candidate.startswith(q, autoescape=True),
                # the candidate's remote id: the part of its canonical id after ':candidate:'
                candidate.contains(f":{CANDIDATE}:{q}", autoescape=True),
            )
        )
    return stmt


def count_applications(session: Session, scope: Scope, filters: Filters) -> int:
    stmt = _filtered(select(func.count()).select_from(StagedRecord), scope, filters)
    return int(session.exec(stmt).one())


def application_page(
    session: Session, scope: Scope, filters: Filters, masker: Masker
) -> tuple[list[ListRow], bool]:
    """One page of applications after `filters.after`, and whether another page follows."""
    stmt = select(
        StagedRecord.canonical_id,
        StagedRecord.remote_id,
        StagedRecord.stage,
        StagedRecord.updated_at,
        payload_text("candidate_id"),
        payload_text("job_id"),
    )
    stmt = _filtered(stmt, scope, filters)
    if filters.after:
        stmt = stmt.where(col(StagedRecord.canonical_id) > filters.after)
    found = list(session.exec(stmt.order_by(col(StagedRecord.canonical_id)).limit(PAGE_SIZE + 1)))
    rows = found[:PAGE_SIZE]
    names = payload_values(session, "name", (r[4] for r in rows))
    titles = payload_values(session, "title", (r[5] for r in rows))
    return [
        ListRow(
            application_id=cid,
            remote_id=remote,
            candidate_id=candidate,
            name=masker.value(names[candidate]) if candidate in names else None,
            job_id=job,
            job_title=titles.get(job),
            stage=stage,
            updated_at=updated,
        )
        for cid, remote, stage, updated, candidate, job in rows
    ], len(found) > PAGE_SIZE


@router.get("/candidates", response_class=HTMLResponse)
def candidates_page(
    request: Request,
    stage: str = "",
    job: str = "",
    q: str = "",
    after: str = "",
    viewer: Viewer = Depends(viewer_who_can(Permission.VIEW_CANDIDATES)),
) -> HTMLResponse:
    web = web_of(request)
    scope = scope_of(request, viewer)
    masker = Masker.for_viewer(viewer)
    with Session(web.ledger.engine) as session:
        filters = checked_filters(session, viewer, scope, stage, job, q, after)
        rows, more = application_page(session, scope, filters, masker)
        # A recruiter's or a filtered count reads every application's payload: paging on,
        # or a second viewer of the same list, reuses it for the cache's few seconds.
        key = ("candidates.count", scope.key(), filters.stage, filters.job, filters.q)
        total = web.cache.get(key, lambda: count_applications(session, scope, filters))
    return web.render(
        request,
        viewer,
        "candidates.html",
        scope=scope,
        filters=filters,
        stages=STAGES,
        rows=rows,
        total=total,
        next_query=filters.query(after=rows[-1].application_id) if more else "",
        first_query=filters.query(after="") if filters.after else "",
        masked=not masker.reveal,
    )


# ---------------------------------------------------------------------------- the detail


@dataclass(frozen=True)
class Person:
    """A candidate and the applications of theirs the viewer may see."""

    candidate_id: str
    candidate: StagedRecord | None
    applications: list[StagedRecord]


@dataclass(frozen=True)
class Event:
    """One line of a candidate's history; values are already masked for the viewer."""

    at: datetime
    kind: str
    record_id: str
    details: tuple[tuple[str, str], ...]
    payload: str | None = None


def find_person(session: Session, asked: str, viewer: Viewer, scope: Scope) -> Person:
    """The candidate behind an application or candidate id; 404 for anything else, 403 for a
    recruiter asking for an application (or a candidate) of requisitions they do not own."""
    record = session.get(StagedRecord, asked)
    if record is None or record.entity not in (APPLICATION, CANDIDATE):
        raise Refused(
            404, "not_found", f"no candidate or application {asked!r}", actor=viewer.login
        )
    if record.entity == APPLICATION and not scope.allows_job(record.payload.get("job_id")):
        raise Refused(403, "not_your_requisition", f"application {asked!r}", actor=viewer.login)
    candidate_id = record.canonical_id
    if record.entity == APPLICATION:
        candidate_id = str(record.payload.get("candidate_id") or "")
    applications = [record] if record.entity == APPLICATION else []
    if candidate_id:
        stmt = (
            select(StagedRecord)
            .where(
                col(StagedRecord.entity) == APPLICATION,
                payload_text("candidate_id") == candidate_id,
            )
            .order_by(col(StagedRecord.canonical_id))
        )
        applications = list(session.exec(stmt))
    visible = [a for a in applications if scope.allows_job(a.payload.get("job_id"))]
    if not visible and not scope.everything:
        raise Refused(403, "not_your_requisition", f"candidate {asked!r}", actor=viewer.login)
    candidate = record if record.entity == CANDIDATE else session.get(StagedRecord, candidate_id)
    return Person(candidate_id, candidate, visible)


def personal_values(person: Person) -> set[str]:
    """Every personal value the ledger holds for the candidate (what a text may quote)."""
    payload = person.candidate.payload if person.candidate else {}
    return set().union(*(text_values(payload.get(name)) for name in PERSONAL))


def personal_rows(person: Person, masker: Masker, t: Translator) -> list[tuple[str, str]]:
    """(field, value as the viewer may see it) for each personal field of the candidate."""
    payload = person.candidate.payload if person.candidate else {}
    rows = []
    for name in PERSONAL:
        value = payload.get(name)
        if name in BIAS_AUDIT_ONLY:
            shown = t("candidates.bias_audit_only")
        elif value in (None, "", [], {}):
            shown = t("common.none")
        elif isinstance(value, list):
            shown = ", ".join(masker.value(v) for v in value)
        else:
            shown = masker.value(value)
        rows.append((name, shown))
    return rows


def result_ids(session: Session, person: Person, scope: Scope) -> set[str]:
    """The candidate's interview results (staged or held for review) of applications the
    viewer may see."""
    visible = {a.canonical_id for a in person.applications}
    staged = select(StagedRecord.canonical_id, payload_text("application_id")).where(
        col(StagedRecord.entity) == RESULT, payload_text("candidate_id") == person.candidate_id
    )
    held = select(ReviewHold.result_id, ReviewHold.result).where(
        col(ReviewHold.candidate_id) == person.candidate_id
    )
    found = dict(session.exec(staged).all())
    found.update((rid, (result or {}).get("application_id")) for rid, result in session.exec(held))
    return {rid for rid, app in found.items() if scope.everything or app in visible}


def history(
    session: Session, person: Person, results: set[str], masker: Masker, t: Translator
) -> list[Event]:
    """Everything the ledger knows of the candidate, their applications and results, oldest
    first."""
    ids = {person.candidate_id, *(a.canonical_id for a in person.applications), *results}
    letters = list(
        session.exec(select(DeadLetter).where(col(DeadLetter.record_id).in_(sorted(ids))))
    )
    events = [
        *_staged_events(session, person, results, t),
        *_outbox_events(session, ids, masker),
        *_receipt_events(session, ids),
        *_dead_letter_events(letters, masker, t),
        *_review_events(session, results, masker, t),
        *_audit_events(session, ids, results, letters, masker),
    ]
    return sorted(events, key=lambda e: (e.at, KIND_ORDER[e.kind], e.record_id))


def _staged_events(
    session: Session, person: Person, results: set[str], t: Translator
) -> list[Event]:
    staged = [*([person.candidate] if person.candidate else []), *person.applications]
    if results:
        stmt = select(StagedRecord).where(col(StagedRecord.canonical_id).in_(sorted(results)))
        staged += list(session.exec(stmt))
    return [
        Event(
            record.updated_at,
            "staged",
            record.canonical_id,
            (
                ("entity", record.entity),
                ("stage", record.stage),
                ("source_modified", format_when(record.modified_at, t)),
                ("batch", record.batch_id),
            ),
        )
        for record in staged
    ]


def _outbox_events(session: Session, ids: set[str], masker: Masker) -> list[Event]:
    stmt = select(OutboxItem).where(col(OutboxItem.canonical_id).in_(sorted(ids)))
    return [
        Event(
            item.created_at,
            "owed",
            item.canonical_id,
            (
                ("target", item.target_system),
                ("operation", item.entity),
                ("status", item.status),
                ("attempts", str(item.attempts)),
                ("last_error", masker.text(item.last_error, payload=item.payload) or "–"),
                ("mapping_version", item.mapping_version),
            ),
            _json(masker.payload(item.payload)),
        )
        for item in session.exec(stmt)
    ]


def _receipt_events(session: Session, ids: set[str]) -> list[Event]:
    stmt = select(Receipt).where(col(Receipt.canonical_id).in_(sorted(ids)))
    return [
        Event(
            receipt.written_at,
            "landed",
            receipt.canonical_id,
            (
                ("target", receipt.target_system),
                ("operation", receipt.entity),
                ("remote_id", receipt.remote_id),
                ("mapping_version", receipt.mapping_version),
            ),
        )
        for receipt in session.exec(stmt)
    ]


def _dead_letter_events(letters: list[DeadLetter], masker: Masker, t: Translator) -> list[Event]:
    return [
        Event(
            letter.created_at,
            "dead_letter",
            letter.record_id,
            (
                ("letter", str(letter.id)),
                ("system", letter.system),
                ("operation", letter.entity),
                ("reason", masker.text(letter.reason, payload=letter.payload)),
                ("field", letter.field or "–"),
                ("error_class", letter.error_class or "–"),
                (
                    "replayed",
                    format_when(letter.replayed_at, t)
                    if letter.replayed_at
                    else t("candidates.open"),
                ),
            ),
            _json(masker.payload(letter.payload)),
        )
        for letter in letters
    ]


def _review_events(
    session: Session, results: set[str], masker: Masker, t: Translator
) -> list[Event]:
    if not results:
        return []
    stmt = select(ReviewHold).where(col(ReviewHold.result_id).in_(sorted(results)))
    return [
        Event(
            hold.held_at,
            "held",
            hold.result_id,
            (
                ("proposed", hold.proposed_decision),
                ("reasons", masker.text("; ".join(hold.reasons))),
                ("status", hold.status),
                ("decided_by", hold.decided_by or "–"),
                ("decided_at", format_when(hold.decided_at, t) if hold.decided_at else "–"),
                ("decision_reason", masker.text(hold.decision_reason) or "–"),
                ("writes_held", str(len(hold.writes))),
            ),
        )
        for hold in session.exec(stmt)
    ]


def _audit_events(
    session: Session,
    ids: set[str],
    results: set[str],
    letters: list[DeadLetter],
    masker: Masker,
) -> list[Event]:
    """Audit entries whose subject names one of `ids` (alone, as `review:<result>`, or in a
    path), or one of the dead `letters` about them (`dead_letter:<id>`). Their data may quote
    a letter's payload (a replay keeps the previous reason), so that is masked too."""
    names = set(ids) | {f"review:{r}" for r in results}
    names |= {f"dead_letter:{letter.id}" for letter in letters}
    quoted = [letter.payload for letter in letters]
    # One scan for candidates, then an exact check: `...:5001` must not match `...:50010`.
    stmt = select(AuditEntry).where(
        or_(*(col(AuditEntry.subject).contains(n, autoescape=True) for n in sorted(names)))
    )
    found = [e for e in session.exec(stmt) if _names_any(e.subject, names)]
    return [
        Event(
            entry.at,
            "audit",
            entry.subject,
            (
                ("actor", entry.actor),
                ("action", entry.action),
                ("data", masker.text(_json_line(entry.data), payload=quoted)),
            ),
        )
        for entry in found
    ]


def _names_any(subject: str, names: set[str]) -> bool:
    return subject in names or any(token in names for token in _SUBJECT_TOKENS.split(subject))


def _json_line(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _json(payload: Any) -> str | None:
    if payload is None:
        return None
    return json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True)


@router.get("/candidates/{canonical_id:path}", response_class=HTMLResponse)
def candidate_page(
    request: Request,
    canonical_id: str,
    viewer: Viewer = Depends(viewer_who_can(Permission.VIEW_CANDIDATES)),
) -> HTMLResponse:
    web = web_of(request)
    scope = scope_of(request, viewer)
    t = Translator(choose_language(request))
    with Session(web.ledger.engine) as session:
        person = find_person(session, canonical_id, viewer, scope)
        masker = Masker.for_viewer(viewer, known=personal_values(person))
        results = result_ids(session, person, scope)
        events = history(session, person, results, masker, t)
        titles = payload_values(
            session, "title", (a.payload.get("job_id") for a in person.applications)
        )
    name = (person.candidate.payload.get("name") if person.candidate else None) or ""
    return web.render(
        request,
        viewer,
        "candidate.html",
        person=person,
        name=masker.value(name) if name else "",
        personal=personal_rows(person, masker, t),
        titles=titles,
        history=events,
        masked=not masker.reveal,
    )
