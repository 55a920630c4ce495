"""``v2v worker``: a distributed (Celery) worker bound to one device."""

from __future__ import annotations

from typing import Annotated

import typer

from v2v.cli.common import handle_errors

app = typer.Typer()


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
