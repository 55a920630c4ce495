"""``v2v export`` and the export choice shared by ``v2v process`` and ``v2v batch``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from v2v.cli.common import (
    DpiOpt,
    GroupingOpt,
    PaletteOpt,
    SizeOpt,
    StackingOpt,
    handle_errors,
    write_output,
)
from v2v.errors import InputError
from v2v.exports import FORMATS, ExportOptions, export

if TYPE_CHECKING:
    from v2v.color.palette import Palette

app = typer.Typer()


@dataclass(frozen=True)
class ExportChoice:
    """What ``process``/``batch`` write besides the pipeline's SVG."""

    formats: tuple[str, ...]
    exact_path: bool = False  # no --format: the one format goes to OUTPUT as named
    size: str = "working"
    dpi: float = 96.0
    stacking: str = "stacked"
    grouping: str = "color"

    def options(self, name: str) -> ExportOptions:
        """The export options of format ``name``."""
        return ExportOptions(name, self.size, self.dpi, self.stacking, self.grouping)

    @property
    def is_plain_svg(self) -> bool:
        """Only the SVG exactly as the pipeline wrote it."""
        return self.formats == ("svg",) and self.options("svg") == ExportOptions()


def export_choice(
    output: Path, formats: list[str] | None, size: str, dpi: float, stacking: str, grouping: str
) -> ExportChoice:
    """Validated choice (InputError before any work). No --format: OUTPUT's extension if it
    names a format, else SVG (written to OUTPUT as named, as before exports existed)."""
    suffix = output.suffix.lstrip(".").lower()
    names = formats or [suffix if suffix in FORMATS else "svg"]
    unique = tuple(dict.fromkeys(name.strip().lower() for name in names))
    choice = ExportChoice(unique, not formats, size, dpi, stacking, grouping)
    for name in choice.formats:
        choice.options(name)
    return choice


def write_exports(
    svg: str,
    output: Path,
    choice: ExportChoice,
    photo_size: tuple[int, int] | None = None,
    palette: Palette | None = None,
) -> list[Path]:
    """Write each chosen format to OUTPUT with the format's extension; the paths written."""
    written = []
    for name in choice.formats:
        extension = "." + FORMATS[name].extension
        target = output if choice.exact_path else output.with_suffix(extension)
        if name == "svg" and choice.is_plain_svg:
            write_output(target, svg)
        else:
            write_output(target, export(svg, choice.options(name), photo_size, palette))
        written.append(target)
    return written


def parse_photo_size(text: str | None) -> tuple[int, int] | None:
    """``--photo-size WIDTHxHEIGHT`` in px (None when not given); InputError otherwise."""
    if text is None:
        return None
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise InputError(f"--photo-size {text!r} must be WIDTHxHEIGHT in px, e.g. 6000x4000")
    return int(parts[0]), int(parts[1])


@app.command("export")
@handle_errors
def export_command(
    input: Annotated[Path, typer.Argument(help="an SVG written by v2v")],
    output: Annotated[Path, typer.Argument(help="file to write (its extension is replaced)")],
    to: Annotated[
        list[str] | None,
        typer.Option("--to", "-t", help=f"format (repeatable): {', '.join(FORMATS)}"),
    ] = None,
    size: SizeOpt = "working",
    dpi: DpiOpt = 96.0,
    stacking: StackingOpt = "stacked",
    grouping: GroupingOpt = "color",
    palette: PaletteOpt = None,
    photo_size: Annotated[
        str | None, typer.Option("--photo-size", help="the photo's WIDTHxHEIGHT px (--size photo)")
    ] = None,
) -> None:
    """Write an existing v2v SVG as SVG, PDF, EPS, DXF, PNG or palette swatches (.ase, .gpl)."""
    if not input.is_file():
        raise InputError(f"SVG not found: {input}")
    choice = export_choice(output, to, size, dpi, stacking, grouping)
    svg = input.read_text(encoding="utf-8")
    from v2v.color.palette import Palette

    swatches = Palette.load(palette) if palette is not None else None
    for path in write_exports(svg, output, choice, parse_photo_size(photo_size), swatches):
        typer.echo(f"{path}: {path.stat().st_size / 1024:.0f} KB")
