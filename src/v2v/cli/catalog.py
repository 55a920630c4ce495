"""``v2v palettes`` and ``v2v backends``: what this installation offers."""

from __future__ import annotations

import typer

from v2v.cli.common import handle_errors

app = typer.Typer()


@app.command()
@handle_errors
def palettes() -> None:
    """List the built-in palettes and their colours."""
    from v2v.color.palette import Palette

    for name in Palette.builtin_names():
        palette = Palette.load(name)
        typer.echo(f"{name} ({len(palette)}): {' '.join(palette.colors)}")


@app.command()
@handle_errors
def backends() -> None:
    """List the backends of each phase and whether they can run here."""
    from v2v.stages.catalog import catalog

    for backend in catalog():
        status = "available" if backend.available else f"unavailable: {backend.reason}"
        typer.echo(f"{backend.phase}  {backend.name:<18} {backend.description}\n{'':<26}→ {status}")
