"""Results waiting for human review, and a person's decision on them.

The list is hrhub.flow.review's `pending_reviews`, narrowed to a recruiter's own requisitions;
the decision is `review.decide` (the same one `hrhub review decide` runs), attributed to the
person who submits the form. Nothing here re-implements what a decision does to the ledger.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session, col, select

from hrhub.flow.review import Review, ReviewDecision, decide, pending_reviews
from hrhub.ledger import Ledger, StagedRecord
from hrhub.ledger.tables import ReviewHold, ReviewStateError, ReviewStatus
from hrhub.models import Decision
from hrhub.web.app import checked_form, viewer_who_can, web_of
from hrhub.web.auth import Refused, Viewer
from hrhub.web.masking import Masker
from hrhub.web.queries import Scope, payload_text, payload_values
from hrhub.web.roles import Permission
from hrhub.web.scope import scope_of

router = APIRouter()
PAGE_SIZE = 50
REASON_MAX = 2000
QUOTE_MAX = 160


@dataclass(frozen=True)
class ReviewRow:
    """One waiting result as the list shows it: the candidate as this viewer may see them."""

    review: Review
    candidate: str


@dataclass(frozen=True)
class DecisionForm:
    """A decision form that passed every check `decide` needs from a person."""

    decision: ReviewDecision
    reason: str
    new_decision: str | None
    new_score: float | None


# --------------------------------------------------------------------------- reading


def candidate_label(masker: Masker, name: str | None, candidate_id: str) -> str:
    """The candidate's name as the viewer may see it (hrhub.web.masking); the canonical id
    when no name is staged."""
    return masker.value(name) if name else candidate_id


def candidate_names(ledger: Ledger, candidate_ids: list[str]) -> dict[str, str]:
    with Session(ledger.engine) as session:
        return payload_values(session, "name", candidate_ids)


def reviews_in_scope(ledger: Ledger, scope: Scope) -> set[str] | None:
    """Result ids of waiting reviews on the scope's requisitions (None: every one)."""
    if scope.job_ids is None:
        return None
    application = ReviewHold.result["application_id"].as_string()  # type: ignore[index]
    job = payload_text("job_id")
    stmt = (
        select(ReviewHold.result_id)
        .join(StagedRecord, col(StagedRecord.canonical_id) == application)
        .where(col(ReviewHold.status) == ReviewStatus.PENDING.value)
        .where(job.in_(sorted(scope.job_ids)))
    )
    with Session(ledger.engine) as session:
        return set(session.exec(stmt))


def job_of_result(ledger: Ledger, result: dict[str, Any]) -> str | None:
    application = result.get("application_id")
    if not isinstance(application, str):
        return None
    found = ledger.get_records([application])
    job = found[0].payload.get("job_id") if found else None
    return job if isinstance(job, str) else None


def hold_for(request: Request, viewer: Viewer, result_id: str) -> ReviewHold:
    """The review, refused as unknown (404) or not on the viewer's requisitions (403)."""
    ledger = web_of(request).ledger
    hold = ledger.review_hold(result_id)
    if hold is None:
        raise Refused(404, "not_found", f"no review of result {result_id!r}", actor=viewer.login)
    if not scope_of(request, viewer).allows_job(job_of_result(ledger, hold.result)):
        raise Refused(
            403,
            "not_your_requisition",
            f"result {result_id!r} is on a requisition {viewer.owner_id} does not own",
            actor=viewer.login,
        )
    return hold


def evidence_summary(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Per competency: score, weight, how many quotes back it, the first one, the features."""
    rows = []
    for item in result.get("competency_scores") or []:
        quotes = [e.get("quote", "") for e in item.get("evidence") or []]
        first = quotes[0] if quotes else ""
        rows.append(
            {
                "competency": item.get("competency"),
                "score": item.get("score"),
                "weight": item.get("weight"),
                "quotes": len(quotes),
                "first_quote": first if len(first) <= QUOTE_MAX else first[:QUOTE_MAX] + "…",
                "features": item.get("features") or {},
            }
        )
    return rows


@router.get("/reviews", response_class=HTMLResponse)
def reviews_page(
    request: Request,
    viewer: Viewer = Depends(viewer_who_can(Permission.VIEW_RESULTS)),
    page: int = Query(1, ge=1, le=100_000),
    decided: str = Query("", max_length=255),
) -> HTMLResponse:
    web = web_of(request)
    scope = scope_of(request, viewer)
    allowed = reviews_in_scope(web.ledger, scope)
    waiting = [r for r in pending_reviews(web.ledger) if allowed is None or r.result_id in allowed]
    shown = waiting[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    names = candidate_names(web.ledger, [r.candidate_id for r in shown])
    masker = Masker.for_viewer(viewer)
    rows = [
        ReviewRow(r, candidate_label(masker, names.get(r.candidate_id), r.candidate_id))
        for r in shown
    ]
    return web.render(
        request,
        viewer,
        "reviews.html",
        rows=rows,
        scope=scope,
        total=len(waiting),
        page=page,
        more=len(waiting) > page * PAGE_SIZE,
        flash=_decided_flash(request, viewer, decided),
    )


def _decided_flash(request: Request, viewer: Viewer, result_id: str) -> ReviewHold | None:
    """The review a decision redirected with, as the ledger has it, if the viewer may see it."""
    if not result_id:
        return None
    ledger = web_of(request).ledger
    hold = ledger.review_hold(result_id)
    if hold is None or hold.status == ReviewStatus.PENDING.value:
        return None
    if not scope_of(request, viewer).allows_job(job_of_result(ledger, hold.result)):
        return None
    return hold


@router.get("/reviews/{result_id}", response_class=HTMLResponse)
def review_page(
    request: Request,
    result_id: str,
    viewer: Viewer = Depends(viewer_who_can(Permission.VIEW_RESULTS)),
) -> HTMLResponse:
    web = web_of(request)
    hold = hold_for(request, viewer, result_id)
    names = candidate_names(web.ledger, [hold.candidate_id])
    return web.render(
        request,
        viewer,
        "review.html",
        hold=hold,
        result=hold.result,
        candidate=candidate_label(
            Masker.for_viewer(viewer), names.get(hold.candidate_id), hold.candidate_id
        ),
        competencies=evidence_summary(hold.result),
        pending=hold.status == ReviewStatus.PENDING.value,
        decisions=[d.value for d in ReviewDecision],
        new_decisions=[d.value for d in Decision],
    )


# --------------------------------------------------------------------------- deciding


def parse_decision(form: dict[str, str], viewer: Viewer) -> DecisionForm:
    """The form's decision, or a 400 naming the field that is wrong."""

    def bad(field: str, problem: str) -> Refused:
        return Refused(400, "bad_form", f"field {field}: {problem}", actor=viewer.login)

    raw = form.get("decision", "").strip()
    if raw not in {d.value for d in ReviewDecision}:
        raise bad("decision", f"must be approve, change or reject, got {raw[:40]!r}")
    choice = ReviewDecision(raw)
    reason = form.get("reason", "").strip()
    if not reason:
        raise bad("reason", "required: say why")
    if len(reason) > REASON_MAX:
        raise bad("reason", f"at most {REASON_MAX} characters")
    new_decision = form.get("new_decision", "").strip() or None
    raw_score = form.get("new_score", "").strip()
    if choice is not ReviewDecision.CHANGE:
        if new_decision or raw_score:
            field = "new_decision" if new_decision else "new_score"
            raise bad(field, f"goes with 'change' only, not with {choice.value!r}")
        return DecisionForm(choice, reason, None, None)
    if new_decision not in {d.value for d in Decision}:
        raise bad("new_decision", f"'change' needs pass, hold or reject, got {new_decision!r}")
    return DecisionForm(choice, reason, new_decision, _score(raw_score, bad))


def _score(raw: str, bad: Callable[[str, str], Refused]) -> float | None:
    if not raw:
        return None
    try:
        score = float(raw)
    except ValueError:
        raise bad("new_score", f"not a number: {raw[:40]!r}") from None
    if not math.isfinite(score) or not 0 <= score <= 100:
        raise bad("new_score", f"must be 0-100, got {raw[:40]!r}")
    return score


@router.post("/reviews/{result_id}")
def decide_review(
    request: Request,
    result_id: str,
    viewer: Viewer = Depends(viewer_who_can(Permission.REVIEW_RESULTS)),
    form: dict[str, str] = Depends(checked_form),
) -> RedirectResponse:
    """Every check first (role, form, the review exists and is the viewer's); then decide."""
    chosen = parse_decision(form, viewer)
    hold_for(request, viewer, result_id)
    try:
        decide(
            web_of(request).ledger,
            result_id,
            decision=chosen.decision,
            by=viewer.login,
            reason=chosen.reason,
            new_decision=chosen.new_decision,
            new_score=chosen.new_score,
        )
    except ReviewStateError as exc:
        if exc.problem == "no such review":
            raise Refused(404, "not_found", str(exc), actor=viewer.login) from None
        raise Refused(409, "already_decided", str(exc), actor=viewer.login) from None
    except ValueError as exc:
        raise Refused(400, "bad_form", str(exc), actor=viewer.login) from None
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/reviews?decided={quote(result_id, safe='')}", status_code=303)
