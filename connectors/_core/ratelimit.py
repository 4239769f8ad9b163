"""A per-system call budget that keeps us under a vendor's documented limit.

Sliding window: at most ``calls`` calls in any ``per_seconds`` interval, shared by every
thread of the process that uses the same budget. Waiting here is cheaper than a 429 (and,
at DingTalk, cheaper than an IP ban).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from connectors._core.errors import ConfigError

__all__ = ["RateBudget"]


class RateBudget:
    """At most ``calls`` calls per ``per_seconds``; ``acquire()`` blocks until one fits."""

    def __init__(
        self,
        calls: int,
        per_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if isinstance(calls, bool) or not isinstance(calls, int) or calls < 1:
            raise ConfigError(f"rate budget: calls must be a positive integer, not {calls!r}")
        if isinstance(per_seconds, bool) or not isinstance(per_seconds, int | float):
            raise ConfigError(f"rate budget: per_seconds must be a number, not {per_seconds!r}")
        if per_seconds <= 0:
            raise ConfigError(f"rate budget: per_seconds must be > 0, not {per_seconds!r}")
        self.calls = calls
        self.per_seconds = float(per_seconds)
        self._clock = clock
        self._sleep = sleep
        self._granted: deque[float] = deque()
        self._lock = threading.Lock()

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any] | None, **kw: Any) -> RateBudget | None:
        """``{calls: 40, per_seconds: 1}`` -> a budget; None or ``{}`` -> None (unlimited).

        ``source`` (where the documented limit comes from) is accepted and ignored.
        """
        if not manifest:
            return None
        unknown = sorted(set(manifest) - {"calls", "per_seconds", "source"})
        if unknown:
            raise ConfigError(f"rate budget: unknown key(s) {', '.join(map(repr, unknown))}")
        missing = sorted({"calls", "per_seconds"} - set(manifest))
        if missing:
            raise ConfigError(f"rate budget: missing {', '.join(map(repr, missing))}")
        return cls(manifest["calls"], manifest["per_seconds"], **kw)

    def _wait_needed(self, now: float) -> float:
        while self._granted and self._granted[0] <= now - self.per_seconds:
            self._granted.popleft()
        if len(self._granted) < self.calls:
            return 0.0
        return self._granted[0] + self.per_seconds - now

    def try_acquire(self) -> bool:
        """Take a slot if one is free now; never blocks."""
        with self._lock:
            now = self._clock()
            if self._wait_needed(now) > 0:
                return False
            self._granted.append(now)
            return True

    def acquire(self) -> float:
        """Block until a call fits the window; returns the clock time the slot was granted."""
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._granted.append(now)
                    return now
            self._sleep(wait)  # outside the lock: other threads may check meanwhile

    def __repr__(self) -> str:
        return f"RateBudget(calls={self.calls}, per_seconds={self.per_seconds:g})"
