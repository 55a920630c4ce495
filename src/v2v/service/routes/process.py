"""Synchronous conversion and single phases: queued like jobs (at a higher priority), then
awaited without blocking the event loop, bounded by ``REQUEST_TIMEOUT``."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from v2v import __version__
from v2v.config import Phase3Config
from v2v.service.compat import milliseconds, reject_unknown_fields
from v2v.service.deps import Services, ServicesDep
from v2v.service.forms import ConversionFormDep
from v2v.service.original_answers import PhaseResponse
from v2v.service.problems import ApiProblem, correlation_id_var, status_for
from v2v.service.redact import redact_paths
from v2v.service.schemas import (
    API,
    API_PROBLEMS,
    SYNC_PROBLEMS,
    UPLOAD_PROBLEMS,
    ProcessResponse,
    result_urls,
)
from v2v.service.security.auth import Client, Limited, csrf_protect
from v2v.service.submission import parse_palette, submit, wait_for

router = APIRouter(prefix=API, tags=["process"], responses=API_PROBLEMS)
PHOTO = File(description="the vehicle photo: JPEG, PNG or WebP")
PALETTE = Form(description="palette name or comma-separated hex colours")
SYNC_PRIORITY = 10  # a waiting client goes before queued background jobs
_ERRORS = {**UPLOAD_PROBLEMS, **SYNC_PROBLEMS}


async def _run(
    services: Services,
    request: Request,
    client: Client,
    kind: str,
    file: UploadFile,
    params: dict[str, Any],
) -> tuple[Any, float]:
    started = time.perf_counter()
    job = await submit(services, client, kind, file, params, priority=SYNC_PRIORITY)
    job = await wait_for(services, request, job.id, services.settings.request_timeout)
    if job.status != "succeeded":
        code = job.error_code or "internal_error"
        detail = redact_paths(job.error_detail or job.status)
        raise ApiProblem(status_for(code), code, detail, job_id=job.id)
    return job, (time.perf_counter() - started) * 1000


@router.post(
    "/process",
    response_model=ProcessResponse,
    responses=_ERRORS,
    dependencies=[Depends(csrf_protect)],
    summary="Convert a photo and wait for the SVG (bounded by REQUEST_TIMEOUT)",
)
async def process(
    services: ServicesDep,
    client: Limited,
    request: Request,
    file: Annotated[UploadFile, PHOTO],
    form: ConversionFormDep,
) -> ProcessResponse:
    params = await run_in_threadpool(form.params, services, client)
    job, elapsed = await _run(services, request, client, "convert", file, params)
    urls = result_urls(job)
    original = services.settings.status_names == "original"
    return ProcessResponse(
        job_id=job.id,
        status="success" if original else "succeeded",
        correlation_id=correlation_id_var.get(),
        processing_time_ms=round(elapsed, 1),
        timings=job.timings,
        urls=urls,
        qa=job.qa,
        svg_url=urls.svg,
        png_preview_url=urls.png,
        phase_timings=milliseconds(job.timings),
        model_versions=model_versions(services),
    )


def model_versions(services: Services) -> dict[str, str]:
    """The pipeline's version and the backend of each phase (the original's ``model_versions``)."""
    config = services.base_config
    versions = {"pipeline": __version__}
    for phase in ("phase1", "phase2", "phase3", "phase4"):
        versions[phase] = str(getattr(config, phase).backend)
    if isinstance(config.phase3, Phase3Config):  # and the upscaler it uses
        versions["phase3"] += f"+{config.phase3.upscale.method}"
    if versions["phase1"] == "classical":
        versions["detector"] = "nanodet-g-416"
    return versions


_PHASES = {
    "phase1": (
        "I: sanitize",
        "the vehicle cut out, text and plates removed",
        {"phase1.enabled": True},
    ),
    "phase2": (
        "II: stylize",
        "flat vector-style regions (uses the photo's alpha as the vehicle, else the whole image)",
        {"phase2.enabled": True},
    ),
    "phase3": (
        "III: palette",
        "every pixel mapped to the palette (CIEDE2000)",
        {"phase3.enabled": True},
    ),
    "phase4": (
        "IV: vectorize",
        "an SVG traced from the image after mapping it to the palette "
        "(exact for a phase III output)",
        {"phase3.enabled": True, "phase4.enabled": True},
    ),
}


def _phase_route(phase: str) -> None:
    title, output, switches = _PHASES[phase]

    async def run_phase(
        services: ServicesDep,
        client: Limited,
        request: Request,
        file: Annotated[UploadFile, PHOTO],
        palette: Annotated[str | None, PALETTE] = None,
    ) -> PhaseResponse:
        await reject_unknown_fields(request, ("file", "palette"))
        params = {
            "palette": parse_palette(palette),
            "overrides": dict(switches),
            "hint": None,
            "intermediates": False,
        }
        job, _ = await _run(services, request, client, phase, file, params)
        return PhaseResponse.of_phase(services, job, correlation_id_var.get())

    run_phase.__name__ = f"run_{phase}"
    router.add_api_route(
        f"/{phase}",
        run_phase,
        methods=["POST"],
        response_model=PhaseResponse,
        responses=_ERRORS,
        dependencies=[Depends(csrf_protect)],
        summary=f"Run phase {title} alone on an uploaded image",
        description=f"Returns the finished job; its files: {output}.",
    )


for _phase in _PHASES:
    _phase_route(_phase)
