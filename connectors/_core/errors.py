"""Connector errors, named for what the caller should do next.

Every error keeps the facts a caller needs to decide, as attributes rather than text:
``system``, ``status`` (HTTP status or None), ``vendor_code`` (str or None), ``response``
(the ``requests.Response``, never shown in ``str``), and for per-record errors ``record_id``
and ``field``.

Tree::

    ConnectorError                  base; catch this to catch them all
    ├── ConfigError                 the connection or manifest is wrong: fix config, don't retry
    ├── AuthError                   credentials rejected; ``refreshable``: a token refresh may help
    ├── RetriableError              transient; try again later (``retry_after`` seconds, if known)
    │   └── RateLimited             the system asked us to slow down
    ├── FatalError                  stop this call; retrying will not help
    ├── RecordRejected              one record refused; the batch goes on
    └── DataContractError           the payload does not match the contract
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

__all__ = [
    "AuthError",
    "ConfigError",
    "ConnectorError",
    "DataContractError",
    "FatalError",
    "RateLimited",
    "RecordRejected",
    "RetriableError",
]

_STATE = ("system", "status", "vendor_code", "record_id", "field")


class ConnectorError(Exception):
    """Base of every connector error; ``str()`` is one redacted line."""

    def __init__(
        self,
        message: str = "",
        *,
        system: str | None = None,
        status: int | None = None,
        vendor_code: str | int | None = None,
        response: requests.Response | None = None,
        record_id: str | int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.system = system
        self.status = status
        self.vendor_code = None if vendor_code is None else str(vendor_code)
        self.response = response
        self.record_id = None if record_id is None else str(record_id)
        self.field = field

    def _facts(self) -> list[str]:
        facts = []
        if self.status is not None:
            facts.append(f"HTTP {self.status}")
        if self.vendor_code is not None:
            facts.append(f"vendor code {self.vendor_code}")
        if self.record_id is not None:
            facts.append(f"record {self.record_id!r}")
        if self.field is not None:
            facts.append(f"field {self.field!r}")
        return facts

    def __str__(self) -> str:
        from connectors._core.redaction import REDACTOR  # late: redaction imports nothing of ours

        head = self.system or "connector"
        facts = self._facts()
        if facts:
            head = f"{head} ({', '.join(facts)})"
        text = " ".join(self.message.split())  # one line, whatever the vendor sent
        return REDACTOR.redact_text(f"{head}: {text}" if text else head)

    def _state(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _STATE}

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable across processes (Celery workers); the response stays behind.
        return (_rebuild, (type(self), self.message, self._state()))


def _rebuild(cls: type[ConnectorError], message: str, state: dict[str, Any]) -> ConnectorError:
    return cls(message, **state)


class ConfigError(ConnectorError):
    """The connection or manifest is wrong: fix the configuration, don't retry."""


class AuthError(ConnectorError):
    """Credentials were rejected. ``refreshable``: fetching a new token may help."""

    def __init__(self, message: str = "", *, refreshable: bool = False, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.refreshable = refreshable

    def _facts(self) -> list[str]:
        return [*super()._facts(), *(["refreshable"] if self.refreshable else [])]

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "refreshable": self.refreshable}


class RetriableError(ConnectorError):
    """Transient failure; the same call may succeed later (after ``retry_after`` s, if set)."""

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after

    def _facts(self) -> list[str]:
        facts = super()._facts()
        if self.retry_after is not None:
            facts.append(f"retry after {self.retry_after:g}s")
        return facts

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "retry_after": self.retry_after}


class RateLimited(RetriableError):
    """The system throttled us; wait ``retry_after`` (or back off) before the next call."""


class FatalError(ConnectorError):
    """Stop this call: retrying the same request will not help."""


class RecordRejected(ConnectorError):
    """The system refused one record; record it as a dead letter and go on with the batch."""


class DataContractError(ConnectorError):
    """The payload does not match the contract (shape, type, missing field)."""
