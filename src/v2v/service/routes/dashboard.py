"""The dashboard's figures (the original system's ``/api/v1/dashboard/*-data`` routes): the
caller's conversion jobs and the server's load."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from v2v.service import original_answers
from v2v.service.compat import reject_unknown_query
from v2v.service.dashboard_views import job_list_html, job_status_html, job_summary, metrics_html
from v2v.service.deps import Services, ServicesDep
from v2v.service.jobs.stats import job_figures, system_figures
from v2v.service.schemas import API, API_PROBLEMS, problems
from v2v.service.security.auth import Client, Limited
from v2v.service.training_jobs import owned_training_job, training_status

router = APIRouter(prefix=f"{API}/dashboard", tags=["dashboard"], responses=API_PROBLEMS)


@router.get("/metrics-data", summary="The caller's jobs: counts, success rate, mean run time")
async def metrics_data(services: ServicesDep, client: Limited, request: Request) -> dict[str, Any]:
    reject_unknown_query(request, ())
    return await run_in_threadpool(_figures, services, client)


def _figures(services: Services, client: Client) -> dict[str, Any]:
    got = job_figures(services.db, client.owner)
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
    job = owned_training_job(services, client, job_id)
    return original_answers.training_progress(
        job, training_status(services, job), services.settings.status_names
    )


def _jobs(services: Services, client: Client, limit: int) -> list[dict[str, Any]]:
    jobs, _ = services.store.list_jobs(None, client.owner, limit, 0)
    return [job_summary(j, services.settings.status_names) for j in jobs]


@router.get("/job-status-data", summary="The caller's 10 newest jobs (conversions and training)")
async def job_status_data(
    services: ServicesDep, client: Limited, request: Request
) -> list[dict[str, Any]]:
    reject_unknown_query(request, ())
    return await run_in_threadpool(_jobs, services, client, 10)


@router.get("/job-list-data", summary="The caller's 20 newest jobs (conversions and training)")
async def job_list_data(
    services: ServicesDep, client: Limited, request: Request
) -> list[dict[str, Any]]:
    reject_unknown_query(request, ())
    return await run_in_threadpool(_jobs, services, client, 20)


@router.get("/metrics", response_class=HTMLResponse, summary="The figures as an HTML fragment")
async def metrics_fragment(services: ServicesDep, client: Limited, request: Request) -> str:
    reject_unknown_query(request, ())
    return metrics_html(await run_in_threadpool(_figures, services, client))


@router.get("/job-status", response_class=HTMLResponse, summary="10 newest jobs, HTML fragment")
async def job_status_fragment(services: ServicesDep, client: Limited, request: Request) -> str:
    reject_unknown_query(request, ())
    return job_status_html(await run_in_threadpool(_jobs, services, client, 10))


@router.get("/job-list", response_class=HTMLResponse, summary="20 newest jobs, HTML fragment")
async def job_list_fragment(services: ServicesDep, client: Limited, request: Request) -> str:
    reject_unknown_query(request, ())
    return job_list_html(await run_in_threadpool(_jobs, services, client, 20))


@router.get(
    "/job-metrics-history/{job_id}",
    summary="A training job's loss per epoch",
    responses=problems(404),
)
def job_metrics_history(
    services: ServicesDep, client: Limited, request: Request, job_id: str
) -> dict[str, Any]:
    reject_unknown_query(request, ())
    progress = training_progress(services, client, request, job_id)
    return {
        "job_id": progress["job_id"],
        **progress["metrics_history"],
        "current_epoch": progress["current_epoch"],
        "total_epochs": progress["total_epochs"],
    }
