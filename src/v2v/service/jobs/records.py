"""Job statuses and the snapshot of a job row handed between threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from v2v.service.db import JobRow

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
FINISHED = (SUCCEEDED, FAILED, CANCELLED)


@dataclass(frozen=True)
class JobRecord:
    """A snapshot of one job row (safe to hand between threads)."""

    id: str
    kind: str
    status: str
    owner: str
    correlation_id: str
    params: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int = 0
    worker: str | None = None
    lease: str | None = None
    cancel_requested: bool = False
    phase: str | None = None
    message: str = ""
    progress: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    qa: dict[str, Any] | None = None
    error_code: str | None = None
    error_detail: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @classmethod
    def from_row(cls, row: JobRow) -> JobRecord:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})
