"""Error classification as data: (HTTP status, vendor code, message) -> what to do.

Each connector.yaml carries an ``errors`` table; vendors that report errors inside HTTP 200
(DingTalk ``errcode``, SAP ``sap-message``) are classified by the same rules::

    errors:
      - {status: 429, action: rate_limited, retry_after: 300}
      - {vendor_code: "90002", action: rate_limited}
      - {vendor_code: "40014", action: refresh_token, description: invalid access token}

Rules are tried in order, the connector's first, then ``DEFAULT_RULES``; the first match wins.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from connectors._core.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    FatalError,
    RateLimited,
    RecordRejected,
    RetriableError,
)

if TYPE_CHECKING:
    import requests

__all__ = ["DEFAULT_RULES", "Action", "ErrorRule", "ErrorTable", "parse_retry_after"]

_STATUS_CLASS = re.compile(r"^([1-5])xx$", re.IGNORECASE)


class Action(StrEnum):
    RETRY = "retry"
    RATE_LIMITED = "rate_limited"
    REFRESH_TOKEN = "refresh_token"
    AUTH = "auth"
    CONFIG = "config"
    FATAL = "fatal"
    REJECT_RECORD = "reject_record"
    IGNORE = "ignore"


@dataclass(frozen=True)
class ErrorRule:
    """Matches when every criterion given matches; at least one criterion is required.

    ``status``: an int, or a class such as ``"4xx"``. ``vendor_code``: compared as a string.
    ``message_contains``: case-insensitive substring of the vendor message.
    """

    action: Action
    status: int | str | None = None
    vendor_code: str | None = None
    message_contains: str | None = None
    retry_after: float | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", Action(self.action))
        status = self.status
        if isinstance(status, str) and status.isdigit():
            status = int(status)
        if isinstance(status, bool) or not (
            status is None
            or (isinstance(status, int) and 100 <= status <= 599)
            or (isinstance(status, str) and _STATUS_CLASS.match(status))
        ):
            raise ValueError(f"status must be an HTTP status or a class like '4xx', not {status!r}")
        object.__setattr__(self, "status", status)
        if self.vendor_code is not None:
            object.__setattr__(self, "vendor_code", str(self.vendor_code))
        if self.status is None and self.vendor_code is None and not self.message_contains:
            raise ValueError("a rule needs at least one of status, vendor_code, message_contains")
        if self.retry_after is not None:
            object.__setattr__(self, "retry_after", float(self.retry_after))
            if self.retry_after < 0:
                raise ValueError("retry_after must be >= 0")

    def matches(self, status: int | None, vendor_code: str | None, message: str | None) -> bool:
        if self.status is not None:
            if status is None:
                return False
            if isinstance(self.status, int):
                if status != self.status:
                    return False
            elif str(status)[0] != self.status[0]:
                return False
        if self.vendor_code is not None and self.vendor_code != vendor_code:
            return False
        return not self.message_contains or (
            message is not None and self.message_contains.lower() in message.lower()
        )


DEFAULT_RULES: tuple[ErrorRule, ...] = (
    ErrorRule(Action.RATE_LIMITED, status=429, description="rate limited"),
    ErrorRule(Action.RETRY, status="5xx", description="server error"),
    ErrorRule(Action.AUTH, status=401, description="unauthorized"),
    ErrorRule(Action.AUTH, status=403, description="forbidden"),
    ErrorRule(Action.FATAL, status="4xx", description="client error"),
)

_RULE_KEYS = frozenset(f.name for f in fields(ErrorRule))

_EXCEPTIONS: dict[Action, type[ConnectorError]] = {
    Action.RETRY: RetriableError,
    Action.RATE_LIMITED: RateLimited,
    Action.REFRESH_TOKEN: AuthError,
    Action.AUTH: AuthError,
    Action.CONFIG: ConfigError,
    Action.FATAL: FatalError,
    Action.REJECT_RECORD: RecordRejected,
}


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now())


class ErrorTable:
    """An ordered list of rules, with ``DEFAULT_RULES`` tried last."""

    def __init__(self, rules: Iterable[ErrorRule] = (), *, defaults: bool = True) -> None:
        self.rules: tuple[ErrorRule, ...] = tuple(rules)
        self._all = self.rules + (DEFAULT_RULES if defaults else ())

    @classmethod
    def from_manifest(cls, manifest: Sequence[Mapping[str, Any]] | None) -> ErrorTable:
        """Build from the ``error_table`` list of a connector.yaml; bad rules raise ConfigError."""
        rules = []
        for index, item in enumerate(manifest or ()):
            where = f"error_table[{index}]"
            if not isinstance(item, Mapping):
                raise ConfigError(f"{where}: expected a mapping, got {type(item).__name__}")
            unknown = sorted(set(item) - _RULE_KEYS)
            if unknown:
                raise ConfigError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")
            if "action" not in item:
                raise ConfigError(f"{where}: missing 'action'")
            if item["action"] not in Action.__members__.values():
                raise ConfigError(
                    f"{where}: unknown action {item['action']!r}; expected one of "
                    + ", ".join(a.value for a in Action)
                )
            try:
                rules.append(ErrorRule(**item))
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{where}: {exc}") from None
        return cls(rules)

    def classify(
        self, status: int | None, vendor_code: str | int | None = None, message: str | None = None
    ) -> ErrorRule | None:
        """The first rule matching, or None (a 2xx with no vendor rule, say)."""
        code = None if vendor_code is None else str(vendor_code)
        return next((r for r in self._all if r.matches(status, code, message)), None)

    @staticmethod
    def to_exception(
        rule: ErrorRule,
        *,
        system: str | None = None,
        status: int | None = None,
        vendor_code: str | int | None = None,
        message: str | None = None,
        response: requests.Response | None = None,
        retry_after_header: str | None = None,
        record_id: str | int | None = None,
        field: str | None = None,
    ) -> ConnectorError:
        """The exception ``rule`` calls for. Retry-After from the response beats the rule's default.

        ``ignore`` has no exception: callers check for it first (ValueError otherwise).
        """
        if rule.action is Action.IGNORE:
            raise ValueError("an 'ignore' rule raises nothing; check rule.action first")
        cls = _EXCEPTIONS[rule.action]
        text = ": ".join(t for t in (rule.description, message) if t)
        kw: dict[str, Any] = {
            "system": system,
            "status": status,
            "vendor_code": vendor_code,
            "response": response,
            "record_id": record_id,
            "field": field,
        }
        if issubclass(cls, RetriableError):
            header = parse_retry_after(retry_after_header)
            kw["retry_after"] = header if header is not None else rule.retry_after
        elif cls is AuthError:
            kw["refreshable"] = rule.action is Action.REFRESH_TOKEN
        return cls(text, **kw)
