"""``v2v`` sub-commands besides ``process``: single phases, batch, palettes, backends, bench."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from v2v.cli import (
    ConfigOpt,
    HintOpt,
    PaletteOpt,
    SetOpt,
    SubjectOpt,
    _pipeline,
    _write,
    app,
    handle_errors,
    parse_hint,
    with_subject,
)
from v2v.errors import InputError

InPath = Annotated[Path, typer.Argument(help="input image")]
OutPath = Annotated[Path, typer.Argument(help="output file")]


def _rgba_png(pixels: Any, mask: Any) -> bytes:
    from v2v.imaging import encode_png

    return encode_png(np.dstack([pixels, mask.astype(np.uint8) * 255]))


def _clean_from(pipeline: Any, path: Path) -> Any:
    """A CleanImage from an image file: its alpha (if any) is the vehicle mask."""
    from v2v.artefacts import CleanImage

    photo = pipeline.load(path)
    mask = photo.alpha_or_all()
    return CleanImage(photo.pixels, mask, np.zeros_like(mask))


@app.command()
@handle_errors
def phase1(
    input: InPath,
    output: OutPath,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    hint: HintOpt = None,
    subject: SubjectOpt = None,
) -> None:
    """Phase I alone: vehicle mask + text/plate removal → RGBA PNG (alpha = vehicle mask)."""
    pipeline = _pipeline(config, with_subject(set_, subject), None)
    clean = pipeline.sanitize(pipeline.load(input, hint=parse_hint(hint)))
    _write(output, _rgba_png(clean.pixels, clean.vehicle_mask))
    typer.echo(
        f"{output}: removed {len(clean.removals)} item(s); not removable here: "
        + ("; ".join(clean.limitations) or "nothing")
    )


@app.command()
@handle_errors
def phase2(
    input: InPath,
    output: OutPath,
    edges: Annotated[
        Path | None, typer.Option("--edges", help="also write the edge map PNG")
    ] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Phase II alone: flat vector-style raster (input alpha = vehicle mask) → RGBA PNG."""
    from v2v.imaging import encode_png

    pipeline = _pipeline(config, set_, None)
    styled = pipeline.stylize(_clean_from(pipeline, input))
    _write(output, _rgba_png(styled.pixels, styled.mask))
    if edges is not None:
        _write(edges, encode_png(styled.edges))


@app.command()
@handle_errors
def phase3(
    input: InPath,
    output: OutPath,
    palette: PaletteOpt = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Phase III alone: CIEDE2000 palette mapping + speck removal → RGBA PNG."""
    from v2v.artefacts import StyledImage
    from v2v.imaging import encode_png

    pipeline = _pipeline(config, set_, palette)
    clean = _clean_from(pipeline, input)
    styled = StyledImage(clean.pixels, clean.vehicle_mask, np.zeros_like(clean.pixels[..., 0]))
    paletted = pipeline.map_palette(styled)
    if paletted is None:
        raise InputError("phase3 is switched off in this configuration (phase3.enabled=false)")
    _write(output, encode_png(paletted.to_rgba()))


@app.command()
@handle_errors
def phase4(
    input: InPath,
    output: OutPath,
    palette: PaletteOpt = None,
    edges: Annotated[
        Path | None, typer.Option("--edges", help="edge map PNG for strategy B")
    ] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Phase IV alone: trace an RGBA image into a layered, outlined SVG (fills re-snapped)."""
    from v2v.artefacts import StyledImage

    pipeline = _pipeline(config, set_, palette)
    clean = _clean_from(pipeline, input)
    edge_map = np.zeros(clean.pixels.shape[:2], np.uint8)
    if edges is not None:
        edge_photo = pipeline.load(edges)
        edge_map = (edge_photo.pixels.max(axis=2) >= 128).astype(np.uint8) * 255
        if edge_map.shape != clean.pixels.shape[:2]:
            raise InputError("--edges must have the same size as the input image")
    art = pipeline.vectorize(StyledImage(clean.pixels, clean.vehicle_mask, edge_map), None)
    if art is None:
        raise InputError("phase4 is switched off in this configuration (phase4.enabled=false)")
    _write(output, art.svg)
    typer.echo(f"{output}: {art.path_count} paths in {len(art.layers)} colour layers")


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


@app.command()
@handle_errors
def bench(
    directory: Annotated[Path, typer.Argument(help="folder of photos (*.mask.png = truth)")],
    palette: PaletteOpt = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write figures as JSON")] = None,
    output_dir: Annotated[Path | None, typer.Option("--out", help="keep SVGs here")] = None,
) -> None:
    """Benchmark the pipeline against plain vtracer on a folder of photos; print figures."""
    from v2v.bench import format_table, run_bench

    rows, summary = run_bench(directory, config, list(set_ or []), palette, output_dir)
    typer.echo(format_table(rows, summary))
    if json_out is not None:
        _write(json_out, json.dumps({"rows": rows, "summary": summary}, indent=2))
