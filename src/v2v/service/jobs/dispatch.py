"""Running one claimed job on a worker: send the task, relay progress, enforce cancel and timeout.

Cancel first sets the run's cancel flag (the pipeline stops at its next stage boundary); when the
worker has not stopped ``cancel_grace_seconds`` later, its process is killed and replaced.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from v2v.service.jobs.messages import Cancel, Done, Failed, Progress
from v2v.service.jobs.store import CANCELLED, FAILED, SUCCEEDED, JobRecord
from v2v.service.jobs.supervise import best_effort, persist
from v2v.service.logs import bind_request, clear_request, get_logger

if TYPE_CHECKING:
    from v2v.service.jobs.local_executor import Slot

log = get_logger("v2v.service.dispatch")
_PROGRESS_INTERVAL = 0.5  # seconds between progress writes to the store
_CANCEL_POLL = 1.0  # seconds between reads of the store's cancel flag (set by other instances)
_CHECK_INTERVAL = 0.2  # seconds between checks for cancel, timeout and worker death


class JobDispatch:
    def __init__(self, slot: Slot, job: JobRecord) -> None:
        self.slot = slot
        self.job = job
        self.options = slot.executor.options
        self.store = slot.executor.store
        self.files = slot.executor.files
        self.lease = job.lease or ""  # claims always set one
        self.progress: dict[str, float] = {}
        self.started = time.monotonic()
        self.cancel_sent: float | None = None
        self.cancel_reason = ""
        self.last_write = 0.0
        self.last_heartbeat = self.started
        self.last_cancel_poll = self.started

    def run(self) -> None:
        bind_request(self.job.correlation_id, job_id=self.job.id)
        try:
            self._run()
        finally:
            clear_request()

    def _run(self) -> None:
        job, files = self.job, self.files
        files.clear_outputs(job.id)
        task = files.task_for(job, self.options.pipeline_config)
        if task is None:
            self._end(
                FAILED,
                "input_missing",
                "the uploaded photo is missing from the data directory; submit the job again",
            )
            return
        worker = self.slot.worker
        if not worker.alive():
            self.slot.replace_worker()
        self.slot.worker.send(task)
        log.info("job_dispatched", worker=self.slot.worker_id, attempt=job.attempts)
        last_check = 0.0
        while True:
            message = self.slot.worker.recv(timeout=_CHECK_INTERVAL)
            if isinstance(message, Done):
                self._done(message)
                return
            if isinstance(message, Failed):
                self._failed(message)
                return
            if isinstance(message, Progress):
                self._progress(message)
            if time.monotonic() - last_check >= _CHECK_INTERVAL:
                last_check = time.monotonic()
                if self._checks():
                    return

    def _progress(self, message: Progress) -> None:
        self.progress[message.phase] = round(message.fraction, 3)
        now = time.monotonic()
        if message.fraction in (0.0, 1.0) or now - self.last_write > _PROGRESS_INTERVAL:
            best_effort(
                lambda: self.store.progress(
                    self.job.id, self.lease, message.phase, dict(self.progress), message.message
                ),
                "progress",
            )
            self.last_write = self.last_heartbeat = now

    def _checks(self) -> bool:
        """Heartbeat, worker death, cancel and timeout. True when the job has ended."""
        now = time.monotonic()
        worker = self.slot.worker
        executor = self.slot.executor
        if not worker.alive():
            return self._worker_lost(f"the worker process exited (code {worker.exit_code})")
        if executor.stopping.is_set():
            return self._shutdown()
        if now - self.last_heartbeat > self.options.heartbeat_seconds:
            self.last_heartbeat = now
            if (
                best_effort(lambda: self.store.heartbeat(self.job.id, self.lease), "heartbeat")
                is False
            ):
                self._send_cancel("the job no longer runs here (deleted, ended or re-queued)")
        if self.cancel_sent is None:
            if self.slot.cancel_wanted(self.job.id) or self._store_cancel(now):
                self._send_cancel("cancelled on request")
            elif now - self.started > self.options.job_timeout:
                self._send_cancel(
                    f"timeout: the job ran longer than {self.options.job_timeout:.0f}"
                    " s (JOB_TIMEOUT)"
                )
        elif now - self.cancel_sent > self.options.cancel_grace_seconds:
            self.slot.replace_worker()
            self._stopped({})
            return True
        return False

    def _store_cancel(self, now: float) -> bool:
        if now - self.last_cancel_poll < _CANCEL_POLL:
            return False
        self.last_cancel_poll = now
        return bool(best_effort(lambda: self.store.cancel_requested(self.job.id), "cancel flag"))

    def _send_cancel(self, reason: str) -> None:
        self.cancel_reason = reason
        self.cancel_sent = time.monotonic()
        log.info("job_cancelling", reason=reason)
        with contextlib.suppress(BrokenPipeError, OSError):
            self.slot.worker.send(Cancel(self.job.id))

    def _stopped(self, timings: dict[str, float]) -> None:
        if self.cancel_reason.startswith("timeout"):
            self._end(FAILED, "timeout", self.cancel_reason, timings)
        else:
            self._end(CANCELLED, "cancelled", self.cancel_reason or "cancelled", timings)

    def _done(self, message: Done) -> None:
        outcome = message.outcome
        self.progress = {phase: 1.0 for phase in outcome.timings if phase != "total"}
        status = persist(
            lambda: self.store.succeed(
                self.job.id,
                self.lease,
                outcome.files,
                outcome.timings,
                outcome.qa,
                self.progress,
                publish=lambda: self.files.adopt_outputs(self.job.id, self.lease, outcome.files),
            ),
            "result",
        )
        if status == SUCCEEDED:
            self.files.remove_input(self.job.id)
            self._notify(SUCCEEDED, outcome.timings, None, outcome.gpu_memory_peak_bytes)
        elif status == CANCELLED:  # the cancel came after the last stage's check
            self.files.clear_outputs(self.job.id)
            self.files.remove_input(self.job.id)
            log.info("job_ended", status=status, code="cancelled")
            self._notify(CANCELLED, outcome.timings, "cancelled", None)
        elif self.store.get(self.job.id) is None:  # deleted while it ran
            self.files.remove(self.job.id)
        else:  # another run holds the job now: only this run's own folder is ours
            self.files.drop_run(self.job.id, self.lease)
            log.warning("job_result_dropped", reason="the run lost its lease")

    def _failed(self, message: Failed) -> None:
        if message.code == "cancelled":
            self._stopped(message.timings)
        else:
            self._end(FAILED, message.code, message.detail, message.timings)

    def _end(
        self, status: str, code: str, detail: str, timings: dict[str, float] | None = None
    ) -> None:
        if not persist(
            lambda: self.store.fail(
                self.job.id, code, detail, status=status, timings=timings, lease=self.lease
            ),
            "end",
        ):
            log.warning("job_end_dropped", status=status, reason="the run lost its lease")
            if self.lease:
                self.files.drop_run(self.job.id, self.lease)  # only this run's own folder
            return
        self.files.clear_outputs(self.job.id)
        self.files.remove_input(self.job.id)
        log.info("job_ended", status=status, code=code)
        self._notify(status, timings or {}, code, None)

    def _worker_lost(self, reason: str) -> bool:
        self.slot.replace_worker()
        if self.cancel_sent is not None:
            self._stopped({})
            return True
        status = self.store.requeue(
            self.job.id, reason, self.options.max_attempts, lease=self.lease
        )
        log.warning("worker_lost", reason=reason, new_status=status)
        if status == FAILED:
            self.files.clear_outputs(self.job.id)
            self.files.remove_input(self.job.id)
            self._notify(FAILED, {}, "worker_lost", None)
        return True

    def _shutdown(self) -> bool:
        """The service is stopping: stop the work and put the job back without using an attempt."""
        self._send_cancel("the service was shut down")
        self.slot.worker.kill()
        status = self.store.requeue(
            self.job.id,
            "the service was shut down",
            self.options.max_attempts,
            count_attempt=False,
            lease=self.lease,
        )
        if status is not None:
            self.files.clear_outputs(self.job.id)
        return True

    def _notify(
        self, status: str, timings: dict[str, float], code: str | None, gpu: int | None
    ) -> None:
        hook = self.slot.executor.on_finished
        if hook is not None:
            hook(self.job.id, status, timings, code, gpu)
