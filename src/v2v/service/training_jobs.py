"""Training jobs below the routes: queue one (validated, staged, owned), find the caller's own,
read its progress. Used by today's training routes, the original's form post and the dashboard."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from v2v.errors import ConfigError
from v2v.service.compat import PARAMS_EXAMPLE, merge_original_params
from v2v.service.deps import Services
from v2v.service.jobs.admission import QueueFull
from v2v.service.jobs.files import valid_job_id
from v2v.service.jobs.store import SUCCEEDED, JobRecord
from v2v.service.jobs.training_run import CARD, STATUS_FILE
from v2v.service.logs import get_logger
from v2v.service.lora_owners import forget_owner, record_owner
from v2v.service.problems import ApiProblem, correlation_id_var, json_object
from v2v.service.security.auth import Client
from v2v.service.security.capacity import check_capacity, queue_caps, queue_full
from v2v.service.training_schemas import availability
from v2v.service.training_uploads import stage_folder, stage_uploads
from v2v.training import parse_params
from v2v.training.artifacts import new_id

log = get_logger("v2v.service.training_jobs")

KIND = "train"
TRAINING_PRIORITY = -1  # conversions queued after a training job still go first
Uploads = tuple[list[UploadFile], list[UploadFile]]


async def queue_training(
    services: Services,
    client: Client,
    params_text: str | None,
    uploads: Uploads,
    folder: str | None,
    original: dict[str, str] | None = None,
) -> JobRecord:
    """Validate, stage and queue a training job (inputs/targets uploads or a pair folder, and
    ``params`` JSON with the original's loose fields merged in); a problem document otherwise."""
    params = merge_original_params(params_text, original or {})
    job = await run_in_threadpool(_create, services, client, params, uploads, folder)
    services.executor.submit(job.id)
    return job


def _json_object(text: str | None) -> dict[str, Any]:
    return json_object(text, "params", PARAMS_EXAMPLE)


def _params(text: str | None) -> Any:
    values = _json_object(text)
    try:
        return parse_params(values)
    except ConfigError as exc:
        raise ApiProblem(422, "config_error", str(exc)) from None


def _create(
    services: Services,
    client: Client,
    params_text: str | None,
    uploads: Uploads,
    folder: str | None,
) -> JobRecord:
    params = _params(params_text)
    if bool(folder) == bool(uploads[0] or uploads[1]):
        raise ApiProblem(
            422, "input_error", "send either inputs and targets files, or a folder name, not both"
        )
    count, most = len(uploads[0]) + len(uploads[1]), services.settings.max_training_files
    if count > most:
        raise ApiProblem(
            413,
            "too_many_files",
            f"{count} files sent; at most {most} per training job (MAX_TRAINING_FILES)",
        )
    available, reason = availability(services)
    if not available:
        raise ApiProblem(503, "backend_unavailable", f"training cannot run here: {reason}")
    check_capacity(services, client)
    if folder:
        staged, extension = stage_folder(services, folder, params), "json"
    else:
        staged, extension = stage_uploads(services, *uploads, params), "zip"
    job_id, lora_id = uuid.uuid4().hex, new_id(params.name)
    job_params = {
        "name": params.name,
        "training": params.model_dump(mode="json"),
        "source": f"folder {folder}" if folder else "upload",
        "lora_id": lora_id,
    }
    owner_recorded = False
    try:
        services.files.store_input(job_id, staged, extension)
        record_owner(services, lora_id, client.owner, job_id)
        owner_recorded = True
        return services.store.create(
            KIND,
            client.owner,
            correlation_id_var.get(),
            job_params,
            TRAINING_PRIORITY,
            job_id,
            caps=queue_caps(services),
        )
    except BaseException as exc:
        staged.unlink(missing_ok=True)
        services.files.remove(job_id)
        if owner_recorded:  # no job will ever make this LoRA: its id stays unclaimed
            try:
                forget_owner(services, lora_id)
            except Exception:  # the refusal's own error is the one to answer with
                log.warning("lora_owner_not_forgotten", lora_id=lora_id, exc_info=True)
        if isinstance(exc, QueueFull):
            raise queue_full(exc) from None
        raise


def owned_training_job(services: Services, client: Client, job_id: str) -> JobRecord:
    """The caller's training job; 404 otherwise."""
    job = services.store.get(job_id, owner=client.owner) if valid_job_id(job_id) else None
    if job is None or job.kind != KIND:
        raise ApiProblem(404, "job_not_found", f"there is no training job {job_id!r}")
    return job


def training_status(services: Services, job: JobRecord) -> dict[str, Any] | None:
    """The worker's status file; when this server cannot see it (workers on other machines with
    object storage), the card of a finished job, else None (the store's progress and message)."""
    from v2v.training.bundle import read_status, status_from_card

    status = read_status(services.files.job_dir(job.id) / STATUS_FILE)
    if status is None and job.status == SUCCEEDED and CARD in job.files:
        path = services.files.download(job.id, CARD, job.files)
        card = read_status(path) if path is not None else None
        status = status_from_card(card) if card else None
    return status
