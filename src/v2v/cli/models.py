"""``v2v models list|verify|download``: the local model directory of the GPU backends."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from v2v.cli.common import ModelDirOpt, handle_errors

app = typer.Typer(
    help="The local model directory (MODEL_VOLUME_PATH) of the GPU backends.", no_args_is_help=True
)


def _print_statuses(statuses: list[Any]) -> None:
    for status in statuses:
        state = "ok" if status.ok else ("missing" if not status.present else "problem")
        needed = ", ".join(status.needed_by) or "-"
        size = f"{status.size_bytes / 1e6:,.0f} MB" if status.present else ""
        line = f"{status.name:<18} {state:<8} {size:>10}  needed by: {needed}"
        if status.problem:
            line += f"  ({status.problem})"
        typer.echo(line)


@app.command("list")
@handle_errors
def list_command(model_dir: ModelDirOpt = None) -> None:
    """What is present in the model directory and which backend needs each folder."""
    from v2v.models import list_models, resolve_model_dir

    typer.echo(f"model directory: {resolve_model_dir(model_dir)}")
    _print_statuses(list_models(model_dir))


@app.command("verify")
@handle_errors
def verify_command(
    names: Annotated[
        list[str] | None, typer.Argument(help="folders to check (default: all)")
    ] = None,
    model_dir: ModelDirOpt = None,
) -> None:
    """Check the folders parse and are complete; exit 4 when a required one is not usable."""
    from v2v.models import verify

    statuses = verify(model_dir, names or None)
    _print_statuses(statuses)
    if any(not s.ok and (names or not s.optional) for s in statuses):
        raise typer.Exit(4)


@app.command("download")
@handle_errors
def download_command(
    name: Annotated[str, typer.Argument(help="folder name, e.g. sdxl, controlnet-depth")],
    model_dir: ModelDirOpt = None,
    revision: Annotated[str | None, typer.Option("--revision")] = None,
    token: Annotated[str | None, typer.Option("--token", envvar="HF_TOKEN")] = None,
) -> None:
    """Fetch a model from the model hub into the directory layout (needs internet)."""
    from v2v.models import download

    path = download(name, model_dir, revision=revision, token=token)
    typer.echo(f"{name}: {path}")
