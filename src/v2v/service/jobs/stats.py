"""Figures for the dashboard: a client's jobs by status, success rate and mean run time, and
the machine's load (the original system's ``/api/v1/dashboard`` cards)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from v2v.service.db import Database, JobRow, utcnow
from v2v.service.jobs.records import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED


@dataclass(frozen=True)
class JobFigures:
    """One owner's conversion jobs: counts, success rate over ended jobs (0–1, None before any
    ended), mean seconds from start to finish of succeeded ones (None before any)."""

    total: int
    active: int
    succeeded: int
    succeeded_today: int
    failed: int
    cancelled: int
    success_rate: float | None
    mean_seconds: float | None


def job_figures(db: Database, owner: str | None, now: datetime | None = None) -> JobFigures:
    now = now or utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    mine = [JobRow.kind == "convert", *([JobRow.owner == owner] if owner is not None else [])]
    counts: dict[str, int] = {}
    today = 0
    durations: list[float] = []
    with db.session() as session:
        grouped = select(JobRow.status, func.count()).where(*mine).group_by(JobRow.status)
        for status, count in session.execute(grouped):
            counts[str(status)] = int(count)
        done = select(JobRow.started_at, JobRow.finished_at).where(
            *mine, JobRow.status == SUCCEEDED
        )
        for started, finished in session.execute(done):
            if finished is not None and finished >= midnight:
                today += 1
            if started is not None and finished is not None:
                durations.append((finished - started) / timedelta(seconds=1))
    ended = counts.get(SUCCEEDED, 0) + counts.get(FAILED, 0)
    return JobFigures(
        total=sum(counts.values()),
        active=counts.get(QUEUED, 0) + counts.get(RUNNING, 0),
        succeeded=counts.get(SUCCEEDED, 0),
        succeeded_today=today,
        failed=counts.get(FAILED, 0),
        cancelled=counts.get(CANCELLED, 0),
        success_rate=counts.get(SUCCEEDED, 0) / ended if ended else None,
        mean_seconds=sum(durations) / len(durations) if durations else None,
    )


@dataclass(frozen=True)
class SystemFigures:
    """CPU and memory use in % (None without psutil), the data directory's disk use in %."""

    cpu_percent: float | None
    memory_percent: float | None
    disk_percent: float


def system_figures(data_dir: Path) -> SystemFigures:
    usage = shutil.disk_usage(data_dir)
    try:
        import psutil
    except ImportError:  # optional: the figures that need it are left out
        return SystemFigures(None, None, round(100 * usage.used / usage.total, 1))
    return SystemFigures(
        cpu_percent=float(psutil.cpu_percent(interval=0.1)),
        memory_percent=float(psutil.virtual_memory().percent),
        disk_percent=round(100 * usage.used / usage.total, 1),
    )
