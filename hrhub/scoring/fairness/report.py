"""The audit as one self-contained HTML page: summary, LL144 fields, SVG charts and tables.

No external asset and no script: the page can be mailed, archived or published as it is.
"""

from __future__ import annotations

from html import escape

from hrhub.charts import Bar, bar_chart
from hrhub.scoring.fairness.impact import BiasAudit, CategoryFigures, CategoryTable
from hrhub.scoring.fairness.summary import plain_summary

RATE_TICKS = [(v / 100, f"{v}%") for v in (0, 25, 50, 75, 100)]
RATIO_TICKS = [(v, f"{v:g}") for v in (0, 0.2, 0.4, 0.6, 0.8, 1.0)]

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei",
       sans-serif; color: #222; max-width: 980px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
tr.flag td { background: #fde2e2; } tr.excluded td { color: #757575; font-style: italic; }
.flag-mark { color: #c62828; font-weight: bold; }
dl.fields { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; }
dl.fields dt { font-weight: bold; } dl.fields dd { margin: 0; }
.summary li { margin: 0.3em 0; } .flags { border-left: 4px solid #c62828; padding-left: 1em; }
svg.chart { display: block; margin: 1em 0; font-size: 12px; }
svg .chart-title { font-weight: bold; font-size: 13px; }
svg .grid { stroke: #e0e0e0; } svg .tick { fill: #555; font-size: 11px; }
.note { color: #555; font-size: 0.9em; }
"""


def render_html(audit: BiasAudit) -> str:
    """The whole report as a string (UTF-8 when written)."""
    title = f"Bias audit of {audit.tool_name} {audit.tool_version} ({audit.audit_date})"
    body = [
        f"<h1>{escape(title)}</h1>",
        _summary_section(audit),
        _fields_section(audit),
    ]
    body += [_table_section(audit, table) for table in audit.tables]
    body.append(_method_section(audit))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def charts(audit: BiasAudit, table: CategoryTable) -> list[str]:
    """The SVG charts of one table: rates and impact ratios, selection then scoring."""
    measures = [("selection", "Selection rate")]
    if audit.has_scores:
        measures.append(("scoring", "Scoring rate (share above the median score)"))
    svgs = []
    for measure, name in measures:
        rate_bars = [_rate_bar(c, measure) for c in table.categories]
        ratio_bars = [_ratio_bar(c, measure, audit.min_share) for c in table.categories]
        svgs.append(
            bar_chart(
                f"chart-{table.key}-{measure}-rate",
                f"{name} by {table.dimension}",
                rate_bars,
                max_value=1.0,
                ticks=RATE_TICKS,
            )
        )
        svgs.append(
            bar_chart(
                f"chart-{table.key}-{measure}-impact",
                f"Impact ratio ({measure}) by {table.dimension}",
                ratio_bars,
                max_value=1.0,
                ticks=RATIO_TICKS,
                reference=(audit.threshold, f"{audit.threshold:g} (four-fifths rule)"),
            )
        )
    return svgs


def _rate_bar(figures: CategoryFigures, measure: str) -> Bar:
    if measure == "selection":
        rate, hits = figures.selection_rate, figures.selected
    else:
        rate, hits = figures.scoring_rate or 0.0, figures.above_median or 0
    return Bar(
        label=figures.label,
        value=rate,
        text=f"{rate:.1%} ({hits}/{figures.count})",
        flagged=measure in figures.flags,
    )


def _ratio_bar(figures: CategoryFigures, measure: str, min_share: float) -> Bar:
    ratio = (
        figures.selection_impact_ratio if measure == "selection" else figures.scoring_impact_ratio
    )
    if figures.excluded:
        return Bar(figures.label, None, f"excluded: under {min_share:.0%} of the sample")
    if ratio is None:
        return Bar(figures.label, None, "not computed: no category has a rate above 0")
    flagged = measure in figures.flags
    return Bar(
        figures.label, ratio, f"{ratio:.2f}" + (" below threshold" if flagged else ""), flagged
    )


def _summary_section(audit: BiasAudit) -> str:
    items = "".join(f"<li>{escape(line)}</li>" for line in plain_summary(audit))
    flags = ""
    if audit.flags:
        rows = "".join(
            f'<li><span class="flag-mark">{escape(f.category)}</span> ({escape(f.table)}, '
            f"{escape(f.measure)}): impact ratio {f.impact_ratio:.2f}</li>"
            for f in audit.flags
        )
        flags = f'<div class="flags"><h3>Flagged categories</h3><ul>{rows}</ul></div>'
    return f'<h2>Summary</h2>\n<ul class="summary">{items}</ul>\n{flags}'


def _fields_section(audit: BiasAudit) -> str:
    unknown = ", ".join(f"{t.dimension}: {t.unknown}" for t in audit.tables)
    measure = "selection and scoring rates" if audit.has_scores else "selection rates"
    fields = [
        ("Audit date", audit.audit_date),
        ("Tool", f"{audit.tool_name} {audit.tool_version}"),
        ("Distribution date of the tool", audit.distribution_date),
        ("Source of the data", audit.data_source),
        ("Period of the data", audit.data_period),
        ("Candidates assessed", str(audit.n_assessed)),
        ("In the unknown category", unknown),
        ("Rates and impact ratios", f"{measure} for all categories, in the tables below"),
    ]
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in fields)
    return f'<h2>Published summary fields (NYC Local Law 144)</h2>\n<dl class="fields">{rows}</dl>'


def _table_section(audit: BiasAudit, table: CategoryTable) -> str:
    heading = f"By {table.dimension}"
    reference = f"highest selection rate: {table.highest_selection or 'none'}"
    if audit.has_scores:
        reference += f"; highest scoring rate: {table.highest_scoring or 'none'}"
    note = (
        f'<p class="note">{table.unknown} candidates with an unknown {table.dimension} are left '
        f"out of this table. Impact ratios compare with the {escape(reference)}.</p>"
    )
    return "\n".join(
        [f"<h2>{escape(heading)}</h2>", note, *charts(audit, table), _html_table(audit, table)]
    )


def _html_table(audit: BiasAudit, table: CategoryTable) -> str:
    columns = ["Category", "Count", "Share", "Selected", "Selection rate", "Impact ratio"]
    if audit.has_scores:
        columns += ["Above median", "Scoring rate", "Impact ratio (scoring)"]
    columns.append("Flag")
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    rows = []
    for c in table.categories:
        cells = [
            escape(c.label),
            str(c.count),
            f"{c.share:.1%}",
            str(c.selected),
            f"{c.selection_rate:.1%}",
            _ratio_text(c.selection_impact_ratio, c.excluded),
        ]
        if audit.has_scores:
            cells += [
                str(c.above_median),
                f"{c.scoring_rate:.1%}",
                _ratio_text(c.scoring_impact_ratio, c.excluded),
            ]
        cells.append(_flag_text(c, audit))
        cls = ' class="flag"' if c.flags else (' class="excluded"' if c.excluded else "")
        rows.append(f"<tr{cls}>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _ratio_text(ratio: float | None, excluded: bool) -> str:
    if excluded:
        return "excluded"
    return "n/a" if ratio is None else f"{ratio:.2f}"


def _flag_text(figures: CategoryFigures, audit: BiasAudit) -> str:
    if figures.flags:
        measures = " and ".join(figures.flags)
        return f'<span class="flag-mark">below {audit.threshold:g} ({escape(measures)})</span>'
    if figures.excluded:
        return escape(f"under {audit.min_share:.0%} of the sample")
    return ""


def _method_section(audit: BiasAudit) -> str:
    items = [
        "Selection rate: the share of a category that was selected.",
        "Impact ratio: a category's rate divided by the highest rate among the compared "
        "categories (the table names it).",
        f"Flag: an impact ratio below {audit.threshold:g} (the four-fifths rule).",
        f"Categories under {audit.min_share:.0%} of the sample are shown but left out of the "
        "impact-ratio comparison, as 6 RCNY §5-301 allows.",
        "Candidates whose sex or ethnicity is unknown count in the total and are left out of "
        "the tables where it is unknown.",
    ]
    if audit.has_scores:
        items.insert(
            1,
            f"Scoring rate: the share of a category scoring above the median score of the whole "
            f"sample ({audit.median_score:g}); a score equal to the median is not above it.",
        )
    lis = "".join(f"<li>{escape(item)}</li>" for item in items)
    return f"<h2>How the figures are computed</h2>\n<ul>{lis}</ul>"
