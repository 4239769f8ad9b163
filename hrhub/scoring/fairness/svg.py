"""Horizontal bar charts as inline SVG text: no plotting library, no script, no external asset."""

from __future__ import annotations

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
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="chart" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-title">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<text x="0" y="18" class="chart-title">{escape(title)}</text>',
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
