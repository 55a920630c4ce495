"""The original system's download routes, answering for the caller's own jobs
(``docs/compatibility.md``): ``GET /api/v1/download/{job_id}.svg`` (or ``.png``, the preview)
and ``GET /api/v1/results/{job_id}`` (the SVG, saved as ``vector_{job_id}.svg``)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from v2v.service.compat import no_query_parameters
from v2v.service.deps import Services, ServicesDep
from v2v.service.jobs.files import MEDIA_TYPES
from v2v.service.problems import ApiProblem
from v2v.service.schemas import API, API_PROBLEMS, problems
from v2v.service.security.auth import Limited
from v2v.service.submission import owned_job

router = APIRouter(
    prefix=API,
    tags=["original contract"],
    responses={**API_PROBLEMS, **problems(404)},
    dependencies=[Depends(no_query_parameters)],
)
_FILENAME = re.compile(r"(?P<job>[0-9a-f]{32})\.(?P<kind>svg|png)")
_FILES = {"svg": "result.svg", "png": "preview.png"}


def _file(services: Services, client: Limited, job_id: str, name: str) -> FileResponse:
    job = owned_job(services, client, job_id)
    path = services.files.download(job.id, name, job.files)
    if path is None:
        raise ApiProblem(404, "file_not_found", f"job {job.id} has no {name} (yet): {job.status}")
    return FileResponse(
        path, media_type=MEDIA_TYPES[path.suffix], filename=f"vector_{job.id}{path.suffix}"
    )


@router.get(
    "/download/{filename}",
    summary="The original's download route: {job_id}.svg or {job_id}.png",
    response_class=FileResponse,
    responses=problems(400),
)
def download(services: ServicesDep, client: Limited, filename: str) -> FileResponse:
    match = _FILENAME.fullmatch(filename)
    if match is None:
        raise ApiProblem(
            400,
            "input_error",
            f"{filename!r}: ask for JOB_ID.svg or JOB_ID.png (JOB_ID: 32 hex digits); only "
            ".svg and .png are served here",
        )
    return _file(services, client, match["job"], _FILES[match["kind"]])


@router.get(
    "/results/{job_id}",
    summary="The original's result route: the job's SVG",
    response_class=FileResponse,
)
def results(services: ServicesDep, client: Limited, job_id: str) -> FileResponse:
    return _file(services, client, job_id, "result.svg")
