"""Answers in the original system's shapes (``../shared/REFERENCE.md`` §2), built from today's
job records (``docs/compatibility.md``):

- a single-phase route's answer (``POST /api/v1/phaseN``): today's job document plus the
  original's ``status: "success"`` (under ``STATUS_NAMES=original``), ``output_url``,
  ``correlation_id`` and ``metadata`` (the phase's report);
- the dashboard's training progress (``GET /api/v1/dashboard/training-progress/{id}``).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field

from v2v.service.compat import status_name
from v2v.service.deps import Services
from v2v.service.jobs.store import SUCCEEDED, JobRecord
from v2v.service.redact import redact_paths
from v2v.service.schemas import API, JobResponse, JobStatus, StatusNames


class PhaseResponse(JobResponse):
    """A finished single-phase job, readable by a client of either API."""

    status: JobStatus | Literal["success"]  # type: ignore[assignment]
    correlation_id: str = Field(description="the request's correlation id (X-Correlation-ID)")
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="the phase's report: notes, removals, timings"
    )

    @classmethod
    def of_phase(cls, services: Services, job: JobRecord, correlation_id: str) -> PhaseResponse:
        names = services.settings.status_names
        document = JobResponse.of(job, names).model_dump()
        if names == "original" and job.status == SUCCEEDED:
            document["status"] = "success"  # the original's synchronous answer
        return cls(**document, correlation_id=correlation_id, metadata=_report(services, job))


def _report(services: Services, job: JobRecord) -> dict[str, Any]:
    path = services.files.download(job.id, "report.json", job.files)
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def training_progress(
    job: JobRecord, status: dict[str, Any] | None, names: StatusNames
) -> dict[str, Any]:
    """The original dashboard's training-progress document (REFERENCE.md §2.2) of a training job
    and its worker status file: progress in % (0–100), the current epoch and losses, the last
    10 log lines, the phase status of the preparation, the loss history per epoch."""
    status = status or {}
    done = job.status == SUCCEEDED
    progress = 1.0 if done else float(status.get("progress", job.progress.get("train", 0.0)))
    train, val = list(status.get("train_loss") or []), list(status.get("val_loss") or [])
    lora_id = status.get("lora_id") if done else None
    stage = status.get("stage")
    return {
        "job_id": job.id,
        "status": status_name(job.status, names),
        "progress": round(100 * progress, 1),
        "current_epoch": int(status.get("epoch", 0)),
        "total_epochs": int(status.get("epochs", 0)),
        "train_loss": train[-1] if train else status.get("last_loss"),
        "val_loss": val[-1] if val else None,
        "artifacts": {"weights": f"{API}/loras/{lora_id}/file", "lora_id": lora_id}
        if lora_id
        else {},
        "logs": [redact_paths(str(line)) for line in (status.get("log") or [])][-10:],
        "phase_status": {
            "stage": stage,
            "phase1_status": _step_state(stage, "preparing", done),  # phase I + II preprocessors
            "training_status": _step_state(stage, "training", done),
            "message": redact_paths(job.message),
        },
        "metrics_history": {
            "train_loss_history": [{"epoch": i + 1, "value": v} for i, v in enumerate(train)],
            "val_loss_history": [{"epoch": i + 1, "value": v} for i, v in enumerate(val)],
        },
        "error": redact_paths(job.error_detail or "") or None,
    }


_STAGES = ("checking", "preparing", "loading", "training", "saving", "done")


def _step_state(stage: str | None, step: str, done: bool) -> str:
    """pending / processing / completed for one step of the run, from the run's stage."""
    if done:
        return "completed"
    if stage not in _STAGES:
        return "pending"
    at, of = _STAGES.index(stage), _STAGES.index(step)
    return "completed" if at > of else "processing" if at == of else "pending"
