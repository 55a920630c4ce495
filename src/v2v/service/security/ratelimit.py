"""Sliding-window rate limiting per API key or client address (``API_RATE_LIMIT``,
``AUTH_FAILURE_LIMIT``).

Counters live in this process's memory, unless ``RATE_LIMIT_STORAGE_URL`` names a Redis (or
``EXECUTOR=celery`` brings one): then every API process counts against the same window, through
the ``limits`` library's moving-window strategy.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from typing import Protocol

_MAX_CLIENTS = 10_000  # above this many tracked clients, idle ones are forgotten
log = logging.getLogger("v2v.service.ratelimit")


class Limiter(Protocol):
    def hit(self, key: str) -> int | None: ...

    def remaining(self, key: str) -> int: ...


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


class SharedLimiter:
    """The same contract as :class:`SlidingWindowLimiter`, with the counters in a ``limits``
    storage (``redis://…``): shared by every API process. When the storage cannot be reached
    the request is let through and the failure logged (limits protect the service; they must
    not take it down)."""

    def __init__(self, limit: int, window: float, storage_url: str, namespace: str) -> None:
        import limits
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        self.item = limits.RateLimitItemPerSecond(limit, max(1, round(window)))
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_url))
        self.namespace = namespace

    def hit(self, key: str) -> int | None:
        try:
            if self.limiter.hit(self.item, self.namespace, key):
                return None
            reset = self.limiter.get_window_stats(self.item, self.namespace, key).reset_time
        except Exception:
            log.warning("rate-limit storage unreachable; request not counted", exc_info=True)
            return None
        return max(1, math.ceil(reset - time.time()))

    def remaining(self, key: str) -> int:
        try:
            return int(self.limiter.get_window_stats(self.item, self.namespace, key).remaining)
        except Exception:
            log.warning("rate-limit storage unreachable", exc_info=True)
            return 1


def storage_url(url: str, executor: str, broker: str) -> str:
    """RATE_LIMIT_STORAGE_URL, else the Celery broker's Redis with EXECUTOR=celery, else memory."""
    if url:
        return url
    if executor == "celery" and broker.startswith(("redis://", "rediss://")):
        return broker
    return "memory://"


def make_limiter(rate: tuple[int, float] | None, url: str, namespace: str) -> Limiter | None:
    if rate is None:
        return None
    if url.startswith("memory://"):
        return SlidingWindowLimiter(*rate)
    return SharedLimiter(*rate, storage_url=url, namespace=namespace)
