"""candidate_flow through real Airflow (`airflow dags test`) against the simulators on loopback.

The simulators run in this test process; Airflow runs as a subprocess with `AIRFLOW_CONN_*`
variables pointing at them and HRHUB_DATABASE_URL at a temporary ledger, as in `make demo`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hrhub.airflow_env import airflow_env, run_airflow
from hrhub.ledger import Ledger
from hrhub.reconcile import reconcile_extract, reconcile_targets
from hrhub.sandbox import connection_env, sandbox

pytestmark = pytest.mark.airflow


def run_flow(airflow_home: Path, systems: list, ledger_url: str) -> str:
    env = airflow_env(
        {**connection_env(systems), "HRHUB_DATABASE_URL": ledger_url}, home=airflow_home
    )
    return run_airflow("dags", "test", "candidate_flow", env=env, timeout=600).stdout


def test_flow_extracts_incrementally_reconciles_and_the_nightly_job_repairs_drift(
    airflow_home: Path, ledger_url: str, tmp_path: Path
) -> None:
    with sandbox() as systems:
        attendance = next(s for s in systems if s.system == "attendance")
        ledger = Ledger.open(ledger_url)

        run_flow(airflow_home, systems, ledger_url)
        orders_after_first_run = owed_orders(ledger)
        assert orders_after_first_run == invited_interviews(ledger) > 0
        # One event per distinct punch: a punch recorded by two terminals, or uploaded twice,
        # is several rows and one event.
        source = attendance.server.count_entities("transactions")
        assert source < attendance.server.count_stream("transactions")
        # DingTalk punches are attendance events too: count the attendance system's own.
        assert len(ledger.staged_remote_ids("attendance", "attendance_event")) == source
        watermark = ledger.get_watermark("attendance", "transactions")
        newest_upload = max(
            row["upload_time"] for row in attendance.server.tables["transactions"].values()
        )
        assert watermark == newest_upload

        # A late punch (uploaded now) and a broken one (no employee code) arrive between runs.
        attendance.server.add_punch("1001", "2026-11-20 09:01:00")
        broken = attendance.server.add_punch("", "2026-11-20 09:02:00")
        run_flow(airflow_home, systems, ledger_url)

        assert len(ledger.staged_remote_ids("attendance", "attendance_event")) == source + 1
        assert ledger.get_watermark("attendance", "transactions") > watermark
        # Screening letters unreadable resumes; this test is about the attendance extract.
        dead = [d for d in ledger.dead_letters() if d.system == "attendance"]
        assert len(dead) == 1
        assert str(broken["id"]) in dead[0].record_id
        assert "person_code" in dead[0].reason and "emp_code" in dead[0].reason

        rows = reconcile_extract(systems, ledger)
        attendance_rows = [r for r in rows if r["system"] == "attendance"]
        assert attendance_rows == [
            {
                "system": "attendance",
                "stream": "transactions",
                "source": source + 2,
                "staged": source + 1,
                "dead_letters": 1,
                "erased": 0,
                "lost": 0,
            }
        ]
        # Every other registered source was extracted completely as well.
        others = [r for r in rows if r["system"] != "attendance"]
        assert {r["system"] for r in others} == {
            "dingtalk",
            "interview_room",
            "successfactors",
            "yonyou",
        }
        for row in others:
            assert (row["staged"], row["lost"]) == (row["source"], 0), row

        # The second run booked only what the first left for it (a candidate shortlisted for
        # two jobs gets the second interview then): one order per invited interview, ever, and
        # every write of both runs landed exactly once.
        assert owed_orders(ledger) == invited_interviews(ledger) >= orders_after_first_run
        targets = reconcile_targets(systems, ledger)
        assert sum(r["owed"] for r in targets) > 0
        for row in targets:
            assert (row["lost"], row["pending"], row["duplicates"] or 0) == (0, 0, 0), row

        check_daily_reconciliation(systems, ledger, airflow_home, ledger_url, tmp_path / "out")


def owed_orders(ledger: Ledger) -> int:
    return len(ledger.outbox_items("interview_room", "create_orders"))


def invited_interviews(ledger: Ledger) -> int:
    return sum(r.stage == "invited" for r in ledger.iter_staged("interview"))


def check_daily_reconciliation(
    systems: list, ledger: Ledger, airflow_home: Path, ledger_url: str, reports: Path
) -> None:
    """After the flow's runs, a person deletes an interview record in SuccessFactors and an
    order in the room, and a terminal uploads a punch stamped before the watermark (the
    incremental read cannot see it). The nightly DAG must stage the punch, re-create both
    records once, and write a report that says so. (Called by the test above, on its world:
    a second flow run of its own would double this file's time.)"""
    by_name = {s.system: s for s in systems}
    sf, room = by_name["successfactors"].server, by_name["interview_room"].server
    attendance = by_name["attendance"].server

    ours = [r for r in sf.rows("JobApplicationInterview") if is_hub(r.get("source"))]
    ordered = {i.canonical_id for i in ledger.outbox_items("interview_room", "create_orders")}
    orders = room.rows("orders")
    ours_in_room = [o for o in orders if o["external_id"] in ordered]  # not the room's seed
    assert ours and ours_in_room
    sf.delete("JobApplicationInterview", ours[0]["applicationInterviewId"])
    room.delete_order(ours_in_room[0]["id"])
    late = attendance.add_punch("1001", "2026-11-02 08:58:00", upload_time="2026-11-02 09:00:00")
    late_id = f"{late['emp_code']}|{late['punch_time']}|{late['punch_state']}"
    assert late_id not in ledger.staged_remote_ids("attendance", "attendance_event")

    env = airflow_env(
        {
            **connection_env(systems),
            "HRHUB_DATABASE_URL": ledger_url,
            "HRHUB_REPORTS_DIR": str(reports),
        },
        home=airflow_home,
    )
    run_airflow("dags", "test", "daily_reconciliation", "2026-11-30", env=env, timeout=600)

    assert late_id in ledger.staged_remote_ids("attendance", "attendance_event")
    back = [r["source"] for r in sf.rows("JobApplicationInterview") if is_hub(r.get("source"))]
    assert sorted(back) == sorted(r["source"] for r in ours)
    external = [o["external_id"] for o in room.rows("orders")]
    assert sorted(external) == sorted(o["external_id"] for o in orders)
    reopened = [e for e in ledger.audit_entries() if e.action == "write.reopened"]
    assert sorted(e.data["operation"] for e in reopened) == [
        "application_interview",
        "create_orders",
    ]
    for row in reconcile_targets(systems, ledger):
        assert (row["lost"], row["pending"], row["duplicates"] or 0) == (0, 0, 0), row

    report = json.loads((reports / "daily-2026-11-30.json").read_text(encoding="utf-8"))
    verdict = report["reconciliation"]
    assert (verdict["lost"], verdict["repaired"]) == (0, 2), verdict
    assert verdict["missed"] >= 1
    missed = {(r["system"], r["stream"]): r["missed"] for r in verdict["sources"]}
    assert missed[("attendance", "transactions")] == 1
    page = (reports / "daily-2026-11-30.html").read_text(encoding="utf-8")
    assert "对账 / Reconciliation" in page and "re-sent" in page


def is_hub(source: object) -> bool:
    return isinstance(source, str) and source.startswith("hrhub:interview:")
