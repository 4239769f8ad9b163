"""Horizontal bar charts as inline SVG text: no plotting library, no script, no external asset.

Shared by every report the hub writes (the bias audit, the flow report), so a chart reads
the same wherever an HR admin or an auditor meets it. Every text is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 760
LABEL_WIDTH = 230
PLOT_WIDTH = 380
ROW_HEIGHT = 24
TOP = 34
BOTTOM = 34
LABEL_CHARS = 30
BAR_COLOUR = "#4c78a8"
FLAG_COLOUR = "#c62828"
MUTED_COLOUR = "#757575"


@dataclass(frozen=True)
class Bar:
    """One row: a label, a value (None: no bar, `text` says why) and the text after it."""

    label: str
    value: float | None
    text: str
    flagged: bool = False


def bar_chart(
    chart_id: str,
    title: str,
    bars: Sequence[Bar],
    *,
    max_value: float,
    ticks: Sequence[tuple[float, str]],
    reference: tuple[float, str] | None = None,
) -> str:
    """An SVG document fragment: one bar per row, ticks along the bottom, an optional line."""
    height = TOP + ROW_HEIGHT * max(len(bars), 1) + BOTTOM
    plot_bottom = height - BOTTOM

    def x(value: float) -> float:
        return LABEL_WIDTH + PLOT_WIDTH * min(max(value / max_value, 0.0), 1.0)

    parts = [
        _open(chart_id, title, height),
    ]
    for value, label in ticks:
        parts.append(
            f'<line x1="{x(value):.1f}" y1="{TOP - 4}" x2="{x(value):.1f}" y2="{plot_bottom}" '
            'class="grid" stroke="#e0e0e0" />'
        )
        parts.append(
            f'<text x="{x(value):.1f}" y="{plot_bottom + 16}" text-anchor="middle" '
            f'class="tick" fill="#555">{escape(label)}</text>'
        )
    for row, bar in enumerate(bars):
        parts.append(_row(bar, TOP + row * ROW_HEIGHT, x))
    if reference is not None:
        value, label = reference
        parts.append(
            f'<line x1="{x(value):.1f}" y1="{TOP - 8}" x2="{x(value):.1f}" y2="{plot_bottom}" '
            f'class="reference" stroke="{FLAG_COLOUR}" stroke-dasharray="5 3" stroke-width="2" />'
        )
        parts.append(
            f'<text x="{x(value) + 4:.1f}" y="{TOP - 10}" class="reference-label" '
            f'fill="{FLAG_COLOUR}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _open(chart_id: str, title: str, height: float) -> str:
    """The <svg> element and its title (an accessible name and the heading drawn on top)."""
    cid = escape(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{cid}" class="chart" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{cid}-title">\n'
        f'<title id="{cid}-title">{escape(title)}</title>\n'
        f'<text x="0" y="18" class="chart-title">{escape(title)}</text>'
    )


def _row(bar: Bar, top: float, x) -> str:
    middle = top + ROW_HEIGHT / 2 + 4
    label = bar.label if len(bar.label) <= LABEL_CHARS else bar.label[: LABEL_CHARS - 1] + "…"
    colour = FLAG_COLOUR if bar.flagged else BAR_COLOUR
    cls = "bar flagged" if bar.flagged else "bar"
    items = [
        f'<g class="{cls}"><title>{escape(bar.label)}: {escape(bar.text)}</title>',
        f'<text x="{LABEL_WIDTH - 8}" y="{middle:.1f}" text-anchor="end">{escape(label)}</text>',
    ]
    if bar.value is None:
        items.append(
            f'<text x="{LABEL_WIDTH + 4}" y="{middle:.1f}" fill="{MUTED_COLOUR}" '
            f'font-style="italic">{escape(bar.text)}</text>'
        )
    else:
        end = x(bar.value)
        items.append(
            f'<rect x="{LABEL_WIDTH}" y="{top + 4:.1f}" width="{end - LABEL_WIDTH:.1f}" '
            f'height="{ROW_HEIGHT - 8}" fill="{colour}" />'
        )
        items.append(
            f'<text x="{end + 6:.1f}" y="{middle:.1f}" fill="{colour if bar.flagged else "#222"}">'
            f"{escape(bar.text)}</text>"
        )
    items.append("</g>")
    return "".join(items)


@dataclass(frozen=True)
class Series:
    """One part of a stacked bar (e.g. "landed"), drawn in its own colour and named in the
    legend."""

    name: str
    colour: str


@dataclass(frozen=True)
class StackedBar:
    """One row of a stacked chart: a label and one value per series, in the series' order."""

    label: str
    values: Sequence[float]


def text_width(text: str) -> float:
    """About how wide `text` draws at the charts' font size: a Chinese character takes about
    twice a Latin one's width (legends are laid out by it)."""
    return sum(13.0 if ord(char) >= 0x2E80 else 7.0 for char in text)


def count_ticks(largest: float, steps: int = 4) -> tuple[float, list[tuple[float, str]]]:
    """A round axis maximum at or above `largest` and its evenly spaced integer ticks, for
    charts of counts (0 -> an axis of 0..1, so an empty run still draws)."""
    if largest <= 0:
        return 1.0, [(0.0, "0"), (1.0, "1")]
    raw = largest / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    step = max(1.0, math.ceil(step))
    top = step * math.ceil(largest / step)
    count = round(top / step)
    return top, [(i * step, f"{i * step:,.0f}") for i in range(count + 1)]


def stacked_bar_chart(
    chart_id: str,
    title: str,
    series: Sequence[Series],
    bars: Sequence[StackedBar],
    *,
    max_value: float,
    ticks: Sequence[tuple[float, str]],
) -> str:
    """An SVG fragment: one bar per row made of one segment per series, a legend on top."""
    top = TOP + ROW_HEIGHT  # a row for the legend
    height = top + ROW_HEIGHT * max(len(bars), 1) + BOTTOM
    plot_bottom = height - BOTTOM

    def width(value: float) -> float:
        return PLOT_WIDTH * min(max(value / max_value, 0.0), 1.0)

    parts = [_open(chart_id, title, height)]
    x = float(LABEL_WIDTH)
    for item in series:
        parts.append(
            f'<g class="legend"><rect x="{x:.1f}" y="{TOP - 2}" width="12" height="12" '
            f'fill="{item.colour}" /><text x="{x + 16:.1f}" y="{TOP + 8}">'
            f"{escape(item.name)}</text></g>"
        )
        x += 24 + text_width(item.name)
    for value, label in ticks:
        at = LABEL_WIDTH + width(value)
        parts.append(
            f'<line x1="{at:.1f}" y1="{top - 4}" x2="{at:.1f}" y2="{plot_bottom}" '
            'class="grid" stroke="#e0e0e0" />'
        )
        parts.append(
            f'<text x="{at:.1f}" y="{plot_bottom + 16}" text-anchor="middle" '
            f'class="tick" fill="#555">{escape(label)}</text>'
        )
    for row, bar in enumerate(bars):
        parts.append(_stacked_row(bar, series, top + row * ROW_HEIGHT, width))
    parts.append("</svg>")
    return "\n".join(parts)


def _stacked_row(bar: StackedBar, series: Sequence[Series], top: float, width) -> str:
    middle = top + ROW_HEIGHT / 2 + 4
    label = bar.label if len(bar.label) <= LABEL_CHARS else bar.label[: LABEL_CHARS - 1] + "…"
    detail = ", ".join(f"{s.name} {v:,.0f}" for s, v in zip(series, bar.values, strict=True))
    items = [
        f'<g class="bar"><title>{escape(bar.label)}: {escape(detail)}</title>',
        f'<text x="{LABEL_WIDTH - 8}" y="{middle:.1f}" text-anchor="end">{escape(label)}</text>',
    ]
    x = float(LABEL_WIDTH)
    for item, value in zip(series, bar.values, strict=True):
        if value <= 0:
            continue
        w = width(value)
        items.append(
            f'<rect class="segment" x="{x:.1f}" y="{top + 4:.1f}" width="{w:.1f}" '
            f'height="{ROW_HEIGHT - 8}" fill="{item.colour}" />'
        )
        x += w
    total = sum(bar.values)
    items.append(f'<text x="{x + 6:.1f}" y="{middle:.1f}" fill="#222">{total:,.0f}</text>')
    items.append("</g>")
    return "".join(items)
