"""``v2v worker``, ``v2v train`` and ``v2v lora list|delete``: GPU workers and style LoRAs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from v2v.cli import ConfigOpt, SetOpt, app, handle_errors

lora_app = typer.Typer(help="Style LoRAs in the model directory (loras/).", no_args_is_help=True)
app.add_typer(lora_app, name="lora")
DirOpt = Annotated[
    Path | None,
    typer.Option(
        "--dir", help="model directory (default: $MODEL_VOLUME_PATH, else ~/.cache/v2v/models)"
    ),
]


@app.command()
@handle_errors
def worker(
    device: Annotated[str, typer.Option("--device", help="cpu, cuda, cuda:N or auto")] = "auto",
    concurrency: Annotated[
        int, typer.Option("--concurrency", help="jobs at once (one per GPU for the SDXL backends)")
    ] = 1,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="the worker's Celery node name, NAME@HOST; default v2v-<device>-<pid>@<host> "
            "(unique per process); check it with python -m v2v.service.jobs.celery_worker "
            "--ping --name NAME@HOST",
        ),
    ] = None,
) -> None:
    """Run a distributed (Celery) worker bound to one device; settings from the environment."""
    from v2v.service import load_settings
    from v2v.service.jobs.celery_worker import run_worker

    code = run_worker(device, concurrency, load_settings(executor="celery"), name=name)
    raise typer.Exit(code)


@app.command()
@handle_errors
def train(
    pairs_dir: Annotated[Path, typer.Argument(help="folder with inputs/ and targets/")],
    params: Annotated[
        list[str] | None,
        typer.Option(
            "--param", help="training parameter, e.g. epochs=10, learning_rate=1e-4, rank=32"
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="continue from the last checkpoint in --checkpoints")
    ] = False,
    checkpoints: Annotated[
        Path | None,
        typer.Option("--checkpoints", help="keep checkpoints here (needed for --resume)"),
    ] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Train a style LoRA from input→target pairs; prints progress and the new LoRA id."""
    import yaml

    from v2v.config import load_config
    from v2v.errors import ConfigError
    from v2v.training import parse_params, train_lora

    values: dict[str, Any] = {}
    for item in params or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--param {item!r} is not of the form name=value")
        values[key.strip()] = yaml.safe_load(value)

    def show(status: Any) -> None:
        loss = f" loss {status.last_loss:.4f}" if status.last_loss is not None else ""
        typer.echo(
            f"\r{status.stage:<12} {status.progress:5.1%} epoch {status.epoch}/"
            f"{status.epochs} step {status.step}/{status.total_steps}{loss}   ",
            nl=False,
            err=True,
        )

    result = train_lora(
        pairs_dir,
        parse_params(values),
        load_config(config, set_ or []),
        checkpoint_dir=checkpoints,
        resume=resume,
        on_status=show,
    )
    typer.echo("", err=True)
    typer.echo(f"LoRA {result.lora.id}: {result.lora.path}")
    typer.echo(f"use it with: --set phase2.lora.path={result.lora.id}")


@lora_app.command("list")
@handle_errors
def lora_list(
    model_dir: DirOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False
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


@lora_app.command("delete")
@handle_errors
def lora_delete(
    lora_id: Annotated[str, typer.Argument(help="the LoRA's id")], model_dir: DirOpt = None
) -> None:
    """Delete a LoRA file and its card."""
    from v2v.training import delete_lora

    removed = delete_lora(lora_id, model_dir)
    typer.echo(f"deleted {removed.id} ({removed.path})")
