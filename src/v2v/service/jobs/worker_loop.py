"""A worker: runs one task at a time with the runner, reports progress, honours cancel requests.

A worker runs either in its own process (``WORKER_MODE=process``, the default: a stuck stage can be
killed) or in a thread of the API process (``thread``: for development and tests; cancel is
cooperative only). Both speak through a pair of one-way :class:`Channel` objects:

    dispatcher ── Task | Cancel | None (stop) ──► worker
    dispatcher ◄── Progress | Done | Failed ───── worker
"""

from __future__ import annotations

import importlib
import os
import queue
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Protocol

from v2v import RunContext, V2VError
from v2v.cpu import apply_environment, keep_freed_memory
from v2v.service.jobs.messages import (
    DISK_FULL,
    Cancel,
    Done,
    Failed,
    Outcome,
    Progress,
    Task,
    is_disk_full,
)
from v2v.service.jobs.warmup import WarmUp
from v2v.service.logs import bind_request, clear_request, configure_logging, get_logger

Runner = Callable[[Task, RunContext], Outcome]
log = get_logger("v2v.service.worker")


class Channel(Protocol):
    def send(self, message: Any) -> None: ...

    def recv(self, timeout: float | None = None) -> Any:
        """The next message; raises ``TimeoutError`` after ``timeout`` s, ``EOFError`` if closed."""
        ...


class PipeChannel:
    """One end of a ``multiprocessing.Pipe(duplex=False)``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def send(self, message: Any) -> None:
        self.connection.send(message)

    def recv(self, timeout: float | None = None) -> Any:
        if timeout is not None and not self.connection.poll(timeout):
            raise TimeoutError
        return self.connection.recv()


class QueueChannel:
    """A thread-safe in-process channel."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Any] = queue.Queue()

    def send(self, message: Any) -> None:
        self.queue.put(message)

    def recv(self, timeout: float | None = None) -> Any:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None


def load_runner(path: str) -> Runner:
    """'package.module:function' → the function."""
    module_name, _, attribute = path.partition(":")
    runner: Runner = getattr(importlib.import_module(module_name), attribute)
    return runner


class _Listener(threading.Thread):
    """Reads the inbound channel: tasks go to a queue; a Cancel sets the running task's flag."""

    def __init__(self, inbound: Channel) -> None:
        super().__init__(name="v2v-worker-listener", daemon=True)
        self.inbound = inbound
        self.tasks: queue.Queue[Task | None] = queue.Queue()
        self.lock = threading.Lock()
        self.current: tuple[str, threading.Event] | None = None

    def run(self) -> None:
        while True:
            try:
                message = self.inbound.recv()
            except (EOFError, OSError):
                message = None  # the dispatcher is gone: stop the running task at its next stage
            if isinstance(message, Cancel):
                with self.lock:
                    if self.current is not None and self.current[0] == message.job_id:
                        self.current[1].set()
                continue
            self.tasks.put(message)
            if message is None:
                with self.lock:
                    if self.current is not None:
                        self.current[1].set()
                return

    def start_task(self, job_id: str) -> threading.Event:
        event = threading.Event()
        with self.lock:
            self.current = (job_id, event)
        return event


def _run_one(task: Task, runner: Runner, cancel: threading.Event, outbound: Channel) -> None:
    def progress(phase: str, fraction: float, message: str) -> None:
        outbound.send(Progress(task.job_id, phase, fraction, message))

    ctx = RunContext(cancel_event=cancel, progress=progress)
    bind_request(task.correlation_id, job_id=task.job_id)
    log.info("job_started", kind=task.kind)
    try:
        outcome = runner(task, ctx)
    except V2VError as exc:
        log.info("job_failed", code=exc.code, detail=str(exc))
        outbound.send(Failed(task.job_id, exc.code, str(exc), dict(ctx.timings)))
    except Exception as exc:
        if is_disk_full(exc):
            log.error("job_failed", code="disk_full", error=str(exc)[:200])
            outbound.send(Failed(task.job_id, "disk_full", DISK_FULL, dict(ctx.timings)))
            return
        log.exception("job_crashed")
        outbound.send(
            Failed(
                task.job_id,
                "internal_error",
                "an internal error stopped the job; the server log has the details "
                f"(correlation id {task.correlation_id})",
                dict(ctx.timings),
            )
        )
    else:
        log.info("job_done", timings=outcome.timings)
        outbound.send(Done(task.job_id, outcome))
    finally:
        clear_request()


def worker_loop(
    inbound: Channel, outbound: Channel, runner_path: str, warm_up: WarmUp | None = None
) -> None:
    """Serve tasks until a ``None`` arrives or the inbound channel closes (after warming the
    runner's models first, when ``warm_up`` is given: see ``warmup.py``)."""
    runner = load_runner(runner_path)
    listener = _Listener(inbound)
    listener.start()
    if warm_up is not None:
        warm_up.run(runner)
    while (task := listener.tasks.get()) is not None:
        cancel = listener.start_task(task.job_id)
        _run_one(task, runner, cancel, outbound)


def process_main(
    inbound: Connection,
    outbound: Connection,
    runner_path: str,
    environment: dict[str, str],
    log_level: str,
    log_format: str,
    niceness: int = 0,
    warm_up: WarmUp | None = None,
) -> None:
    """Entry point of a worker process (spawned: nothing is inherited but these arguments).

    ``niceness`` lowers the worker's CPU priority, so the API process stays responsive while
    pipelines use every core.
    """
    if niceness > 0 and hasattr(os, "nice"):
        os.nice(niceness)
    os.environ.update(environment)
    apply_environment()  # this worker's share of the cores (V2V_CPU_THREADS)
    keep_freed_memory()  # it converts photo after photo: no fresh pages for each
    configure_logging(log_level, log_format)
    try:
        worker_loop(PipeChannel(inbound), PipeChannel(outbound), runner_path, warm_up)
    except KeyboardInterrupt:
        return
