"""Job execution behind one interface, so a distributed task engine can replace the local pool.

The store is the queue: ``submit`` only says "there is work"; an executor claims queued jobs from
the store, runs them, and writes progress and results back to the store. The HTTP layer talks to
the store and to this interface only.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from v2v.service.jobs.dispatch import JobDispatch
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.store import JobStore
from v2v.service.jobs.workers import WorkerHandle
from v2v.service.logs import get_logger

log = get_logger("v2v.service.executor")
DEFAULT_RUNNER = "v2v.service.jobs.runner:run_task"


@dataclass(frozen=True)
class ExecutorHealth:
    ok: bool
    detail: str
    workers: int
    alive: int
    busy: int


class Executor(Protocol):
    """What the service needs from an execution backend."""

    def start(self) -> None: ...

    def stop(self, timeout: float = 10.0) -> None: ...

    def submit(self, job_id: str) -> None:
        """A job was queued in the store."""

    def cancel(self, job_id: str) -> None:
        """The store flagged a running job for cancellation; stop its work now if it runs here."""

    def health(self) -> ExecutorHealth: ...


#: called when a job ends: (job id, final status, timings in s, error code or None, GPU peak bytes)
FinishedHook = Callable[[str, str, dict[str, float], str | None, int | None], None]


@dataclass(frozen=True)
class LocalOptions:
    workers: int = 1
    mode: Literal["process", "thread"] = "process"
    runner_path: str = DEFAULT_RUNNER
    job_timeout: float = 3600.0
    max_attempts: int = 3
    heartbeat_seconds: float = 10.0
    cancel_grace_seconds: float = 10.0
    poll_seconds: float = 1.0
    log_level: str = "info"
    log_format: str = "json"
    pipeline_config: str | None = None
    niceness: int = 10


class LocalExecutor:
    """A pool of worker processes (or threads) on this machine, one dispatcher thread each."""

    def __init__(
        self,
        store: JobStore,
        files: JobFiles,
        options: LocalOptions,
        environment: dict[str, str] | None = None,
        on_finished: FinishedHook | None = None,
    ) -> None:
        self.store = store
        self.files = files
        self.options = options
        self.environment = environment or {}
        self.on_finished = on_finished
        self.instance = uuid.uuid4().hex[:12]
        self.stopping = threading.Event()
        self.wake = threading.Condition()
        self.slots: list[_Slot] = []

    def start(self) -> None:
        self.stopping.clear()
        self.slots = []
        for index in range(self.options.workers):
            worker = WorkerHandle(
                self.options.mode,
                self.options.runner_path,
                self.environment,
                self.options.log_level,
                self.options.log_format,
                name=f"v2v-worker-{index}",
                niceness=self.options.niceness,
            )
            slot = _Slot(self, index, worker)
            self.slots.append(slot)
            slot.start()
        log.info(
            "executor_started",
            workers=self.options.workers,
            mode=self.options.mode,
            instance=self.instance,
        )

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        with self.wake:
            self.wake.notify_all()
        deadline = time.monotonic() + timeout
        for slot in self.slots:
            slot.join(max(0.1, deadline - time.monotonic()))
        self.slots = []

    def submit(self, job_id: str) -> None:
        with self.wake:
            self.wake.notify_all()

    def cancel(self, job_id: str) -> None:
        for slot in self.slots:
            slot.request_cancel(job_id)

    def health(self) -> ExecutorHealth:
        total = len(self.slots)
        alive = sum(1 for s in self.slots if s.is_alive() and s.worker_ok())
        busy = sum(1 for s in self.slots if s.current is not None)
        ok = total > 0 and alive == total and not self.stopping.is_set()
        detail = f"{alive}/{total} workers alive ({self.options.mode}), {busy} busy"
        return ExecutorHealth(ok, detail, total, alive, busy)


class _Slot(threading.Thread):
    """Claims queued jobs and runs them, one at a time, on its worker."""

    def __init__(self, executor: LocalExecutor, index: int, worker: WorkerHandle) -> None:
        super().__init__(name=f"v2v-dispatch-{index}", daemon=True)
        self.executor = executor
        self.worker = worker
        self.worker_id = f"{executor.instance}:{index}"
        self.current: str | None = None
        self.cancels: set[str] = set()
        self.lock = threading.Lock()

    def worker_ok(self) -> bool:
        # a worker that died while idle is restarted before the next job; it counts as alive
        return self.worker.alive() or self.current is None

    def request_cancel(self, job_id: str) -> None:
        with self.lock:
            self.cancels.add(job_id)

    def cancel_wanted(self, job_id: str) -> bool:
        with self.lock:
            return job_id in self.cancels

    def run(self) -> None:
        executor = self.executor
        self.worker.start()
        while not executor.stopping.is_set():
            job = executor.store.claim_next(self.worker_id)
            if job is None:
                with executor.wake:
                    executor.wake.wait(executor.options.poll_seconds)
                continue
            self.current = job.id
            try:
                JobDispatch(self, job).run()
            finally:
                self.current = None
                with self.lock:
                    self.cancels.discard(job.id)
        self.worker.stop(timeout=5.0)

    def replace_worker(self) -> None:
        self.worker.kill()
        self.worker.start()
