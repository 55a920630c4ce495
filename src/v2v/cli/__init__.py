"""The ``v2v`` command line: one Typer app composed of the command modules of this package.

Each module owns its commands (or its command group) in its own Typer app; what they share (the
options, the error handling that maps library errors to one-line messages and exit codes, the
pipeline, the writer) is in :mod:`v2v.cli.common`. No module of the package imports this one.
"""

from __future__ import annotations

import logging

import typer

from v2v.cli import (
    batch,
    bench,
    catalog,
    export,
    keys,
    lora,
    models,
    phases,
    process,
    serve,
    train,
    worker,
)

app = typer.Typer(
    name="v2v",
    help="vehicle-to-vector: turn vehicle photos into palette-locked, style-guide SVGs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# top-level commands join the root app as its own (``v2v process``, not ``v2v process process``)
for module in (process, phases, catalog, bench, export, worker, train, serve, batch):
    app.registered_commands.extend(module.app.registered_commands)
app.add_typer(models.app, name="models")
app.add_typer(lora.app, name="lora")
app.add_typer(keys.app, name="keys")


def main() -> None:
    """Entry point of the ``v2v`` console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app(prog_name="v2v")


__all__ = ["app", "main"]
