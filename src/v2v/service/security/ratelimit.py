"""Sliding-window rate limiting per API key or client address (``API_RATE_LIMIT``).

Counters live in this process's memory: with ``WORKERS`` > 1 each server process counts on its own.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

_MAX_CLIENTS = 10_000  # above this many tracked clients, idle ones are forgotten


class SlidingWindowLimiter:
    """Allows ``limit`` requests per ``window`` seconds for each key."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> int | None:
        """Count a request. None when allowed, else the whole seconds to wait (Retry-After)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            if len(self._hits) > _MAX_CLIENTS:
                self._forget_idle(now)
            return None

    def remaining(self, key: str, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(key, deque())
            return max(0, self.limit - sum(1 for t in hits if t > now - self.window))

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]
        for key in idle:
            del self._hits[key]
