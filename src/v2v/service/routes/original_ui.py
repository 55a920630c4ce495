"""The original system's browser form posts (``../shared/REFERENCE.md`` §2, §6, §8), answered
like the original: a job is queued and the browser is sent (303) to its page.

- ``POST /ui/inference``: ``file``, ``palette_hex_list`` (15 colours; empty = the default),
  ``lora_checkpoint``, ``prompt_override``, ``depth_weight``, ``canny_weight`` and the step
  switches ``phaseN_enabled``, ``phase2_background_removal``, … → ``/ui/inference/jobs/{id}``;
- ``POST /ui/training``: ``input_files[]``, ``target_files[]``, ``num_epochs``,
  ``learning_rate``, ``batch_size``, ``rank``, ``alpha``, ``validation_split``, ``seed`` →
  ``/ui/training/jobs/{id}``.

Both run through the same validation as today's API (``POST /api/v1/jobs``,
``POST /api/v1/training-jobs``); an error is the same problem document. A switch is on when it is
left out or sent as ``on``/``true``/``1`` (what a checked box sends): on means the server's
pipeline config decides; ``off``/``false``/``0`` turns that step off, and a step this server's
backend does not have is a 422 rather than ignored (docs/compatibility.md).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import RedirectResponse

from v2v.service.compat import ORIGINAL_TRAINING, reject_unknown_fields
from v2v.service.deps import Services, ServicesDep
from v2v.service.forms import ConversionForm
from v2v.service.problems import ApiProblem
from v2v.service.schemas import API_PROBLEMS, UPLOAD_PROBLEMS
from v2v.service.security.auth import Limited, csrf_protect
from v2v.service.submission import submit
from v2v.service.training_jobs import queue_training
from v2v.stages.stylize.sdxl_controlnet import SdxlControlNetConfig

router = APIRouter(tags=["original contract"], responses={**API_PROBLEMS, **UPLOAD_PROBLEMS})
SWITCHES = tuple(f"phase{n}_enabled" for n in range(1, 5))
STEPS = (
    "phase2_background_removal",
    "phase2_depth_estimation",
    "phase2_edge_detection",
    "phase3_upscaler",
    "phase3_quantization",
    "phase3_noise_removal",
    "phase4_centerline",
)
TEXT = ("palette_hex_list", "lora_checkpoint", "prompt_override", "depth_weight", "canny_weight")
INFERENCE_FIELDS = ("file", *TEXT, *SWITCHES, *STEPS)
_ON, _OFF = {"on", "true", "1", "yes"}, {"off", "false", "0", "no"}
#: the original form's ControlNet weights (sent by every browser form, so not a request as such)
FORM_WEIGHTS = {"depth_weight": 0.6, "canny_weight": 0.4}


def _switch(form: Any, name: str) -> bool:
    """True (on, or left out) or False (off) for one switch; 422 for any other value."""
    value = form.get(name)
    if value is None:
        return True
    text = str(value).strip().lower()
    if text in _ON | _OFF:
        return text in _ON
    raise ApiProblem(422, "config_error", f"{name}: send on or off (true/false), not {value!r}")


def _step_off(name: str, gpu: bool) -> dict[str, Any]:
    """Today's overrides that turn one of the original's sub-steps off."""
    if name == "phase2_background_removal":
        return {"phase1.vehicle_mask.enabled": False}
    if name == "phase2_depth_estimation" and gpu:
        return {"phase2.controlnet.depth_weight": 0.0}
    if name == "phase2_edge_detection":
        return {"phase2.controlnet.canny_weight": 0.0} if gpu else {"phase2.edges.enabled": False}
    if name == "phase3_upscaler":
        return {"phase3.upscale.enabled": False}
    if name == "phase3_noise_removal":
        return {"phase3.remove_specks": False}
    if name == "phase4_centerline":
        return {"phase4.strategy": "A"}
    reason = (
        "palette mapping is phase III itself: send phase3_enabled=off instead"
        if name == "phase3_quantization"
        else "this server's phase II (classical) has no depth step"
    )
    raise ApiProblem(422, "config_error", f"{name}=off cannot be done here: {reason}")


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    if value is not None and not isinstance(value, str):
        raise ApiProblem(422, "config_error", f"{name} must be a form value, not a file")
    return (value.strip() or None) if value is not None else None


def inference_form(services: Services, form: Any) -> ConversionForm:
    """The original inference form as today's conversion form (phase switches, the original's
    ``config_overrides`` for what it had, today's overrides for the sub-steps)."""
    gpu = isinstance(services.base_config.phase2, SdxlControlNetConfig)
    switches: dict[str, bool | None] = {
        f"phase{n}": (None if _switch(form, f"phase{n}_enabled") else False) for n in range(1, 5)
    }
    overrides: dict[str, Any] = {}
    for name in STEPS:
        if not _switch(form, name):
            overrides.update(_step_off(name, gpu))
    phase2: dict[str, Any] = {}
    weights = {}
    for name, default in FORM_WEIGHTS.items():
        text = _text(form, name)
        if text is None:
            continue
        try:
            weight = float(text)
        except ValueError:
            raise ApiProblem(422, "config_error", f"{name}: a number, not {text!r}") from None
        if gpu or weight != default:  # the form's default on a server without ControlNet
            weights[name] = weight
    if weights:
        phase2["controlnet"] = weights
    prompt = _text(form, "prompt_override")
    if prompt is not None:
        phase2["prompt_override"] = prompt
    lora = _text(form, "lora_checkpoint")
    if lora is not None:
        overrides["phase2.lora.path"] = lora
    return ConversionForm(
        palette=None,
        overrides=json.dumps(overrides) if overrides else None,
        switches=switches,
        hint=None,
        intermediates=True,  # the original's job page showed the phase images
        palette_hex_list=_text(form, "palette_hex_list"),
        config_overrides=json.dumps({"phases": {"phase2": phase2}}) if phase2 else None,
    )


@router.post(
    "/ui/inference",
    status_code=303,
    summary="The original inference form: queue a conversion, then its page",
    dependencies=[Depends(csrf_protect)],
)
async def post_inference(
    services: ServicesDep,
    client: Limited,
    request: Request,
    file: Annotated[UploadFile, File(description="the vehicle photo")],
) -> RedirectResponse:
    await reject_unknown_fields(request, INFERENCE_FIELDS)
    conversion = inference_form(services, await request.form())
    params = conversion.params(services, client)
    job = await submit(services, client, "convert", file, params)
    return RedirectResponse(f"/ui/inference/jobs/{job.id}", status_code=303)


@router.post(
    "/ui/training",
    status_code=303,
    summary="The original training form: queue a LoRA training job, then its page",
    dependencies=[Depends(csrf_protect)],
)
async def post_training(
    services: ServicesDep,
    client: Limited,
    request: Request,
    input_files: Annotated[list[UploadFile], File(alias="input_files[]")],
    target_files: Annotated[list[UploadFile], File(alias="target_files[]")],
) -> RedirectResponse:
    repeatable = ("input_files[]", "target_files[]")
    await reject_unknown_fields(request, (*repeatable, *ORIGINAL_TRAINING), repeatable)
    form = await request.form()
    original = {today: _text(form, name) for name, today in ORIGINAL_TRAINING.items()}
    job = await queue_training(
        services,
        client,
        None,
        (input_files, target_files),
        None,
        {name: value for name, value in original.items() if value is not None},
    )
    return RedirectResponse(f"/ui/training/jobs/{job.id}", status_code=303)
