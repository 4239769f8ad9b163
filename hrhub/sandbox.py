"""Start the simulators of every registered system on loopback, and describe how to reach them.

Used by `hrhub sandbox up`, `hrhub demo`, `hrhub up` and the tests: each simulator gets a free
port on 127.0.0.1 and an Airflow connection URI carrying the sandbox credentials, ready to be
exported as `AIRFLOW_CONN_<CONN_ID>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from connectors._core.registry import ConnectorSpec, get_connector, registry
from connectors._core.simulator import FaultSpec


@dataclass
class SandboxSystem:
    """One running simulator and the connection that reaches it."""

    system: str
    url: str
    conn_id: str
    conn_uri: str
    server: Any

    def as_dict(self) -> dict[str, str]:
        """What `hrhub sandbox up --json` prints; a second host (api_url) or a WSDL is added."""
        return {
            "system": self.system,
            "url": self.url,
            "conn_id": self.conn_id,
            "conn_uri": self.conn_uri,
            **self.server.connection_extra(),
        }

    @property
    def flavor(self) -> str | None:
        """The product the sandbox connection names (`flavor` extra), for multi-product systems."""
        return get_connector(self.system).sandbox.get("extra", {}).get("flavor")

    @property
    def env_var(self) -> str:
        return airflow_conn_env_var(self.conn_id)


def airflow_conn_env_var(conn_id: str) -> str:
    """The variable Airflow reads a connection from (`AIRFLOW_CONN_` + upper-cased id)."""
    return "AIRFLOW_CONN_" + conn_id.upper()


def connection_uri(spec: ConnectorSpec, url: str, extra: Mapping[str, Any] | None = None) -> str:
    """Airflow connection URI for a simulator at `url` with the manifest's sandbox credentials;
    `extra` adds what only the running simulator knows (`server.connection_extra()`)."""
    parts = urlsplit(url)
    sandbox = spec.sandbox
    extra = {"scheme": parts.scheme, **sandbox.get("extra", {}), **(extra or {})}
    scheme = spec.conn_type.replace("_", "-")
    login = quote(sandbox["login"], safe="")
    password = quote(sandbox["password"], safe="")
    return f"{scheme}://{login}:{password}@{parts.hostname}:{parts.port}/?{urlencode(extra)}"


def select_systems(only: Iterable[str] | None) -> list[ConnectorSpec]:
    """The specs to start: all registered, or the named ones (unknown names are an error)."""
    names = list(only or [])
    return [get_connector(n) for n in names] if names else list(registry().values())


def start_sandbox(
    only: Iterable[str] | None = None,
    faults: str = "",
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[SandboxSystem]:
    """Start the chosen simulators; the caller stops them (see `sandbox`). `options`: keyword
    arguments per system for its simulator (e.g. {"successfactors": {"candidates": 500}})."""
    specs = select_systems(only)
    fault_spec, scoped_faults = FaultSpec.parse_scoped(faults, [s.system for s in specs])
    stray = sorted(set(options or {}) - {spec.system for spec in specs})
    if stray:
        raise ValueError(f"options for systems not started: {', '.join(stray)}")
    started: list[SandboxSystem] = []
    try:
        for spec in specs:
            server = spec.simulator_class()(
                faults=scoped_faults.get(spec.system, fault_spec),
                **dict((options or {}).get(spec.system, {})),
            )
            url = server.start()
            started.append(
                SandboxSystem(
                    system=spec.system,
                    url=url,
                    conn_id=spec.default_conn_id,
                    conn_uri=connection_uri(spec, url, server.connection_extra()),
                    server=server,
                )
            )
    except BaseException:
        stop_sandbox(started)
        raise
    return started


def stop_sandbox(systems: Iterable[SandboxSystem]) -> None:
    for system in systems:
        system.server.stop()


@contextmanager
def sandbox(
    only: Iterable[str] | None = None,
    faults: str = "",
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> Iterator[list[SandboxSystem]]:
    """Simulators for the length of a `with` block."""
    systems = start_sandbox(only, faults, options)
    try:
        yield systems
    finally:
        stop_sandbox(systems)


def connection_env(systems: Iterable[SandboxSystem]) -> dict[str, str]:
    """`AIRFLOW_CONN_*` variables that point Airflow's hooks at the simulators."""
    return {s.env_var: s.conn_uri for s in systems}
