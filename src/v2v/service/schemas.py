"""API models (separate from the pipeline's config models). URLs are plain relative strings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from v2v.exports.registry import FORMATS
from v2v.service.compat import PHASE_OUTPUTS, milliseconds, overall_percent, status_name
from v2v.service.export_options import export_url
from v2v.service.jobs.store import JobRecord
from v2v.service.redact import redact_paths

API = "/api/v1"
JobStatus = Literal[
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
    # the original system's names (STATUS_NAMES=original, docs/compatibility.md)
    "pending",
    "processing",
    "completed",
]
StatusNames = Literal["v2v", "original"]


class Problem(BaseModel):
    """An RFC 7807 problem document (``application/problem+json``)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str = Field(description="stable machine-readable error code")
    correlation_id: str = Field(description="quote it when reporting a problem")


_WHEN = {
    400: "the photo or a field cannot be used",
    401: "an API key is required, or the one sent is not valid",
    403: "no key configured and the client is not local, or a browser request without CSRF token",
    404: "no such job or file (for this API key)",
    409: "the job's state does not allow this",
    410: "the job was deleted while it ran",
    413: "the upload is too large (bytes or pixels)",
    415: "not a JPEG, PNG or WebP image (by content)",
    422: "a bad field, config key or value (named in detail)",
    429: "rate limit exceeded; see Retry-After",
    500: "an internal error; the log has details under the correlation id",
    503: "the configured backend cannot run here, or the server is busy; see Retry-After",
    504: "REQUEST_TIMEOUT passed; the work was cancelled",
    507: "the server is below its free-disk floor (MIN_FREE_DISK_MB); Retry-After says when",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these problem statuses."""
    return {
        status: {
            "model": Problem,
            "description": _WHEN[status],
            "content": {"application/problem+json": {}},
        }
        for status in statuses
    }


#: the largest list offset (a database integer holds it; larger ones are a 422, not a 500)
MAX_OFFSET = 10**9
#: what any authenticated, rate-limited API route may answer
API_PROBLEMS = problems(401, 403, 422, 429)
UPLOAD_PROBLEMS = problems(400, 413, 415, 503, 507)
SYNC_PROBLEMS = problems(409, 410, 500, 503, 504)


class ResultUrls(BaseModel):
    """Download links of a finished job (``svg`` is None when phase IV was switched off)."""

    svg: str | None = None
    png: str | None = None
    report: str | None = None
    files: dict[str, str] = Field(default_factory=dict, description="every file, by name")
    exports: dict[str, str] = Field(
        default_factory=dict,
        description="the drawing in each export format, by name; add size, dpi, stacking, "
        "grouping to the query (docs/exports.md)",
    )
    export: str | None = Field(
        None,
        description="the export the conversion asked for (its format, size, dpi, stacking, "
        "grouping fields), once the SVG exists",
    )


class JobError(BaseModel):
    code: str
    detail: str


class JobResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "3f2b8c0e9a6d4f1b8e7c6a5d4c3b2a19",
                "kind": "convert",
                "status": "running",
                "created_at": "2026-01-01T12:00:00Z",
                "updated_at": "2026-01-01T12:00:03Z",
                "phase": "phase2",
                "progress": {"load": 1.0, "phase1": 1.0, "phase2": 0.4},
                "message": "flattening",
                "attempts": 1,
                "timings": {},
                "urls": None,
                "qa": None,
                "error": None,
                "links": {"self": "/api/v1/jobs/3f2b…", "cancel": "/api/v1/jobs/3f2b…/cancel"},
            }
        }
    )

    id: str
    kind: str
    name: str | None = Field(None, description="the uploaded file's name, without extension")
    status: JobStatus
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int
    phase: str | None = Field(None, description="the phase running now")
    progress: dict[str, float] = Field(description="fraction done (0–1) of each phase started")
    message: str
    timings: dict[str, float] = Field(description="seconds per phase (when finished)")
    qa: dict[str, Any] | None = Field(None, description="the QA report (whole conversions)")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="the config overrides the job runs with (dotted keys)"
    )
    urls: ResultUrls | None = None
    error: JobError | None = None
    links: dict[str, str]
    # the original system's keys, beside today's (docs/compatibility.md)
    job_id: str = Field(description="the same as id (the original's name)")
    status_url: str = Field(description="where to poll (the original's name)")
    result_url: str | None = Field(None, description="the SVG, once the job is done")
    png_preview_url: str | None = Field(None, description="the PNG preview, once done")
    phase_timings: dict[str, float] = Field(
        default_factory=dict, description="milliseconds per phase (the original's unit)"
    )
    progress_percent: float | None = Field(
        None, description="overall progress 0–100 (the original's single progress figure)"
    )
    output_url: str | None = Field(
        None, description="a single-phase job's main output, once done (the original's name)"
    )

    @classmethod
    def of(cls, job: JobRecord, names: StatusNames = "v2v") -> JobResponse:
        base = f"{API}/jobs/{job.id}"
        done = job.status == "succeeded"
        urls = result_urls(job) if done else None
        return cls(
            id=job.id,
            job_id=job.id,
            status_url=base,
            result_url=urls.svg if urls else None,
            png_preview_url=urls.png if urls else None,
            phase_timings=milliseconds(job.timings),
            progress_percent=overall_percent(job),
            output_url=urls.files.get(PHASE_OUTPUTS.get(job.kind, "")) if urls else None,
            kind=job.kind,
            name=job.params.get("name"),
            status=status_name(job.status, names),
            created_at=job.created_at,
            updated_at=job.updated_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            attempts=job.attempts,
            phase=job.phase,
            progress=job.progress,
            message=job.message,
            timings=job.timings,
            qa=job.qa,
            overrides=dict(job.params.get("overrides") or {}),
            urls=urls,
            error=JobError(code=job.error_code, detail=redact_paths(job.error_detail or ""))
            if job.error_code
            else None,
            links={"self": base, "cancel": f"{base}/cancel"},
        )


def result_urls(job: JobRecord) -> ResultUrls:
    base = f"{API}/jobs/{job.id}/files"
    files = {name: f"{base}/{name}" for name in job.files}
    export = f"{API}/jobs/{job.id}/export?format="
    return ResultUrls(
        svg=files.get("result.svg"),
        png=files.get("preview.png"),
        report=files.get("report.json"),
        files=files,
        exports={name: export + name for name in FORMATS} if "result.svg" in files else {},
        export=export_url(job.id, asked, API)
        if "result.svg" in files and isinstance(asked := job.params.get("export"), dict)
        else None,
    )


class JobListResponse(BaseModel):
    items: list[JobResponse]
    total: int
    limit: int
    offset: int
    next: str | None = Field(None, description="URL of the next page, if any")


class ProcessResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "job_id": "3f2b8c0e9a6d4f1b8e7c6a5d4c3b2a19",
                "status": "succeeded",
                "correlation_id": "9c1d…",
                "processing_time_ms": 5230.4,
                "timings": {
                    "load": 0.02,
                    "phase1": 1.9,
                    "phase2": 1.1,
                    "phase3": 0.3,
                    "phase4": 0.8,
                },
                "urls": {
                    "svg": "/api/v1/jobs/3f2b…/files/result.svg",
                    "png": "/api/v1/jobs/3f2b…/files/preview.png",
                    "report": "/api/v1/jobs/3f2b…/files/report.json",
                    "files": {},
                },
                "qa": {"passed": True, "silhouette_iou": 0.93, "palette_compliance": 1.0},
            }
        }
    )

    job_id: str
    status: Literal["succeeded", "success"] = Field(
        "succeeded", description="'success' under STATUS_NAMES=original"
    )
    correlation_id: str
    processing_time_ms: float
    timings: dict[str, float]
    urls: ResultUrls
    qa: dict[str, Any] | None = None
    # the original system's keys, beside today's (docs/compatibility.md)
    svg_url: str | None = None
    png_preview_url: str | None = None
    phase_timings: dict[str, float] = Field(
        default_factory=dict, description="milliseconds per phase"
    )
    model_versions: dict[str, str] = Field(
        default_factory=dict, description="the pipeline's version and each phase's backend"
    )


class PaletteInfo(BaseModel):
    name: str
    colors: list[str]
    names: list[str] = Field(default_factory=list)


class BackendInfo(BaseModel):
    phase: str
    name: str
    description: str
    selected: bool = Field(description="the backend the service's pipeline config uses")


class CsrfToken(BaseModel):
    token: str
    header: str
    field: str
