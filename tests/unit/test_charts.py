"""hrhub.charts: the shared inline-SVG charts of the bias report and the flow report."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from hrhub.charts import Bar, Series, StackedBar, bar_chart, count_ticks, stacked_bar_chart

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("largest", "top", "labels"),
    [
        (0, 1.0, ["0", "1"]),
        (3, 3.0, ["0", "1", "2", "3"]),
        (7, 8.0, ["0", "2", "4", "6", "8"]),
        (13, 15.0, ["0", "5", "10", "15"]),
        (100_000, 100_000.0, ["0", "25,000", "50,000", "75,000", "100,000"]),
    ],
)
def test_count_ticks_are_round_integers_reaching_the_largest(
    largest: int, top: float, labels: list[str]
) -> None:
    got_top, ticks = count_ticks(largest)
    assert got_top == top and got_top >= largest
    assert [label for _, label in ticks] == labels


def test_stacked_chart_is_well_formed_svg_with_one_segment_per_nonzero_value() -> None:
    series = (Series("landed <ok>", "#2e7d32"), Series("dead & gone", "#c62828"))
    bars = [StackedBar("dingtalk · work_notification", (3, 1)), StackedBar("empty", (0, 0))]
    top, ticks = count_ticks(4)
    svg = stacked_bar_chart("chart-<x>", "Writes <b>", series, bars, max_value=top, ticks=ticks)
    root = ElementTree.fromstring(svg)  # escaped text keeps it well-formed XML
    assert root.get("id") == "chart-<x>"
    segments = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "segment"]
    assert [s.get("fill") for s in segments] == ["#2e7d32", "#c62828"]
    widths = [float(s.get("width") or 0) for s in segments]
    assert widths[0] == pytest.approx(3 * widths[1])
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "landed <ok>" in texts and "dead & gone" in texts and "Writes <b>" in texts


def test_bar_chart_escapes_labels_and_ids() -> None:
    svg = bar_chart('c"1', "t", [Bar("<script>", 1.0, "1 & 2")], max_value=1.0, ticks=[(0.0, "0")])
    assert "<script>" not in svg
    assert ElementTree.fromstring(svg).get("id") == 'c"1'
