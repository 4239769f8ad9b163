"""The base of every connector's hook: the only code that reads an Airflow Connection.

A hook turns a Connection (host, port, login, password, extra) into the connector's client and
offers `test_connection()` for the Airflow UI. Clients never see Airflow, so they are testable
alone; hooks stay a few lines each.
"""

from __future__ import annotations

from typing import Any, ClassVar

from airflow.sdk import BaseHook

from connectors._core.errors import ConfigError, ConnectorError
from connectors._core.redaction import REDACTOR
from connectors._core.retry import retry_policy


def connection_base_url(host: str | None, port: int | None, extra: dict[str, Any]) -> str:
    """Base URL from a Connection: a host may carry its scheme; else `extra.scheme` (https)."""
    if not host:
        raise ConfigError("the connection has no host: set it to the system's API server")
    host = host.rstrip("/")
    if "://" not in host:
        host = f"{extra.get('scheme', 'https')}://{host}"
    if port and host.count(":") < 2:
        host = f"{host}:{port}"
    return host


class HubHook(BaseHook):
    """Connection -> client; subclasses set the class attributes and `client_from_connection`."""

    conn_name_attr = "conn_id"
    system: ClassVar[str]
    conn_type: ClassVar[str]
    default_conn_name: ClassVar[str]
    hook_name: ClassVar[str]

    def __init__(self, conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id or self.default_conn_name
        self._client: Any = None

    def client_from_connection(self, conn: Any) -> Any:
        """Build the protocol client from an Airflow Connection object."""
        raise TypeError(f"{type(self).__name__} must override client_from_connection")

    def get_conn(self) -> Any:
        """The client, built once per hook; the connection's secrets join the redactor first."""
        if self._client is None:
            conn = self.get_connection(self.conn_id)
            for secret in (conn.password, *_secret_extras(conn.extra_dejson)):
                REDACTOR.add_secret(secret)
            self._client = self.client_from_connection(conn)
            policy = _retry_from_extra(conn.extra_dejson, self.system)
            if policy is not None:
                self._client.retry_policy = policy
        return self._client

    def test_connection(self) -> tuple[bool, str]:
        """(ok, message) for the Airflow UI: one cheap authenticated call through the client."""
        try:
            return True, self.get_conn().check()
        except ConnectorError as exc:
            return False, REDACTOR.redact_text(str(exc))
        except Exception as exc:  # the UI must get a message, never a traceback
            return False, REDACTOR.redact_text(f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _secret_extras(extra: dict[str, Any]) -> list[str]:
    return [str(v) for k, v in extra.items() if REDACTOR.is_secret_key(k) and v]


RETRY_EXTRAS = ("retry_max_seconds", "retry_max_attempts")
"""Connection extras that bound how long one call keeps retrying a failing system (defaults:
the connector's retry policy, 8 attempts within 120 s). A lower bound lets a task give up on a
system that is down sooner, so its retries and the rest of the run are not held up."""


def _retry_from_extra(extra: dict[str, Any], system: str) -> Any:
    """The retry policy the connection's extras ask for, or None for the connector's own."""
    given = {key: extra[key] for key in RETRY_EXTRAS if extra.get(key) not in (None, "")}
    if not given:
        return None
    try:
        seconds = float(given.get("retry_max_seconds", 120.0))
        attempts = int(given.get("retry_max_attempts", 8))
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"connection extra {', '.join(given)} must be numbers, got {given!r}", system=system
        ) from exc
    if seconds < 0 or attempts < 1:
        raise ConfigError(
            f"connection extra retry_max_seconds must be >= 0 and retry_max_attempts >= 1, "
            f"got {given!r}",
            system=system,
        )
    return retry_policy(max_delay=seconds, max_attempts=attempts)
