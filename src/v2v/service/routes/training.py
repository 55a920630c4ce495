"""Style LoRA training jobs and the trained LoRAs.

- ``GET /api/v1/training``: can this server train (packages, weights), the parameters with their
  defaults and ranges, and the server-side pair folders under ``DATA_DIR/pairs/``;
- ``POST /api/v1/training-jobs``: multipart ``inputs``/``targets`` files (paired by file stem, or
  by order) or ``folder`` (a folder name under ``DATA_DIR/pairs/``), and ``params`` (JSON); every
  pair problem is named in a 422 before anything is queued;
- ``GET /api/v1/training-jobs[/<id>]``, ``POST …/<id>/cancel``: progress, epoch/step, train and
  validation loss per epoch, ETA, last log lines, the LoRA id when done;
- ``GET /api/v1/loras``, ``GET|DELETE /api/v1/loras/<id>``, ``GET /api/v1/loras/<id>/file``.

The worker half, ``v2v.service.jobs.training_run.run_training_task``, runs in a job worker
(``v2v.service.jobs.runner`` hands ``train`` jobs to it): it calls ``v2v.training.train_lora``
and writes the status file the status route reads.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from v2v.errors import ConfigError
from v2v.service.compat import PARAMS_EXAMPLE, merge_original_params, original_training_fields
from v2v.service.deps import Services, ServicesDep
from v2v.service.jobs.files import valid_job_id
from v2v.service.jobs.store import SUCCEEDED, JobRecord
from v2v.service.jobs.training_run import CARD, STATUS_FILE
from v2v.service.lora_owners import (
    lora_environ,
    may_delete,
    model_dir,
    owned_lora,
    public_card,
    record_owner,
    visible_loras,
)
from v2v.service.problems import ApiProblem, correlation_id_var, json_object
from v2v.service.routes.training_schemas import (
    LoraList,
    LoraResponse,
    TrainingInfo,
    TrainingJobList,
    TrainingJobResponse,
    availability,
    pair_folders,
)
from v2v.service.routes.training_uploads import stage_folder, stage_uploads
from v2v.service.schemas import API, API_PROBLEMS, MAX_OFFSET, UPLOAD_PROBLEMS, problems
from v2v.service.security.auth import Authenticated, Client, Limited, csrf_protect
from v2v.service.security.capacity import check_capacity
from v2v.service.submission import request_cancel
from v2v.training import delete_lora, parse_params
from v2v.training.artifacts import new_id

router = APIRouter(prefix=API, tags=["training"], responses=API_PROBLEMS)
KIND = "train"
TRAINING_PRIORITY = -1  # conversions queued after a training job still go first


@router.get("/training", response_model=TrainingInfo, summary="Can this server train a LoRA")
def training_info(services: ServicesDep, client: Limited) -> TrainingInfo:
    available, reason = availability(services)
    return TrainingInfo.build(available, reason, pair_folders(services), services)


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
    uploads: tuple[list[UploadFile], list[UploadFile]],
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
    try:
        services.files.store_input(job_id, staged, extension)
        record_owner(services, lora_id, client.owner, job_id)
        return services.store.create(
            KIND, client.owner, correlation_id_var.get(), job_params, TRAINING_PRIORITY, job_id
        )
    except BaseException:
        staged.unlink(missing_ok=True)
        services.files.remove(job_id)
        raise


@router.post(
    "/training-jobs",
    status_code=202,
    response_model=TrainingJobResponse,
    summary="Queue a LoRA training job on input → target pairs",
    dependencies=[Depends(csrf_protect)],
    responses={**UPLOAD_PROBLEMS, **problems(503)},
)
async def create_training_job(
    services: ServicesDep,
    client: Limited,
    response: Response,
    inputs: Annotated[
        list[UploadFile] | None, File(description="vehicle photos (JPEG, PNG, WebP)")
    ] = None,
    targets: Annotated[
        list[UploadFile] | None, File(description="their illustrations, same file stems")
    ] = None,
    folder: Annotated[
        str | None, Form(description="instead of uploads: a folder name under DATA_DIR/pairs/")
    ] = None,
    params: Annotated[
        str | None,
        Form(description="JSON object of training parameters (GET /api/v1/training lists them)"),
    ] = None,
    input_files: Annotated[
        list[UploadFile] | None,
        File(alias="input_files[]", description="the original system's name for inputs"),
    ] = None,
    target_files: Annotated[
        list[UploadFile] | None,
        File(alias="target_files[]", description="the original system's name for targets"),
    ] = None,
    original: Annotated[dict[str, str], Depends(original_training_fields)] = {},  # noqa: B006
) -> TrainingJobResponse:
    uploads = ([*(inputs or []), *(input_files or [])], [*(targets or []), *(target_files or [])])
    params = merge_original_params(params, original)
    job = await run_in_threadpool(_create, services, client, params, uploads, folder)
    services.executor.submit(job.id)
    response.headers["Location"] = f"{API}/training-jobs/{job.id}"
    return TrainingJobResponse.of(job, None, services.settings.status_names)


def _job(services: Services, client: Client, job_id: str) -> JobRecord:
    job = services.store.get(job_id, owner=client.owner) if valid_job_id(job_id) else None
    if job is None or job.kind != KIND:
        raise ApiProblem(404, "job_not_found", f"there is no training job {job_id!r}")
    return job


def _status(services: Services, job: JobRecord) -> dict[str, Any] | None:
    """The worker's status file; when this server cannot see it (workers on other machines with
    object storage), the card of a finished job, else None (the store's progress and message)."""
    from v2v.training.bundle import read_status, status_from_card

    status = read_status(services.files.job_dir(job.id) / STATUS_FILE)
    if status is None and job.status == SUCCEEDED and CARD in job.files:
        path = services.files.download(job.id, CARD, job.files)
        card = read_status(path) if path is not None else None
        status = status_from_card(card) if card else None
    return status


@router.get("/training-jobs", response_model=TrainingJobList, summary="Training jobs, newest first")
def list_training_jobs(
    services: ServicesDep,
    client: Limited,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> TrainingJobList:
    items, total = services.store.list_jobs(None, client.owner, limit, offset, kind=KIND)
    return TrainingJobList(
        items=[
            TrainingJobResponse.of(j, _status(services, j), services.settings.status_names)
            for j in items
        ],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/training-jobs/{job_id}",
    response_model=TrainingJobResponse,
    summary="Progress, epoch/step, losses, ETA, log lines, the LoRA id when done",
    responses=problems(404),
)
def get_training_job(services: ServicesDep, client: Authenticated, job_id: str) -> Any:
    job = _job(services, client, job_id)
    return TrainingJobResponse.of(job, _status(services, job), services.settings.status_names)


@router.post(
    "/training-jobs/{job_id}/cancel",
    status_code=202,
    response_model=TrainingJobResponse,
    summary="Stop a training job (within one training step)",
    dependencies=[Depends(csrf_protect)],
    responses=problems(404, 409),
)
def cancel_training_job(services: ServicesDep, client: Limited, job_id: str) -> Any:
    updated = request_cancel(services, _job(services, client, job_id))
    return TrainingJobResponse.of(
        updated, _status(services, updated), services.settings.status_names
    )


@router.get("/loras", response_model=LoraList, summary="Your LoRAs and the shared ones")
def list_all_loras(services: ServicesDep, client: Limited) -> LoraList:
    found = visible_loras(services, client)
    return LoraList(items=[LoraResponse.of(i, public_card(i.card, own)) for i, own in found])


@router.get(
    "/loras/{lora_id}",
    response_model=LoraResponse,
    summary="One LoRA and its card",
    responses=problems(404),
)
def get_one_lora(services: ServicesDep, client: Limited, lora_id: str) -> LoraResponse:
    info, own = owned_lora(services, client, lora_id)
    return LoraResponse.of(info, public_card(info.card, own))


@router.get(
    "/loras/{lora_id}/file",
    summary="Download the LoRA (.safetensors)",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, **problems(404)},
)
def download_lora(services: ServicesDep, client: Limited, lora_id: str) -> FileResponse:
    info, _ = owned_lora(services, client, lora_id)
    return FileResponse(info.path, media_type="application/octet-stream", filename=info.path.name)


@router.delete(
    "/loras/{lora_id}",
    status_code=204,
    summary="Delete a LoRA and its card (a shared one: admin scope only)",
    dependencies=[Depends(csrf_protect)],
    responses=problems(403, 404),
)
def delete_one_lora(services: ServicesDep, client: Limited, lora_id: str) -> Response:
    info, _ = owned_lora(services, client, lora_id)
    may_delete(services, client, info.id)
    delete_lora(info.id, model_dir(services), lora_environ(services))
    return Response(status_code=204)


# -- the worker half ---------------------------------------------------------------------------
