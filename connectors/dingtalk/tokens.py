"""DingTalk access tokens, shared by every client of the process.

DingTalk hands out one app token at a time: `/gettoken` returns the same token while it is
valid (7,200 s) and a new one only after it expired. Many Airflow tasks in one worker share it
here, so a burst of tasks makes one `/gettoken` call, not one each; a token rejected as invalid
is dropped only if it is still the one cached, so a second thread refreshing late does not
throw away the token the first thread just fetched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["TOKENS", "TokenCache"]

# Refetch this long before DingTalk's stated expiry: a token that expires between our check
# and DingTalk's would cost a failed call.
EARLY_REFRESH_S = 300.0


@dataclass
class _Token:
    value: str
    expires_at: float  # monotonic


class TokenCache:
    """Tokens by (host, app key); `get(fetch)` calls `fetch` only when none is usable."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[tuple[str, str], _Token] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock_for(self, key: tuple[str, str]) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def peek(self, key: tuple[str, str]) -> str | None:
        """The cached token, usable or not (for redaction checks and tests)."""
        token = self._tokens.get(key)
        return token.value if token else None

    def get(self, key: tuple[str, str], fetch: Callable[[], tuple[str, float]]) -> str:
        """A usable token; `fetch()` -> (token, lifetime seconds) runs once per expiry."""
        token = self._tokens.get(key)
        if token is not None and self._clock() < token.expires_at:
            return token.value
        with self._lock_for(key):
            token = self._tokens.get(key)  # another thread may have fetched meanwhile
            if token is not None and self._clock() < token.expires_at:
                return token.value
            value, lifetime = fetch()
            margin = min(EARLY_REFRESH_S, lifetime / 10)
            self._tokens[key] = _Token(value, self._clock() + max(0.0, lifetime - margin))
            return value

    def invalidate(self, key: tuple[str, str], rejected: str | None) -> None:
        """Forget the cached token if it is the one the system rejected."""
        with self._lock_for(key):
            token = self._tokens.get(key)
            if token is not None and (rejected is None or token.value == rejected):
                del self._tokens[key]


TOKENS = TokenCache()
