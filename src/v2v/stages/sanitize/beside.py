"""Phase I's steps that do not wait for each other, run side by side (``phase1.concurrent``).

A step is started in a thread of its own while the caller goes on with the next one; the
caller takes its result when it needs it. onnxruntime and OpenCV release the GIL while they
compute, so the object detector runs beside the coarse saliency look. The step gives the same
result either way: the models keep no state between calls. A process given one thread
(``V2V_CPU_THREADS=1``, each of two batch workers on two cores) has no core to spare: its
steps run one after another.

A plain thread per step, not a pool: a pool's threads do not survive a fork (Celery's pool
processes are forked), and starting a thread costs about 0.1 ms against a step of 20-80 ms.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from v2v.cpu import cpu_threads

T = TypeVar("T")


class Beside(Generic[T]):
    """``work()`` started now: in a daemon thread when ``concurrent`` and the process may use
    more than one thread, else at once in the caller's thread (the plain order). ``result()``
    waits for it and returns its value or raises its exception, in the caller's thread."""

    def __init__(self, work: Callable[[], T], concurrent: bool, name: str = "step") -> None:
        self._work = work
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if concurrent and cpu_threads() > 1:
            self._thread = threading.Thread(target=self._run, name=f"v2v-{name}", daemon=True)
            self._thread.start()
        else:
            self._run()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # noqa: BLE001 - re-raised by result(), in the caller
            self._error = exc

    def settle(self) -> None:
        """Wait for the step to end, keeping its value or error for ``result()``: a caller
        leaving on an error of its own does not leave the step running behind it."""
        if self._thread is not None:
            self._thread.join()

    def result(self) -> T:
        self.settle()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
