"""Turning an upload and its form fields into a queued job, and waiting for a job to end.

Everything here validates before anything is queued: the palette, the config overrides (the
library's own validation, so a bad key is named), the hint box and the image itself.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
import uuid
from typing import Any

from fastapi import Request, UploadFile
from starlette.concurrency import run_in_threadpool

from v2v.color.palette import Palette
from v2v.errors import ConfigError, InputError
from v2v.service.deps import Services
from v2v.service.jobs.admission import QueueFull
from v2v.service.jobs.files import valid_job_id
from v2v.service.jobs.store import CANCELLED, RUNNING, JobRecord
from v2v.service.lora_owners import check_lora_choice
from v2v.service.problems import ApiProblem, correlation_id_var, json_object
from v2v.service.security.auth import Client
from v2v.service.security.capacity import check_capacity, queue_caps, queue_full
from v2v.service.security.overrides import LORA_KEY, check_overrides

#: keys with their own message: the palette has its own field (and a YAML path would read a
#: server file); the input limits are the service's (MAX_UPLOAD_BYTES, MAX_UPLOAD_PIXELS).
LOCKED_KEYS = ("palette", "input.max_bytes", "input.max_pixels")
MAX_DEPTH = 8  # the pipeline config is 4 levels deep
_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _flatten(data: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    if depth >= MAX_DEPTH:
        raise ApiProblem(
            422, "config_error", f"overrides: nested more than {MAX_DEPTH} levels deep"
        )
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{dotted}.", depth + 1))
        else:
            flat[dotted] = value
    return flat


def parse_overrides(
    services: Services,
    client: Client,
    text: str | None,
    switches: dict[str, bool | None],
    subject: int | None = None,
    translated: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON overrides plus phase switches and the subject choice, checked against the
    allow-list of client-settable keys (``security.overrides``) and validated against the
    pipeline config (422)."""
    limit = services.settings.max_overrides_bytes
    example = '{"phase3.min_area_percent": 0.1}'
    overrides = _flatten(json_object(text, "overrides", example, limit))
    for key in overrides:
        if key in LOCKED_KEYS or key.startswith("palette."):
            raise ApiProblem(
                422,
                "config_error",
                f"{key}: cannot be overridden per request "
                "(use the palette field; upload limits are the service's)",
            )
    for phase, enabled in switches.items():
        if enabled is not None:
            overrides[f"{phase}.enabled"] = enabled
    if subject is not None:
        if overrides.get("phase1.detector.subject", subject) != subject:
            raise ApiProblem(
                422, "config_error", "the subject is given twice, differently (subject, overrides)"
            )
        overrides["phase1.detector.subject"] = subject
    for key, value in (translated or {}).items():  # the original's config_overrides
        if key in overrides and overrides[key] != value:
            raise ApiProblem(
                422,
                "config_error",
                f"{key} is set twice, differently (overrides and config_overrides)",
            )
        overrides[key] = value
    check_overrides(overrides, services.base_config)
    if LORA_KEY in overrides:
        check_lora_choice(services, client, overrides[LORA_KEY])
    try:
        services.base_config.with_overrides(overrides)
    except ConfigError as exc:
        raise ApiProblem(422, "config_error", str(exc)) from None
    return overrides


def parse_palette(spec: str | None) -> str | None:
    """A built-in palette name or comma-separated hex colours (never a file path); 422 if bad."""
    if spec is None or not spec.strip():
        return None
    text = spec.strip()
    if re.fullmatch(r"[A-Za-z0-9_-]+", text) and text not in Palette.builtin_names():
        known = ", ".join(Palette.builtin_names())
        raise ApiProblem(
            422,
            "input_error",
            f"palette: unknown palette {text!r}; use one of "
            f"{known}, or comma-separated hex colours like '#000000,#FFFFFF'",
        )
    if text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        raise ApiProblem(422, "input_error", "palette: give a built-in name or hex colours")
    try:
        Palette.load(text)
    except InputError as exc:
        raise ApiProblem(422, "input_error", f"palette: {exc}") from None
    return text


def parse_hint(text: str | None) -> list[int] | None:
    if text is None or not text.strip():
        return None
    try:
        numbers = [float(v) for v in text.replace(" ", "").split(",")]
        values = [round(n) for n in numbers] if all(map(math.isfinite, numbers)) else []
    except ValueError:
        values = []
    if len(values) != 4 or not (0 <= values[0] < values[2] and 0 <= values[1] < values[3]):
        raise ApiProblem(
            422,
            "input_error",
            "hint: give the box around the vehicle as "
            "x0,y0,x1,y1 in photo pixels, with x0 < x1 and y0 < y1",
        )
    return values


def _receive(services: Services, upload: UploadFile, hint: list[int] | None) -> tuple[str, Any]:
    temp = services.files.temp_path()
    checked = services.check_upload(upload.file, temp)
    if hint is not None and (hint[2] > checked.width or hint[3] > checked.height):
        temp.unlink(missing_ok=True)
        raise ApiProblem(
            422,
            "input_error",
            f"hint: the box {hint} is not inside the {checked.width}×{checked.height} photo",
        )
    return checked.extension, temp


def _create(
    services: Services,
    client: Client,
    kind: str,
    upload: UploadFile,
    params: dict[str, Any],
    priority: int,
) -> JobRecord:
    check_capacity(services, client)
    extension, temp = _receive(services, upload, params.get("hint"))
    stem = _NAME.sub("_", (upload.filename or "upload").rsplit(".", 1)[0])[:64] or "upload"
    params = {**params, "name": stem}
    job_id = uuid.uuid4().hex
    try:
        services.files.store_input(job_id, temp, extension)
        return services.store.create(
            kind,
            client.owner,
            correlation_id_var.get(),
            params,
            priority=priority,
            job_id=job_id,
            caps=queue_caps(services),
        )
    except QueueFull as exc:  # requests that passed the first look together: one too many
        temp.unlink(missing_ok=True)
        services.files.remove(job_id)
        raise queue_full(exc) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        services.files.remove(job_id)
        raise


async def submit(
    services: Services,
    client: Client,
    kind: str,
    upload: UploadFile,
    params: dict[str, Any],
    priority: int = 0,
) -> JobRecord:
    """Validate and store the upload, queue the job, wake the executor (off the event loop)."""
    job = await run_in_threadpool(_create, services, client, kind, upload, params, priority)
    services.executor.submit(job.id)
    return job


async def wait_for(services: Services, request: Request, job_id: str, timeout: float) -> JobRecord:
    """Poll the store until the job ends; cancel it (and 504) after ``timeout`` seconds or when
    the client goes away."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        job = await run_in_threadpool(services.store.get, job_id)
        if job is None or job.finished:
            if job is None:
                raise ApiProblem(410, "job_deleted", "the job was deleted while it ran")
            return job
        if time.monotonic() > deadline or await request.is_disconnected():
            await run_in_threadpool(services.store.request_cancel, job_id)
            services.executor.cancel(job_id)
            raise ApiProblem(
                504,
                "timeout",
                f"the conversion took longer than "
                f"{timeout:.0f} s (REQUEST_TIMEOUT) and was cancelled; submit long "
                "conversions as jobs (POST /api/v1/jobs)",
                job_id=job_id,
            )
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 0.5)


def request_cancel(services: Services, job: JobRecord) -> JobRecord:
    """Cancel a queued or running job (conversion or training); 409 when it has ended, also when
    it ended between reading it and flagging it."""
    if job.finished:
        raise ApiProblem(409, "job_finished", f"the job has already ended ({job.status})")
    updated = services.store.request_cancel(job.id) or job
    if updated.finished and updated.status != CANCELLED:  # it ended while we looked
        raise ApiProblem(409, "job_finished", f"the job has already ended ({updated.status})")
    if updated.status == RUNNING:
        services.executor.cancel(job.id)
    return updated


def owned_job(services: Services, client: Client, job_id: str) -> JobRecord:
    """The caller's job ``job_id``; 404 when there is none (or it is another key's)."""
    job = services.store.get(job_id, owner=client.owner) if valid_job_id(job_id) else None
    if job is None:
        raise ApiProblem(404, "job_not_found", f"there is no job {job_id!r} (for this API key)")
    return job
