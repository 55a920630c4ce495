"""Batch download: the results of several jobs as one ZIP archive.

``GET /api/v1/archive?jobs=<id>,<id>,...`` answers ``application/zip`` with one folder per
finished job (``<name>-<first 8 characters of the id>/result.svg``, ``preview.png``,
``report.json``; intermediates with ``intermediates=true``) and ``manifest.json`` listing every
job asked for, with its status and the files included. Jobs that have not succeeded are listed,
not packed. Only the caller's own jobs can be packed.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from v2v.service.deps import Services, ServicesDep
from v2v.service.jobs.files import valid_job_id
from v2v.service.jobs.store import JobRecord
from v2v.service.problems import ApiProblem
from v2v.service.redact import redact_paths
from v2v.service.schemas import API, API_PROBLEMS, problems
from v2v.service.security.auth import Client, Limited
from v2v.service.security.uploads import disk_full

router = APIRouter(prefix=API, tags=["jobs"], responses=API_PROBLEMS)
MAX_JOBS = 200
RESULT_FILES = ("result.svg", "preview.png", "report.json")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def _parse_ids(text: str) -> list[str]:
    ids = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not ids:
        raise ApiProblem(422, "input_error", "jobs: give one or more job ids, separated by commas")
    if len(ids) > MAX_JOBS:
        raise ApiProblem(
            422, "input_error", f"jobs: at most {MAX_JOBS} jobs per archive (got {len(ids)})"
        )
    bad = [i for i in ids if not valid_job_id(i)]
    if bad:
        raise ApiProblem(422, "input_error", f"jobs: not job ids: {', '.join(bad[:5])}")
    return ids


def _lookup(services: Services, client: Client, ids: list[str]) -> list[JobRecord]:
    jobs = [services.store.get(i, owner=client.owner) for i in ids]
    missing = [i for i, job in zip(ids, jobs, strict=True) if job is None]
    if missing:
        raise ApiProblem(
            404,
            "job_not_found",
            f"there is no job {', '.join(missing[:5])} (for this API key)",
        )
    return [job for job in jobs if job is not None]


def _folder(job: JobRecord) -> str:
    """The job's folder in the archive: its name as one plain path part (a training job's name
    is the client's text; ``../`` or ``/`` must never reach an entry name)."""
    name = _UNSAFE.sub("_", str(job.params.get("name") or "job")).strip("._-")[:64] or "job"
    return f"{name}-{job.id[:8]}"


def _pack(services: Services, jobs: list[JobRecord], intermediates: bool) -> Path:
    """Write the archive to a temporary file (the caller removes it after sending)."""
    target = services.files.temp_path(".zip")
    try:
        _write(services, jobs, intermediates, target)
    except OSError as exc:  # disk full: no half-written archive stays behind
        target.unlink(missing_ok=True)
        raise disk_full(exc) from None
    return target


def _write(services: Services, jobs: list[JobRecord], intermediates: bool, target: Path) -> None:
    manifest: list[dict[str, Any]] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for job in jobs:
            entry: dict[str, Any] = {"id": job.id, "status": job.status, "files": []}
            if job.status == "succeeded":
                entry["folder"] = _folder(job)
                wanted = [n for n in job.files if intermediates or n in RESULT_FILES]
                for name in wanted:
                    path = services.files.download(job.id, name, job.files)
                    if path is not None:
                        archive.write(path, f"{entry['folder']}/{name}")
                        entry["files"].append(name)
            else:
                entry["reason"] = redact_paths(job.error_detail or f"the job is {job.status}")
            manifest.append(entry)
        archive.writestr("manifest.json", json.dumps({"jobs": manifest}, indent=2))


@router.get(
    "/archive",
    summary="Download the results of several jobs as one ZIP archive",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}, **problems(404)},
)
async def archive(
    services: ServicesDep,
    client: Limited,
    jobs: Annotated[
        str, Query(description="job ids separated by commas", examples=["3f2b…,9a1c…"])
    ],
    intermediates: Annotated[bool, Query(description="also pack each phase's image")] = False,
) -> FileResponse:
    ids = _parse_ids(jobs)
    records = await run_in_threadpool(_lookup, services, client, ids)
    path = await run_in_threadpool(_pack, services, records, intermediates)
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"v2v-results-{len(records)}-jobs.zip",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
