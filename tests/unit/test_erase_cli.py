"""`hrhub erase` through typer's CliRunner: help that teaches, a dry run that changes nothing,
an erasure that asks the room over its Airflow connection, a room that cannot be reached kept
as pending and finished by the next run, and ids that are not a candidate's refused."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors._core.registry import get_connector, registry
from connectors.interview_room.simulator import InterviewRoomSimulator
from hrhub.cli import app
from hrhub.cli._output import console
from hrhub.ledger import Ledger, StageInput
from hrhub.sandbox import airflow_conn_env_var, connection_uri

CANDIDATE = "successfactors:candidate:42"
ROOM_CONN = airflow_conn_env_var(get_connector("interview_room").default_conn_id)


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("HRHUB_DATABASE_URL", url)
    opened = Ledger.open(url)
    now = datetime.now(UTC)
    opened.stage(
        [
            StageInput(CANDIDATE, "candidate", "successfactors", "42", now, {"name": "Zhang San"}),
            StageInput(
                "successfactors:application:742",
                "application",
                "successfactors",
                "742",
                now,
                {"candidate_id": CANDIDATE, "job_id": "successfactors:job:1"},
            ),
        ],
        batch_id="b1",
    )
    yield opened
    opened.close()


@pytest.fixture
def room(monkeypatch: pytest.MonkeyPatch) -> Iterator[InterviewRoomSimulator]:
    """The room, reachable through its Airflow connection (as `hrhub sandbox up` prints it),
    retrying little so a refusing room answers quickly."""
    with InterviewRoomSimulator(seeded=0) as server:
        uri = connection_uri(get_connector("interview_room"), server.url)
        monkeypatch.setenv(ROOM_CONN, f"{uri}&retry_max_attempts=1")
        yield server


def run(*args: str) -> tuple[int, str]:
    # A wide console whatever width the process's console was made with (its width is fixed
    # when hrhub.cli._output is first imported, which another test may do under COLUMNS=80).
    width, console.width = console.width, 200
    try:
        result = CliRunner().invoke(app, ["erase", *args])
    finally:
        console.width = width
    return result.exit_code, result.output


def words(out: str) -> str:
    """The output's words in order, table borders left out (a cell's text wraps in lines)."""
    return " ".join(re.sub(r"[│┃]", " ", out).split())


def test_help_says_what_is_deleted_where_and_what_needs_a_person() -> None:
    code, out = run("--help")

    assert code == 0
    text = " ".join(out.split())
    for phrase in (
        "CANDIDATE_ID",
        "--dry-run",
        "--json",
        "--actor",
        "--pending",
        "staged records",
        "tombstone",
        "a person must act",
        "Data Retention Management",
        "recalled",
        "audit log",
    ):
        assert phrase in text, phrase
    for spec in registry().values():  # every system's erasure is explained
        assert spec.system.replace("_", " ") in text.lower(), spec.system


def test_dry_run_shows_the_plan_and_changes_nothing(ledger: Ledger) -> None:
    code, out = run(CANDIDATE, "--dry-run", "--json")

    assert code == 0, out
    plan = json.loads(out)
    assert (plan["status"], plan["dry_run"]) == ("dry_run", True)
    assert plan["ledger"]["staged"] == 2
    how = {s["system"]: s["how"] for s in plan["systems"]}
    assert how == {"interview_room": "api", "successfactors": "manual"}
    [sf] = [s for s in plan["systems"] if s["system"] == "successfactors"]
    assert {r["remote_id"] for r in sf["records"]} == {"42", "742"}
    assert len(ledger.get_records([CANDIDATE])) == 1
    assert ledger.audit_entries() == []


def test_erase_asks_the_room_and_hands_successfactors_to_a_person(
    ledger: Ledger, room: InterviewRoomSimulator
) -> None:
    code, out = run(CANDIDATE, "--actor", "dpo.li")

    assert code == 0, out
    assert "already" not in out and "erased" in out
    assert "candidate 42, application 742" in words(out)
    assert "with Data Retention Management" in words(out)
    assert "a person must act in successfactors" in words(out)
    assert ledger.get_records([CANDIDATE, "successfactors:application:742"]) == []
    entries = ledger.audit_entries()
    assert {e.actor for e in entries} == {"dpo.li"}
    assert {e.subject for e in entries} == {CANDIDATE}
    assert room.calls == [("DELETE", f"/api/v1/candidates/{CANDIDATE}")]  # nothing there

    code, out = run(CANDIDATE, "--json")
    assert code == 0 and json.loads(out)["status"] == "already_erased"


def test_a_room_that_cannot_be_reached_waits_for_the_next_run(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ROOM_CONN, raising=False)

    code, out = run(CANDIDATE, "--json")

    assert code == 1, out
    report = json.loads(out)
    assert report["status"] == "pending"
    [room] = [s for s in report["systems"] if s["system"] == "interview_room"]
    assert (
        room["status"] == "failed"
        and "could not ask interview_room" in room["records"][0]["detail"]
    )
    code, out = run("--pending", "--json")
    assert code == 0 and [r["subject_id"] for r in json.loads(out)] == [CANDIDATE]
    code, out = run("--pending")
    assert CANDIDATE in out and "interview_room" in out

    with InterviewRoomSimulator(seeded=0) as server:
        monkeypatch.setenv(ROOM_CONN, connection_uri(get_connector("interview_room"), server.url))
        code, out = run(CANDIDATE, "--json")

    assert code == 0, out
    done = json.loads(out)
    assert done["status"] == "erased"
    assert [(s["system"], s["status"]) for s in done["systems"]] == [
        ("interview_room", "not_found")
    ]
    code, out = run("--pending", "--json")
    assert json.loads(out) == []


def test_an_id_that_is_not_a_candidates_is_refused(ledger: Ledger) -> None:
    for bad in ("successfactors:application:742", "nowhere:candidate:1", "42"):
        code, out = run(bad)
        assert code == 2, bad
        assert "candidate id" in out
    code, out = run()
    assert code == 2 and "CANDIDATE_ID" in out
    assert ledger.audit_entries() == []
