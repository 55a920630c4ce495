"""Starting the server (``python run.py``, ``v2v serve``) and managing API keys (``v2v keys``)."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from v2v.service.db import Database
from v2v.service.logs import get_logger, resolve_format
from v2v.service.security.apikeys import ApiKeyInfo, CreatedKey, create_key, list_keys, revoke_key
from v2v.service.settings import Settings, load_settings


def serve(settings: Settings | None = None, **overrides: Any) -> None:
    """Run the service with uvicorn until interrupted.

    ``overrides`` are settings fields (``host="0.0.0.0"``, ``port=8080``, ``workers=2``…); they win
    over the environment. Raises ``ConfigError`` (naming the variable) for unusable settings.
    With ``workers`` > 1 or ``reload``, each uvicorn process builds its app from the environment,
    so the overrides are exported to it first, with a CSRF key shared by every process when
    ``CSRF_SECRET_KEY`` is not set.
    """
    import uvicorn

    from v2v.service.app import create_app
    from v2v.service.logs import configure_logging

    if settings is None:
        settings = load_settings(**overrides)
    elif overrides:  # validated again, so a bad override is refused like a bad variable
        settings = load_settings(**{**_explicit(settings), **overrides})
    configure_logging(settings.log_level, settings.log_format)
    _announce(settings)
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,
        "log_config": None,
        "proxy_headers": False,
    }
    if settings.workers > 1 or settings.reload:
        for name, value in _explicit(settings).items():
            os.environ[name.upper()] = _env_value(value)
        if settings.csrf_secret_key is None:  # one key for every process, else tokens fail
            os.environ["CSRF_SECRET_KEY"] = secrets.token_urlsafe(32)
        uvicorn.run(
            "v2v.service.app:app_from_env",
            factory=True,
            workers=settings.workers,
            reload=settings.reload,
            **common,
        )
    else:
        uvicorn.run(create_app(settings), **common)


def ui_address(settings: Settings) -> str:
    """Where a person on this machine opens the service: the web UI, or the API docs without it."""
    host = settings.host
    if host in {"0.0.0.0", "::", ""}:  # every interface: this machine answers on loopback too
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}{'/ui' if settings.ui_enabled else '/docs'}"


def _announce(settings: Settings) -> None:
    """The first line a newcomer sees: the address to open (then the log lines follow)."""
    address = ui_address(settings)
    if resolve_format(settings.log_format) == "console":
        what = "the web UI" if settings.ui_enabled else "the API docs"
        sys.stderr.write(f"v2v: open {address} for {what} (Ctrl+C stops the server)\n")
    else:
        get_logger("v2v.service").info("service_address", url=address)


def _explicit(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in settings.model_fields_set}


def _env_value(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_env_value(v) for v in value)
    if hasattr(value, "get_secret_value"):
        return str(value.get_secret_value())
    return str(value).lower() if isinstance(value, bool) else str(value)


@contextmanager
def _database(settings: Settings | None) -> Iterator[Database]:
    """The job database for one key operation, closed afterwards."""
    settings = settings or load_settings()
    database = Database(settings.resolved_database_url)
    try:
        database.create_tables()
        yield database
    finally:
        database.dispose()


def create_api_key(name: str, settings: Settings | None = None) -> CreatedKey:
    """Create a key; ``.key`` is shown once (only its hash is stored)."""
    with _database(settings) as database:
        return create_key(database, name)


def list_api_keys(settings: Settings | None = None) -> list[ApiKeyInfo]:
    """Every key in the database (revoked ones included; ``.active`` tells), oldest first."""
    with _database(settings) as database:
        return list_keys(database)


def revoke_api_key(key_id: str, settings: Settings | None = None) -> bool:
    """Revoke by id (the 8 hex characters after ``v2v_``); False when no active key has it."""
    with _database(settings) as database:
        return revoke_key(database, key_id)
