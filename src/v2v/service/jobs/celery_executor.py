"""The API's side of ``EXECUTOR=celery``: queued jobs become Celery messages for remote workers.

The job store stays the queue of record: ``submit`` only announces a queued job to the workers.
Sending happens on a thread (a request handler never waits on the broker); a message that cannot
be sent is retried every few seconds, and on start-up every queued job is announced again (a
duplicate message is harmless: the worker's claim finds the job taken and skips it).

Cancel needs nothing here: the route sets the store's cancel flag, which the worker running the
job reads every second (see :mod:`v2v.service.jobs.remote_run`). ``health`` reports the workers
that answered the last Celery ping (sent every few seconds on a thread, never in a request).

The workers record a job's end in the store, so ``on_finished`` (the metrics of finished jobs) is
fed by a thread that looks at the store every few seconds (:mod:`v2v.service.jobs.finished_feed`).
"""

from __future__ import annotations

import queue
import threading
from typing import Any

from sqlalchemy import select

from v2v.service.db import JobRow
from v2v.service.jobs.celery_app import NORMAL, QUEUE, TASK_NAME, URGENT, make_celery, redacted
from v2v.service.jobs.executor import ExecutorHealth, FinishedHook
from v2v.service.jobs.finished_feed import FinishedFeed
from v2v.service.jobs.store import QUEUED, RUNNING, JobStore
from v2v.service.logs import get_logger
from v2v.service.settings import Settings

log = get_logger("v2v.service.celery_executor")
_RETRY_SECONDS = 3.0
_PING_SECONDS = 5.0
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
        self.outbox: queue.Queue[str | None] = queue.Queue()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.workers_seen: list[str] = []
        self.ping_error: str | None = "no ping yet"

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
        for thread in self.threads:
            thread.start()
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
        self.threads = []

    def submit(self, job_id: str) -> None:
        self.outbox.put(job_id)

    def cancel(self, job_id: str) -> None:
        """Nothing to do: the worker reads the store's cancel flag (set by the route)."""

    def health(self) -> ExecutorHealth:
        nodes = list(self.workers_seen)
        busy = self.store.counts().get(RUNNING, 0)
        if self.ping_error is not None:
            detail = f"the broker {redacted(self.settings.celery_broker_url)}: {self.ping_error}"
            return ExecutorHealth(False, detail, 0, 0, busy)
        if not nodes:
            return ExecutorHealth(
                False, "no Celery worker answers (start `v2v worker`)", 0, 0, busy
            )
        detail = f"{len(nodes)} Celery worker(s) answer ({', '.join(sorted(nodes))}), {busy} busy"
        return ExecutorHealth(True, detail, len(nodes), len(nodes), busy)

    # -- threads -------------------------------------------------------------------------------

    def _priority(self, job_id: str) -> int | None:
        """The message priority of a queued job; None when it is no longer queued."""
        with self.store.db.session() as session:
            row = session.execute(
                select(JobRow.status, JobRow.priority).where(JobRow.id == job_id)
            ).first()
        if row is None or row.status != QUEUED:
            return None
        return URGENT if row.priority > 0 else NORMAL

    def _send(self, job_id: str) -> None:
        priority = self._priority(job_id)
        if priority is None:
            return
        self.app.send_task(TASK_NAME, args=[job_id], queue=QUEUE, priority=priority, retry=False)

    def _send_loop(self) -> None:
        waiting: list[str] = []
        while not self.stopping.is_set():
            try:
                job_id = self.outbox.get(timeout=_RETRY_SECONDS if waiting else None)
            except queue.Empty:
                job_id = ""
            if job_id is None:
                return
            batch = [*waiting, job_id] if job_id else waiting
            waiting = []
            for index, pending in enumerate(batch):
                try:
                    self._send(pending)
                except Exception as exc:  # noqa: BLE001 - broker/database errors: retry later
                    log.warning("job_announce_failed", job_id=pending, error=str(exc)[:200])
                    waiting = batch[index:]
                    break

    def _finished_loop(self, feed: FinishedFeed) -> None:
        while not self.stopping.wait(_FINISHED_SECONDS):
            try:
                feed.poll()
            except Exception as exc:  # noqa: BLE001 - database errors: look again next time
                log.warning("finished_jobs_unread", error=str(exc)[:200])

    def _ping_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                replies = self.app.control.ping(timeout=_PING_TIMEOUT) or []
                self.workers_seen = [node for reply in replies for node in reply]
                self.ping_error = None
            except Exception as exc:  # noqa: BLE001 - any broker error means "cannot reach it"
                self.workers_seen = []
                self.ping_error = f"unreachable ({type(exc).__name__})"
            self.stopping.wait(_PING_SECONDS)
