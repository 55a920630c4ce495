"""Exports of a finished job: ``GET /api/v1/jobs/{id}/export?format=pdf&size=300mm&…``.

The job's ``result.svg`` is written in the asked format on request (no stored copies: every
combination of format, size, stacking and grouping is one URL). Every query parameter is an
explicit, validated field (unknown ones are refused); a bad value is a 422 naming the accepted
values. Size 'photo' uses the photo size in the job's report; swatch files list the job's
whole palette.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from v2v.color.palette import Palette
from v2v.errors import InputError, V2VError
from v2v.exports import FORMATS, ExportOptions, export
from v2v.service.compat import reject_unknown_query
from v2v.service.deps import Services, ServicesDep
from v2v.service.export_options import (
    DESCRIPTIONS,
    EXPORT_FIELDS,
    Grouping,
    Stacking,
    export_options,
)
from v2v.service.jobs.store import JobRecord
from v2v.service.problems import ApiProblem, status_for
from v2v.service.schemas import API, API_PROBLEMS, problems
from v2v.service.security.auth import Limited
from v2v.service.submission import owned_job

router = APIRouter(prefix=f"{API}/jobs", tags=["jobs"], responses={**API_PROBLEMS, **problems(404)})


def _file(services: Services, job: JobRecord, name: str) -> bytes | None:
    path = services.files.download(job.id, name, job.files)
    return path.read_bytes() if path is not None else None


def _report(services: Services, job: JobRecord) -> tuple[tuple[int, int] | None, Palette | None]:
    """(photo size, palette) from the job's report; (None, None) if it has none."""
    data = _file(services, job, "report.json")
    if data is None:
        return None, None
    report: dict[str, Any] = json.loads(data)
    size = report.get("input", {}).get("original_size")
    palette = report.get("palette") or {}
    names = tuple(palette.get("names") or ())
    found = Palette(tuple(palette["colors"]), palette.get("name", "custom"), names)
    return (int(size[0]), int(size[1])) if size else None, found


def _render(services: Services, job: JobRecord, options: ExportOptions) -> bytes:
    svg = _file(services, job, "result.svg")
    if job.status != "succeeded" or svg is None:
        raise ApiProblem(
            409,
            "job_not_finished",
            f"job {job.id} is {job.status} and has no SVG to export; "
            f"wait until GET {API}/jobs/{job.id} says it succeeded",
        )
    photo_size, palette = _report(services, job)
    return export(svg.decode("utf-8"), options, photo_size, palette)


@router.get(
    "/{job_id}/export",
    summary="Download the job's drawing as SVG, PDF, EPS, DXF, PNG or palette swatches",
    response_class=Response,
    responses={
        200: {"content": {entry.media_type: {} for entry in FORMATS.values()}},
        **problems(409),
    },
)
async def export_job(
    services: ServicesDep,
    client: Limited,
    request: Request,
    job_id: str,
    format: Annotated[str, Query(max_length=16, description=DESCRIPTIONS["format"])] = "svg",
    size: Annotated[str, Query(max_length=40, description=DESCRIPTIONS["size"])] = "working",
    dpi: Annotated[float, Query(ge=1, le=2400, description=DESCRIPTIONS["dpi"])] = 96.0,
    stacking: Annotated[Stacking, Query(description=DESCRIPTIONS["stacking"])] = "stacked",
    grouping: Annotated[Grouping, Query(description=DESCRIPTIONS["grouping"])] = "color",
) -> Response:
    reject_unknown_query(request, EXPORT_FIELDS)
    options = export_options(format, size, dpi, stacking, grouping)
    job = owned_job(services, client, job_id)
    try:
        data = await run_in_threadpool(_render, services, job, options)
    except V2VError as exc:
        if isinstance(exc, InputError):  # the options do not fit this drawing (e.g. megapixels)
            raise ApiProblem(422, "invalid_export", str(exc)) from None
        raise ApiProblem(status_for(exc.code), exc.code, str(exc)) from None
    entry = options.entry
    name = f"{job.params.get('name') or 'v2v'}-{stacking}.{entry.extension}"
    if not entry.drawing:
        name = f"{job.params.get('name') or 'v2v'}-palette.{entry.extension}"
    return Response(
        data,
        media_type=entry.media_type,
        headers={"Content-Disposition": f'attachment; filename="{_safe(name)}"'},
    )


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
