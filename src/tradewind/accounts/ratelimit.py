"""A per-key sliding-window failure counter (used per client IP for logins)."""

from __future__ import annotations

import time
from collections import deque


class FailureCounter:
    """Counts failures per key inside a window; bounded memory via a key cap."""

    def __init__(self, limit: int, window_seconds: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        entries = self._failures.get(key)
        if entries is None:
            return deque()
        while entries and entries[0] <= now - self.window:
            entries.popleft()
        if not entries:
            del self._failures[key]
        return entries

    def blocked_for(self, key: str) -> float:
        """Seconds until `key` may try again; 0 when it is not blocked."""
        now = time.monotonic()
        entries = self._recent(key, now)
        if len(entries) < self.limit:
            return 0.0
        return max(0.0, entries[0] + self.window - now)

    def record_failure(self, key: str) -> None:
        now = time.monotonic()
        if key not in self._failures and len(self._failures) >= self.max_keys:
            self._failures.pop(next(iter(self._failures)))
        self._recent(key, now)
        self._failures.setdefault(key, deque()).append(now)

    def forget_one(self, key: str) -> None:
        """Drop the newest failure of `key` (an attempt counted up front that succeeded)."""
        entries = self._failures.get(key)
        if entries:
            entries.pop()
            if not entries:
                del self._failures[key]
