"""Warm-up of a Celery worker (``v2v worker``): its pool processes load their models first.

The same warm-up as the local workers (:mod:`v2v.service.jobs.warmup`, ``WARM_WORKERS``): each
pool process converts the drawn car once, in the thread that runs its jobs, right after it is
forked (Celery's ``worker_process_init``; Celery gives it up to ``WARM_UP_TIMEOUT`` + 30 s to
say it is up). Until then the pool gives that process no job, and the worker consumes nothing
from the queue until every process it started with has warmed (or ``WARM_UP_TIMEOUT`` passed):
a message it reserved would otherwise wait on its warm-up while a warm worker sits idle. The
worker answers the ``v2v_warm_up`` control command with the number of processes still warming;
the API asks it with every ping, and ``/ready`` says "warming" while no answering worker has a
warm process (a node joining, or a replaced pool process, leaves the API ready: the warm ones
take the jobs; the count is in the ``workers`` check's detail).

Celery's ``worker_proc_alive_timeout`` is set far above ``WARM_UP_TIMEOUT``: the warm-up runs
before a pool process reports itself up, and a process killed for being slow to come up would
be replaced by one that warms again, without end. Each warming process is counted by its pid, so
one killed while warming stops counting at once.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from typing import Any

from v2v.service.jobs.warmup import WARM_UP_TIMEOUT, WarmUp
from v2v.service.logs import get_logger

log = get_logger("v2v.service.celery_warmup")
#: the control command a worker answers with ``{"warming": N}``
WARM_UP_COMMAND = "v2v_warm_up"
_GATE_SECONDS = 0.25  # how often the consumer looks whether the pool has warmed


class WarmState:
    """Warm-ups of one worker's pool, shared by its main process and its forked pool processes.

    Before any process has started, all ``pool_size`` count as warming (for at most
    ``WARM_UP_TIMEOUT`` s); after that, the processes whose warm-up has begun and not ended,
    that are alive, and that began less than ``WARM_UP_TIMEOUT`` s ago."""

    SLOTS = 256  # at most this many pool processes warming at once are tracked

    def __init__(self, pool_size: int) -> None:
        context = multiprocessing.get_context("fork")  # shared memory the pool inherits
        self.pool_size = pool_size
        self.created = time.time()
        self.started = context.Value("i", 0)
        self.pids = context.Array("i", self.SLOTS)  # 0: a free slot
        self.since = context.Array("d", self.SLOTS)

    def begin(self) -> None:
        pid = os.getpid()
        with self.pids.get_lock():
            self.started.value += 1
            for slot in range(self.SLOTS):
                if self.pids[slot] == 0 or not _alive(self.pids[slot]):
                    self.pids[slot], self.since[slot] = pid, time.time()
                    return

    def end(self) -> None:
        pid = os.getpid()
        with self.pids.get_lock():
            for slot in range(self.SLOTS):
                if self.pids[slot] == pid:
                    self.pids[slot] = 0

    def warming(self) -> int:
        now = time.time()
        if self.started.value == 0:
            return self.pool_size if now - self.created <= WARM_UP_TIMEOUT else 0
        with self.pids.get_lock():
            slots = [(self.pids[i], self.since[i]) for i in range(self.SLOTS) if self.pids[i]]
        return sum(1 for pid, since in slots if now - since <= WARM_UP_TIMEOUT and _alive(pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def install(app: Any, state: WarmState, runner: Any, pipeline_config: str | None) -> None:
    """Make ``app``'s worker warm each pool process with ``runner`` before it takes a job, hold
    back consuming until the pool is warm, and answer ``v2v_warm_up``. Start the worker with the
    job queue excluded: the gate adds it."""
    from celery import bootsteps
    from celery.signals import worker_process_init
    from celery.worker.control import control_command

    def warm_this_process(**_: Any) -> None:
        state.begin()
        try:
            WarmUp(pipeline_config, threading.Event()).run(runner)
        finally:
            state.end()

    worker_process_init.connect(warm_this_process, weak=False)
    app.conf.worker_proc_alive_timeout = 10 * WARM_UP_TIMEOUT  # see the module's docstring

    @control_command(name=WARM_UP_COMMAND)
    def answer(_: Any) -> dict[str, int]:
        return {"warming": state.warming(), "pool": state.pool_size}

    from v2v.service.jobs.celery_app import QUEUE

    class Gate(bootsteps.StartStopStep):
        """Consume the job queue once the pool has warmed (again after a broker reconnect)."""

        requires = ("celery.worker.consumer.tasks:Tasks",)

        def __init__(self, parent: Any, **kwargs: Any) -> None:
            super().__init__(parent, **kwargs)
            self.timer: Any = None

        def start(self, consumer: Any) -> None:
            self.timer = consumer.timer.call_repeatedly(_GATE_SECONDS, self.look, (consumer,))

        def look(self, consumer: Any) -> None:
            if state.warming() == 0 and self.timer is not None:
                self.timer.cancel()
                self.timer = None
                consumer.add_task_queue(QUEUE)
                log.info("worker_warm", queue=QUEUE)

        def stop(self, consumer: Any) -> None:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None

    app.steps["consumer"].add(Gate)


def warming_of(reply: Any) -> int:
    """Processes warming, from one node's answer to ``v2v_warm_up`` (0 for a worker that does
    not know the command, or any other answer)."""
    if isinstance(reply, dict) and isinstance(reply.get("warming"), int):
        return max(0, int(reply["warming"]))
    return 0


def pool_of(reply: Any) -> int:
    """The pool size a node reports in its answer to ``v2v_warm_up`` (1 when it does not say)."""
    if isinstance(reply, dict) and isinstance(reply.get("pool"), int):
        return max(1, int(reply["pool"]))
    return 1


def cluster_warming(nodes: list[str], warming: dict[str, int], pools: dict[str, int]) -> int:
    """Pool processes warming when no answering node has a warm one (``/ready`` then says
    "warming"), else 0: while some process can take jobs, the API is ready."""
    total = sum(warming.get(node, 0) for node in nodes)
    capacity = sum(pools.get(node, 1) for node in nodes)
    return total if nodes and total >= capacity else 0
