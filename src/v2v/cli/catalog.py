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
    from v2v.stages import SANITIZERS, STYLIZERS, load_backends

    load_backends()
    for phase, registry in (("phase1", SANITIZERS), ("phase2", STYLIZERS)):
        for name, summary in registry.describe().items():
            cls = registry.get(name)
            status = _availability(name) if getattr(cls, "uses_models", False) else "available"
            typer.echo(f"{phase}  {name:<18} {summary}\n{'':<26}→ {status}")


def _availability(backend: str) -> str:
    """Whether a model-based backend can run here, and if not, the fix."""
    import importlib.util

    from v2v.models import list_models

    missing_packages = [
        m for m in ("torch", "transformers", "diffusers") if importlib.util.find_spec(m) is None
    ]
    if missing_packages:
        return (
            f"unavailable: needs {', '.join(missing_packages)} "
            "(pip install 'vehicle-to-vector[gpu]')"
        )
    missing = [
        s.name for s in list_models() if backend in s.needed_by and not s.ok and not s.optional
    ]
    if missing:
        return (
            f"unavailable: weights missing in {', '.join(missing)} "
            "(v2v models list; v2v models download NAME)"
        )
    return "available"
