"""``v2v train``: a style LoRA from input→target pairs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from v2v.cli.common import ConfigOpt, SetOpt, handle_errors

app = typer.Typer()


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
