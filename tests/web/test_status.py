"""The run status page: counts per stage, systems, open work and charts, per role's scope."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from hrhub.ledger import OutboxItem, Receipt
from hrhub.web.i18n import Translator
from hrhub.web.queries import (
    EVERYTHING,
    Scope,
    TTLCache,
    owned_jobs,
    payload_text,
    stage_counts,
    write_latency,
)
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


def test_viewers_asking_at_once_share_one_computation() -> None:
    cache = TTLCache(5.0)
    started, release = threading.Event(), threading.Event()
    calls = []

    def compute() -> int:
        calls.append(1)
        started.set()
        release.wait(5)
        return len(calls)

    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(cache.get, "k", compute)
        assert started.wait(5)
        others = [pool.submit(cache.get, "k", compute) for _ in range(7)]
        release.set()
        values = [first.result(5), *(f.result(5) for f in others)]
    assert values == [1] * 8
    assert len(calls) == 1


def test_expired_aggregates_are_shown_while_one_refresh_runs_behind() -> None:
    now = [0.0]
    behind: list = []
    cache = TTLCache(5.0, clock=lambda: now[0], max_stale=60.0, run_behind=behind.append)
    calls = []
    compute = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert cache.get("k", compute, refresh_behind=True) == 1  # nothing yet: computed here
    now[0] = 6.0
    assert cache.get("k", compute, refresh_behind=True) == 1  # expired: shown, refresh queued
    assert cache.get("k", compute, refresh_behind=True) == 1  # one refresh at a time
    assert len(behind) == 1 and len(calls) == 1
    behind.pop()()
    assert cache.get("k", compute, refresh_behind=True) == 2
    now[0] = 100.0  # older than max_stale: computed in the request
    assert cache.get("k", compute, refresh_behind=True) == 3
    assert behind == []


def test_a_failed_refresh_keeps_the_value_and_the_next_viewer_tries_again() -> None:
    now = [0.0]
    behind: list = []
    cache = TTLCache(5.0, clock=lambda: now[0], run_behind=behind.append)
    assert cache.get("k", lambda: "old", refresh_behind=True) == "old"
    now[0] = 6.0

    def broken() -> str:
        raise RuntimeError("database gone")

    assert cache.get("k", broken, refresh_behind=True) == "old"
    behind.pop()()  # logged, not raised
    assert cache.get("k", lambda: "new", refresh_behind=True) == "old"
    behind.pop()()
    assert cache.get("k", broken, refresh_behind=True) == "new"


def test_a_recruiters_counts_come_from_the_index_not_every_payload(world) -> None:
    scope = Scope(owned_jobs(world.ledger, "recruiter01"), owner_id="recruiter01")
    statements: list[tuple[str, Any]] = []

    def remember(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append((statement, parameters))

    event.listen(world.ledger.engine, "before_cursor_execute", remember)
    try:
        counts = stage_counts(world.ledger, scope)
    finally:
        event.remove(world.ledger.engine, "before_cursor_execute", remember)
    assert sum(counts.values()) == len(world.applications_of("recruiter01"))
    [(statement, parameters)] = [(s, p) for s, p in statements if "GROUP BY" in s]
    with world.ledger.engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        [index] = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_ledger_staged_entity_stage_job'"
        ).one()
    assert "ix_ledger_staged_entity_stage_job" in " ".join(str(row[-1]) for row in plan)
    # SQLite reads the job id from the index only when the query spells it as the index does.
    assert "json_extract(payload, '$.job_id')" in index
    assert "json_extract(ledger_staged_record.payload, '$.job_id') IN" in statement


def test_payload_fields_are_spelled_out_for_each_database() -> None:
    field = payload_text("job_id")
    assert str(field.compile(dialect=sqlite.dialect())) == (
        "json_extract(ledger_staged_record.payload, '$.job_id')"
    )
    assert str(field.compile(dialect=postgresql.dialect())) == (
        "(ledger_staged_record.payload ->> 'job_id')"
    )
    with pytest.raises(ValueError, match="not an identifier"):
        payload_text("job_id') OR 1=1 --")


def test_write_latency_is_owed_to_landed_per_system(world) -> None:
    written = {r.idempotency_key: r.written_at for r in _receipts(world)}
    with Session(world.ledger.engine) as session, session.begin():
        for n, (key, at) in enumerate(sorted(written.items()), start=1):
            item = session.get(OutboxItem, key)
            item.created_at = at - timedelta(seconds=10 * n)  # 10, 20, ... 60 s
    [row] = write_latency(world.ledger)
    assert (row.system, row.writes) == ("successfactors", 6)
    assert row.p50 == pytest.approx(30.0, abs=0.01)
    assert row.p95 == pytest.approx(60.0, abs=0.01)


def _receipts(world) -> list[Receipt]:
    with Session(world.ledger.engine) as session:
        return list(session.exec(select(Receipt)))
