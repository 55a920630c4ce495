"""``v2v keys create|list|revoke``: API keys of the REST service (need the ``server`` extra)."""

from __future__ import annotations

from typing import Annotated

import typer

from v2v.cli.common import handle_errors

app = typer.Typer(
    help="API keys of the REST service (stored hashed in its database).", no_args_is_help=True
)


@app.command("create")
@handle_errors
def keys_create(name: Annotated[str, typer.Argument(help="who or what the key is for")]) -> None:
    """Create an API key; the key is shown once, only its hash is stored."""
    from v2v.service import create_api_key

    created = create_api_key(name)
    typer.echo(f"id:   {created.id}\nname: {created.name}\nkey:  {created.key}")
    typer.echo("Store the key now: it cannot be shown again.", err=True)


@app.command("list")
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


@app.command("revoke")
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
