"""Access tokens shared by every client of the process, one fetch per expiry.

DingTalk and YonBIP hand out app tokens that live for hours (7,200 s). Many Airflow tasks in
one worker share them here, so a burst of tasks makes one token call, not one each; a token
rejected as invalid is dropped only if it is still the one cached, so a second thread refreshing
late does not throw away the token the first thread just fetched. Each connector keeps its own
cache, keyed by host, app key and a digest of the secret, so a client with a wrong secret never
borrows the token fetched with the right one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

__all__ = ["TokenCache"]


@dataclass
class _Token:
    value: str
    expires_at: float  # monotonic


class TokenCache:
    """Tokens by key; `get(key, fetch)` calls `fetch` only when none is usable.

    A token is refetched `early_refresh_s` (at most a tenth of its lifetime) before the
    system's stated expiry: one that expires between our check and the system's would cost a
    failed call.
    """

    def __init__(
        self, *, early_refresh_s: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._early = early_refresh_s
        self._clock = clock
        self._tokens: dict[Hashable, _Token] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock_for(self, key: Hashable) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def peek(self, key: Hashable) -> str | None:
        """The cached token, usable or not (for redaction checks and tests)."""
        token = self._tokens.get(key)
        return token.value if token else None

    def get(self, key: Hashable, fetch: Callable[[], tuple[str, float]]) -> str:
        """A usable token; `fetch()` -> (token, lifetime seconds) runs once per expiry."""
        token = self._tokens.get(key)
        if token is not None and self._clock() < token.expires_at:
            return token.value
        with self._lock_for(key):
            token = self._tokens.get(key)  # another thread may have fetched meanwhile
            if token is not None and self._clock() < token.expires_at:
                return token.value
            value, lifetime = fetch()
            margin = min(self._early, lifetime / 10)
            self._tokens[key] = _Token(value, self._clock() + max(0.0, lifetime - margin))
            return value

    def invalidate(self, key: Hashable, rejected: str | None) -> None:
        """Forget the cached token if it is the one the system rejected (None: any)."""
        with self._lock_for(key):
            token = self._tokens.get(key)
            if token is not None and (rejected is None or token.value == rejected):
                del self._tokens[key]
