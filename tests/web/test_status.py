"""The run status page: counts per stage, systems, open work and charts, per role's scope."""

from __future__ import annotations

import re

from hrhub.web.i18n import Translator
from hrhub.web.queries import EVERYTHING, TTLCache, stage_counts
from tests.web.conftest import as_user


def stage_cells(html: str) -> dict[str, int]:
    rows = re.findall(r'data-stage="([a-z_]+)".*?class="num">([\d,]+)<', html)
    return {stage: int(n.replace(",", "")) for stage, n in rows}


def test_hr_admin_sees_every_application_per_stage(client, world) -> None:
    html = as_user(client, "hr").get("/status?lang=en").text
    cells = stage_cells(html)
    assert sum(cells.values()) == len(world.applications)
    assert cells == stage_counts(world.ledger, EVERYTHING)
    assert cells["in_review"] == 4


def test_a_recruiter_sees_only_their_requisitions(client, world) -> None:
    html = as_user(client, "rec").get("/status?lang=en").text
    assert sum(stage_cells(html).values()) == len(world.applications_of("recruiter01")) == 20
    assert 'id="scope"' in html
    # Counts across the hub (other recruiters' errors and reviews) are not theirs to see.
    assert 'id="systems"' not in html and 'id="dead-letters-open"' not in html
    html2 = as_user(client, "rec2").get("/status?lang=en").text
    assert sum(stage_cells(html2).values()) == 10


def test_systems_show_last_sync_errors_and_writes_waiting(client, world) -> None:
    html = as_user(client, "hr").get("/status?lang=en").text
    row = re.search(r'<tr data-system="successfactors">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[1].strip() != Translator("en")("status.never")  # the cursor moved
    assert [c.strip() for c in cells[3:5]] == ["1", "4"]  # 1 open dead letter, 4 writes waiting
    yonyou = re.search(r'<tr data-system="yonyou">(.*?)</tr>', html, re.S).group(1)
    assert Translator("en")("status.never") in yonyou  # never extracted from
    assert re.search(r'id="dead-letters-open"><div class="n">2<', html)
    assert re.search(r'id="reviews-pending"><div class="n">2<', html)


def test_charts_of_stages_throughput_and_latency_are_drawn(client) -> None:
    html = as_user(client, "hr").get("/status?lang=zh").text
    for chart in ("stages", "throughput", "latency"):
        assert re.search(rf'<svg[^>]*id="{chart}"', html), chart
    assert Translator("zh")("status.chart_latency") in html


def test_viewers_share_aggregates_for_a_few_seconds() -> None:
    now = [0.0]
    cache = TTLCache(5.0, clock=lambda: now[0])
    calls = []
    compute = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert cache.get("k", compute) == 1
    now[0] = 4.9
    assert cache.get("k", compute) == 1
    now[0] = 5.1
    assert cache.get("k", compute) == 2
