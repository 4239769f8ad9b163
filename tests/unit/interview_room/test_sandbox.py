"""`hrhub sandbox up --only interview_room --json` prints a line a hook can connect with."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from connectors._core.registry import get_connector
from hrhub.sandbox import airflow_conn_env_var

HRHUB = str(Path(sys.executable).with_name("hrhub"))


def test_sandbox_up_prints_the_room_and_its_connection_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proc = subprocess.Popen(
        [HRHUB, "sandbox", "up", "--only", "interview_room", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        system = json.loads(proc.stdout.readline())
        assert set(system) == {"system", "url", "conn_id", "conn_uri"}
        assert system["system"] == "interview_room"
        assert system["conn_id"] == "hrhub_interview_room_default"
        assert system["conn_uri"].startswith(
            "hrhub-interview-room://hrhub-sandbox:room-sandbox-key-7c41e9d2@127.0.0.1:"
        )
        spec = get_connector("interview_room")
        monkeypatch.setenv(airflow_conn_env_var(system["conn_id"]), system["conn_uri"])
        hook = spec.hook_class()()
        ok, message = hook.test_connection()
        assert ok, message
        assert "workspace hrhub-sandbox: 24 orders" in message
        assert hook.get_conn().link_secret == spec.sandbox["extra"]["link_secret"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
