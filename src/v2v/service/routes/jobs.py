"""Jobs: submit (202 + Location), status, list, cancel, delete, download results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from v2v.service.compat import no_query_parameters, reject_unknown_query, status_filter
from v2v.service.deps import ServicesDep
from v2v.service.forms import ConversionFormDep
from v2v.service.jobs.files import MEDIA_TYPES
from v2v.service.jobs.store import RUNNING, STATUSES
from v2v.service.problems import ApiProblem
from v2v.service.schemas import (
    API,
    API_PROBLEMS,
    MAX_OFFSET,
    UPLOAD_PROBLEMS,
    JobListResponse,
    JobResponse,
    JobStatus,
    problems,
)
from v2v.service.security.auth import Authenticated, Limited, csrf_protect
from v2v.service.submission import owned_job, request_cancel, submit

router = APIRouter(prefix=f"{API}/jobs", tags=["jobs"], responses={**API_PROBLEMS, **problems(404)})
PHOTO = File(description="the vehicle photo: JPEG, PNG or WebP")


@router.post(
    "",
    status_code=202,
    response_model=JobResponse,
    summary="Queue a conversion; poll the Location URL for its status",
    dependencies=[Depends(csrf_protect)],
    responses={
        202: {"headers": {"Location": {"description": "the job's status URL"}}},
        **UPLOAD_PROBLEMS,
    },
)
async def create_job(
    services: ServicesDep,
    client: Limited,
    file: Annotated[UploadFile, PHOTO],
    form: ConversionFormDep,
    response: Response,
) -> JobResponse:
    params = await run_in_threadpool(form.params, services, client)
    job = await submit(services, client, "convert", file, params)
    response.headers["Location"] = f"{API}/jobs/{job.id}"
    return JobResponse.of(job, services.settings.status_names)


@router.get("", response_model=JobListResponse, summary="List jobs, newest first")
def list_jobs(
    services: ServicesDep,
    client: Limited,
    request: Request,
    status: Annotated[
        JobStatus | None, Query(description="only this status (either vocabulary)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> JobListResponse:
    reject_unknown_query(request, ("status", "limit", "offset"))
    wanted = status_filter(status)
    assert wanted is None or wanted in STATUSES
    items, total = services.store.list_jobs(wanted, client.owner, limit, offset)
    following = None
    if offset + len(items) < total:
        query = f"limit={limit}&offset={offset + limit}" + (f"&status={status}" if status else "")
        following = f"{API}/jobs?{query}"
    return JobListResponse(
        items=[JobResponse.of(j, services.settings.status_names) for j in items],
        total=total,
        limit=limit,
        offset=offset,
        next=following,
    )


@router.get(
    "/{job_id}",
    dependencies=[Depends(no_query_parameters)],
    response_model=JobResponse,
    summary="Status, progress per phase, timings, result URLs (not rate limited)",
)
def get_job(services: ServicesDep, client: Authenticated, job_id: str) -> JobResponse:
    return JobResponse.of(owned_job(services, client, job_id), services.settings.status_names)


@router.post(
    "/{job_id}/cancel",
    dependencies=[Depends(no_query_parameters), Depends(csrf_protect)],
    status_code=202,
    response_model=JobResponse,
    summary="Stop a queued or running job",
    responses=problems(409),
)
def cancel_job(services: ServicesDep, client: Limited, job_id: str) -> JobResponse:
    job = request_cancel(services, owned_job(services, client, job_id))
    return JobResponse.of(job, services.settings.status_names)


@router.delete(
    "/{job_id}",
    dependencies=[Depends(no_query_parameters), Depends(csrf_protect)],
    status_code=204,
    summary="Delete a job and its files",
    responses=problems(409),
)
def delete_job(services: ServicesDep, client: Limited, job_id: str) -> Response:
    job = owned_job(services, client, job_id)
    if job.status == RUNNING:
        raise ApiProblem(
            409,
            "job_running",
            "the job is running; cancel it first "
            f"(POST {API}/jobs/{job.id}/cancel), then delete it",
        )
    services.store.delete(job.id)
    services.files.remove(job.id)
    return Response(status_code=204)


@router.get(
    "/{job_id}/files/{name}",
    dependencies=[Depends(no_query_parameters)],
    summary="Download one result file of a job",
    response_class=FileResponse,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
)
def download(services: ServicesDep, client: Limited, job_id: str, name: str) -> FileResponse:
    job = owned_job(services, client, job_id)
    path = services.files.download(job.id, name, job.files)
    if path is None:
        raise ApiProblem(
            404,
            "file_not_found",
            f"job {job.id} has no file {name!r}; its files "
            f"are: {', '.join(job.files) or 'none yet'}",
        )
    disposition = "attachment" if path.suffix != ".json" else "inline"
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[path.suffix],
        filename=f"{job.params.get('name') or 'v2v'}-{name}",
        content_disposition_type=disposition,
    )
