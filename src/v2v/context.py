"""RunContext: what one run carries besides its data (seed, cancel flag, progress, timings)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from v2v.errors import Cancelled

#: progress(phase, fraction_of_phase_done, message)
ProgressCallback = Callable[[str, float, str], None]


@dataclass
class RunContext:
    """Per-run state shared by the stages. Thread-safe cancel; timings in seconds."""

    seed: int = 42
    device: str = "cpu"
    cancel_event: threading.Event = field(default_factory=threading.Event)
    progress: ProgressCallback | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def cancel(self) -> None:
        self.cancel_event.set()

    def check_cancelled(self) -> None:
        """Raise :class:`Cancelled` if someone asked this run to stop."""
        if self.cancel_event.is_set():
            raise Cancelled("the run was cancelled")

    def report(self, phase: str, fraction: float, message: str = "") -> None:
        if self.progress is not None:
            self.progress(phase, max(0.0, min(1.0, fraction)), message)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage, check for cancellation before and after, report start and end."""
        self.check_cancelled()
        self.report(name, 0.0, "started")
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - start, 4)
        self.report(name, 1.0, "done")
        self.check_cancelled()
