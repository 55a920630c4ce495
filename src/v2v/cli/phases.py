"""``v2v phase1`` … ``v2v phase4``: each phase alone on an image file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from v2v.cli.common import (
    ConfigOpt,
    HintOpt,
    PaletteOpt,
    SetOpt,
    SubjectOpt,
    handle_errors,
    make_pipeline,
    parse_hint,
    with_subject,
    write_output,
)

app = typer.Typer()
InPath = Annotated[Path, typer.Argument(help="input image")]
OutPath = Annotated[Path, typer.Argument(help="output file")]


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
    from v2v.imaging import encode_png

    pipeline = make_pipeline(config, with_subject(set_, subject), None)
    clean = pipeline.sanitize(pipeline.load(input, hint=parse_hint(hint)))
    write_output(output, encode_png(clean.to_rgba()))
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
    from v2v.single_phase import stylize_alone

    pipeline = make_pipeline(config, set_, None)
    styled = stylize_alone(pipeline, pipeline.load(input))
    write_output(output, encode_png(styled.to_rgba()))
    if edges is not None:
        write_output(edges, encode_png(styled.edges))


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
    from v2v.imaging import encode_png
    from v2v.single_phase import map_palette_alone

    pipeline = make_pipeline(config, set_, palette)
    paletted = map_palette_alone(pipeline, pipeline.load(input))
    write_output(output, encode_png(paletted.to_rgba()))


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
    """Phase IV alone: palette-map and trace an RGBA image into a layered, outlined SVG.

    The image is mapped to the palette as phase III does (exact for a phase III output); with
    phase3.enabled=false its colours are snapped to the palette while tracing."""
    import numpy as np

    from v2v.single_phase import vectorize_alone

    pipeline = make_pipeline(config, set_, palette)
    edge_map = None
    if edges is not None:
        edge_photo = pipeline.load(edges)
        edge_map = (edge_photo.pixels.max(axis=2) >= 128).astype(np.uint8) * 255
    art = vectorize_alone(pipeline, pipeline.load(input), edges=edge_map)
    write_output(output, art.svg)
    typer.echo(f"{output}: {art.path_count} paths in {len(art.layers)} colour layers")
