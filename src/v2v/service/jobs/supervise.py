"""Background loops that survive their errors, and report when they do not work.

A loop (a dispatcher slot, housekeeping, the Celery sender) that meets an error — "database is
locked", a vanished folder, a broker that went away — logs it with its traceback, waits (doubling
the wait after each failure in a row, up to ``max_backoff``) and goes on. :class:`Loops` keeps the
state of every loop of the process; ``/ready`` reports a loop whose thread has died or that has
failed ``FAILING_AFTER`` times in a row (through the executor's health).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from v2v.service.logs import get_logger

log = get_logger("v2v.service.loops")
FAILING_AFTER = 3  # failures in a row after which /ready reports the loop
T = TypeVar("T")


@dataclass
class LoopState:
    """How one loop is doing; updated by the loop's own thread only."""

    name: str
    thread: threading.Thread | None = None
    failures: int = 0
    failing_since: float | None = None
    last_error: str = ""
    stopped: bool = False  # stopped on purpose (service shutdown): not a problem

    def succeeded(self) -> None:
        if self.failures:
            log.info("loop_recovered", loop=self.name, after_failures=self.failures)
        self.failures, self.failing_since = 0, None

    def failed(self, error: BaseException, interval: float, max_backoff: float) -> float:
        """Log the error; returns how long to wait before the next try."""
        self.failures += 1
        self.failing_since = self.failing_since or time.monotonic()
        self.last_error = f"{type(error).__name__}: {str(error)[:200]}"
        delay = min(max_backoff, max(interval, 0.1) * 2 ** min(self.failures - 1, 10))
        log.error(
            "loop_failed",
            loop=self.name,
            failures=self.failures,
            error=self.last_error,
            retry_in=round(delay, 2),
            exc_info=error,
        )
        return delay

    def problem(self) -> str | None:
        """Why this loop is not doing its work, or None when it is."""
        if self.thread is not None and not self.thread.is_alive() and not self.stopped:
            return f"the {self.name} loop has stopped"
        if self.failures >= FAILING_AFTER and self.failing_since is not None:
            seconds = time.monotonic() - self.failing_since
            return (
                f"the {self.name} loop has failed {self.failures} times in a row for "
                f"{seconds:.0f} s (last: {self.last_error})"
            )
        return None


class Loops:
    """The loops of one process (thread-safe registry)."""

    def __init__(self) -> None:
        self._states: dict[str, LoopState] = {}
        self._lock = threading.Lock()

    def register(self, name: str, thread: threading.Thread | None = None) -> LoopState:
        state = LoopState(name, thread)
        with self._lock:
            self._states[name] = state
        return state

    def unregister(self, name: str) -> None:
        with self._lock:
            self._states.pop(name, None)

    def problems(self) -> list[str]:
        with self._lock:
            states = list(self._states.values())
        return [problem for state in states if (problem := state.problem()) is not None]


def run_every(
    state: LoopState,
    step: Callable[[], object],
    interval: float,
    stopping: threading.Event,
    max_backoff: float = 30.0,
    first_wait: float | None = None,
) -> None:
    """Call ``step`` every ``interval`` seconds until ``stopping`` is set; errors are logged and
    the next call waits longer (see the module docstring). Never raises."""
    delay = interval if first_wait is None else first_wait
    while not stopping.wait(delay):
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - a loop logs every error and goes on
            delay = state.failed(exc, interval, max_backoff)
        else:
            state.succeeded()
            delay = interval
    state.stopped = True


def persist(write: Callable[[], T], what: str, patience: float = 120.0) -> T:
    """Run a store write that must not be lost (a job's result or end), retrying while the
    database refuses it (locked, restarting, unreachable): 0.5 s, then doubling up to 5 s, for
    ``patience`` seconds; then the last error is raised. Fenced writes make retrying safe."""
    from sqlalchemy.exc import DBAPIError

    deadline = time.monotonic() + patience
    delay = 0.5
    while True:
        try:
            return write()
        except DBAPIError as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("store_write_retried", write=what, error=f"{type(exc).__name__}"[:80])
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def best_effort(write: Callable[[], T], what: str) -> T | None:
    """A write that may be skipped (progress, a heartbeat): None when the database refused it."""
    from sqlalchemy.exc import DBAPIError

    try:
        return write()
    except DBAPIError as exc:
        log.warning("store_write_skipped", write=what, error=f"{type(exc).__name__}"[:80])
        return None
