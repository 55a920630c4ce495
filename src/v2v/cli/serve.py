"""``v2v serve``: the REST API and web UI (needs the ``server`` extra)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from v2v.cli.common import handle_errors

app = typer.Typer()


@app.command()
@handle_errors
def serve(
    host: Annotated[str | None, typer.Option("--host", help="default: $HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option("--port", help="default: $PORT or 8000")] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="pipeline worker processes; default: $WORKERS")
    ] = None,
    reload: Annotated[bool | None, typer.Option("--reload/--no-reload")] = None,
    log_level: Annotated[str | None, typer.Option("--log-level")] = None,
) -> None:
    """Start the REST API and web UI (http://127.0.0.1:8000/ui by default)."""
    import logging

    from v2v.service import serve as run_server

    # the service logs JSON lines itself; drop the CLI's plain-text handler to avoid doubles
    logging.getLogger().handlers.clear()

    given: dict[str, Any] = {
        "host": host,
        "port": port,
        "workers": workers,
        "reload": reload,
        "log_level": log_level,
    }
    run_server(None, **{key: value for key, value in given.items() if value is not None})
