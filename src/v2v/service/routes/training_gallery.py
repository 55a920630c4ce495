"""A training job's preprocessing gallery: each pair's photo, what phase I made of it, the depth
and Canny control images and the target (``v2v.training.gallery``), written while the job
prepares, so they are there while it trains and after it failed.

- ``GET /api/v1/training-jobs/{id}/gallery``: the pairs, each with its image URLs;
- ``GET /api/v1/training-jobs/{id}/gallery/{file}``: one image;
- the original's ``GET /api/training/jobs/{id}/preprocessing-gallery`` (``{raw_inputs,
  phase1_outputs, phase2_depth, phase2_edge, targets}``, lists of ``{name, url}``) and
  ``GET /api/training/jobs/{id}/images/{raw|phase1|phase2_depth|phase2_edge|target}/{name}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from v2v.service.compat import no_query_parameters
from v2v.service.deps import Services, ServicesDep
from v2v.service.jobs.files import valid_file_name
from v2v.service.jobs.store import JobRecord
from v2v.service.problems import ApiProblem
from v2v.service.schemas import API, API_PROBLEMS, problems
from v2v.service.security.auth import Limited
from v2v.service.training_jobs import owned_training_job
from v2v.training.gallery import INDEX, KINDS

router = APIRouter(
    tags=["training"],
    responses={**API_PROBLEMS, **problems(404)},
    dependencies=[Depends(no_query_parameters)],
)
#: the original's image types → the gallery's kinds
IMAGE_TYPES = {
    "raw": "raw_inputs",
    "phase1": "phase1_outputs",
    "phase2_depth": "phase2_depth",
    "phase2_edge": "phase2_edge",
    "target": "targets",
}


def _path(services: Services, job: JobRecord, name: str) -> Path | None:
    """A gallery file: in the job's folder while it runs (or after it failed), else from the
    job's recorded files (workers elsewhere)."""
    if not (valid_file_name(name) and name.startswith("gallery")):
        return None
    local = services.files.out_dir(job.id) / name
    if local.is_file():
        return local
    return services.files.download(job.id, name, job.files)


def _entries(services: Services, job: JobRecord) -> list[dict[str, Any]]:
    path = _path(services, job, INDEX)
    if path is None:
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # being written: the next poll reads it
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _url(job: JobRecord, file: str) -> str:
    return f"{API}/training-jobs/{job.id}/gallery/{file}"


@router.get(f"{API}/training-jobs/{{job_id}}/gallery", summary="The preprocessed pairs")
def gallery(services: ServicesDep, client: Limited, job_id: str) -> dict[str, Any]:
    job = owned_training_job(services, client, job_id)
    pairs = []
    for entry in _entries(services, job):
        images = {kind: _url(job, entry[kind]) for kind in KINDS if kind in entry}
        pairs.append(
            {
                "pair": entry.get("pair"),
                "phase1_attempts": entry.get("phase1_attempts"),
                "phase1_parameters": entry.get("phase1_parameters"),
                "images": images,
            }
        )
    return {"job_id": job.id, "pairs": pairs}


@router.get(
    f"{API}/training-jobs/{{job_id}}/gallery/{{file}}",
    summary="One image of the gallery (PNG)",
    response_class=FileResponse,
)
def gallery_file(services: ServicesDep, client: Limited, job_id: str, file: str) -> FileResponse:
    job = owned_training_job(services, client, job_id)
    path = _path(services, job, file) if file != INDEX else None
    if path is None:
        raise ApiProblem(404, "file_not_found", f"training job {job.id} has no image {file!r}")
    return FileResponse(path, media_type="image/png")


@router.get(
    "/api/training/jobs/{job_id}/preprocessing-gallery",
    summary="The original's gallery: {raw_inputs, phase1_outputs, …} lists of {name, url}",
    tags=["original contract"],
)
def original_gallery(services: ServicesDep, client: Limited, job_id: str) -> dict[str, Any]:
    job = owned_training_job(services, client, job_id)
    out: dict[str, list[dict[str, str]]] = {kind: [] for kind in KINDS}
    kind_of = {kind: short for short, kind in IMAGE_TYPES.items()}
    for entry in _entries(services, job):
        name = str(entry.get("pair"))
        for kind in KINDS:
            if kind in entry:
                url = f"/api/training/jobs/{job.id}/images/{kind_of[kind]}/{name}"
                out[kind].append({"name": name, "url": url})
    return out


@router.get(
    "/api/training/jobs/{job_id}/images/{image_type}/{image_name}",
    summary="The original's gallery image route",
    tags=["original contract"],
    response_class=FileResponse,
    responses=problems(400),
)
def original_image(
    services: ServicesDep, client: Limited, job_id: str, image_type: str, image_name: str
) -> FileResponse:
    job = owned_training_job(services, client, job_id)
    kind = IMAGE_TYPES.get(image_type)
    if kind is None:
        raise ApiProblem(
            400, "input_error", f"image type {image_type!r}: use one of {', '.join(IMAGE_TYPES)}"
        )
    for entry in _entries(services, job):
        if str(entry.get("pair")) == image_name and kind in entry:
            return gallery_file(services, client, job.id, str(entry[kind]))
    raise ApiProblem(
        404, "file_not_found", f"training job {job.id} has no {image_type} image {image_name!r}"
    )
