"""Messages between the dispatcher (in the API process) and a worker. All picklable dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("convert", "phase1", "phase2", "phase3", "phase4", "train")


@dataclass(frozen=True)
class Task:
    """One job for a worker.

    params: ``palette`` (name or comma-separated hex, or None for the config's), ``overrides``
    (dotted config keys → values), ``hint`` ([x0, y0, x1, y1] in photo pixels, or None),
    ``intermediates`` (bool), ``name`` (the upload's file name stem).
    """

    job_id: str
    kind: str
    input_path: str
    out_dir: str
    params: dict[str, Any]
    correlation_id: str
    pipeline_config: str | None = None


@dataclass(frozen=True)
class Cancel:
    job_id: str


@dataclass(frozen=True)
class Progress:
    job_id: str
    phase: str
    fraction: float
    message: str


@dataclass(frozen=True)
class Outcome:
    """What a finished task produced: file names inside ``out_dir``, timings (s), QA summary."""

    files: list[str]
    timings: dict[str, float]
    qa: dict[str, Any] | None = None
    gpu_memory_peak_bytes: int | None = None


@dataclass(frozen=True)
class Done:
    job_id: str
    outcome: Outcome


@dataclass(frozen=True)
class Failed:
    """``code`` is a V2VError code (``input_error``, ``cancelled``…) or ``internal_error``."""

    job_id: str
    code: str
    detail: str
    timings: dict[str, float] = field(default_factory=dict)


DISK_FULL = (
    "the server's disk is full (no space left while the job wrote its files); its partial files "
    "were removed: submit the job again once space has been freed"
)


def is_disk_full(error: BaseException) -> bool:
    """True for 'no space left on device' (and 'disk quota exceeded')."""
    import errno

    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)
