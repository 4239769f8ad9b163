"""hrhub is an Airflow provider: its connection types and their form fields reach Airflow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from connectors._core.registry import registry
from hrhub.airflow_env import airflow_env, run_airflow_json

pytestmark = pytest.mark.airflow


def test_airflow_providers_list_shows_hrhub(airflow_home: Path) -> None:
    listed = run_airflow_json("providers", "list", env=airflow_env(home=airflow_home))
    packages = {p["package_name"]: p for p in listed}
    assert "hrhub" in packages, sorted(packages)


def test_every_connector_has_its_hook_and_connection_type(airflow_home: Path) -> None:
    listed = run_airflow_json("providers", "hooks", env=airflow_env(home=airflow_home))
    hooks = {h["connection_type"]: h for h in listed}
    for spec in registry().values():
        assert spec.conn_type in hooks, f"{spec.conn_type} missing from `airflow providers hooks`"
        assert hooks[spec.conn_type]["class"] == spec.hook_class_path()
        assert hooks[spec.conn_type]["package_name"] == "hrhub"


# What the connection form of the UI is built from: ProvidersManager's widgets and behaviours.
FORM_PROBE = r"""
import json
from airflow.providers_manager import ProvidersManager
pm = ProvidersManager()
widgets = sorted(pm.connection_form_widgets)
behaviours = {k: v for k, v in pm.field_behaviours.items() if k.startswith("hrhub_")}
conn_types = sorted(pm.hooks)
print(json.dumps({"widgets": widgets, "behaviours": behaviours, "conn_types": conn_types}))
"""


def test_connection_types_and_form_fields_appear_in_the_ui_choices(airflow_home: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", FORM_PROBE],
        env=airflow_env(home=airflow_home),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    form = json.loads(proc.stdout.strip().splitlines()[-1])
    for spec in registry().values():
        assert spec.conn_type in form["conn_types"]
        declared = spec.manifest["connection"].get("conn-fields", {})
        for field in declared:
            assert any(w.endswith(f"__{field}") or w == field for w in form["widgets"]), (
                f"{spec.conn_type}: form field {field!r} not offered; widgets: {form['widgets']}"
            )
        hidden = spec.manifest["connection"]["ui-field-behaviour"].get("hidden-fields", [])
        assert form["behaviours"][spec.conn_type]["hidden_fields"] == hidden
