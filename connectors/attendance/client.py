"""ZKBioTime-style attendance REST client: auth, DRF paging, punches, employee upsert.

No Airflow here: the hook builds this client from a Connection, tests build it directly.
The API speaks naive local times ("YYYY-MM-DD HH:MM:SS" in the terminals' zone); the client
keeps them as they are and the mapping attaches the zone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from connectors._core.error_table import ErrorTable
from connectors._core.errors import ConfigError, DataContractError
from connectors._core.http import ApiClient
from connectors._core.pagination import NextUrlPaginator
from connectors._core.ratelimit import RateBudget
from connectors._core.registry import get_connector

SYSTEM = "attendance"
LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"
LOGIN_PATHS = {"jwt": "/jwt-api-token-auth/", "token": "/api-token-auth/"}
AUTH_PREFIX = {"jwt": "JWT", "token": "Token"}
STREAM_PATHS = {"transactions": "/iclock/api/transactions/"}


class AttendanceClient(ApiClient):
    """One attendance server, one session, one token (refreshed when the server rejects it)."""

    def __init__(
        self,
        base_url: str,
        *,
        username: str,
        password: str,
        auth_scheme: str = "jwt",
        page_size: int = 200,
        **kwargs: Any,
    ) -> None:
        if auth_scheme not in LOGIN_PATHS:
            raise ConfigError(
                f"auth_scheme must be one of {sorted(LOGIN_PATHS)}, not {auth_scheme!r}",
                system=SYSTEM,
            )
        if not username or not password:
            raise ConfigError("the connection needs a login and a password", system=SYSTEM)
        spec = get_connector(SYSTEM)
        kwargs.setdefault("error_table", ErrorTable.from_manifest(spec.errors))
        kwargs.setdefault("rate_budget", RateBudget.from_manifest(spec.rate_budget))
        super().__init__(base_url, system=SYSTEM, **kwargs)
        self.username = username
        self._password = password
        self.redactor.add_secret(password)
        self.auth_scheme = auth_scheme
        self.page_size = page_size
        self._token: str | None = None
        self._token_lock = threading.Lock()

    # -- auth -------------------------------------------------------------------------------

    def _login(self) -> str:
        body = self.request_json(
            "POST",
            LOGIN_PATHS[self.auth_scheme],
            json={"username": self.username, "password": self._password},
        )
        token = body.get("token") if isinstance(body, dict) else None
        if not token:
            raise DataContractError("login answered without a token", system=SYSTEM)
        self.redactor.add_secret(token)
        return token

    def _current_token(self) -> str:
        with self._token_lock:
            if self._token is None:
                self._token = self._login()
            return self._token

    def before_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if not any(kwargs["url"].endswith(path) for path in LOGIN_PATHS.values()):
            prefix = AUTH_PREFIX[self.auth_scheme]
            kwargs["headers"]["Authorization"] = f"{prefix} {self._current_token()}"
        return kwargs

    def refresh_auth(self) -> bool:
        with self._token_lock:
            self._token = None
        self._current_token()
        return True

    # -- the connector contract -------------------------------------------------------------

    def check(self) -> str:
        """One cheap authenticated call, for `test_connection`."""
        body = self.request_json("GET", "/personnel/api/employees/", params={"page_size": 1})
        return f"connected as {self.username}: {body.get('count', '?')} employees"

    def read_stream(
        self, stream: str, since: str | None = None, overlap_seconds: int = 0
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of a stream, from `since` (an upload_time) minus the overlap window."""
        if stream not in STREAM_PATHS:
            raise ConfigError(f"attendance has no stream {stream!r}", system=SYSTEM)
        params: dict[str, Any] = {"page_size": self.page_size, "ordering": "upload_time,id"}
        if since:
            params["upload_time_start"] = shift_local(since, -overlap_seconds)
        yield from self.paginate(
            STREAM_PATHS[stream],
            paginator=NextUrlPaginator("next"),
            params=params,
            data_selector="data",
        )

    def cursor_value(self, stream: str, record: dict[str, Any]) -> str | None:
        """The record's upload_time: sortable as a string, so the ledger can keep the max."""
        return record.get("upload_time")

    # -- writes -----------------------------------------------------------------------------

    def find_employee(self, emp_code: str) -> dict[str, Any] | None:
        body = self.request_json("GET", "/personnel/api/employees/", params={"emp_code": emp_code})
        matches = [e for e in body.get("data", []) if e.get("emp_code") == emp_code]
        return matches[0] if matches else None

    def upsert_employee(self, employee: dict[str, Any]) -> dict[str, Any]:
        """Create or update by `emp_code`, the key the attendance system keeps unique.

        Looking up first makes a retried or replayed write land on the same employee.
        """
        emp_code = employee.get("emp_code")
        if not emp_code:
            raise DataContractError("employee has no emp_code", system=SYSTEM, field="emp_code")
        existing = self.find_employee(emp_code)
        if existing is None:
            return self.request_json("POST", "/personnel/api/employees/", json=employee)
        return self.request_json(
            "PATCH", f"/personnel/api/employees/{existing['id']}/", json=employee
        )


def shift_local(value: str, seconds: int) -> str:
    """A naive local "YYYY-MM-DD HH:MM:SS" moved by `seconds`."""
    try:
        moved = datetime.strptime(value, LOCAL_FORMAT) + timedelta(seconds=seconds)
    except ValueError as exc:
        raise DataContractError(
            f"watermark {value!r} is not {LOCAL_FORMAT}", system=SYSTEM
        ) from exc
    return moved.strftime(LOCAL_FORMAT)
