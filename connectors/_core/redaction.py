"""Keep secrets out of logs, error text and dumped payloads.

Two kinds of knowledge: secret *values* seen at run time (a token, a password from the
Connection) and secret *key names* (``access_token=...``, ``{"password": ...}``). Key names
are compared case-insensitively with ``-`` and ``_`` ignored, so ``accessToken``,
``access_token`` and ``access-token`` are one name. ``appkey`` is an identifier, not a secret.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

__all__ = [
    "DEFAULT_SECRET_KEYS",
    "MASK",
    "REDACTOR",
    "RedactingFilter",
    "Redactor",
    "protect_loggers",
]

MASK = "***"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary text ("0", "ok", "abc")

DEFAULT_SECRET_KEYS: frozenset[str] = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "appsecret",
        "app_secret",
        "corpsecret",
        "client_secret",
        "access_token",
        "refresh_token",
        "token",
        "assertion",
        "signature",
        "authorization",
        "proxy-authorization",
        "private_key",
        "api_key",
        "cookie",
        "set-cookie",
        "x-csrf-token",
        "x-acs-dingtalk-access-token",
    }
)

# key=value (query strings, form bodies), "key": "value" (JSON text), Key: value (headers).
_KEY_SEP = re.compile(r"""["']?(?P<key>[\w-]+)["']?\s*[=:]\s*["']?""")
_VALUE = re.compile(r"""(?:(?:bearer|basic|token)\s+)?[^&\s"',;}]+""", re.IGNORECASE)


def _norm(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


class Redactor:
    """Masks known secret values and the values of secret-named keys."""

    def __init__(
        self, secret_keys: Iterable[str] = DEFAULT_SECRET_KEYS, secrets: Iterable[str] = ()
    ) -> None:
        self._keys = {_norm(k) for k in secret_keys}
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None
        for value in secrets:
            self.add_secret(value)

    def add_secret(self, value: object) -> None:
        """Remember a secret value (and its URL-encoded forms); short values are ignored."""
        if value is None:
            return
        text = str(value)
        if len(text) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            before = len(self._secrets)
            self._secrets.update({text, quote(text, safe=""), quote_plus(text)})
            if len(self._secrets) != before:
                self._pattern = None

    def add_secret_key(self, name: str) -> None:
        """Treat ``name`` as a secret key name from now on."""
        with self._lock:
            self._keys.add(_norm(name))

    def is_secret_key(self, name: str) -> bool:
        return _norm(name) in self._keys

    def _value_pattern(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._secrets:
                alternatives = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, alternatives)))
            return self._pattern

    def redact_text(self, text: str) -> str:
        """Mask known secret values and ``key=value`` pairs under secret key names."""
        if not text:
            return text
        pattern = self._value_pattern()
        if pattern is not None:
            text = pattern.sub(MASK, text)

        pieces, done = [], 0
        for m in _KEY_SEP.finditer(text):
            if m.start() < done or not self.is_secret_key(m["key"]):
                continue
            value = _VALUE.match(text, m.end())
            if value is None or value[0] == MASK:
                continue
            pieces += [text[done : value.start()], MASK]
            done = value.end()
        return "".join([*pieces, text[done:]])

    def redact_url(self, url: str) -> str:
        """Mask the values of secret query parameters and any password in the userinfo."""
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password:
            netloc = netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
        pieces = []
        for piece in parts.query.split("&") if parts.query else []:
            key, eq, _value = piece.partition("=")
            if eq and self.is_secret_key(unquote_plus(key)):
                piece = f"{key}={MASK}"
            pieces.append(piece)
        rebuilt = urlunsplit((parts.scheme, netloc, parts.path, "&".join(pieces), parts.fragment))
        pattern = self._value_pattern()
        return pattern.sub(MASK, rebuilt) if pattern is not None else rebuilt

    def redact_mapping(self, obj: Any) -> Any:
        """Copy ``obj`` with values under secret keys and known secret values masked."""
        if isinstance(obj, Mapping):
            return {
                k: MASK
                if isinstance(k, str) and self.is_secret_key(k) and obj[k] not in (None, "")
                else self.redact_mapping(obj[k])
                for k in obj
            }
        if isinstance(obj, list | tuple | set | frozenset):
            return type(obj)(self.redact_mapping(v) for v in obj)
        if isinstance(obj, str):
            return self.redact_text(obj)
        return obj


class RedactingFilter(logging.Filter):
    """Redacts a record's message, arguments and traceback text before any handler sees it.

    Attach it to handlers (a logger's filters do not apply to records from child loggers).
    """

    def __init__(self, redactor: Redactor | None = None, name: str = "") -> None:
        super().__init__(name)
        self.redactor = redactor or REDACTOR

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not hide the log line
            message = f"{record.msg} {record.args!r}"
        record.msg = self.redactor.redact_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact_text(record.stack_info)
        return True


REDACTOR = Redactor()
"""The process-wide redactor: connectors add their secrets here as they load them."""

# urllib3 logs every request line, query string included, at DEBUG.
RAW_URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry")


def protect_loggers(names: Iterable[str] = RAW_URL_LOGGERS) -> None:
    """Put a RedactingFilter (process redactor) on loggers that print raw URLs; idempotent."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
