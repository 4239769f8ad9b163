"""Airflow provider info: how hrhub's connection types and their forms reach the Airflow UI.

Airflow calls `get_provider_info` through the `apache_airflow_provider` entry point declared in
pyproject.toml. It must stay cheap: it reads the connector manifests and imports nothing heavy.
"""

from __future__ import annotations

import logging
from importlib import metadata
from typing import Any

from connectors import REGISTERED
from connectors._core.errors import ConfigError
from connectors._core.registry import CONNECTORS_DIR, ConnectorSpec, load_manifest

log = logging.getLogger(__name__)

PACKAGE = "hrhub"


def _version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "0.0.0"


def connection_types() -> list[dict[str, Any]]:
    """One entry per connector, with the form declared as data in its connector.yaml.

    A broken manifest is logged and left out rather than raised: Airflow calls this at start-up,
    and one bad connector must not stop the scheduler or the UI.
    """
    types = []
    for spec in _loadable_specs():
        form = spec.manifest.get("connection", {})
        conn_fields = {
            name: {k: v for k, v in field.items() if k != "secret"}
            for name, field in form.get("conn-fields", {}).items()
        }
        entry: dict[str, Any] = {
            "connection-type": spec.conn_type,
            "hook-class-name": spec.hook_class_path(),
            "hook-name": f"hrhub: {spec.display_name}",
        }
        if conn_fields:
            entry["conn-fields"] = conn_fields
        if behaviour := form.get("ui-field-behaviour"):
            entry["ui-field-behaviour"] = behaviour
        types.append(entry)
    return types


def _loadable_specs() -> list[ConnectorSpec]:
    specs = []
    for system in REGISTERED:
        try:
            specs.append(load_manifest(CONNECTORS_DIR / system / "connector.yaml"))
        except ConfigError as exc:
            log.error("hrhub connector %s left out of Airflow: %s", system, exc)
    return specs


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": PACKAGE,
        "name": "hrhub",
        "description": "Recruiting integration hub: SuccessFactors, Yonyou eHR, DingTalk, "
        "attendance and the AI interview room.",
        "state": "ready",
        "source-date-epoch": 1763769600,
        "versions": [_version()],
        "connection-types": connection_types(),
    }
