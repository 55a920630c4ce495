"""Batch runs over the Celery workers: ``v2v batch --executor celery``.

:func:`run_batch` validates each photo, queues it as a job in the shared store (owner ``batch``),
announces it to the workers, waits, copies ``result.svg`` and ``preview.png`` to the output folder
and deletes the jobs. The machine running it needs what an API machine needs: ``DATABASE_URL``,
``CELERY_BROKER_URL`` and the job files (a shared ``DATA_DIR`` or ``STORAGE_URL``). While it waits
it also does the API's housekeeping (a job whose worker died is re-queued), so a batch finishes
even when no API server runs.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from v2v.color.palette import Palette
from v2v.config import load_config, parse_overrides
from v2v.errors import InputError
from v2v.service.db import Database, JobRow
from v2v.service.jobs.celery_executor import CeleryExecutor
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.maintenance import Maintenance
from v2v.service.jobs.store import FINISHED, SUCCEEDED, JobRecord, JobStore
from v2v.service.problems import ApiProblem
from v2v.service.security.uploads import check_upload
from v2v.service.settings import Settings
from v2v.service.storage import make_job_files

OWNER = "batch"
_POLL_SECONDS = 0.5


@dataclass
class BatchItem:
    """One photo of a batch: its job, and how it ended (``ok``; ``error`` when it did not)."""

    file: str
    job_id: str | None = None
    ok: bool = False
    seconds: float | None = None
    error: str | None = None
    outputs: list[str] = field(default_factory=list)
    qa: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The summary line ``v2v batch`` writes to batch-summary.json."""
        summary: dict[str, Any] = {"file": self.file, "ok": self.ok, "job_id": self.job_id}
        if self.ok:
            qa = self.qa or {}
            summary.update(
                seconds=self.seconds,
                iou=qa.get("silhouette_iou"),
                qa_passed=qa.get("passed"),
                outputs=self.outputs,
            )
        else:
            summary["error"] = self.error
        return summary


def _queue_one(
    store: JobStore, files: JobFiles, settings: Settings, source: Path, params: dict[str, Any]
) -> BatchItem:
    item = BatchItem(str(source))
    temp = files.temp_path()
    try:
        with source.open("rb") as handle:
            checked = check_upload(
                handle, temp, settings.max_upload_bytes, settings.max_upload_pixels
            )
    except ApiProblem as exc:
        item.error = exc.detail
        return item
    except OSError as exc:
        item.error = f"cannot read {source}: {exc.strerror}"
        return item
    job_id = uuid.uuid4().hex
    files.store_input(job_id, temp, checked.extension)
    params = {**params, "name": source.stem}
    job = store.create("convert", OWNER, f"batch-{job_id[:12]}", params, job_id=job_id)
    item.job_id = job.id
    return item


def _finished(store: JobStore, ids: list[str]) -> dict[str, JobRecord]:
    with store.db.session() as session:
        rows = session.scalars(
            select(JobRow).where(JobRow.id.in_(ids), JobRow.status.in_(FINISHED))
        ).all()
        return {row.id: JobRecord.from_row(row) for row in rows}


def _collect(files: JobFiles, job: JobRecord, item: BatchItem, output_dir: Path) -> None:
    item.seconds = round(job.timings.get("total", sum(job.timings.values())), 2)
    if job.status != SUCCEEDED:
        item.error = f"{job.error_code}: {job.error_detail}"
        return
    item.ok, item.qa = True, job.qa
    stem = Path(item.file).stem
    for name, suffix in (("result.svg", ".svg"), ("preview.png", ".png")):
        path = files.download(job.id, name, job.files)
        if path is not None:
            target = output_dir / f"{stem}{suffix}"
            shutil.copyfile(path, target)
            item.outputs.append(str(target))


def run_batch(
    sources: Sequence[Path],
    output_dir: Path,
    settings: Settings,
    *,
    palette: str | None = None,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    timeout: float | None = None,
    on_item: Callable[[BatchItem], None] | None = None,
) -> list[BatchItem]:
    """Convert ``sources`` on the Celery workers; results go to ``output_dir/<stem>.svg|.png``.

    ``overrides``: dotted pipeline config keys, as a mapping or as the CLI's ``key=value``
    strings (values read as YAML), validated here against ``PIPELINE_CONFIG`` as API requests
    are; ``timeout``: seconds to wait for the whole batch (then the rest is cancelled);
    ``on_item``: called as each photo ends (progress bars). Returns one item per source, in order.
    Raises InputError (no sources, bad palette) or ConfigError (bad overrides) before queuing.
    """
    if not sources:
        raise InputError("no photos to convert")
    overrides = parse_overrides(overrides)
    load_config(settings.pipeline_config, overrides=overrides)  # ConfigError naming the key
    if palette is not None:
        Palette.load(palette)  # InputError before anything is queued
    output_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    try:
        database.create_tables(migrate=settings.database_migrate == "auto")
        store, files = JobStore(database), make_job_files(settings)
        files.jobs.mkdir(parents=True, exist_ok=True)
        files.tmp.mkdir(parents=True, exist_ok=True)
        params = {"palette": palette, "overrides": overrides, "hint": None}
        items = [_queue_one(store, files, settings, Path(s), params) for s in sources]
        executor = CeleryExecutor(settings, store)
        executor.start()
        try:
            _wait(store, files, executor, settings, items, output_dir, timeout, on_item)
        finally:
            executor.stop()
    finally:
        database.dispose()
    return items


def _wait(
    store: JobStore,
    files: JobFiles,
    executor: CeleryExecutor,
    settings: Settings,
    items: list[BatchItem],
    output_dir: Path,
    timeout: float | None,
    on_item: Callable[[BatchItem], None] | None,
) -> None:
    housekeeping = Maintenance(
        store, files, executor, settings.job_stale_seconds, settings.job_max_attempts, 0
    )
    pending = {item.job_id: item for item in items if item.job_id is not None}
    for item in items:
        if item.job_id is None and on_item is not None:
            on_item(item)
    deadline = None if timeout is None else time.monotonic() + timeout
    last_sweep = time.monotonic()
    try:
        while pending:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError
            for job_id, job in _finished(store, list(pending)).items():
                item = pending.pop(job_id)
                _collect(files, job, item, output_dir)
                store.delete(job_id)
                files.remove(job_id)
                if on_item is not None:
                    on_item(item)
            if time.monotonic() - last_sweep > housekeeping.interval:
                housekeeping.sweep()
                last_sweep = time.monotonic()
            time.sleep(_POLL_SECONDS)
    except (TimeoutError, KeyboardInterrupt) as exc:
        reason = "the batch timed out" if isinstance(exc, TimeoutError) else "interrupted"
        for job_id, item in pending.items():
            store.request_cancel(job_id)
            item.error = f"cancelled: {reason}"
        if isinstance(exc, KeyboardInterrupt):
            raise
