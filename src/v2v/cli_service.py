"""``v2v serve`` and ``v2v keys create|list|revoke`` (need the ``server`` extra)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from v2v.cli import app, handle_errors

keys_app = typer.Typer(
    help="API keys of the REST service (stored hashed in its database).", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")


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


@keys_app.command("create")
@handle_errors
def keys_create(name: Annotated[str, typer.Argument(help="who or what the key is for")]) -> None:
    """Create an API key; the key is shown once, only its hash is stored."""
    from v2v.service import create_api_key

    created = create_api_key(name)
    typer.echo(f"id:   {created.id}\nname: {created.name}\nkey:  {created.key}")
    typer.echo("Store the key now: it cannot be shown again.", err=True)


@keys_app.command("list")
@handle_errors
def keys_list() -> None:
    """List API keys (ids, names, dates; never the keys)."""
    from v2v.service import list_api_keys

    keys = list_api_keys()
    if not keys:
        typer.echo("no API keys (the service then answers loopback clients only)")
    for key in keys:
        state = "active" if key.active else f"revoked {key.revoked_at:%Y-%m-%d %H:%M}"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
        typer.echo(
            f"{key.id}  {key.name:<24} created {key.created_at:%Y-%m-%d %H:%M}  "
            f"last used {used}  {state}"
        )


@keys_app.command("revoke")
@handle_errors
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="the key's id (v2v keys list)")],
) -> None:
    """Revoke an API key; requests with it are refused from then on."""
    from v2v.errors import InputError
    from v2v.service import revoke_api_key

    if not revoke_api_key(key_id):
        raise InputError(f"no active API key with id {key_id!r}; see `v2v keys list`")
    typer.echo(f"revoked {key_id}")
