"""The run report HR admins read: where every candidate is, what each system got, what failed.

`flow_summary` turns the ledger's aggregate counts (SQL GROUP BY, so a run of 100,000
candidates is never loaded) into plain JSON values for `hrhub demo --json` and the report;
`write_html` renders it with the run's reconciliation (`hrhub.reconcile.reconcile`) as one
self-contained page: no script, no external asset, charts as inline SVG (hrhub.charts), every
label in Chinese and English, every text escaped. `render_sections` gives the same sections
without the page around them, for the Reports page of hrhub's web UI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from hrhub.charts import Bar, Series, StackedBar, bar_chart, count_ticks, stacked_bar_chart
from hrhub.ledger import Ledger, OutboxStatus
from hrhub.models import Application, Stage

APPLICATION = Application.entity
QUEUED = (OutboxStatus.PENDING.value, OutboxStatus.IN_FLIGHT.value)
MAX_REASON_BARS = 15

STAGE_LABELS = {
    Stage.EXTRACTED.value: "已抽取 / extracted",
    Stage.SCREENED.value: "已筛选 / screened",
    Stage.SHORTLISTED.value: "入围 / shortlisted",
    Stage.SCHEDULED.value: "已排期 / scheduled",
    Stage.INVITED.value: "已邀请 / invited",
    Stage.INTERVIEWED.value: "已面试 / interviewed",
    Stage.SCORED.value: "已评分 / scored",
    Stage.IN_REVIEW.value: "待复核 / in review",
    Stage.PUSHED.value: "已回写 / pushed",
    Stage.HIRED.value: "已录用 / hired",
    Stage.REJECTED.value: "未通过 / rejected",
    Stage.DEAD_LETTER.value: "死信 / dead letter",
}
REVIEW_LABELS = {
    "pending": "待复核 / pending",
    "approved": "已批准 / approved",
    "changed": "已修改 / changed",
    "rejected": "已驳回 / rejected",
}
WRITE_SERIES = (
    Series("已落地 / landed", "#2e7d32"),
    Series("死信 / dead letters", "#c62828"),
    Series("排队中 / queued", "#f9a825"),
)

# The page around the report file; the sections' own rules follow (hrhub's web page reuses
# SECTION_STYLE with the sections, inside its own page).
PAGE_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei",
       sans-serif; color: #222; max-width: 1000px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
"""
SECTION_STYLE = """table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; vertical-align: top; }
th.text, td.text { text-align: left; }
th { background: #f3f3f3; }
tr.flag td { background: #fde2e2; } td.reason { max-width: 36em; overflow-wrap: anywhere; }
.ok { color: #2e7d32; font-weight: bold; } .bad { color: #c62828; font-weight: bold; }
.muted { color: #757575; font-style: italic; }
dl.totals { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; }
dl.totals dt { font-weight: bold; } dl.totals dd { margin: 0; }
svg.chart { display: block; margin: 1em 0; font-size: 12px; }
svg .chart-title { font-weight: bold; font-size: 13px; }
svg .grid { stroke: #e0e0e0; } svg .tick { fill: #555; font-size: 11px; }
.note { color: #555; font-size: 0.9em; }
"""
STYLE = PAGE_STYLE + SECTION_STYLE


# --------------------------------------------------------------------------- summary


def flow_summary(ledger: Ledger) -> dict[str, Any]:
    """The run in counts, as plain JSON values (see the module docstring).

    Keys: `generated_at` (ISO UTC); `stages` (entity -> stage -> count; applications in flow
    order); `funnel` (every application stage in flow order, with its count, 0 included);
    `targets` (per system and operation: outbox items per status, receipts); `dead_letters`
    (open ones per system, entity and error class: count and one example reason);
    `reviews` (status -> count); `totals`.
    """
    counts = ledger.flow_counts()
    staged: dict[str, dict[str, int]] = counts["staged"]
    applications = staged.get(APPLICATION, {})
    order = [stage.value for stage in Stage]
    funnel_stages = order + sorted(set(applications) - set(order))
    targets = [
        {
            "system": system,
            "operation": operation,
            "outbox": dict(statuses),
            "receipts": counts["receipts"].get(system, {}).get(operation, 0),
        }
        for system, operations in counts["outbox"].items()
        for operation, statuses in operations.items()
    ]
    outbox_total = {s.value: sum(t["outbox"][s.value] for t in targets) for s in OutboxStatus}
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "stages": {
            entity: _in_flow_order(by_stage) if entity == APPLICATION else by_stage
            for entity, by_stage in staged.items()
        },
        "funnel": [{"stage": s, "count": applications.get(s, 0)} for s in funnel_stages],
        "targets": targets,
        "dead_letters": counts["dead_letters"],
        "reviews": counts["reviews"],
        "totals": {
            "staged": sum(sum(by_stage.values()) for by_stage in staged.values()),
            "applications": sum(applications.values()),
            "writes": sum(outbox_total.values()),
            "landed": sum(t["receipts"] for t in targets),
            "queued": sum(outbox_total[s] for s in QUEUED),
            "dead_writes": outbox_total[OutboxStatus.DEAD.value],
            "dead_letters_open": sum(g["count"] for g in counts["dead_letters"]),
            "reviews_pending": counts["reviews"].get("pending", 0),
        },
    }


def _in_flow_order(by_stage: Mapping[str, int]) -> dict[str, int]:
    order = {stage.value: i for i, stage in enumerate(Stage)}
    return dict(sorted(by_stage.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


# --------------------------------------------------------------------------- HTML


def write_html(summary: Mapping[str, Any], reconciliation: Mapping[str, Any], path: Path) -> Path:
    """Write the report page (UTF-8) to `path`, creating its folder; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(summary, reconciliation), encoding="utf-8")
    return path


def render_html(summary: Mapping[str, Any], reconciliation: Mapping[str, Any]) -> str:
    """The report as one string: totals, funnel, writes per target, dead letters, reviews and
    the reconciliation of sources and targets (`{"sources": [...], "targets": [...]}`)."""
    title = "候选人流程报告 / Candidate flow report"
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="note">生成于 / generated at {_text(summary.get("generated_at", ""))}</p>',
        render_sections(summary, reconciliation),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def render_sections(
    summary: Mapping[str, Any],
    reconciliation: Mapping[str, Any] | None,
    *,
    examples: bool = True,
) -> str:
    """The report's sections without the page around them, for the file and for hrhub's web
    page. `reconciliation` None leaves its section out (the page does not reconcile);
    `examples=False` leaves out the dead letters' example reasons, which can quote a
    record's values, so only counts remain."""
    sections = [
        _totals_section(summary, reconciliation or {}),
        _funnel_section(summary),
        _writes_section(summary),
        _dead_letter_section(summary, examples=examples),
        _review_section(summary),
    ]
    if reconciliation is not None:
        sections.append(_reconciliation_section(reconciliation))
    return "\n".join(sections)


def _totals_section(summary: Mapping[str, Any], reconciliation: Mapping[str, Any]) -> str:
    totals = summary.get("totals", {})
    items = [
        ("申请 / applications", _count(totals.get("applications", 0))),
        ("暂存记录 / staged records", _count(totals.get("staged", 0))),
        ("应写 / writes owed", _count(totals.get("writes", 0))),
        ("已落地 / landed", _count(totals.get("landed", 0))),
        ("排队中 / queued", _count(totals.get("queued", 0))),
        ("未处理死信 / open dead letters", _count(totals.get("dead_letters_open", 0))),
        ("待复核 / reviews pending", _count(totals.get("reviews_pending", 0))),
    ]
    if reconciliation:
        items.append(("丢失 / lost", _must_be_zero(_lost(reconciliation))))
        items.append(("重复 / duplicates", _must_be_zero(_duplicates(reconciliation))))
    if "missed" in reconciliation:  # the daily reconciliation's repairs
        items.append(
            ("增量漏读已补 / missed by incremental reads, staged", _count(reconciliation["missed"]))
        )
        items.append(
            ("目标缺失已重发 / gone from targets, re-sent", _count(reconciliation["repaired"]))
        )
    audit = summary.get("audit")
    if audit:  # the head to keep outside the ledger: `hrhub ledger verify --expect-head`
        state = "完整 / intact" if audit["ok"] else f"损坏 / BROKEN: {audit['problem']}"
        items.append(("审计日志 / audit log", escape(f"{state}, {audit['entries']:,} entries")))
        head = escape(audit["head"] or "-")
        items.append(("审计日志头 / audit log head", f"<code>{head}</code>"))
    rows = "".join(f"<dt>{escape(name)}</dt><dd>{value}</dd>" for name, value in items)
    return f'<section id="totals"><h2>总览 / Totals</h2><dl class="totals">{rows}</dl></section>'


def _funnel_section(summary: Mapping[str, Any]) -> str:
    funnel = summary.get("funnel", [])
    largest = max((step["count"] for step in funnel), default=0)
    top, ticks = count_ticks(largest)
    bars = [
        Bar(
            _stage_label(step["stage"]),
            step["count"],
            f"{step['count']:,}",
            flagged=step["stage"] == Stage.DEAD_LETTER.value and step["count"] > 0,
        )
        for step in funnel
    ]
    chart = bar_chart(
        "chart-funnel",
        "申请所处阶段 / applications by flow stage",
        bars,
        max_value=top,
        ticks=ticks,
    )
    others = [
        [_text(entity), _text(stage), _count(n)]
        for entity, by_stage in summary.get("stages", {}).items()
        if entity != APPLICATION
        for stage, n in by_stage.items()
    ]
    table = (
        _table(["实体 / entity", "阶段 / stage", "数量 / count"], others, text_columns=2)
        if others
        else ""
    )
    return (
        '<section id="funnel"><h2>申请漏斗 / Applications funnel</h2>'
        '<p class="note">每个申请当前所在的流程阶段 / the flow stage each application is at now.'
        f"</p>{chart}{table}</section>"
    )


def _writes_section(summary: Mapping[str, Any]) -> str:
    targets = summary.get("targets", [])
    if not targets:
        return (
            '<section id="writes"><h2>目标系统写入 / Writes per target</h2>'
            '<p class="muted">无写入 / no writes yet</p></section>'
        )
    bars = [
        StackedBar(
            f"{t['system']} · {t['operation']}",
            (t["receipts"], t["outbox"].get("dead", 0), sum(t["outbox"].get(s, 0) for s in QUEUED)),
        )
        for t in targets
    ]
    top, ticks = count_ticks(max(sum(b.values) for b in bars))
    chart = stacked_bar_chart(
        "chart-writes",
        "每个目标的写入 / writes per target and operation",
        WRITE_SERIES,
        bars,
        max_value=top,
        ticks=ticks,
    )
    head = ["系统 / system", "操作 / operation"]
    head += [f"{_status_label(s.value)}" for s in OutboxStatus] + ["回执 / receipts"]
    rows = [
        [_text(t["system"]), _text(t["operation"])]
        + [_count(t["outbox"].get(s.value, 0)) for s in OutboxStatus]
        + [_count(t["receipts"])]
        for t in targets
    ]
    return (
        '<section id="writes"><h2>目标系统写入 / Writes per target</h2>'
        f"{chart}{_table(head, rows, text_columns=2)}</section>"
    )


def _dead_letter_section(summary: Mapping[str, Any], *, examples: bool = True) -> str:
    groups = summary.get("dead_letters", [])
    heading = '<section id="dead-letters"><h2>死信原因 / Dead letters by reason</h2>'
    if not groups:
        return heading + '<p class="ok">无未处理死信 / no open dead letters</p></section>'
    shown = groups[:MAX_REASON_BARS]
    top, ticks = count_ticks(max(g["count"] for g in shown))
    bars = [Bar(_group_label(g), g["count"], f"{g['count']:,}", flagged=True) for g in shown]
    chart = bar_chart(
        "chart-dead-letters",
        "未处理死信 / open dead letters by system, entity and error",
        bars,
        max_value=top,
        ticks=ticks,
    )
    more = len(groups) - len(shown)
    note = (
        f'<p class="note">另有 {more} 组见下表 / {more} more groups in the table below.</p>'
        if more > 0
        else ""
    )
    head = ["系统 / system", "实体 / entity", "错误类型 / error", "数量 / count"]
    rows = [
        [
            _text(g["system"]),
            _text(g["entity"]),
            _text(g["error_class"] or "—"),
            _count(g["count"]),
        ]
        + ([_text(g["example"])] if examples else [])
        for g in groups
    ]
    if examples:
        head.append("示例 / example")
    table = _table(head, rows, text_columns=3, last_is_reason=examples)
    return f"{heading}{chart}{note}{table}</section>"


def _review_section(summary: Mapping[str, Any]) -> str:
    reviews = summary.get("reviews", {})
    rows = [[_text(REVIEW_LABELS.get(status, status)), _count(n)] for status, n in reviews.items()]
    return (
        '<section id="reviews"><h2>人工复核 / Human review</h2>'
        f"{_table(['状态 / status', '数量 / count'], rows, text_columns=1)}</section>"
    )


def _reconciliation_section(reconciliation: Mapping[str, Any]) -> str:
    heading = '<section id="reconciliation"><h2>对账 / Reconciliation</h2>'
    if not reconciliation:
        return heading + '<p class="muted">未对账 / not reconciled</p></section>'
    sources = reconciliation.get("sources", [])
    source_head = [
        "系统 / system",
        "数据流 / stream",
        "源记录 / source",
        "已暂存 / staged",
        "死信 / dead letters",
        "丢失 / lost",
    ]
    source_rows = [
        [
            _text(r["system"]),
            _text(r["stream"]),
            _count(r["source"]),
            _count(r["staged"]),
            _count(r["dead_letters"]),
            _must_be_zero(r["lost"]),
        ]
        for r in sources
    ]
    targets = reconciliation.get("targets", [])
    target_head = [
        "系统 / system",
        "操作 / operation",
        "应写 / writes owed",
        "已落地 / landed",
        "死信 / in dead letters",
        "待发 / pending",
        "重复 / duplicates",
        "丢失 / lost",
        "说明 / note",
    ]
    target_rows = [
        [
            _text(r["system"]),
            _text(r["operation"]),
            _count(r["owed"]),
            _count(r["landed"]),
            _count(r["dead_letters"]),
            _count(r["pending"]),
            _must_be_zero(r["duplicates"]),
            _must_be_zero(r["lost"]),
            _text(r.get("note") or ""),
        ]
        for r in targets
    ]
    flagged_sources = [i for i, r in enumerate(sources) if r["lost"]]
    flagged_targets = [i for i, r in enumerate(targets) if r["lost"] or r["duplicates"]]
    return (
        heading
        + "<h3>来源系统 / Source systems</h3>"
        + _table(source_head, source_rows, text_columns=2, flagged=flagged_sources)
        + "<h3>目标系统 / Target systems</h3>"
        + _table(
            target_head, target_rows, text_columns=2, flagged=flagged_targets, last_is_reason=True
        )
        + '<p class="note">丢失与重复必须为 0；“无法判断”表示该系统无法区分重复 / lost and '
        "duplicates must be 0; “cannot tell” means the system gives no way to tell duplicates."
        "</p></section>"
    )


# --------------------------------------------------------------------------- pieces


def _table(
    head: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    text_columns: int = 1,
    flagged: Sequence[int] = (),
    last_is_reason: bool = False,
) -> str:
    """A table of already escaped cells; the first `text_columns` columns are left aligned."""
    width = len(head)

    def cls(i: int) -> str:
        if last_is_reason and i == width - 1:
            return ' class="text reason"'
        return ' class="text"' if i < text_columns else ""

    parts = ["<table><thead><tr>"]
    parts += [f"<th{cls(i)}>{escape(name)}</th>" for i, name in enumerate(head)]
    parts.append("</tr></thead><tbody>")
    for n, row in enumerate(rows):
        parts.append('<tr class="flag">' if n in flagged else "<tr>")
        parts += [f"<td{cls(i)}>{cell}</td>" for i, cell in enumerate(row)]
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _text(value: Any) -> str:
    return escape(str(value))


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else _text(value)


def _must_be_zero(value: int | None) -> str:
    if value is None:
        return '<span class="muted">无法判断 / cannot tell</span>'
    return f'<span class="{"ok" if value == 0 else "bad"}">{value:,}</span>'


def _lost(reconciliation: Mapping[str, Any]) -> int:
    if "lost" in reconciliation:
        return int(reconciliation["lost"])
    rows = [*reconciliation.get("sources", []), *reconciliation.get("targets", [])]
    return sum(r["lost"] for r in rows)


def _duplicates(reconciliation: Mapping[str, Any]) -> int | None:
    if "duplicates" in reconciliation:
        return reconciliation["duplicates"]
    known = [r["duplicates"] for r in reconciliation.get("targets", [])]
    return sum(d for d in known if d is not None)


def _stage_label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage)


def _status_label(status: str) -> str:
    return {
        OutboxStatus.PENDING.value: "待发 / pending",
        OutboxStatus.IN_FLIGHT.value: "发送中 / in flight",
        OutboxStatus.DONE.value: "完成 / done",
        OutboxStatus.DEAD.value: "死信 / dead",
    }.get(status, status)


def _group_label(group: Mapping[str, Any]) -> str:
    return f"{group['system']} · {group['entity']} · {group['error_class'] or '—'}"
