"""Run status: applications per stage, each system's last sync, lag, errors and writes
waiting, dead letters and reviews waiting, and charts of throughput and write latency."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from hrhub.charts import Bar, Series, StackedBar, bar_chart, count_ticks, stacked_bar_chart
from hrhub.ledger import Ledger
from hrhub.web.app import format_stage, viewer_who_can, web_of
from hrhub.web.auth import Viewer
from hrhub.web.i18n import Translator, choose_language
from hrhub.web.queries import (
    Scope,
    open_counts,
    stage_counts,
    system_rows,
    throughput,
    write_latency,
)
from hrhub.web.roles import Permission
from hrhub.web.scope import scope_of

router = APIRouter()


@router.get("/status", response_class=HTMLResponse)
def status_page(
    request: Request, viewer: Viewer = Depends(viewer_who_can(Permission.VIEW_STATUS))
) -> HTMLResponse:
    web = web_of(request)
    scope = scope_of(request, viewer)
    t = Translator(choose_language(request))
    ledger = web.ledger
    # Once computed, a scope's aggregates are refreshed behind the viewers: the page after
    # they expire shows them while one refresh runs, so no viewer waits for the queries.
    data = web.cache.get(
        ("status", scope.key()), lambda: status_aggregates(ledger, scope), refresh_behind=True
    )
    return web.render(
        request,
        viewer,
        "status.html",
        scope=scope,
        stages=data["stages"],
        systems=data["systems"],
        open=data["open"],
        stage_chart=_stage_chart(t, data["stages"]),
        throughput_chart=_throughput_chart(t, data["hours"]) if data["hours"] else "",
        latency_chart=_latency_chart(t, data["latency"]) if data["latency"] else "",
    )


def status_aggregates(ledger: Ledger, scope: Scope) -> dict[str, Any]:
    """What the page shows of `scope`, counted by the database: applications per stage, and
    for every requisition also systems, open work, throughput and write latency."""
    everything = scope.everything
    return {
        "stages": stage_counts(ledger, scope),
        "systems": system_rows(ledger) if everything else [],
        "open": open_counts(ledger) if everything else {},
        "hours": throughput(ledger) if everything else [],
        "latency": write_latency(ledger) if everything else [],
    }


def _stage_chart(t: Translator, stages: dict[str, int]) -> str:
    top, ticks = count_ticks(max(stages.values(), default=0))
    bars = [Bar(format_stage(stage, t), n, f"{n:,}") for stage, n in stages.items() if n]
    return bar_chart("stages", t("status.stages"), bars, max_value=top, ticks=ticks)


def _throughput_chart(t: Translator, hours: list) -> str:
    series = [
        Series(t("status.chart_staged"), "#4c78a8"),
        Series(t("status.chart_landed"), "#59a14f"),
    ]
    bars = [StackedBar(h.hour.strftime("%m-%d %H:00 UTC"), (h.staged, h.landed)) for h in hours]
    top, ticks = count_ticks(max((h.staged + h.landed for h in hours), default=0))
    return stacked_bar_chart(
        "throughput", t("status.chart_throughput"), series, bars, max_value=top, ticks=ticks
    )


def _latency_chart(t: Translator, latency: list) -> str:
    largest = max((row.p95 for row in latency), default=0.0)
    top, ticks = count_ticks(largest)
    bars = [
        Bar(
            f"{row.system} p95", row.p95, f"{row.p95:,.1f} s (p50 {row.p50:,.1f} s, {row.writes:,})"
        )
        for row in latency
    ]
    return bar_chart("latency", t("status.chart_latency"), bars, max_value=top, ticks=ticks)
