"""``create_app(settings)``: the FastAPI application with its routers, middleware and handlers."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from v2v import __version__, load_config
from v2v.cpu import ENV as CPU_ENV
from v2v.cpu import threads_per_worker
from v2v.service.compat import status_name
from v2v.service.db import Database, utcnow
from v2v.service.deps import Services
from v2v.service.jobs.executor import DEFAULT_RUNNER, make_executor
from v2v.service.jobs.local_executor import LocalOptions
from v2v.service.jobs.maintenance import Maintenance
from v2v.service.jobs.store import JobStore
from v2v.service.logs import configure_logging, get_logger
from v2v.service.metrics import ServiceMetrics
from v2v.service.middleware import RequestContextMiddleware
from v2v.service.problems import install_problem_handlers
from v2v.service.routes import (
    archive,
    capabilities,
    catalog,
    dashboard,
    exports,
    health,
    jobs,
    original,
    original_ui,
    process,
    training,
    training_gallery,
)
from v2v.service.security.apikeys import KeyRing
from v2v.service.security.csrf import CsrfTokens
from v2v.service.security.gate import GateMiddleware
from v2v.service.security.ratelimit import make_limiter, storage_url
from v2v.service.settings import Settings, load_settings
from v2v.service.storage import make_job_files
from v2v.service.ui import install_ui

log = get_logger("v2v.service.app")
DESCRIPTION = """Vehicle photos in, palette-locked SVG illustrations out.

Convert synchronously (`POST /api/v1/process`) or as a job (`POST /api/v1/jobs`, then poll the
`Location`). Errors are RFC 7807 problem documents with a `correlation_id`. With API keys
configured, send one as `X-API-Key` or `Authorization: Bearer`."""


def _worker_environment(settings: Settings) -> dict[str, str]:
    environment = {"GPU_MODEL": settings.gpu_model}
    if settings.model_volume_path is not None:
        environment["MODEL_VOLUME_PATH"] = str(settings.model_volume_path)
    if settings.lora_dir is not None:
        environment["LORA_DIR"] = str(settings.lora_dir)
    if settings.disable_xformers:
        environment["DISABLE_XFORMERS"] = environment["XFORMERS_DISABLED"] = "1"
    # JOB_WORKERS pipelines at once share the cores (v2v.cpu); an explicit V2V_CPU_THREADS wins
    environment[CPU_ENV] = os.environ.get(CPU_ENV) or str(threads_per_worker(settings.job_workers))
    return environment


def build_services(settings: Settings, runner: str | None = None) -> Services:
    """Everything the app needs, created but not started. Raises ConfigError on bad settings."""
    base_config = load_config(settings.pipeline_config)
    db = Database(settings.resolved_database_url)
    store, files, metrics = JobStore(db), make_job_files(settings), ServiceMetrics()
    options = LocalOptions.from_settings(
        settings,
        workers=settings.job_workers,
        mode=settings.worker_mode,
        runner_path=runner or DEFAULT_RUNNER,
        log_level=settings.log_level,
        log_format=settings.log_format,
        niceness=settings.worker_niceness,
        # the library's runner loads models; a stand-in runner (tests) has none to warm
        warm_up=settings.warm_workers and (runner or DEFAULT_RUNNER) == DEFAULT_RUNNER,
    )
    executor = make_executor(
        settings, store, files, options, _worker_environment(settings), metrics.job_finished
    )
    keys = [k.get_secret_value() for k in settings.api_keys]
    secret = (
        settings.csrf_secret_key.get_secret_value().encode()
        if settings.csrf_secret_key is not None
        else _ephemeral_secret()
    )
    limits_at = storage_url(
        settings.rate_limit_storage_url, settings.executor, settings.celery_broker_url
    )
    return Services(
        settings=settings,
        db=db,
        store=store,
        files=files,
        executor=executor,
        keys=KeyRing(db, keys, settings.api_keys_file),
        limiter=make_limiter(settings.rate_limit, limits_at, "v2v-requests"),
        csrf=CsrfTokens(secret),
        metrics=metrics,
        base_config=base_config,
        started_at=utcnow(),
        auth_limiter=make_limiter(settings.auth_failures, limits_at, "v2v-auth-failures"),
        decodes=threading.BoundedSemaphore(settings.max_concurrent_decodes),
    )


def _ephemeral_secret() -> bytes:
    """Without CSRF_SECRET_KEY (and without the UI) tokens are signed with a per-process key."""
    import secrets

    return secrets.token_bytes(32)


class _Runtime:
    """Starts the database, workers and housekeeping once, however many lifespans overlap (test
    clients and ASGI tools may each run the app's lifespan); stops them when the last one ends."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.users = 0
        self.lock = threading.Lock()
        self.maintenance: Maintenance | None = None

    def start(self) -> None:
        services, settings = self.services, self.services.settings
        with self.lock:
            self.users += 1
            if self.users > 1:
                return
            services.db.create_tables(migrate=settings.database_migrate == "auto")
            services.files.prepare()
            self.maintenance = Maintenance(
                services.store,
                services.files,
                services.executor,
                settings.job_stale_seconds,
                settings.job_max_attempts,
                settings.retention_hours,
            )
            self.maintenance.first_sweep()
            services.executor.start()
            self.maintenance.start()
        if not settings.loopback_only and not services.keys.configured():
            log.warning(
                "no_api_key",
                detail=f"HOST={settings.host} is reachable from other machines but no API key is "
                "configured, so only local clients are served; create one: v2v keys create NAME",
            )
        log.info(
            "service_started",
            version=__version__,
            data_dir=str(services.files.root),
            database=services.db.engine.dialect.name,
        )

    def stop(self) -> None:
        with self.lock:
            self.users -= 1
            if self.users > 0:
                return
            if self.maintenance is not None:
                self.maintenance.stop()
            self.services.executor.stop()
            self.services.db.dispose()
        log.info("service_stopped")


def _lifespan(runtime: _Runtime) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(runtime.start)
        watcher = asyncio.create_task(runtime.services.metrics.watch_event_loop())
        try:
            yield
        finally:
            watcher.cancel()
            await run_in_threadpool(runtime.stop)

    return lifespan


def _docs(app: FastAPI) -> None:
    """Swagger UI and ReDoc served from local files (no CDN) when fastapi-offline is installed."""
    spec = importlib.util.find_spec("fastapi_offline")
    static = Path(spec.origin).parent / "static" if spec and spec.origin else None
    prefix = "/static/docs"
    if static is not None and static.is_dir():
        app.mount(prefix, StaticFiles(directory=static), name="docs-static")
    local = static is not None and static.is_dir()

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        if not local:
            return get_swagger_ui_html(openapi_url="/openapi.json", title="v2v API")
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="v2v API",
            swagger_js_url=f"{prefix}/swagger-ui-bundle.js",
            swagger_css_url=f"{prefix}/swagger-ui.css",
            swagger_favicon_url=f"{prefix}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        if not local:
            return get_redoc_html(openapi_url="/openapi.json", title="v2v API")
        return get_redoc_html(
            openapi_url="/openapi.json",
            title="v2v API",
            redoc_js_url=f"{prefix}/redoc.standalone.js",
            redoc_favicon_url=f"{prefix}/favicon.png",
            with_google_fonts=False,
        )

    @app.get("/", include_in_schema=False)
    def root(request: Request) -> RedirectResponse:
        return RedirectResponse(
            "/ui" if request.app.state.services.settings.ui_enabled else "/docs"
        )


def create_app(settings: Settings | None = None, *, runner: str | None = None) -> FastAPI:
    """The application. ``runner`` ('module:function') replaces the pipeline runner (tests)."""
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_format)
    services = build_services(settings, runner)
    app = FastAPI(
        title="vehicle-to-vector",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan(_Runtime(services)),
    )
    app.state.services = services
    app.state.metrics = services.metrics
    services.metrics.watch_state(
        lambda: services.store.counts(),
        lambda: services.executor.health().alive,
        lambda: services.store.finished_totals(),
        lambda status: status_name(status, settings.status_names),
    )
    install_problem_handlers(app)
    modules = (health, process, jobs, exports, original, dashboard, catalog, archive)
    for module in (*modules, capabilities, training, training_gallery):
        app.include_router(module.router)
    _docs(app)
    if settings.ui_enabled:
        install_ui(app)
        app.include_router(original_ui.router)  # the original's form posts (303 to a UI page)
    app.add_middleware(
        GateMiddleware, services=services, allowed_hosts=settings.host_allow_list(settings.host)
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=settings.cors_allow_credentials,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=[
                "Content-Type",
                "Authorization",
                "X-API-Key",
                "X-Correlation-ID",
                "X-CSRF-Token",
            ],
            expose_headers=["Location", "Retry-After", "X-Correlation-ID"],
        )
    if settings.forwarded_allow_ips:  # client address and scheme from the trusted proxy
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    max_body = settings.max_upload_bytes + settings.max_overrides_bytes + 64 * 1024
    app.add_middleware(RequestContextMiddleware, metrics=services.metrics, max_body=max_body)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory v2v.service.app:app_from_env`` (reads the environment)."""
    return create_app(load_settings())
