"""Whether the service can take one more job now: free disk and queue caps.

- less than ``MIN_FREE_DISK_MB`` free in the data directory → 507 (nothing is received);
- ``MAX_QUEUED_PER_KEY`` jobs of this key (or anonymous client) queued or running → 429;
- ``MAX_QUEUED_JOBS`` jobs queued in the whole service → 429.

Both 429s carry ``Retry-After``. ``check_capacity`` looks before an upload is received (a request
over a cap is refused before its body is read); the job store counts again and inserts the job in
one step (``queue_caps``, :mod:`v2v.service.jobs.admission`), so requests arriving together cannot
pass a cap either.
"""

from __future__ import annotations

import shutil

from sqlalchemy import func, select

from v2v.service.db import JobRow
from v2v.service.deps import Services
from v2v.service.jobs.admission import QueueCaps, QueueFull
from v2v.service.jobs.store import QUEUED, RUNNING
from v2v.service.problems import ApiProblem
from v2v.service.security.auth import Client

RETRY_AFTER_SECONDS = 30


def free_disk_mb(services: Services) -> int:
    return int(shutil.disk_usage(services.files.root).free // (1024 * 1024))


def check_disk(services: Services) -> None:
    """507 below the free-disk floor (MIN_FREE_DISK_MB)."""
    floor = services.settings.min_free_disk_mb
    if floor and free_disk_mb(services) < floor:
        raise ApiProblem(
            507,
            "insufficient_storage",
            "the server is short of disk space for new work (below MIN_FREE_DISK_MB); "
            "try again later",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS * 10)},
        )


def _count(services: Services, statuses: tuple[str, ...], owner: str | None) -> int:
    query = select(func.count()).select_from(JobRow).where(JobRow.status.in_(statuses))
    if owner is not None:
        query = query.where(JobRow.owner == owner)
    with services.db.session() as session:
        return int(session.scalar(query) or 0)


def _full(detail: str) -> ApiProblem:
    return ApiProblem(429, "queue_full", detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def queue_caps(services: Services) -> QueueCaps:
    """The caps the store enforces when it creates a job."""
    settings = services.settings
    return QueueCaps(settings.max_queued_per_key, settings.max_queued_jobs)


def queue_full(exc: QueueFull) -> ApiProblem:
    """The 429 of a cap the store found reached."""
    if exc.cap == "per_owner":
        return _per_key(exc.limit)
    return _overall(exc.limit)


def _per_key(limit: int) -> ApiProblem:
    return _full(
        f"this API key already has {limit} jobs queued or running "
        "(MAX_QUEUED_PER_KEY); wait for some to finish or cancel them"
    )


def _overall(limit: int) -> ApiProblem:
    return _full(f"the service has {limit} jobs waiting (MAX_QUEUED_JOBS); try again later")


def check_capacity(services: Services, client: Client) -> None:
    """Raise 507 or 429 (with Retry-After) when this job may not be queued now."""
    check_disk(services)
    settings = services.settings
    per_key = settings.max_queued_per_key
    if per_key and _count(services, (QUEUED, RUNNING), client.owner) >= per_key:
        raise _per_key(per_key)
    overall = settings.max_queued_jobs
    if overall and _count(services, (QUEUED,), None) >= overall:
        raise _overall(overall)
