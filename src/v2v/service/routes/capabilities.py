"""What this server can do right now: backends (and why one cannot run), models, per-request
options with their current values and valid ranges, limits, and which features exist.

Browser clients (the web UI) read this once to decide which controls to enable, so nothing here
is guessed on the client: an option is offered only when the configured pipeline has that key.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import annotated_types
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from v2v import __version__
from v2v.color.palette import Palette
from v2v.config import Config
from v2v.service.deps import Services, ServicesDep
from v2v.service.lora_owners import visible_loras
from v2v.service.schemas import API, API_PROBLEMS
from v2v.service.security.auth import Client, Limited
from v2v.service.security.overrides import SERVER, bound_for

router = APIRouter(prefix=API, tags=["catalog"], responses=API_PROBLEMS)

#: the per-request options a client may offer (dotted config keys); sent only when present
OPTION_KEYS = (
    "phase1.enabled",
    "phase1.vehicle_mask.enabled",
    "phase1.text_removal.enabled",
    "phase2.enabled",
    "phase2.edges.enabled",
    "phase2.flatten.enabled",
    "phase2.prompt",
    "phase2.negative_prompt",
    "phase2.steps",
    "phase2.controlnet.depth_weight",
    "phase2.controlnet.canny_weight",
    "phase2.lora.path",
    "phase2.lora.scale",
    "phase3.enabled",
    "phase3.remove_specks",
    "phase3.min_area_percent",
    "phase3.upscale.enabled",
    "phase4.enabled",
    "phase4.strategy",
    "phase4.background",
    "phase4.stroke.enabled",
    "phase4.min_path_area",
    "qa.enabled",
    "qa.policy",
    "qa.check_text",
    "qa.min_silhouette_iou",
    "qa.max_detail_loss",
    "input.work_long_side",
)
UPLOAD_TYPES = ["image/jpeg", "image/png", "image/webp"]


class Capabilities(BaseModel):
    version: str
    palette: str = Field(description="the built-in palette the pipeline config uses ('' if custom)")
    keys_required: bool
    limits: dict[str, Any]
    backends: list[dict[str, Any]]
    options: dict[str, dict[str, Any]]
    gpu_options: dict[str, Any]
    models: dict[str, Any]
    gpu: dict[str, Any]
    features: dict[str, dict[str, Any]]


def _field_info(config: Config, key: str) -> dict[str, Any] | None:
    """Current value, range and choices of one dotted key, or None when the config lacks it."""
    parent: Any = config
    *path, last = key.split(".")
    for part in path:
        parent = getattr(parent, part, None)
        if not isinstance(parent, BaseModel):
            return None
    fields = type(parent).model_fields
    if last not in fields:
        return None
    info: dict[str, Any] = {"value": getattr(parent, last)}
    for meta in fields[last].metadata:
        for attr, name in (
            ("ge", "minimum"),
            ("gt", "minimum"),
            ("le", "maximum"),
            ("lt", "maximum"),
        ):
            if isinstance(meta, getattr(annotated_types, attr.capitalize())):
                info[name] = getattr(meta, attr)
    choices = getattr(fields[last].annotation, "__args__", None)
    if choices and all(isinstance(c, str) for c in choices):
        info["choices"] = list(choices)
    if fields[last].description:
        info["description"] = fields[last].description
    return info


def _client_bounds(key: str, info: dict[str, Any]) -> dict[str, Any]:
    """The range a client may use (``security.overrides``): a cost capped by the server's own
    value, or a fixed bound, narrows the config's range."""
    bound = bound_for(key)
    high = info.get("value") if bound is not None and bound.high == SERVER else None
    if bound is not None and isinstance(bound.high, int | float):
        high = bound.high
    if isinstance(high, int | float) and not isinstance(high, bool):
        info["maximum"] = min(info.get("maximum", high), high)
    return info


def _options(config: Config) -> dict[str, dict[str, Any]]:
    found = {key: _field_info(config, key) for key in OPTION_KEYS}
    return {key: _client_bounds(key, info) for key, info in found.items() if info is not None}


def _gpu() -> dict[str, Any]:
    """Whether an NVIDIA GPU is visible, without importing torch (which takes seconds)."""
    device = Path("/dev/nvidiactl").exists() or shutil.which("nvidia-smi") is not None
    detail = "an NVIDIA GPU is visible" if device else "no NVIDIA GPU is visible on this machine"
    return {"present": device, "detail": detail}


def _models(configured: str | Path | None) -> tuple[dict[str, Any], list[Any]]:
    """The model folders and LoRAs under the model directory (config, else MODEL_VOLUME_PATH)."""
    from v2v.models.layout import list_models, resolve_model_dir

    root = resolve_model_dir(configured)
    statuses = list_models(root)
    folders = [
        {
            "name": s.name,
            "present": s.present,
            "ok": s.ok,
            "optional": s.optional,
            "needed_by": list(s.needed_by),
            "files": s.files,
            "size_bytes": s.size_bytes,
            "problem": s.problem.replace(str(root), "MODEL_DIR"),
        }
        for s in statuses
    ]
    return {"folders": folders}, statuses


def _gpu_options(config: Config, backends: list[dict[str, Any]]) -> dict[str, Any]:
    """Prompt, ControlNet weights and LoRA: only with the SDXL stylizer, and only if it can run."""
    chosen = config.phase2.backend
    if chosen != "sdxl-controlnet":
        reason = (
            f"this server's stylizer (phase II) is '{chosen}', which runs on the CPU and has no "
            "prompt, ControlNet or LoRA; they need the GPU stylizer 'sdxl-controlnet' "
            "(a pipeline config with phase2.backend: sdxl-controlnet, given as PIPELINE_CONFIG, "
            "on a machine with a GPU and the model weights)"
        )
        return {"available": False, "reason": reason}
    status = next(b for b in backends if b["phase"] == "phase2" and b["name"] == chosen)
    if not status["available"]:
        return {"available": False, "reason": f"the GPU stylizer cannot run: {status['reason']}"}
    return {"available": True, "reason": ""}


def _training(services: Services, request: Request) -> dict[str, Any]:
    # the app's OpenAPI paths: FastAPI keeps included routers nested in ``app.routes``
    paths = sorted(p for p in request.app.openapi()["paths"] if "/training" in p or "/loras" in p)
    if paths:
        from v2v.service.training_schemas import availability

        available, reason = availability(services)
        return {"available": available, "reason": reason, "endpoints": paths}
    return {
        "available": False,
        "reason": (
            "this server has no training endpoint yet (the training feature has not landed)"
        ),
        "endpoints": [],
    }


def _capabilities(services: Services, request: Request, client: Client) -> Capabilities:
    from v2v.stages.catalog import catalog

    config = services.base_config
    models, statuses = _models(config.models.dir or services.settings.model_volume_path)
    # the LoRAs this caller may use (its own and the shared ones), by id
    models["loras"] = sorted(info.id for info, _ in visible_loras(services, client))
    backends = [backend.to_dict() for backend in catalog(config, statuses)]
    settings = services.settings
    return Capabilities(
        version=__version__,
        palette=config.palette if config.palette in Palette.builtin_names() else "",
        keys_required=services.keys.configured(),
        limits={
            "max_upload_bytes": settings.max_upload_bytes,
            "max_upload_pixels": settings.max_upload_pixels,
            "upload_types": UPLOAD_TYPES,
            "rate_limit": settings.api_rate_limit or None,
            "cpu_count": os.cpu_count() or 1,
            "job_workers": settings.job_workers,
        },
        backends=backends,
        options=_options(config),
        gpu_options=_gpu_options(config, backends),
        models=models,
        gpu=_gpu(),
        features={"training": _training(services, request)},
    )


@router.get(
    "/capabilities",
    response_model=Capabilities,
    summary="What this server can do: backends and why not, models, per-request options",
)
async def capabilities(services: ServicesDep, client: Limited, request: Request) -> Capabilities:
    return await run_in_threadpool(_capabilities, services, request, client)
