"""The API's side of ``EXECUTOR=celery``: queued jobs become Celery messages for remote workers.

The job store stays the queue of record: ``submit`` only announces a queued job to the workers.
Sending happens on a thread (a request handler never waits on the broker); a message that cannot
be sent is retried every few seconds, and on start-up every queued job is announced again (a
duplicate message is harmless: the worker's claim finds the job taken and skips it).

Cancel needs nothing here: the route sets the store's cancel flag, which the worker running the
job reads every second (see :mod:`v2v.service.jobs.remote_run`). ``health`` reports the workers
that answered the last ping (sent every few seconds on a thread, never in a request): the
``v2v_warm_up`` control command, which every worker answers, and with the number of its pool
processes still warming (:mod:`v2v.service.jobs.celery_warmup`); ``/ready`` says "warming"
while any is.

The workers record a job's end in the store, so ``on_finished`` (the metrics of finished jobs) is
fed by a thread that looks at the store every few seconds (:mod:`v2v.service.jobs.finished_feed`).
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

from sqlalchemy import select

from v2v.service.db import JobRow
from v2v.service.jobs.celery_app import NORMAL, QUEUE, TASK_NAME, URGENT, make_celery, redacted
from v2v.service.jobs.celery_warmup import WARM_UP_COMMAND, cluster_warming, pool_of, warming_of
from v2v.service.jobs.executor import ExecutorHealth, FinishedHook
from v2v.service.jobs.finished_feed import FinishedFeed
from v2v.service.jobs.store import QUEUED, RUNNING, JobStore
from v2v.service.jobs.supervise import Loops, run_every
from v2v.service.logs import get_logger
from v2v.service.settings import Settings

log = get_logger("v2v.service.celery_executor")
_RETRY_SECONDS = 3.0
_PING_SECONDS = 2.0
_PING_TIMEOUT = 1.0
_FINISHED_SECONDS = 2.0  # seconds between looks for jobs the workers finished


class CeleryExecutor:
    """Executor that hands jobs to Celery workers (``v2v worker``) through the broker."""

    def __init__(
        self,
        settings: Settings,
        store: JobStore,
        app: Any | None = None,
        on_finished: FinishedHook | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.on_finished = on_finished
        self.app = app if app is not None else make_celery(settings)
        self.outbox: queue.Queue[tuple[str, bool] | None] = queue.Queue()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.workers_seen: list[str] = []
        self.warming: dict[str, int] = {}  # node -> its pool processes still warming
        self.pools: dict[str, int] = {}  # node -> its pool size (1 for a node that did not say)
        self.ping_error: str | None = "no ping yet"
        self.first_ping = threading.Event()
        self.loops = Loops()

    def start(self) -> None:
        self.stopping.clear()
        self.threads = [
            threading.Thread(target=self._send_loop, name="v2v-celery-send", daemon=True),
            threading.Thread(target=self._ping_loop, name="v2v-celery-ping", daemon=True),
        ]
        if self.on_finished is not None:
            feed = FinishedFeed(self.store, self.on_finished)
            self.threads.append(
                threading.Thread(
                    target=self._finished_loop, args=(feed,), name="v2v-finished", daemon=True
                )
            )
        self.states = {
            thread.name: self.loops.register(thread.name, thread) for thread in self.threads
        }
        for thread in self.threads:
            thread.start()
        # /ready answers from the first ping rather than "no ping yet" right after a start
        self.first_ping.wait(_PING_TIMEOUT + 1.0)
        queued, _ = self.store.list_jobs(status=QUEUED, limit=10_000)
        for job in reversed(queued):  # oldest first
            self.submit(job.id)
        log.info(
            "executor_started",
            executor="celery",
            broker=redacted(self.settings.celery_broker_url),
            resent=len(queued),
        )

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.outbox.put(None)
        for thread in self.threads:
            thread.join(timeout)
            self.loops.unregister(thread.name)
        self.threads = []

    def submit(self, job_id: str, urgent: bool = False) -> None:
        """Announce a queued job; ``urgent`` (a re-queued job) goes to the front of the queue."""
        self.outbox.put((job_id, urgent))

    def cancel(self, job_id: str) -> None:
        """Nothing to do: the worker reads the store's cancel flag (set by the route)."""

    def owns(self, job_id: str) -> bool:
        """Never: the jobs run in worker processes elsewhere."""
        return False

    def health(self) -> ExecutorHealth:
        nodes = list(self.workers_seen)
        busy = self.store.counts().get(RUNNING, 0)
        problems = self.loops.problems()
        if problems:
            return ExecutorHealth(False, "not working: " + "; ".join(problems), 0, 0, busy)
        if self.ping_error is not None:
            detail = f"the broker {redacted(self.settings.celery_broker_url)}: {self.ping_error}"
            return ExecutorHealth(False, detail, 0, 0, busy)
        if not nodes:
            return ExecutorHealth(
                False, "no Celery worker answers (start `v2v worker`)", 0, 0, busy
            )
        detail = f"{len(nodes)} Celery worker(s) answer ({', '.join(sorted(nodes))}), {busy} busy"
        warming, pools = dict(self.warming), dict(self.pools)
        if any(warming.values()):
            names = ", ".join(sorted(node for node, count in warming.items() if count))
            detail += f", {sum(warming.values())} pool process(es) warming up ({names})"
        return ExecutorHealth(
            True, detail, len(nodes), len(nodes), busy, cluster_warming(nodes, warming, pools)
        )

    # -- threads -------------------------------------------------------------------------------

    def _priority(self, job_id: str, urgent: bool = False) -> int | None:
        """The message priority of a queued job; None when it is no longer queued."""
        with self.store.db.session() as session:
            row = session.execute(
                select(JobRow.status, JobRow.priority).where(JobRow.id == job_id)
            ).first()
        if row is None or row.status != QUEUED:
            return None
        return URGENT if urgent or row.priority > 0 else NORMAL

    def _send(self, job_id: str, urgent: bool = False) -> None:
        priority = self._priority(job_id, urgent)
        if priority is None:
            return
        self.app.send_task(TASK_NAME, args=[job_id], queue=QUEUE, priority=priority, retry=False)

    def _send_loop(self) -> None:
        waiting: list[tuple[str, bool]] = []
        state = self.states["v2v-celery-send"]
        while not self.stopping.is_set():
            try:
                item = self.outbox.get(timeout=_RETRY_SECONDS if waiting else None)
            except queue.Empty:
                item = ("", False)
            if item is None:
                state.stopped = True
                return
            batch = [*waiting, item] if item[0] else waiting
            waiting = []
            for index, (pending, urgent) in enumerate(batch):
                try:
                    self._send(pending, urgent)
                except Exception as exc:  # noqa: BLE001 - broker/database errors: retry later
                    log.warning("job_announce_failed", job_id=pending, error=str(exc)[:200])
                    state.failures += 1
                    state.failing_since = state.failing_since or time.monotonic()
                    state.last_error = f"{type(exc).__name__}: {str(exc)[:200]}"
                    waiting = batch[index:]
                    break
                else:
                    state.succeeded()

    def _finished_loop(self, feed: FinishedFeed) -> None:
        state = self.states["v2v-finished"]
        run_every(state, feed.poll, _FINISHED_SECONDS, self.stopping)

    def _ping_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                replies = (
                    self.app.control.broadcast(WARM_UP_COMMAND, reply=True, timeout=_PING_TIMEOUT)
                    or []
                )
                answers = {node: answer for reply in replies for node, answer in reply.items()}
                self.warming = {node: warming_of(answer) for node, answer in answers.items()}
                self.pools = {node: pool_of(answer) for node, answer in answers.items()}
                self.workers_seen = list(answers)
                self.ping_error = None
            except Exception as exc:  # noqa: BLE001 - any broker error means "cannot reach it"
                self.workers_seen, self.warming = [], {}
                self.ping_error = f"unreachable ({type(exc).__name__})"
            self.first_ping.set()
            self.stopping.wait(_PING_SECONDS)
        self.states["v2v-celery-ping"].stopped = True
