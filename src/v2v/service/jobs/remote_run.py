"""One job inside a Celery worker process: claim, fetch the upload, run, publish, record.

The worker writes straight to the job store (progress, heartbeats, the result), the way the local
dispatcher does for its worker processes. A watch thread beside the run:

- sends a heartbeat every ``heartbeat_seconds`` (a killed process stops them, and the job is
  re-queued by the API's housekeeping once they are ``JOB_STALE_SECONDS`` old);
- reads the store's cancel flag every second and sets the run's cancel event, so the pipeline stops
  at its next stage boundary; does the same after ``JOB_TIMEOUT``;
- when the run has not stopped ``CANCEL_GRACE_SECONDS`` later, records the end itself and calls
  ``on_stuck`` (the Celery worker kills its pool process; Celery starts a fresh one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from v2v import RunContext, V2VError
from v2v.errors import Cancelled
from v2v.service.jobs.claims import claim_or_take_over, worker_name
from v2v.service.jobs.executor import RunOptions
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.messages import DISK_FULL, Outcome, Task, is_disk_full
from v2v.service.jobs.store import CANCELLED, FAILED, SUCCEEDED, JobRecord, JobStore
from v2v.service.jobs.supervise import LoopState, best_effort, persist
from v2v.service.logs import bind_request, clear_request, get_logger
from v2v.service.storage import adopt_run_outputs, release_local_copy, stage_run_outputs

log = get_logger("v2v.service.remote")
Runner = Callable[[Task, RunContext], Outcome]
SKIPPED = "skipped"
_TICK = 0.2  # seconds between the watch thread's checks
_CANCEL_POLL = 1.0  # seconds between reads of the store's cancel flag
_PROGRESS_INTERVAL = 0.5  # seconds between progress writes


class _Watch(threading.Thread):
    """Heartbeats, cancel flag and timeout for one running job (see the module docstring)."""

    def __init__(self, run: JobRun, job: JobRecord, cancel: threading.Event) -> None:
        super().__init__(name=f"v2v-watch-{job.id[:8]}", daemon=True)
        self.run_ = run
        self.job = job
        self.cancel = cancel
        self.reason = ""
        self.finished = threading.Event()
        self.abandoned = False

    def stop_run(self, reason: str) -> None:
        if not self.cancel.is_set():
            self.reason = reason
            log.info("job_cancelling", reason=reason)
            self.cancel.set()

    def run(self) -> None:
        """Tick until the run ends. A database error in a tick is logged and the tick retried
        after a pause (doubling, up to the heartbeat interval), so heartbeats resume when the
        database answers again; a run that loses its lease meanwhile is stopped."""
        self.started = self.last_beat = self.last_poll = time.monotonic()
        self.cancelled_at: float | None = None
        state = LoopState(f"watch of job {self.job.id}")
        delay = _TICK
        while not self.finished.wait(delay):
            try:
                if self._tick():
                    return
            except Exception as exc:  # noqa: BLE001 - supervised: log, back off, go on
                delay = state.failed(exc, _TICK, max(_TICK, self.run_.options.heartbeat_seconds))
            else:
                state.succeeded()
                delay = _TICK

    def _tick(self) -> bool:
        """One look: heartbeat, cancel flag, timeout, grace. True when the watch is done."""
        store, options = self.run_.store, self.run_.options
        now = time.monotonic()
        if now - self.last_beat >= options.heartbeat_seconds:
            if not store.heartbeat(self.job.id, self.job.lease or ""):
                self.stop_run("the job no longer runs here (deleted, ended or re-queued)")
            self.last_beat = now
        if self.cancel.is_set():
            self.cancelled_at = self.cancelled_at or now
            if now - self.cancelled_at > options.cancel_grace_seconds:
                self.abandoned = True
                self.run_.end(self.job, *self.run_.stop_status(self.reason), {})
                self.run_.on_stuck()
                return True
        elif now - self.last_poll >= _CANCEL_POLL:
            if store.cancel_requested(self.job.id):
                self.stop_run("cancelled on request")
            self.last_poll = now
        if not self.cancel.is_set() and now - self.started > options.job_timeout:
            self.stop_run(
                f"timeout: the job ran longer than {options.job_timeout:.0f} s (JOB_TIMEOUT)"
            )
        return False


class JobRun:
    """Runs jobs by id in this process; ``on_stuck`` is called when a run ignores its cancel."""

    def __init__(
        self,
        store: JobStore,
        files: JobFiles,
        options: RunOptions,
        runner: Runner,
        on_stuck: Callable[[], None],
    ) -> None:
        self.store = store
        self.files = files
        self.options = options
        self.runner = runner
        self.on_stuck = on_stuck

    def __call__(self, job_id: str) -> str:
        """Run the job if this worker can claim it; returns its final status or ``skipped``."""
        me = worker_name()
        got = claim_or_take_over(self.store, job_id, me, self.options.max_attempts)
        if got.ended is not None:  # taking over used up its attempts
            self.files.clear_outputs(job_id)
            self.files.remove_input(job_id)
        if got.job is None:
            log.info("job_skipped", job_id=job_id, reason=got.reason)
            return SKIPPED
        bind_request(got.job.correlation_id, job_id=job_id, worker=me)
        try:
            return self._run(got.job)
        finally:
            clear_request()

    def _run(self, job: JobRecord) -> str:
        self.files.clear_outputs(job.id)  # a killed earlier attempt may have left some
        task = self.files.task_for(job, self.options.pipeline_config)
        if task is None:
            detail = "the uploaded photo is missing from the job storage; submit the job again"
            return self.end(job, FAILED, "input_missing", detail, {})
        ctx = RunContext(progress=self._progress_writer(job.id, job.lease or ""))
        watch = _Watch(self, job, ctx.cancel_event)
        watch.start()
        log.info("job_started", kind=job.kind, attempt=job.attempts)
        try:
            outcome = self.runner(task, ctx)
        except Cancelled:
            return self._after_watch(watch, job, *self.stop_status(watch.reason), ctx.timings)
        except V2VError as exc:
            return self._after_watch(watch, job, FAILED, exc.code, str(exc), ctx.timings)
        except Exception as exc:
            if is_disk_full(exc):
                log.error("job_failed", code="disk_full", error=str(exc)[:200])
                return self._after_watch(watch, job, FAILED, "disk_full", DISK_FULL, ctx.timings)
            log.exception("job_crashed")
            detail = (
                "an internal error stopped the job; the worker log has the details "
                f"(correlation id {job.correlation_id})"
            )
            return self._after_watch(watch, job, FAILED, "internal_error", detail, ctx.timings)
        watch.finished.set()
        watch.join()
        if watch.abandoned:
            return CANCELLED
        return self._succeed(job, outcome)

    def _after_watch(
        self, watch: _Watch, job: JobRecord, status: str, code: str, detail: str, timings: dict
    ) -> str:
        watch.finished.set()
        watch.join()
        if watch.abandoned:
            return status
        return self.end(job, status, code, detail, dict(timings))

    @staticmethod
    def stop_status(reason: str) -> tuple[str, str, str]:
        """(status, code, detail) of a run stopped for ``reason``."""
        if reason.startswith("timeout"):
            return FAILED, "timeout", reason
        return CANCELLED, "cancelled", reason or "cancelled"

    def _progress_writer(self, job_id: str, lease: str) -> Callable[[str, float, str], None]:
        progress: dict[str, float] = {}
        last = [0.0]

        def write(phase: str, fraction: float, message: str) -> None:
            progress[phase] = round(fraction, 3)
            now = time.monotonic()
            if fraction in (0.0, 1.0) or now - last[0] > _PROGRESS_INTERVAL:
                last[0] = now
                best_effort(
                    lambda: self.store.progress(job_id, lease, phase, dict(progress), message),
                    "progress",
                )

        return write

    def _succeed(self, job: JobRecord, outcome: Outcome) -> str:
        progress = {phase: 1.0 for phase in outcome.timings if phase != "total"}
        lease = job.lease or ""

        # the uploads happen first, into the run's own remote folder; recording the result
        # under this run's lease only moves files (no upload holds the job's row or the
        # SQLite write lock)
        stage_run_outputs(self.files, job.id, lease, outcome.files)

        def publish() -> None:  # only while the result is recorded under this run's lease
            adopt_run_outputs(self.files, job.id, lease, outcome.files)

        status = persist(
            lambda: self.store.succeed(
                job.id, lease, outcome.files, outcome.timings, outcome.qa, progress, publish
            ),
            "result",
        )
        if status == CANCELLED:  # the cancel came after the last stage's check
            self._discard(job.id)
            log.info("job_ended", status=status, code="cancelled")
            return CANCELLED
        if status is None:  # deleted, or another run holds it now: its files are not ours
            log.info("job_result_dropped", reason="the job was deleted or ended elsewhere")
            if self.store.get(job.id) is None:
                self.files.remove(job.id)
            else:
                self.files.drop_run(job.id, lease)
                release_local_copy(self.files, job.id)
            return SKIPPED
        self.files.remove_input(job.id)
        release_local_copy(self.files, job.id)
        log.info("job_succeeded", timings=outcome.timings, files=outcome.files)
        return SUCCEEDED

    def end(
        self, job: JobRecord, status: str, code: str, detail: str, timings: dict[str, float]
    ) -> str:
        """Record a failed or cancelled end and remove the job's partial files."""
        if not persist(
            lambda: self.store.fail(
                job.id, code, detail, status=status, timings=timings or None, lease=job.lease or ""
            ),
            "end",
        ):
            log.info("job_end_dropped", status=status, reason="the run no longer holds the job")
            if job.lease and self.store.get(job.id) is not None:
                self.files.drop_run(job.id, job.lease)  # only this run's own folder
                release_local_copy(self.files, job.id)
            return SKIPPED
        self._discard(job.id)
        log.info("job_ended", status=status, code=code, detail=detail)
        return status

    def _discard(self, job_id: str) -> None:
        """Remove the partial or unwanted results and the upload of a job that did not succeed."""
        self.files.clear_outputs(job_id)
        self.files.remove_input(job_id)
        release_local_copy(self.files, job_id)
