"""``v2v lora list|delete``: the style LoRAs in the model directory."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from v2v.cli.common import ModelDirOpt, handle_errors

app = typer.Typer(help="Style LoRAs in the model directory (loras/).", no_args_is_help=True)


@app.command("list")
@handle_errors
def lora_list(
    model_dir: ModelDirOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """List the LoRAs (id, size, date, trigger)."""
    from v2v.training import list_loras

    loras = list_loras(model_dir)
    if as_json:
        typer.echo(json.dumps([lora.to_dict() for lora in loras], indent=2, default=str))
        return
    if not loras:
        typer.echo("no LoRAs (train one with `v2v train PAIRS_DIR`)")
    for lora in loras:
        trigger = (lora.card or {}).get("trigger", "-")
        typer.echo(
            f"{lora.id:<32} {lora.size_bytes / 1e6:8.1f} MB  "
            f"{lora.modified:%Y-%m-%d %H:%M}  trigger {trigger}"
        )


@app.command("delete")
@handle_errors
def lora_delete(
    lora_id: Annotated[str, typer.Argument(help="the LoRA's id")], model_dir: ModelDirOpt = None
) -> None:
    """Delete a LoRA file and its card."""
    from v2v.training import delete_lora

    removed = delete_lora(lora_id, model_dir)
    typer.echo(f"deleted {removed.id} ({removed.path})")
