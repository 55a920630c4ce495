"""Choosing the executor from the settings: the local pool (default) or Celery workers."""

from __future__ import annotations

from v2v.service.jobs.executor import Executor, FinishedHook, LocalExecutor, LocalOptions
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.store import JobStore
from v2v.service.settings import Settings


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
    return LocalExecutor(store, files, options, environment, on_finished=on_finished)
