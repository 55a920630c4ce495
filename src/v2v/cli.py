"""The ``v2v`` command line. Maps library errors to one-line messages and exit codes.

Exit codes: 0 success · 1 unexpected error · 2 usage or configuration error · 3 bad input ·
4 backend or model weights unavailable · 5 a stage failed · 6 quality checks failed (policy
``fail``) · 8 a batch finished with failures · 130 cancelled.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import click
import typer

from v2v.errors import InputError, V2VError

app = typer.Typer(
    name="v2v",
    help="vehicle-to-vector: turn vehicle photos into palette-locked, style-guide SVGs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
EXIT_BATCH_FAILURES = 8
F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("v2v")

PaletteOpt = Annotated[
    str | None,
    typer.Option("--palette", help="built-in name, .yaml file, or '#RRGGBB,#RRGGBB,...'"),
]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="YAML config file")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="override a config key, e.g. phase3.min_area_percent=0.05"),
]
HintOpt = Annotated[
    str | None, typer.Option("--hint", help="box around the vehicle: x0,y0,x1,y1 in photo px")
]
SubjectOpt = Annotated[
    int | None,
    typer.Option(
        "--subject",
        min=1,
        help="which detected vehicle to draw: its rank in the report's detections (1 = best)",
    ),
]

FormatOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--format",
        "-f",
        help="write this format next to OUTPUT (repeatable): svg, pdf, eps, dxf, png, ase, gpl",
    ),
]
SizeOpt = Annotated[
    str,
    typer.Option(
        "--size", help="output size: 300mm, x200mm, 300x200mm, 2048px, 12in, working or photo"
    ),
]
DpiOpt = Annotated[float, typer.Option("--dpi", help="pixels per inch for PNGs of mm/cm/in sizes")]
StackingOpt = Annotated[
    str, typer.Option("--stacking", help="stacked (shapes painted over each other) or cutout")
]
GroupingOpt = Annotated[
    str, typer.Option("--grouping", help="color (one layer per colour) or none (no layers)")
]


def with_subject(overrides: list[str] | None, subject: int | None) -> list[str]:
    """The --set overrides plus the --subject choice (phase1.detector.subject)."""
    extra = [] if subject is None else [f"phase1.detector.subject={subject}"]
    return [*(overrides or []), *extra]


def _fail(message: str, code: int) -> None:
    typer.echo(f"v2v: error: {message}", err=True)
    raise typer.Exit(code)


def handle_errors(func: F) -> F:
    """Turn library errors into one stderr line + exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.ClickException):
            raise
        except V2VError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except BrokenPipeError:  # e.g. `v2v palettes | head -1`
            raise typer.Exit(0) from None
        except OSError as exc:
            _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), 3)
        except Exception as exc:
            log.debug("unexpected error", exc_info=True)
            _fail(f"unexpected {type(exc).__name__}: {exc} (please report this)", 1)

    return wrapper  # type: ignore[return-value]


def parse_hint(text: str | None) -> tuple[int, int, int, int] | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [int(float(p)) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4:
        raise InputError(f"--hint {text!r} must be four numbers x0,y0,x1,y1")
    return values[0], values[1], values[2], values[3]


def _pipeline(config: Path | None, overrides: list[str] | None, palette: str | None) -> Any:
    from v2v.config import load_config
    from v2v.pipeline import Pipeline

    return Pipeline(load_config(config, overrides=overrides or []), palette)


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)


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
    from v2v.cli_export import export_choice, write_exports

    choice = export_choice(output, format_, size, dpi, stacking, grouping)
    pipeline = _pipeline(config, with_subject(set_, subject), palette)
    result = pipeline.run(input, hint=parse_hint(hint))
    if result.svg is None:
        raise InputError("phase4 is switched off, so there is no SVG; use --png or enable phase4")
    photo_size = tuple(result.report["input"]["original_size"])
    write_exports(result.svg, output, choice, photo_size, pipeline.palette)
    if png is not None:
        _write(png, result.preview_png)
    if report is not None:
        _write(report, json.dumps(result.report, indent=2))
    if save_intermediates is not None:
        result.save_intermediates(save_intermediates)
    if not quiet:
        qa = result.report["qa"]
        iou = qa.get("silhouette_iou")
        typer.echo(
            f"{output}: {result.art.path_count} paths, {len(result.svg) / 1024:.0f} KB, "
            f"{result.report['timings']['total']:.2f} s, IoU {iou if iou is not None else 'n/a'}, "
            f"palette {qa.get('palette_compliance', 0):.0%}, "
            f"strokes {qa.get('stroke_compliance', 0):.0%}"
            + ("" if qa["passed"] else f" — QA: {'; '.join(qa['failures'])}")
        )


def main() -> None:
    """Entry point of the ``v2v`` console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app(prog_name="v2v")


from v2v import (  # noqa: E402, F401
    cli_batch,
    cli_commands,
    cli_export,
    cli_models,
    cli_scale,
    cli_service,
)

if __name__ == "__main__":  # ``python -m v2v.cli``: use the package's module, not __main__'s
    from v2v.cli import main as _main

    _main()
