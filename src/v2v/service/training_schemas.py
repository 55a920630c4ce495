"""API models of the training routes, and what they ask of the server (availability, folders).

Availability is checked without importing torch in the API process: the packages are looked up
with ``importlib.util.find_spec`` and the model folders with the layout check.
"""

from __future__ import annotations

import importlib.util
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from v2v.errors import WeightsMissing
from v2v.models.layout import require
from v2v.service.compat import status_name
from v2v.service.deps import Services
from v2v.service.jobs.store import JobRecord
from v2v.service.lora_owners import model_dir
from v2v.service.redact import redact_paths
from v2v.service.schemas import API, JobError, JobStatus, StatusNames
from v2v.stages.sanitize.grounded_sam_lama import GroundedSamLamaConfig
from v2v.training import LoraInfo, TrainingParams

TRAIN_PACKAGES = ("torch", "diffusers", "transformers", "peft")
TRAIN_MODELS = ("sdxl", "controlnet-depth", "controlnet-canny", "depth")
PHASE1_GPU_MODELS = ("grounding-dino", "sam", "lama", "birefnet")
FOLDER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")


def availability(services: Services) -> tuple[bool, str]:
    """(can train, why not): the ``train`` extra's packages and the weights it needs."""
    missing = [name for name in TRAIN_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        return False, (
            f"the Python package(s) {', '.join(missing)} are not installed; "
            "pip install 'vehicle-to-vector[train]'"
        )
    names: tuple[str, ...] = TRAIN_MODELS
    if isinstance(services.base_config.phase1, GroundedSamLamaConfig):
        names += PHASE1_GPU_MODELS
    root = model_dir(services)
    try:
        for name in names:
            require(name, root)
    except WeightsMissing as exc:
        # a visitor needs the fix, not this server's folders: MODEL_DIR is the operator's
        return False, redact_paths(str(exc).replace(str(root), "MODEL_DIR"))
    return True, ""


def pairs_root(services: Services) -> Path:
    """PAIRS_DIR (the original's TRAIN_DATA_ROOT), else DATA_DIR/pairs."""
    return services.settings.pairs_dir or services.files.root / "pairs"


def pair_folders(services: Services) -> list[str]:
    root = pairs_root(services)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and FOLDER_NAME.match(p.name))


class TrainingInfo(BaseModel):
    available: bool
    reason: str = Field(description="why training cannot run here ('' when it can)")
    parameters: dict[str, Any] = Field(description="JSON schema: defaults, ranges, descriptions")
    folders: list[str] = Field(description="pair folders under DATA_DIR/pairs/ (the folder field)")
    max_request_bytes: int = Field(description="the whole multipart request must fit in this")

    @classmethod
    def build(
        cls, available: bool, reason: str, folders: list[str], services: Services
    ) -> TrainingInfo:
        return cls(
            available=available,
            reason=reason,
            parameters=TrainingParams.model_json_schema(),
            folders=folders,
            max_request_bytes=services.settings.max_upload_bytes,
        )


class TrainingJobResponse(BaseModel):
    """A training job. Losses are per epoch; ``progress`` is the whole run's fraction (0–1)."""

    id: str
    name: str | None = None
    status: JobStatus
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int
    stage: str | None = Field(None, description="checking, preparing, loading, training, …")
    progress: float
    message: str
    epoch: int = 0
    epochs: int = 0
    step: int = 0
    total_steps: int = 0
    last_loss: float | None = None
    train_loss: list[float] = Field(default_factory=list)
    val_loss: list[float] = Field(default_factory=list)
    eta_seconds: float | None = None
    log: list[str] = Field(default_factory=list, description="the last log lines")
    lora_id: str | None = Field(None, description="the trained LoRA (phase2.lora.path)")
    parameters: dict[str, Any]
    source: str | None = None
    error: JobError | None = None
    links: dict[str, str]
    # the original system's keys, beside today's (docs/compatibility.md)
    job_id: str = Field(description="the same as id (the original's name)")
    status_url: str = Field(description="where to poll (the original's name)")
    progress_percent: float = Field(description="progress 0–100 (the original's unit)")
    current_epoch: int = Field(0, description="the same as epoch (the original's name)")
    total_epochs: int = Field(0, description="the same as epochs (the original's name)")

    @classmethod
    def of(
        cls, job: JobRecord, status: dict[str, Any] | None, names: StatusNames = "v2v"
    ) -> TrainingJobResponse:
        """``names``: the status vocabulary (``STATUS_NAMES``)."""
        status = status or {}
        base = f"{API}/training-jobs/{job.id}"
        lora_id = status.get("lora_id") if job.status == "succeeded" else None
        links = {"self": base, "cancel": f"{base}/cancel", "job": f"{API}/jobs/{job.id}"}
        if lora_id:
            links |= {"lora": f"{API}/loras/{lora_id}", "file": f"{API}/loras/{lora_id}/file"}
        progress = job.progress.get("train", 0.0) if job.status != "succeeded" else 1.0
        progress = status.get("progress", progress) if job.status != "succeeded" else progress
        return cls(
            id=job.id,
            job_id=job.id,
            status_url=base,
            progress_percent=round(100 * progress, 1),
            current_epoch=status.get("epoch", 0),
            total_epochs=status.get("epochs", 0),
            name=job.params.get("name"),
            status=status_name(job.status, names),
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            attempts=job.attempts,
            stage=status.get("stage"),
            progress=progress,
            message=job.message,
            **{k: status[k] for k in _STATUS_KEYS if k in status},
            lora_id=lora_id,
            parameters=job.params.get("training") or {},
            source=job.params.get("source"),
            error=JobError(code=job.error_code, detail=redact_paths(job.error_detail or ""))
            if job.error_code
            else None,
            links=links,
        )


_STATUS_KEYS = (
    "epoch",
    "epochs",
    "step",
    "total_steps",
    "last_loss",
    "train_loss",
    "val_loss",
    "eta_seconds",
    "log",
)


class TrainingJobList(BaseModel):
    items: list[TrainingJobResponse]
    total: int
    limit: int
    offset: int


class LoraResponse(BaseModel):
    id: str = Field(description="use as phase2.lora.path")
    file: str
    size_bytes: int
    modified: datetime
    card: dict[str, Any] | None = Field(None, description="None for a LoRA not trained here")
    links: dict[str, str]

    @classmethod
    def of(cls, info: LoraInfo, card: dict[str, Any] | None) -> LoraResponse:
        """``card``: the card as this caller may see it (``lora_owners.public_card``)."""
        base = f"{API}/loras/{info.id}"
        return cls(
            id=info.id,
            file=info.path.name,
            size_bytes=info.size_bytes,
            modified=info.modified,
            card=card,
            links={"self": base, "file": f"{base}/file"},
        )


class LoraList(BaseModel):
    items: list[LoraResponse]
