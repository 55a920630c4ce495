"""Structured logging (structlog): JSON lines on stderr, a correlation id in every line; readable
lines instead on a terminal (``LOG_FORMAT=auto``, the default) or with ``LOG_FORMAT=console``.

The request middleware binds ``correlation_id`` with :func:`bind_request`; the worker binds the same
id (and the job id) before it runs a job, so one grep follows a request into the pipeline.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

_configured: tuple[str, str] | None = None


def resolve_format(fmt: str) -> str:
    """``auto`` → ``console`` when stderr is a terminal (a person reads it), else ``json``."""
    if fmt != "auto":
        return fmt
    isatty = getattr(sys.stderr, "isatty", None)
    return "console" if isatty is not None and isatty() else "json"


def configure_logging(level: str = "info", fmt: str = "auto", exclusive: bool = False) -> None:
    """Send structlog and standard-library logs to stderr as JSON (or readable text).

    ``exclusive``: this process's logs go only through this handler (a worker process: Celery's
    and the CLI's handlers are dropped, Python warnings become log records), so every record is
    written once, as one line.
    """
    global _configured
    fmt = resolve_format(fmt)
    if _configured == (level, fmt) and not exclusive:
        return
    numeric = logging.getLevelName(level.upper())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.set_name("v2v")
    root = logging.getLogger()
    # replace only our own handler: test runners and servers may have added theirs
    keep = [] if exclusive else [h for h in root.handlers if h.get_name() != "v2v"]
    root.handlers = [*keep, handler]
    if exclusive:
        logging.captureWarnings(True)
    root.setLevel(numeric)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    for noisy in ("httpx", "httpcore", "multipart", "alembic"):
        logging.getLogger(noisy).setLevel(max(numeric, logging.WARNING))
    _configured = (level, fmt)


def get_logger(name: str) -> Any:
    """A structlog logger; ``log.info("event", key=value)``."""
    return structlog.stdlib.get_logger(name)


def bind_request(correlation_id: str, **values: Any) -> None:
    """Attach the correlation id (and more) to every log line of this context."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id, **values)


def clear_request() -> None:
    structlog.contextvars.clear_contextvars()
