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
