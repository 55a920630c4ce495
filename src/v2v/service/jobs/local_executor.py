"""The local executor: a pool of worker processes (or threads) on this machine, each fed by one
dispatcher thread (a :class:`Slot`) that claims queued jobs from the store."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Literal

from v2v.service.jobs.dispatch import JobDispatch
from v2v.service.jobs.executor import DEFAULT_RUNNER, ExecutorHealth, FinishedHook, RunOptions
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.store import JobRecord, JobStore
from v2v.service.jobs.supervise import Loops
from v2v.service.jobs.worker_handle import WorkerHandle
from v2v.service.logs import get_logger

log = get_logger("v2v.service.executor")


@dataclass(frozen=True)
class LocalOptions(RunOptions):
    """The run limits plus the pool's own settings."""

    workers: int = 1
    mode: Literal["process", "thread"] = "process"
    runner_path: str = DEFAULT_RUNNER
    poll_seconds: float = 1.0
    log_level: str = "info"
    log_format: str = "json"
    niceness: int = 10
    warm_up: bool = False  # WARM_WORKERS: each worker converts a drawn car before its first job


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
        self.slots: list[Slot] = []
        self.loops = Loops()

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
                warm_up=self.options.warm_up,
                pipeline_config=self.options.pipeline_config,
            )
            slot = Slot(self, index, worker)
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

    def submit(self, job_id: str, urgent: bool = False) -> None:
        # the store's queue order already puts a re-queued job (older) before newer ones
        with self.wake:
            self.wake.notify_all()

    def cancel(self, job_id: str) -> None:
        for slot in self.slots:
            slot.request_cancel(job_id)

    def owns(self, job_id: str) -> bool:
        return any(slot.current == job_id and slot.is_alive() for slot in self.slots)

    def health(self) -> ExecutorHealth:
        total = len(self.slots)
        alive = sum(1 for s in self.slots if s.is_alive() and s.worker_ok())
        busy = sum(1 for s in self.slots if s.current is not None)
        warming = sum(1 for s in self.slots if s.worker.warming())
        problems = self.loops.problems()
        ok = total > 0 and alive == total and not self.stopping.is_set() and not problems
        detail = f"{alive}/{total} workers alive ({self.options.mode}), {busy} busy"
        if warming:
            detail += f", {warming} warming up (loading models)"
        if problems:
            detail += "; not working: " + "; ".join(problems)
        # /ready says warming only while no worker is warm: a restarted one leaves it ready
        return ExecutorHealth(ok, detail, total, alive, busy, warming if warming >= total else 0)


class Slot(threading.Thread):
    """Claims queued jobs and runs them, one at a time, on its worker."""

    def __init__(self, executor: LocalExecutor, index: int, worker: WorkerHandle) -> None:
        super().__init__(name=f"v2v-dispatch-{index}", daemon=True)
        self.executor = executor
        self.worker = worker
        self.worker_id = f"{executor.instance}:{index}"
        self.current: str | None = None
        self.job: JobRecord | None = None
        self.cancels: set[str] = set()
        self.lock = threading.Lock()
        self.state = executor.loops.register(f"dispatcher-{index}", self)

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
        """Claim and run jobs until the executor stops; an error (the database locked, a folder
        gone) is logged, the job handed back, and the slot goes on after a pause."""
        executor = self.executor
        delay = 0.0
        while not executor.stopping.wait(delay):
            delay = 0.0
            try:
                self._step()
            except Exception as exc:  # noqa: BLE001 - supervised: log, back off, go on
                delay = self.state.failed(exc, executor.options.poll_seconds, 30.0)
                self._recover()
            else:
                self.state.succeeded()
        self.state.stopped = True
        self.worker.stop(timeout=5.0)

    def _step(self) -> None:
        executor = self.executor
        if not self.worker.alive():
            self.replace_worker()
        if self.worker.warming():  # jobs wait queued: the first runs as fast as the next
            executor.stopping.wait(0.05)
            return
        job = executor.store.claim_next(self.worker_id)
        if job is None:
            with executor.wake:
                executor.wake.wait(executor.options.poll_seconds)
            return
        self.current, self.job = job.id, job
        try:
            JobDispatch(self, job).run()
        finally:
            with self.lock:
                self.cancels.discard(job.id)
        self.current, self.job = None, None  # after an error _recover hands the job back first

    def _recover(self) -> None:
        """After an error during a job: stop its work and hand it back (without using one of its
        attempts). When the database cannot take that either, the job's heartbeats have stopped
        and housekeeping re-queues it once they are stale."""
        job = self.job
        self.current, self.job = None, None
        try:
            self.replace_worker()
            if job is not None:
                reason = "its dispatcher met an error"
                options = self.executor.options
                status = self.executor.store.requeue(
                    job.id, reason, options.max_attempts, count_attempt=False, lease=job.lease
                )
                if status is not None:
                    self.executor.files.clear_outputs(job.id)
        except Exception as exc:  # noqa: BLE001 - logged; the stale sweep is the fallback
            log.warning("job_handback_failed", error=f"{type(exc).__name__}: {exc}"[:300])

    def replace_worker(self) -> None:
        self.worker.kill()
        self.worker.start()
