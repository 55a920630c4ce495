"""Liveness, readiness and metrics. Never rate limited and never behind an API key.

``/ready`` names server paths and the GPU only to a caller who may use the API (a valid key,
or a local client when no key is configured); anyone else reads the same checks without them.
Failing checks are logged in full either way.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from v2v import __version__
from v2v.service.db import utcnow
from v2v.service.deps import Services, ServicesDep
from v2v.service.health_schemas import Check, HealthResponse, ReadyResponse
from v2v.service.logs import get_logger
from v2v.service.problems import ApiProblem
from v2v.service.redact import redact_paths
from v2v.service.security.auth import identify, presented_key

router = APIRouter(tags=["health"])
log = get_logger("v2v.service.health")


@router.get("/health", response_model=HealthResponse, summary="Liveness: the process answers")
def health(services: ServicesDep) -> HealthResponse:
    now = utcnow()
    return HealthResponse(
        version=__version__,
        timestamp=now,
        uptime_seconds=round((now - services.started_at).total_seconds(), 3),
    )


def _database(services: Services) -> Check:
    try:
        services.db.ping()
    except Exception as exc:  # noqa: BLE001 - any driver error means "not ready"; named below
        return Check(ok=False, detail=f"the database does not answer: {type(exc).__name__}")
    return Check(ok=True, detail=f"answers ({services.db.engine.dialect.name})")


def _disk(services: Services) -> Check:
    root = services.files.root
    free_mb = shutil.disk_usage(root).free // (1024 * 1024)
    if not os.access(root, os.W_OK):
        return Check(ok=False, detail=f"the data directory {root} is not writable")
    needed = services.settings.min_free_disk_mb
    return Check(
        ok=free_mb >= needed,
        detail=f"{free_mb} MB free in the data directory (MIN_FREE_DISK_MB={needed})",
    )


def _models(services: Services) -> Check:
    path = services.settings.model_volume_path
    if path is None:
        return Check(ok=True, detail="MODEL_VOLUME_PATH not set; the CPU backends need no weights")
    if not path.is_dir() or not os.access(path, os.R_OK | os.X_OK):
        return Check(ok=False, detail=f"MODEL_VOLUME_PATH={path} is not a readable directory")
    return Check(ok=True, detail=f"{path} is readable")


def _gpu(services: Services) -> Check:
    if not services.settings.gpu_model:
        return Check(ok=True, detail="not needed: GPU_MODEL is not set (CPU backends)")
    if importlib.util.find_spec("torch") is None:
        return Check(
            ok=False,
            detail="GPU_MODEL is set but torch is not installed; "
            "pip install 'vehicle-to-vector[gpu]'",
        )
    import torch

    if not torch.cuda.is_available():
        return Check(ok=False, detail="GPU_MODEL is set but CUDA reports no usable GPU")
    free, total = torch.cuda.mem_get_info()
    name = torch.cuda.get_device_name(0)
    return Check(ok=True, detail=f"{name}: {free / 2**30:.1f} of {total / 2**30:.1f} GiB free")


def _may_see_details(request: Request, services: Services) -> bool:
    if services.keys.configured() and presented_key(request) is None:
        return False  # anonymous caller: no key lookup, no failure counted
    try:
        identify(request, services, presented_key(request))
    except ApiProblem:
        return False
    return True


def _gpu_public(check: Check) -> Check:
    """The GPU check without the device name."""
    if check.ok and ":" in check.detail and "GiB" in check.detail:
        return Check(ok=True, detail="a GPU" + check.detail[check.detail.index(":") :])
    return check


def _original_checks(services: Services, checks: dict[str, Check]) -> dict[str, str]:
    """The checks as the original's ``/ready`` gave them (``STATUS_NAMES=original``): one
    string each; ``gpu`` is ``available`` or ``unavailable`` and ``disk_space`` reads
    ``"{free}GB free ({pct}%)"`` (``low (…)`` below ``MIN_FREE_DISK_MB``), as there; today's
    checks follow with their detail."""
    usage = shutil.disk_usage(services.files.root)
    space = f"{usage.free / 2**30:.2f}GB free ({100 * usage.free / usage.total:.0f}%)"
    gpu_in_use = bool(services.settings.gpu_model) and checks["gpu"].ok
    strings = {
        "gpu": "available" if gpu_in_use else "unavailable",
        "disk_space": space if checks["disk"].ok else f"low ({space})",
    }
    strings.update((name, check.detail) for name, check in checks.items() if name not in strings)
    return strings


@router.get(
    "/ready",
    response_model=ReadyResponse,
    summary="Readiness: every dependency works",
    responses={
        503: {"model": ReadyResponse, "description": "a check failed, or workers are warming"},
        200: {"description": "ready (with STATUS_NAMES=original: the original's shape)"},
    },
)
def ready(services: ServicesDep, request: Request) -> JSONResponse:
    health_of_workers = services.executor.health()
    checks = {
        "database": _database(services),
        "workers": Check(ok=health_of_workers.ok, detail=health_of_workers.detail),
        "disk": _disk(services),
        "model_directory": _models(services),
        "gpu": _gpu(services),
    }
    failing = [name for name, check in checks.items() if not check.ok]
    for name in failing:
        log.warning("not_ready", check=name, detail=checks[name].detail)
    if not _may_see_details(request, services):
        checks = {n: Check(ok=c.ok, detail=redact_paths(c.detail)) for n, c in checks.items()}
        checks["gpu"] = _gpu_public(checks["gpu"])
    warming = not failing and health_of_workers.warming > 0
    unready = failing or warming
    if services.settings.status_names == "original":
        original = {
            "status": "not_ready" if unready else "ready",
            "checks": _original_checks(services, checks),
            "failing": failing,
            "timestamp": utcnow().isoformat(),
        }
        return JSONResponse(original, status_code=503 if unready else 200)
    body = ReadyResponse(
        status="not_ready" if failing else "warming" if warming else "ready",
        checks=checks,
        failing=failing,
        timestamp=utcnow(),
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if unready else 200)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
def metrics(services: ServicesDep) -> Response:
    return Response(
        services.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
