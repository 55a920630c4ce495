"""The Celery app both sides share: the API sends ``v2v.run_job`` messages, workers run them.

A message carries only a job id; the job store holds everything else. The settings that matter:

- ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged when its job has
  ended, so a job whose worker process dies is delivered again;
- ``worker_prefetch_multiplier=1``: a worker process reserves one job at a time;
- ``task_time_limit``: ``JOB_TIMEOUT`` + ``CANCEL_GRACE_SECONDS`` + 30 s, a last resort behind the
  worker's own timeout (which stops the pipeline at a stage boundary and records ``timeout``);
- Redis ``visibility_timeout`` just above that limit, so Redis never hands a running job's message
  to a second worker; priorities (synchronous requests first) use Redis priority queues.
"""

from __future__ import annotations

from typing import Any

from v2v.errors import ConfigError
from v2v.service.settings import Settings

QUEUE = "v2v"
TASK_NAME = "v2v.run_job"
URGENT, NORMAL = 0, 3  # Redis priorities: 0 is served first


def hard_time_limit(settings: Settings) -> int:
    """Seconds after which Celery kills a job's process whatever it is doing."""
    return int(settings.job_timeout + settings.cancel_grace_seconds + 30)


def make_celery(settings: Settings) -> Any:
    """A Celery app for these settings. Raises ConfigError when Celery is not installed."""
    try:
        from celery import Celery
    except ImportError:
        raise ConfigError(
            "EXECUTOR=celery needs Celery: pip install 'vehicle-to-vector[distributed]'"
        ) from None
    backend = settings.celery_result_backend or None
    app = Celery("v2v", broker=settings.celery_broker_url, backend=backend, set_as_current=False)
    limit = hard_time_limit(settings)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_time_limit=limit,
        task_default_queue=QUEUE,
        task_default_priority=NORMAL,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_ignore_result=backend is None,
        result_expires=86400,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": limit + 60,
            "queue_order_strategy": "priority",
            "priority_steps": [URGENT, NORMAL],
        },
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
        enable_utc=True,
    )
    return app


def redacted(url: str) -> str:
    """The broker URL without its password, for logs and health details."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user + ':***' if user else '***'}@{host}"
