"""The explicit registry of connectors, built from each package's connector.yaml.

Everything outside connectors/ (hrhub's flow, the CLI, the provider info) reaches a connector
through `get_connector(system)` and never imports a connector package by name.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from connectors import REGISTERED
from connectors._core.errors import ConfigError

CONNECTORS_DIR = Path(__file__).resolve().parents[1]
MANIFEST_SCHEMA = CONNECTORS_DIR.parent / "schemas" / "connector.schema.json"


@dataclass(frozen=True)
class StreamSpec:
    """A readable stream: which canonical entity it feeds and how it is cursored."""

    name: str
    entity: str
    primary_key: str
    cursor_field: str
    overlap_seconds: int = 300
    page_size: int | None = None
    expand: tuple[str, ...] = ()
    flavor: str | None = None  # the product it belongs to, for a multi-product connector
    mapping: str | None = None  # in-mapping file stem; None = the entity

    @property
    def mapping_name(self) -> str:
        return self.mapping or self.entity


@dataclass(frozen=True)
class ConnectorSpec:
    """One system's manifest, validated, with lazy access to its classes."""

    system: str
    display_name: str
    conn_type: str
    default_conn_id: str
    manifest: dict[str, Any] = field(repr=False)
    streams: tuple[StreamSpec, ...] = ()

    @property
    def package(self) -> str:
        return f"connectors.{self.system}"

    def _load(self, key: str) -> type:
        module_name, _, class_name = self.manifest[key].partition(":")
        module = importlib.import_module(f"{self.package}.{module_name}")
        try:
            return getattr(module, class_name)
        except AttributeError as exc:
            raise ConfigError(
                f"connector {self.system!r}: {key} {self.manifest[key]!r} names no class",
                system=self.system,
            ) from exc

    def hook_class(self) -> type:
        return self._load("hook")

    def client_class(self) -> type:
        return self._load("client")

    def simulator_class(self) -> type:
        return self._load("simulator")

    def hook_class_path(self) -> str:
        module_name, _, class_name = self.manifest["hook"].partition(":")
        return f"{self.package}.{module_name}.{class_name}"

    def stream(self, name: str) -> StreamSpec:
        for stream in self.streams:
            if stream.name == name:
                return stream
        known = ", ".join(s.name for s in self.streams) or "none"
        raise ConfigError(f"connector {self.system!r} has no stream {name!r} (known: {known})")

    def operation(self, name: str) -> dict[str, Any]:
        """One write operation of the manifest; a clear error lists the known ones."""
        for op in self.manifest.get("operations", []):
            if op["name"] == name:
                return op
        known = ", ".join(op["name"] for op in self.manifest.get("operations", [])) or "none"
        raise ConfigError(f"connector {self.system!r} has no operation {name!r} (known: {known})")

    def has_operation(self, name: str) -> bool:
        """Whether this system takes writes of operation `name` (steps skip those it does not)."""
        return any(op["name"] == name for op in self.manifest.get("operations", []))

    @property
    def default_flavor(self) -> str | None:
        """The product a connection without a `flavor` extra talks to (None: one product)."""
        field = self.manifest["connection"].get("conn-fields", {}).get("flavor")
        return field["schema"].get("default") if field else None

    def streams_for(self, flavor: str | None = None) -> tuple[StreamSpec, ...]:
        """The streams a connection of `flavor` offers (those of no flavor, and its own);
        None means the default flavor."""
        flavor = flavor or self.default_flavor
        return tuple(s for s in self.streams if s.flavor in (None, flavor))

    @property
    def variants(self) -> dict[str, dict[str, Any]]:
        """Sandbox variants: name -> connection extras (the default variant is named "")."""
        return {"": {}, **self.sandbox.get("variants", {})}

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.manifest.get("errors", [])

    @property
    def rate_budget(self) -> dict[str, Any] | None:
        return self.manifest.get("rate_budget")

    @property
    def sandbox(self) -> dict[str, Any]:
        return self.manifest["sandbox"]


@cache
def _manifest_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(MANIFEST_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def load_manifest(path: Path) -> ConnectorSpec:
    """Read and validate one connector.yaml; errors name the file and the offending path."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read connector manifest: {exc}") from exc
    errors = sorted(_manifest_validator().iter_errors(data), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.path) or "(top level)"
        raise ConfigError(f"{path}: {where}: {first.message}")
    if data["system"] != path.parent.name:
        raise ConfigError(f"{path}: system {data['system']!r} must equal its folder name")
    streams = tuple(
        StreamSpec(**{**s, "expand": tuple(s.get("expand", ()))}) for s in data.get("streams", [])
    )
    return ConnectorSpec(
        system=data["system"],
        display_name=data["display_name"],
        conn_type=data["conn_type"],
        default_conn_id=data.get("default_conn_id", f"hrhub_{data['system']}_default"),
        manifest=data,
        streams=streams,
    )


@cache
def registry() -> dict[str, ConnectorSpec]:
    """All registered connectors by system name, in registration order."""
    specs: dict[str, ConnectorSpec] = {}
    for system in REGISTERED:
        path = CONNECTORS_DIR / system / "connector.yaml"
        if not path.is_file():
            raise ConfigError(f"connector {system!r} is registered but {path} is missing")
        specs[system] = load_manifest(path)
    return specs


def get_connector(system: str) -> ConnectorSpec:
    """The spec of one system; a clear error lists the known ones."""
    try:
        return registry()[system]
    except KeyError:
        known = ", ".join(registry()) or "none"
        raise ConfigError(f"unknown system {system!r} (registered: {known})") from None
