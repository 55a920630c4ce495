"""``v2v process``: one photo through the whole pipeline into an SVG (and the chosen formats)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from v2v.cli.common import (
    ConfigOpt,
    DpiOpt,
    FormatOpt,
    GroupingOpt,
    HintOpt,
    PaletteOpt,
    SetOpt,
    SizeOpt,
    StackingOpt,
    SubjectOpt,
    handle_errors,
    make_pipeline,
    parse_hint,
    with_subject,
    write_output,
)
from v2v.cli.export import export_choice, write_exports
from v2v.cpu import one_malloc_arena
from v2v.errors import InputError

app = typer.Typer()


@app.command()
@handle_errors
def process(
    input: Annotated[Path, typer.Argument(help="vehicle photo (JPEG, PNG, WebP)")],
    output: Annotated[Path, typer.Argument(help="SVG file to write")],
    png: Annotated[Path | None, typer.Option("--png", help="also write a PNG preview")] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="write the run report (JSON)")
    ] = None,
    palette: PaletteOpt = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    hint: HintOpt = None,
    subject: SubjectOpt = None,
    save_intermediates: Annotated[
        Path | None, typer.Option("--save-intermediates", help="write each phase's image here")
    ] = None,
    format_: FormatOpt = None,
    size: SizeOpt = "working",
    dpi: DpiOpt = 96.0,
    stacking: StackingOpt = "stacked",
    grouping: GroupingOpt = "color",
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Convert one photo into a style-guide SVG (or PDF, EPS, DXF, PNG: see --format)."""
    one_malloc_arena()  # before the preload thread starts: a lower peak (v2v.cpu)
    choice = export_choice(output, format_, size, dpi, stacking, grouping)
    pipeline = make_pipeline(config, with_subject(set_, subject), palette)
    result = pipeline.run(input, hint=parse_hint(hint), preview=png is not None)
    if result.svg is None:
        raise InputError("phase4 is switched off, so there is no SVG; use --png or enable phase4")
    write_exports(result.svg, output, choice, result.photo.original_size, pipeline.palette)
    if png is not None:
        write_output(png, result.preview_png)
    if report is not None:
        write_output(report, json.dumps(result.report, indent=2))
    if save_intermediates is not None:
        result.save_intermediates(save_intermediates)
    if not quiet:
        qa = result.report["qa"]
        iou = qa.get("silhouette_iou")
        paths = result.art.path_count if result.art is not None else 0
        typer.echo(
            f"{output}: {paths} paths, {len(result.svg) / 1024:.0f} KB, "
            f"{result.report['timings']['total']:.2f} s, IoU {iou if iou is not None else 'n/a'}, "
            f"palette {qa.get('palette_compliance', 0):.0%}, "
            f"strokes {qa.get('stroke_compliance', 0):.0%}"
            + ("" if qa["passed"] else f" — QA: {'; '.join(qa['failures'])}")
        )
