"""Figures for the dashboard: a client's jobs by status, success rate and mean run time, and
the machine's load (the original system's ``/api/v1/dashboard`` cards)."""

from __future__ import annotations

import shutil
import sys
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
class GpuFigures:
    """GPU memory in GiB: what this process's PyTorch holds (allocated, reserved by its
    allocator) and the device's total."""

    name: str
    allocated_gb: float
    reserved_gb: float
    total_gb: float


@dataclass(frozen=True)
class SystemFigures:
    """CPU and memory use in % (None without psutil), the data directory's disk use in %, the
    GPU's memory (None without a CUDA GPU in this process)."""

    cpu_percent: float | None
    memory_percent: float | None
    disk_percent: float
    gpu: GpuFigures | None = None


def gpu_figures() -> GpuFigures | None:
    """torch.cuda's figures when PyTorch is already loaded in this process and sees a GPU (the
    API never imports torch itself: that would cost it a CUDA context); else None."""
    torch = sys.modules.get("torch")
    cuda = getattr(torch, "cuda", None)
    if cuda is None or not cuda.is_available():
        return None
    gib = 1024**3
    device = cuda.current_device()
    return GpuFigures(
        name=str(cuda.get_device_name(device)),
        allocated_gb=round(cuda.memory_allocated(device) / gib, 2),
        reserved_gb=round(cuda.memory_reserved(device) / gib, 2),
        total_gb=round(cuda.get_device_properties(device).total_memory / gib, 2),
    )


def system_figures(data_dir: Path) -> SystemFigures:
    usage = shutil.disk_usage(data_dir)
    disk = round(100 * usage.used / usage.total, 1)
    try:
        import psutil
    except ImportError:  # optional: the figures that need it are left out
        return SystemFigures(None, None, disk, gpu_figures())
    return SystemFigures(
        cpu_percent=float(psutil.cpu_percent(interval=0.1)),
        memory_percent=float(psutil.virtual_memory().percent),
        disk_percent=disk,
        gpu=gpu_figures(),
    )
