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

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse

from v2v.service.compat import original_training_fields
from v2v.service.deps import ServicesDep
from v2v.service.lora_owners import (
    lora_environ,
    may_delete,
    model_dir,
    owned_lora,
    public_card,
    visible_loras,
)
from v2v.service.schemas import API, API_PROBLEMS, MAX_OFFSET, UPLOAD_PROBLEMS, problems
from v2v.service.security.auth import Authenticated, Limited, csrf_protect
from v2v.service.submission import request_cancel
from v2v.service.training_jobs import (
    KIND,
    owned_training_job,
    queue_training,
    training_status,
)
from v2v.service.training_schemas import (
    LoraList,
    LoraResponse,
    TrainingInfo,
    TrainingJobList,
    TrainingJobResponse,
    availability,
    pair_folders,
)
from v2v.training import delete_lora

router = APIRouter(prefix=API, tags=["training"], responses=API_PROBLEMS)


@router.get("/training", response_model=TrainingInfo, summary="Can this server train a LoRA")
def training_info(services: ServicesDep, client: Limited) -> TrainingInfo:
    available, reason = availability(services)
    return TrainingInfo.build(available, reason, pair_folders(services), services)


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
    job = await queue_training(services, client, params, uploads, folder, original)
    response.headers["Location"] = f"{API}/training-jobs/{job.id}"
    return TrainingJobResponse.of(job, None, services.settings.status_names)


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
            TrainingJobResponse.of(j, training_status(services, j), services.settings.status_names)
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
    job = owned_training_job(services, client, job_id)
    return TrainingJobResponse.of(
        job, training_status(services, job), services.settings.status_names
    )


@router.post(
    "/training-jobs/{job_id}/cancel",
    status_code=202,
    response_model=TrainingJobResponse,
    summary="Stop a training job (within one training step)",
    dependencies=[Depends(csrf_protect)],
    responses=problems(404, 409),
)
def cancel_training_job(services: ServicesDep, client: Limited, job_id: str) -> Any:
    updated = request_cancel(services, owned_training_job(services, client, job_id))
    return TrainingJobResponse.of(
        updated, training_status(services, updated), services.settings.status_names
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
