"""The dashboard's figures (the original system's ``/api/v1/dashboard/*-data`` routes): the
caller's conversion jobs and the server's load."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from v2v.service import original_answers
from v2v.service.compat import reject_unknown_query
from v2v.service.deps import ServicesDep
from v2v.service.jobs.stats import job_figures, system_figures
from v2v.service.routes.training_gallery import owned_training_job
from v2v.service.schemas import API, API_PROBLEMS, problems
from v2v.service.security.auth import Limited

router = APIRouter(prefix=f"{API}/dashboard", tags=["dashboard"], responses=API_PROBLEMS)


@router.get("/metrics-data", summary="The caller's jobs: counts, success rate, mean run time")
async def metrics_data(services: ServicesDep, client: Limited, request: Request) -> dict[str, Any]:
    reject_unknown_query(request, ())
    got = await run_in_threadpool(job_figures, services.db, client.owner)
    return {
        "total_jobs": got.total,
        "active_jobs_count": got.active,
        "completed_jobs_count": got.succeeded_today,
        "succeeded_jobs": got.succeeded,
        "failed_jobs": got.failed,
        "cancelled_jobs": got.cancelled,
        "success_rate": "–" if got.success_rate is None else f"{100 * got.success_rate:.0f}%",
        "success_rate_value": got.success_rate,
        "avg_time": "–" if got.mean_seconds is None else f"{got.mean_seconds:.1f}s",
        "avg_time_seconds": got.mean_seconds,
    }


@router.get("/system-stats", summary="The server's CPU, memory and disk use in %")
async def system_stats(services: ServicesDep, client: Limited, request: Request) -> dict[str, Any]:
    reject_unknown_query(request, ())
    got = await run_in_threadpool(system_figures, services.files.root)
    gpu = got.gpu
    return {
        "cpu_percent": got.cpu_percent,
        "memory_percent": got.memory_percent,
        "disk_percent": got.disk_percent,
        # the original's GPU figures: null without a CUDA GPU in the API process
        "gpu_name": gpu.name if gpu else None,
        "gpu_memory_allocated_gb": gpu.allocated_gb if gpu else None,
        "gpu_memory_reserved_gb": gpu.reserved_gb if gpu else None,
        "gpu_memory_total_gb": gpu.total_gb if gpu else None,
    }


@router.get(
    "/training-progress/{job_id}",
    summary="A training job's progress in the original dashboard's shape",
    responses=problems(404),
)
def training_progress(
    services: ServicesDep, client: Limited, request: Request, job_id: str
) -> dict[str, Any]:
    reject_unknown_query(request, ())
    from v2v.service.routes.training import _status

    job = owned_training_job(services, client, job_id)
    return original_answers.training_progress(
        job, _status(services, job), services.settings.status_names
    )
