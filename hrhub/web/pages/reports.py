"""Reports: the batch report (the flow report's sections, counts only) and the bias audit.

The batch report is `flow_summary` (GROUP BY in the database) rendered by the flow report's
own sections, without the dead letters' example reasons, which can quote a record's values.
The bias audit is `hrhub.scoring.fairness.audit` over the ledger's scored interview results
and the candidates' self-reported demographics, read in one SQL join of a few columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from hrhub.flow.flow_report import SECTION_STYLE, flow_summary, render_sections
from hrhub.ledger import Ledger, StagedRecord
from hrhub.ledger.tables import utcnow
from hrhub.models import Candidate, Decision, InterviewResult
from hrhub.scoring.fairness import AuditRow, BiasAudit, audit
from hrhub.scoring.fairness.records import category
from hrhub.scoring.fairness.report import charts
from hrhub.web.app import viewer_who_can, web_of
from hrhub.web.auth import Viewer
from hrhub.web.roles import Permission

router = APIRouter()
# Keys of `Candidate.demographics` the audit reads, first one present wins.
SEX_KEYS = ("sex", "gender")
ETHNICITY_KEYS = ("ethnicity", "race")
DATA_SOURCE = "hrhub ledger: scored interview results"


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request, viewer: Viewer = Depends(viewer_who_can(Permission.VIEW_REPORTS))
) -> HTMLResponse:
    web = web_of(request)
    ledger = web.ledger
    # Shared by every viewer for the app cache's few seconds (the page says "as of").
    summary = web.cache.get("reports.summary", lambda: flow_summary(ledger))
    return web.render(
        request,
        viewer,
        "reports.html",
        generated_at=dt.datetime.fromisoformat(summary["generated_at"]),
        sections=render_sections(summary, None, examples=False),
        section_style=SECTION_STYLE,
    )


@router.get("/reports/bias", response_class=HTMLResponse)
def bias_page(
    request: Request, viewer: Viewer = Depends(viewer_who_can(Permission.VIEW_BIAS_REPORT))
) -> HTMLResponse:
    web = web_of(request)
    ledger = web.ledger
    # The audit reads every scored result (about 5 s for 100,000 of them): the app's slow cache
    # computes it at most once a minute, and the page says when it was.
    view = web.slow_cache.get(("bias", ledger.url), lambda: bias_view(ledger))
    return web.render(request, viewer, "bias.html", **view)


# --------------------------------------------------------------------------- bias audit


@dataclass(frozen=True)
class BiasInput:
    """The audit's rows from the ledger, and what was left out of them."""

    rows: list[AuditRow]
    unscored: int
    first_scored: str | None
    last_scored: str | None

    @property
    def period(self) -> str | None:
        if self.first_scored is None:
            return None
        return f"{self.first_scored[:10]} – {(self.last_scored or self.first_scored)[:10]}"


def bias_input(ledger: Ledger) -> BiasInput:
    """One row per staged interview result with a score: the candidate's self-reported sex
    and ethnicity (unknown when absent), selected when the scoring decided pass.

    Results with no score (an interview that could not be scored) are counted, not audited:
    the audit compares scores, and such a result has none."""
    result = aliased(StagedRecord, name="result")
    person = aliased(StagedRecord, name="person")
    payload = result.payload
    demographics = [
        person.payload[("demographics", key)].as_string()  # type: ignore[index]
        for key in SEX_KEYS + ETHNICITY_KEYS
    ]
    stmt = (
        select(
            result.canonical_id,
            payload["decision"].as_string(),  # type: ignore[index]
            payload["overall_score"].as_string(),  # type: ignore[index]
            payload["scored_at"].as_string(),  # type: ignore[index]
            *demographics,
        )
        .select_from(result)
        .outerjoin(
            person,
            (col(person.canonical_id) == payload["candidate_id"].as_string())  # type: ignore[index]
            & (col(person.entity) == Candidate.entity),
        )
        .where(col(result.entity) == InterviewResult.entity)
        .order_by(col(result.canonical_id))
    )
    rows: list[AuditRow] = []
    unscored = 0
    times: list[str] = []
    known: dict[str | None, str | None] = {}  # the few distinct answers, normalised once
    with Session(ledger.engine) as session:
        for result_id, decision, score, scored_at, *groups in session.exec(stmt):
            if score is None:
                unscored += 1
                continue
            sexes, ethnicities = groups[: len(SEX_KEYS)], groups[len(SEX_KEYS) :]
            rows.append(
                AuditRow(
                    candidate_id=result_id,
                    sex=_first_known(sexes, known),
                    ethnicity=_first_known(ethnicities, known),
                    selected=decision == Decision.PASS.value,
                    score=float(score),
                )
            )
            if scored_at:
                times.append(scored_at)
    return BiasInput(rows, unscored, min(times, default=None), max(times, default=None))


def _first_known(values: list[str | None], known: dict[str | None, str | None]) -> str | None:
    """The first stated answer (`category`: blank or "unknown" is none), memoised in `known`."""
    for value in values:
        if value not in known:
            known[value] = category(value)
        if known[value] is not None:
            return known[value]
    return None


def bias_view(ledger: Ledger) -> dict[str, Any]:
    """What bias.html shows: the audit (None when there is nothing to audit) and its charts."""
    found = bias_input(ledger)
    computed_at = utcnow()
    if not found.rows:
        return {
            "audit": None,
            "found": found,
            "comparable": False,
            "charts": {},
            "computed_at": computed_at,
        }
    report = audit(
        found.rows,
        audit_date=dt.date.today(),
        data_source=DATA_SOURCE,
        data_period=found.period,
    )
    return {
        "audit": report,
        "found": found,
        "comparable": comparable(report),
        "flagged_groups": len({(flag.table, flag.category) for flag in report.flags}),
        "charts": {table.key: charts(report, table) for table in report.tables},
        "computed_at": computed_at,
    }


def comparable(report: BiasAudit) -> bool:
    """Whether any dimension has two groups large enough to be compared."""
    return any(
        sum(not figures.excluded for figures in table.categories) >= 2 for table in report.tables
    )
