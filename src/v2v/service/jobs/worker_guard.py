"""The Celery worker's main process watches the jobs of this host's worker processes.

Every second (a thread of the main process, which runs no pipeline code):

- it heartbeats the running jobs of its own live pool processes, so a job's heartbeat does not
  depend on the pipeline process getting the interpreter lock, and ``JOB_STALE_SECONDS`` can be
  short: a whole machine that dies is noticed by the API within that time;
- a running job whose process on this host is gone (``kill -9``, the OOM killer, a worker killed
  with its pool) is re-queued at once, under its lease, and announced with an urgent message, so
  it is run before the jobs that were waiting (Celery's own redelivery of the lost message goes
  to the back of the queue; when it arrives, the job is taken and it is skipped).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import psutil
from sqlalchemy import select, update

from v2v.service.db import Database, JobRow, db_now, utcnow
from v2v.service.jobs.claims import HOST_CHARS
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.records import FAILED, QUEUED, RUNNING
from v2v.service.jobs.store import JobStore
from v2v.service.jobs.supervise import LoopState, run_every
from v2v.service.logs import get_logger

log = get_logger("v2v.service.worker_guard")
TICK_SECONDS = 1.0


def _gone(pid: int) -> bool:
    """True when no process ``pid`` runs here (a zombie, killed but not yet reaped, is gone)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
    except psutil.AccessDenied:  # it exists, owned by another user
        return False


class WorkerGuard(threading.Thread):
    """See the module docstring. ``announce(job_id)`` sends the urgent message."""

    def __init__(
        self,
        database_url: str,
        files: JobFiles,
        max_attempts: int,
        announce: Callable[[str], None],
        host: str,
    ) -> None:
        super().__init__(name="v2v-worker-guard", daemon=True)
        self.database = Database(database_url)
        # pool processes are forked from this one: they must never use this engine's connections
        os.register_at_fork(after_in_child=lambda: self.database.engine.dispose(close=False))
        self.store = JobStore(self.database)
        self.files = files
        self.max_attempts = max_attempts
        self.announce = announce
        self.prefix = f"{host[:HOST_CHARS]}:"
        self.me = psutil.Process()
        self.stopping = threading.Event()
        self.state = LoopState("worker guard", self)

    def run(self) -> None:
        run_every(self.state, self.tick, TICK_SECONDS, self.stopping)

    def stop(self) -> None:
        self.stopping.set()

    def tick(self) -> tuple[int, list[str]]:
        """One look; returns (jobs heartbeated, jobs re-queued or ended)."""
        children = {
            child.pid
            for child in self.me.children(recursive=True)
            if child.status() != psutil.STATUS_ZOMBIE
        }
        with self.database.session() as session:
            rows = session.execute(
                select(JobRow.id, JobRow.worker, JobRow.lease).where(
                    JobRow.status == RUNNING, JobRow.worker.like(f"{self.prefix}%")
                )
            ).all()
        beats, lost = 0, []
        for job_id, worker, lease in rows:
            pid = str(worker).rsplit(":", 1)[1]
            if not pid.isdigit():
                continue
            if int(pid) in children:
                beats += self._heartbeat(job_id, lease)
            elif _gone(int(pid)):
                self._requeue(job_id, str(worker), lease)
                lost.append(job_id)
        return beats, lost

    def take_back(self, job_id: str) -> bool:
        """The pool process running ``job_id`` was lost: re-queue the job now (urgent message).

        True when the job needs nothing more from its old message (re-queued, or no longer
        running); False when it still runs on a live process (leave the message to Celery).
        """
        with self.database.session() as session:
            row = session.execute(
                select(JobRow.status, JobRow.worker, JobRow.lease).where(JobRow.id == job_id)
            ).first()
        if row is None or row.status != RUNNING:
            return True
        worker = str(row.worker or "")
        pid = worker.rsplit(":", 1)[1] if ":" in worker else ""
        if not worker.startswith(self.prefix) or not pid.isdigit() or not _gone(int(pid)):
            return False
        self._requeue(job_id, worker, row.lease)
        return True

    def _heartbeat(self, job_id: str, lease: str | None) -> int:
        with self.database.session() as session:
            hit = session.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == RUNNING, JobRow.lease == lease)
                .values(heartbeat_at=db_now(), updated_at=utcnow())
            ).rowcount  # type: ignore[attr-defined]
        return int(hit)

    def _requeue(self, job_id: str, worker: str, lease: str | None) -> None:
        reason = f"its worker process {worker} died"
        status = self.store.requeue(job_id, reason, self.max_attempts, lease=lease)
        if status == QUEUED:
            self.announce(job_id)
        elif status is not None:  # out of attempts (failed) or cancelled meanwhile
            if status == FAILED:
                self.files.clear_outputs(job_id)
            self.files.remove_input(job_id)
        log.warning("worker_process_lost", job_id=job_id, process=worker, new_status=status)


def request_class(guard: WorkerGuard) -> type:
    """Celery's task request, changed for one case: when the pool process running a job is
    lost, the job is re-queued at once with an urgent message and the old message acknowledged
    (Celery alone would put it back at the end of the queue). Runs in the main process."""
    from billiard.exceptions import WorkerLostError
    from celery.worker.request import Request

    class JobRequest(Request):
        def on_failure(
            self, exc_info: Any, send_failed_event: bool = True, return_ok: bool = False
        ) -> Any:
            if isinstance(exc_info.exception, WorkerLostError) and self.args:
                try:
                    if guard.take_back(str(self.args[0])):
                        self.acknowledge()
                        return None
                except Exception as exc:  # noqa: BLE001 - Celery's requeue is the fallback
                    log.warning("take_back_failed", error=f"{type(exc).__name__}: {exc}"[:300])
            return super().on_failure(exc_info, send_failed_event, return_ok)

    return JobRequest
