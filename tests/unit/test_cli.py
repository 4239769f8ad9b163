"""The `hrhub` command line, run as a user runs it (a subprocess of the installed script)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from hrhub.ledger import Ledger

HRHUB = str(Path(sys.executable).with_name("hrhub"))


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HRHUB, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def test_every_command_has_help() -> None:
    for args in (
        [],
        ["sandbox"],
        ["sandbox", "up"],
        ["ledger"],
        ["ledger", "status"],
        ["ledger", "verify"],
        ["demo"],
        ["up"],
    ):
        proc = run(*args, "--help")
        assert proc.returncode == 0, (args, proc.stderr)
        assert "Usage: hrhub" in proc.stdout


def test_sandbox_up_json_prints_a_reachable_system_per_line() -> None:
    proc = subprocess.Popen(
        [HRHUB, "sandbox", "up", "--only", "attendance", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        system = json.loads(line)
        assert set(system) == {"system", "url", "conn_id", "conn_uri"}
        assert system["system"] == "attendance"
        assert system["conn_id"] == "hrhub_attendance_default"
        assert system["conn_uri"].startswith("hrhub-attendance://admin:admin123@127.0.0.1:")
        login = requests.post(
            f"{system['url']}/jwt-api-token-auth/",
            json={"username": "admin", "password": "admin123"},
            timeout=5,
        )
        assert login.status_code == 200 and login.json()["token"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_sandbox_up_rejects_a_bad_fault_spec_and_an_unknown_system() -> None:
    bad_knob = run("sandbox", "up", "--faults", "eror_rate=0.1")
    assert bad_knob.returncode == 2
    assert "eror_rate" in bad_knob.stderr
    unknown = run("sandbox", "up", "--only", "workday")
    assert unknown.returncode == 2
    assert "workday" in unknown.stderr and "attendance" in unknown.stderr


def test_ledger_status_and_verify_report_a_tampered_audit_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    env = {**os.environ, "HRHUB_DATABASE_URL": url}
    ledger = Ledger.open(url)
    for n in range(3):
        ledger.audit("auditor", "mapping.approve", f"mapping-{n}", {"n": n})

    status = run("ledger", "status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["audit_entries"] == 3
    assert run("ledger", "verify", env=env).returncode == 0

    with ledger.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE ledger_audit SET actor = 'mallory' WHERE seq = 2")
    broken = run("ledger", "verify", "--json", env=env)
    assert broken.returncode == 1
    assert json.loads(broken.stdout)["first_bad_seq"] == 2


def test_ledger_verify_expect_head_sees_the_end_cut_off(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    env = {**os.environ, "HRHUB_DATABASE_URL": url}
    ledger = Ledger.open(url)
    for n in range(4):
        ledger.audit("auditor", "mapping.approve", f"mapping-{n}", {"n": n})
    intact = run("ledger", "verify", "--json", env=env)
    head = json.loads(intact.stdout)["head"]
    assert head.startswith("4:") and head in run("ledger", "verify", env=env).stdout

    with ledger.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM ledger_audit WHERE seq > 2")
    assert run("ledger", "verify", env=env).returncode == 0  # a shorter chain is still a chain
    cut = run("ledger", "verify", "--expect-head", head, env=env)
    assert cut.returncode == 1
    assert "entry 4" in cut.stdout and "deleted from its end" in cut.stdout

    garbled = run("ledger", "verify", "--expect-head", "4:nothex", env=env)
    assert garbled.returncode == 2
    assert "--expect-head" in garbled.stderr and "SEQ:HASH" in garbled.stderr


def test_sandbox_process_stops_on_sigterm() -> None:
    proc = subprocess.Popen([HRHUB, "sandbox", "up", "--json"], stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    started = time.monotonic()
    proc.terminate()
    assert proc.wait(timeout=10) == 0
    assert time.monotonic() - started < 10


def test_sandbox_up_sets_simulator_options_and_refuses_bad_ones() -> None:
    proc = subprocess.Popen(
        [
            HRHUB,
            *("sandbox", "up", "--only", "successfactors", "--json"),
            *("--set", "successfactors.candidates=7", "--set", "successfactors.requisitions=2"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        system = json.loads(proc.stdout.readline())
        found = requests.get(
            f"{system['url']}/odata/v2/Candidate/$count",
            auth=("sfapi@HRHUBDEV", "sfapi-Secret1"),
            timeout=5,
        )
        assert found.status_code == 200 and found.text.strip() == "7"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    not_started = run(
        "sandbox", "up", "--only", "attendance", "--set", "successfactors.candidates=7"
    )
    assert not_started.returncode == 2 and "successfactors" in not_started.stderr
    unknown = run("sandbox", "up", "--only", "attendance", "--set", "attendance.colour=red")
    assert unknown.returncode == 2 and "colour" in unknown.stderr
    malformed = run("sandbox", "up", "--set", "candidates=7")
    assert malformed.returncode == 2 and "SYSTEM.NAME=VALUE" in malformed.stderr
