"""A Celery worker bound to one device: ``v2v worker --device cuda:1 --concurrency 1``.

Each pool process takes one job at a time (prefetch 1, late acknowledgement), runs it with the same
runner as the local workers, and writes to the same job store and job files. Stop it with SIGTERM
(warm shutdown: running jobs finish) or a second SIGTERM (cold: running jobs are re-queued by the
API once their heartbeat is stale).

Without the CLI: ``python -m v2v.service.jobs.celery_worker --device cpu --concurrency 2``;
``python -m v2v.service.jobs.celery_worker --ping [--name NAME@HOST]`` exits 0 when that worker (by
default: any worker on this host) answers (a container health check).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import sys
from typing import Any

from v2v.errors import ConfigError
from v2v.service.db import Database
from v2v.service.jobs import celery_warmup
from v2v.service.jobs.celery_app import QUEUE, TASK_NAME, URGENT, make_celery
from v2v.service.jobs.celery_warmup import WarmState
from v2v.service.jobs.executor import DEFAULT_RUNNER, RunOptions
from v2v.service.jobs.remote_run import JobRun
from v2v.service.jobs.store import JobStore
from v2v.service.jobs.worker_guard import WorkerGuard, request_class
from v2v.service.jobs.worker_loop import load_runner
from v2v.service.logs import configure_logging, get_logger
from v2v.service.settings import Settings, load_settings
from v2v.service.storage import make_job_files

log = get_logger("v2v.service.celery_worker")
_DEVICE = re.compile(r"^(auto|cpu|cuda|cuda:\d{1,2})$")


def bind_device(device: str, environ: dict[str, str] | Any = os.environ) -> None:
    """Point this process (before anything imports torch) at one device.

    ``cuda:N`` shows the pipeline only GPU N (``CUDA_VISIBLE_DEVICES=N``, ``models.device: cuda``);
    ``cpu`` hides every GPU; ``cuda`` and ``auto`` set ``models.device`` only.
    """
    if not _DEVICE.match(device):
        raise ConfigError(f"--device {device!r}: use cpu, cuda, cuda:N (N = GPU index) or auto")
    if device.startswith("cuda:"):
        environ["CUDA_VISIBLE_DEVICES"] = device.split(":", 1)[1]
        environ["V2V_MODELS__DEVICE"] = "cuda"
    elif device == "cpu":
        environ["CUDA_VISIBLE_DEVICES"] = ""
        environ["V2V_MODELS__DEVICE"] = "cpu"
    elif device == "cuda":
        environ["V2V_MODELS__DEVICE"] = "cuda"


def node_name(device: str, pid: int | None = None) -> str:
    """The worker's default Celery name, unique per process: ``v2v-<device>-<pid>@<host>``
    (``v2v-cuda1-4242@gpu-box``), so two workers on one host never share a name."""
    return f"v2v-{device.replace(':', '')}-{pid or os.getpid()}@{socket.gethostname()}"


class WorkerContext:
    """What the job task needs, created once in each pool process (never shared across a fork)."""

    def __init__(self, settings: Settings, runner_path: str) -> None:
        self.settings = settings
        self.runner_path = runner_path
        self._pid: int | None = None
        self._run: JobRun | None = None

    def job_run(self) -> JobRun:
        if self._run is None or self._pid != os.getpid():
            settings = self.settings
            store = JobStore(Database(settings.resolved_database_url))
            options = RunOptions.from_settings(settings)
            runner = load_runner(self.runner_path)
            self._run = JobRun(store, make_job_files(settings), options, runner, _kill_self)
            self._pid = os.getpid()
        return self._run


def _kill_self() -> None:
    """A stage ignored its cancel past the grace period: end this pool process (Celery replaces
    it; the message is requeued and then skipped, because the job has already ended)."""
    os.kill(os.getpid(), signal.SIGKILL)


def register_job_task(app: Any, context: WorkerContext, guard: WorkerGuard | None = None) -> Any:
    """Register ``v2v.run_job`` on ``app``: run the named job in this pool process (with a
    ``guard``, a job whose process is lost is re-queued at the front at once)."""
    options: dict[str, Any] = {}
    if guard is not None:
        options["Request"] = request_class(guard)

    @app.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True, **options)
    def run_job(job_id: str) -> dict[str, str]:
        return {"job_id": job_id, "status": context.job_run()(job_id)}

    return run_job


def _export(settings: Settings) -> None:
    """Settings the pipeline reads from the environment (they may come from a .env file)."""
    if settings.model_volume_path is not None:
        os.environ["MODEL_VOLUME_PATH"] = str(settings.model_volume_path)
    if settings.disable_xformers:
        os.environ["DISABLE_XFORMERS"] = os.environ["XFORMERS_DISABLED"] = "1"


def _prepare(settings: Settings) -> None:
    """Check (or upgrade) the schema and create the job folder, then drop the connections so no
    pool process inherits them."""
    database = Database(settings.resolved_database_url)
    try:
        database.create_tables(migrate=settings.database_migrate == "auto")
    finally:
        database.dispose()
    make_job_files(settings).jobs.mkdir(parents=True, exist_ok=True)


def run_worker(
    device: str,
    concurrency: int,
    settings: Settings,
    *,
    runner: str | None = None,
    name: str | None = None,
    warm_up: bool | None = None,
) -> int:
    """Run a Celery worker until it is stopped; returns its exit code.

    ``device``: cpu, cuda, cuda:N or auto; ``concurrency``: pool processes (jobs at once; one per
    GPU is right for the SDXL backends); ``runner``: 'module:function' replacing the pipeline
    runner (tests); ``name``: the Celery node name (default ``v2v-<device>@<host>``);
    ``warm_up``: warm each pool process before its first job (default: ``WARM_WORKERS`` with the
    library's runner; see :mod:`celery_warmup`).
    Raises ConfigError for a bad device, settings that cannot work or a missing extra.
    """
    if concurrency < 1:
        raise ConfigError(f"--concurrency must be at least 1, got {concurrency}")
    bind_device(device)
    _export(settings)
    configure_logging(settings.log_level, settings.log_format, exclusive=True)
    _prepare(settings)
    runner_path = runner or DEFAULT_RUNNER
    run = load_runner(runner_path)  # import the pipeline once, before the pool forks
    app = make_celery(settings)
    if warm_up is None:
        warm_up = settings.warm_workers and runner_path == DEFAULT_RUNNER
    if warm_up:
        config = settings.pipeline_config
        celery_warmup.install(app, WarmState(concurrency), run, str(config) if config else None)
    guard = _guard(settings)
    register_job_task(app, WorkerContext(settings, runner_path), guard)
    hostname = name or node_name(device)
    log.info(
        "worker_starting", node=hostname, device=device, concurrency=concurrency, warm_up=warm_up
    )
    worker = app.Worker(
        hostname=hostname,
        concurrency=concurrency,
        pool="prefork",
        queues=[QUEUE],
        exclude_queues=[QUEUE] if warm_up else [],  # the warm-up gate adds it when warm
        loglevel=settings.log_level.upper(),
        prefetch_multiplier=1,
        without_gossip=True,
        without_mingle=True,
        optimization="fair",
        quiet=settings.log_format == "json",  # no plain-text banner among the JSON lines
    )
    guard.start()
    try:
        worker.start()
    finally:
        guard.stop()
    return int(worker.exitcode or 0)


def _guard(settings: Settings) -> WorkerGuard:
    """The main process's watch over this host's jobs (see :mod:`worker_guard`); it sends its
    urgent messages through an app of its own (never the consumer's connections)."""
    sender = make_celery(settings)

    def announce(job_id: str) -> None:
        sender.send_task(TASK_NAME, args=[job_id], queue=QUEUE, priority=URGENT, retry=False)

    return WorkerGuard(
        settings.resolved_database_url,
        make_job_files(settings),
        settings.job_max_attempts,
        announce,
        socket.gethostname(),
    )


def ping(settings: Settings, name: str | None = None, timeout: float = 5.0) -> bool:
    """True when the worker called ``name`` answers a Celery ping (any name works); without a
    name, when any worker whose name ends with ``@<this host>`` answers (the default names)."""
    control = make_celery(settings).control
    if name:
        replies = control.ping(destination=[name], timeout=timeout, limit=1) or []
        return any(node == name for reply in replies for node in reply)
    suffix = f"@{socket.gethostname()}"
    replies = control.ping(timeout=timeout) or []
    return any(node.endswith(suffix) for reply in replies for node in reply)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m v2v.service.jobs.celery_worker")
    parser.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto")
    parser.add_argument("--concurrency", type=int, default=1, help="jobs at once")
    parser.add_argument(
        "--name",
        default=None,
        help="the worker's Celery node name, NAME@HOST (default: v2v-<device>-<pid>@<host>, "
        "unique per process); with --ping: the worker to ask",
    )
    parser.add_argument("--runner", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--warm-up", action="store_true", default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--ping",
        action="store_true",
        help="exit 0 when the worker --name (default: any worker on this host) answers",
    )
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds --ping waits")
    return parser


def main(argv: list[str] | None = None) -> int:
    """The worker without the ``v2v`` CLI; settings from the environment (EXECUTOR=celery)."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(executor="celery")
        if args.ping:
            if ping(settings, args.name, args.timeout):
                return 0
            who = args.name or f"any worker named …@{socket.gethostname()}"
            sys.stderr.write(f"error: no answer from {who} within {args.timeout:g} s\n")
            return 1
        return run_worker(
            args.device,
            args.concurrency,
            settings,
            runner=args.runner,
            name=args.name,
            warm_up=args.warm_up,
        )
    except ConfigError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
