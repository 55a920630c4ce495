"""Job execution behind one interface, so a distributed task engine can replace the local pool.

The store is the queue: ``submit`` only says "there is work"; an executor claims queued jobs from
the store, runs them, and writes progress and results back to the store. The HTTP layer talks to
the store and to this interface only. The implementations: ``local_executor.LocalExecutor`` (worker
processes of this server, the default) and ``celery_executor.CeleryExecutor`` (remote workers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Self

from v2v.service.jobs.supervise import Loops
from v2v.service.settings import Settings

if TYPE_CHECKING:
    from v2v.service.jobs.files import JobFiles
    from v2v.service.jobs.local_executor import LocalOptions
    from v2v.service.jobs.store import JobStore

#: the runner a worker calls for each task (``module:function``; WORKER_RUNNER overrides it)
DEFAULT_RUNNER = "v2v.service.jobs.runner:run_task"


@dataclass(frozen=True)
class RunOptions:
    """Limits of a job run, the same for every executor (the API's pool and remote workers)."""

    job_timeout: float = 3600.0
    max_attempts: int = 3
    heartbeat_seconds: float = 10.0
    cancel_grace_seconds: float = 10.0
    pipeline_config: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **more: Any) -> Self:
        """The limits the settings give: JOB_TIMEOUT, JOB_MAX_ATTEMPTS, a heartbeat three times
        per JOB_STALE_SECONDS, CANCEL_GRACE_SECONDS, PIPELINE_CONFIG; ``more``: a subclass's own
        fields."""
        config = settings.pipeline_config
        return cls(
            job_timeout=settings.job_timeout,
            max_attempts=settings.job_max_attempts,
            heartbeat_seconds=settings.job_stale_seconds / 3,
            cancel_grace_seconds=settings.cancel_grace_seconds,
            pipeline_config=str(config) if config else None,
            **more,
        )


@dataclass(frozen=True)
class ExecutorHealth:
    ok: bool
    detail: str
    workers: int
    alive: int
    busy: int
    warming: int = 0  # workers still loading their models (``/ready`` says "warming")


class Executor(Protocol):
    """What the service needs from an execution backend."""

    #: the background loops of this process; ``health`` reports those that do not work
    loops: Loops

    def start(self) -> None: ...

    def stop(self, timeout: float = 10.0) -> None: ...

    def submit(self, job_id: str, urgent: bool = False) -> None:
        """A job was queued in the store (``urgent``: a re-queued job, to run before others)."""

    def cancel(self, job_id: str) -> None:
        """The store flagged a running job for cancellation; stop its work now if it runs here."""

    def owns(self, job_id: str) -> bool:
        """True while a live dispatcher of this process runs the job (housekeeping leaves it
        alone even when its heartbeats are late, e.g. while the database was locked)."""

    def health(self) -> ExecutorHealth: ...


#: called when a job ends: (job id, final status, timings in s, error code or None, GPU peak bytes)
FinishedHook = Callable[[str, str, dict[str, float], str | None, int | None], None]


def make_executor(
    settings: Settings,
    store: JobStore,
    files: JobFiles,
    options: LocalOptions,
    environment: dict[str, str],
    on_finished: FinishedHook | None = None,
) -> Executor:
    """``EXECUTOR=local``: worker processes of this server; ``celery``: remote ``v2v worker``s
    (they report to the store themselves; ``on_finished`` is called for the jobs they end when
    the API's feed thread finds them in the store, a few seconds later)."""
    if settings.executor == "celery":
        from v2v.service.jobs.celery_executor import CeleryExecutor

        return CeleryExecutor(settings, store, on_finished=on_finished)
    from v2v.service.jobs.local_executor import LocalExecutor

    return LocalExecutor(store, files, options, environment, on_finished=on_finished)
