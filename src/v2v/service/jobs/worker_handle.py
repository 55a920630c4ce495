"""Worker handles (the dispatcher's side; the worker's own side is ``worker_loop``): start, talk to,
stop and kill one worker (a process or a thread)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any, Literal

from v2v.service.jobs.warmup import WARM_UP_TIMEOUT, WarmUp
from v2v.service.jobs.worker_loop import (
    Channel,
    PipeChannel,
    QueueChannel,
    process_main,
    worker_loop,
)


class WorkerHandle:
    """The dispatcher's side of one worker. Not thread-safe: one dispatcher thread owns it."""

    def __init__(
        self,
        mode: Literal["process", "thread"],
        runner_path: str,
        environment: dict[str, str],
        log_level: str,
        log_format: str,
        name: str,
        niceness: int = 0,
        warm_up: bool = False,
        pipeline_config: str | None = None,
    ) -> None:
        self.mode = mode
        self.warm_up_wanted = warm_up
        self.pipeline_config = pipeline_config
        self.warm_up: WarmUp | None = None
        self.started_at = 0.0
        self.runner_path = runner_path
        self.environment = environment
        self.log_level = log_level
        self.log_format = log_format
        self.name = name
        self.niceness = niceness
        self.process: BaseProcess | None = None
        self.thread: threading.Thread | None = None
        self.tasks: Channel | None = None
        self.events: Channel | None = None

    def start(self) -> None:
        self.started_at = time.monotonic()
        self.warm_up = (
            WarmUp.for_worker(self.mode, self.pipeline_config) if self.warm_up_wanted else None
        )
        if self.mode == "process":
            self._start_process()
        else:
            tasks, events = QueueChannel(), QueueChannel()
            self.thread = threading.Thread(
                target=worker_loop,
                name=self.name,
                daemon=True,
                args=(tasks, events, self.runner_path, self.warm_up),
            )
            self.thread.start()
            self.tasks, self.events = tasks, events

    def _start_process(self) -> None:
        context = multiprocessing.get_context("spawn")
        task_reader, task_writer = context.Pipe(duplex=False)
        event_reader, event_writer = context.Pipe(duplex=False)
        process = context.Process(
            target=process_main,
            name=self.name,
            daemon=True,
            args=(
                task_reader,
                event_writer,
                self.runner_path,
                self.environment,
                self.log_level,
                self.log_format,
                self.niceness,
                self.warm_up,
            ),
        )
        process.start()
        task_reader.close()
        event_writer.close()
        self.process = process
        self.tasks, self.events = PipeChannel(task_writer), PipeChannel(event_reader)

    def warming(self) -> bool:
        """True while the worker warms its models (at most WARM_UP_TIMEOUT s after a start), and
        before its first start when it will warm: its dispatcher starts it on the first step, so
        ``/ready`` asked in between must not say ready while the warm-up has not even begun."""
        if not self.warm_up_wanted:
            return False
        if self.warm_up is None:
            return True
        if self.warm_up.is_done():
            return False
        return time.monotonic() - self.started_at < WARM_UP_TIMEOUT

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.is_alive()
        return self.thread is not None and self.thread.is_alive()

    @property
    def exit_code(self) -> int | None:
        return self.process.exitcode if self.process is not None else None

    def send(self, message: Any) -> None:
        assert self.tasks is not None, "start() the worker first"
        self.tasks.send(message)

    def recv(self, timeout: float) -> Any:
        """The next message, or None after ``timeout`` s or when the worker is gone."""
        assert self.events is not None, "start() the worker first"
        try:
            return self.events.recv(timeout)
        except (TimeoutError, EOFError, OSError):
            return None

    def stop(self, timeout: float = 5.0) -> None:
        """Stop an idle worker: a process is terminated at once (it holds no job, and it may
        still be importing); a thread is asked to finish and given ``timeout`` seconds."""
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
                self.process.join(timeout)
        elif self.thread is not None and self.tasks is not None:
            self.tasks.send(None)
            self.thread.join(timeout)
        self.kill()

    def kill(self) -> None:
        """Stop a process now. A thread cannot be killed: it is abandoned (it stops at the next
        stage boundary because its cancel flag is set) and its channels are dropped."""
        if self.process is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(5)
            for channel in (self.tasks, self.events):
                if isinstance(channel, PipeChannel):
                    channel.connection.close()
            self.process = None
        if self.thread is not None and self.tasks is not None:
            self.tasks.send(None)  # the listener exits; the loop ends after the current task
        self.thread = None
        self.tasks = self.events = None
