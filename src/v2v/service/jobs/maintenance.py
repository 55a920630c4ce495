"""Housekeeping: re-queue jobs whose worker died, remove expired jobs and orphaned folders.

What is removed, and what never is:

- a finished job (succeeded, failed, cancelled: also one cancelled before it started or one
  that failed to start, e.g. ``input_missing``) ``RETENTION_HOURS`` after it ended, row and files;
- a job folder without a job row (an interrupted deletion or creation), 10 minutes old;
- an upload left half-received in ``DATA_DIR/tmp`` (its process died, on any host sharing the
  folder) once nothing has written it for an hour;
- a queued or running job, never: a running one whose worker is gone is re-queued and at last
  fails (``JOB_MAX_ATTEMPTS``), and then expires like any finished job; a queued one waits for a
  worker however long that takes. The queue caps bound how many there can be.
"""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from v2v.service.db import utcnow
from v2v.service.jobs.executor import Executor
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.store import FAILED, QUEUED, JobStore
from v2v.service.jobs.supervise import run_every
from v2v.service.logs import get_logger

log = get_logger("v2v.service.maintenance")
_ORPHAN_AGE_SECONDS = 600  # a folder this old without a job row is left over, not being created
#: a file in DATA_DIR/tmp not written for this long is an abandoned upload (any host's)
ABANDONED_UPLOAD_SECONDS = 3600.0


@dataclass
class SweepResult:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)  # abandoned, in DATA_DIR/tmp


class Maintenance(threading.Thread):
    """Runs :meth:`sweep` every ``interval`` seconds until stopped."""

    def __init__(
        self,
        store: JobStore,
        files: JobFiles,
        executor: Executor,
        stale_seconds: float,
        max_attempts: int,
        retention_hours: float,
    ) -> None:
        super().__init__(name="v2v-maintenance", daemon=True)
        self.store = store
        self.files = files
        self.executor = executor
        self.stale_seconds = stale_seconds
        self.max_attempts = max_attempts
        self.retention_hours = retention_hours
        self.interval = min(max(stale_seconds / 3, 0.5), 10.0)
        self.stopping = threading.Event()
        self.state = executor.loops.register("housekeeping", self)
        self.last_orphan_sweep = time.monotonic()

    def run(self) -> None:
        """Sweep every ``interval`` s; an error is logged and the next sweep waits longer."""
        run_every(self.state, self._tick, self.interval, self.stopping)

    def _tick(self) -> None:
        orphans = time.monotonic() - self.last_orphan_sweep > _ORPHAN_AGE_SECONDS
        self.sweep(orphans=orphans)
        if orphans:
            self.last_orphan_sweep = time.monotonic()

    def first_sweep(self) -> None:
        """The sweep at start-up (orphans too); an error is logged, not raised: the loop goes on."""
        try:
            self.sweep(orphans=True)
        except Exception as exc:  # noqa: BLE001 - the service starts; the loop tries again
            self.state.failed(exc, self.interval, 30.0)

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive():
            self.join(5)
        self.state.stopped = True

    def sweep(self, orphans: bool = False) -> SweepResult:
        """One pass; ``orphans`` also removes job folders that no job owns (slower)."""
        result = SweepResult()
        for job in self.store.stale(self.stale_seconds):
            if self.executor.owns(job.id):
                continue
            seen = job.updated_at.isoformat(timespec="seconds")
            reason = f"its worker stopped responding (last heard of at {seen})"
            status = self.store.requeue(
                job.id, reason, self.max_attempts, lease=job.lease, stale_seconds=self.stale_seconds
            )
            if status == QUEUED:
                result.requeued.append(job.id)
                self.executor.submit(job.id, urgent=True)
            elif status is not None:
                result.failed.append(job.id)
                if status == FAILED:
                    self.files.clear_outputs(job.id)
                self.files.remove_input(job.id)
        if self.retention_hours > 0:
            moment = utcnow() - timedelta(hours=self.retention_hours)
            for job_id in self.store.finished_before(moment):
                self.files.remove(job_id)
                self.store.delete(job_id)
                result.expired.append(job_id)
        if orphans:
            result.orphans = self._orphans()
            result.uploads = self.files.remove_abandoned_uploads(ABANDONED_UPLOAD_SECONDS)
        if any(vars(result).values()):
            log.info("maintenance", **vars(result))
        return result

    def _orphans(self) -> list[str]:
        removed = []
        for name in self.files.orphans(set()):
            path = self.files.jobs / name
            if time.time() - path.stat().st_mtime < _ORPHAN_AGE_SECONDS:
                continue
            if self.store.get(name) is None:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(name)
        return removed
