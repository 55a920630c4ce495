"""What every ``v2v`` command shares: the options, the error handling, the pipeline, the writer.

Exit codes: 0 success · 1 unexpected error · 2 usage or configuration error · 3 bad input ·
4 backend or model weights unavailable · 5 a stage failed · 6 quality checks failed (policy
``fail``) · 8 a batch finished with failures · 130 cancelled.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import click
import typer

from v2v.errors import InputError, V2VError

if TYPE_CHECKING:
    from v2v.pipeline import Pipeline

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
ModelDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--dir", help="model directory (default: $MODEL_VOLUME_PATH, else ~/.cache/v2v/models)"
    ),
]


def with_subject(overrides: list[str] | None, subject: int | None) -> list[str]:
    """The --set overrides plus the --subject choice (phase1.detector.subject)."""
    extra = [] if subject is None else [f"phase1.detector.subject={subject}"]
    return [*(overrides or []), *extra]


def fail(message: str, code: int) -> None:
    """End the command: ``v2v: error: MESSAGE`` on stderr, exit ``code``."""
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
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except BrokenPipeError:  # e.g. `v2v palettes | head -1`
            raise typer.Exit(0) from None
        except OSError as exc:
            fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), 3)
        except Exception as exc:
            log.debug("unexpected error", exc_info=True)
            fail(f"unexpected {type(exc).__name__}: {exc} (please report this)", 1)

    return wrapper  # type: ignore[return-value]


def parse_hint(text: str | None) -> tuple[int, int, int, int] | None:
    """``--hint x0,y0,x1,y1`` as four ints (None without a hint); InputError otherwise."""
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


def make_pipeline(
    config: Path | None, overrides: list[str] | None, palette: str | None
) -> Pipeline:
    """The Pipeline of ``--config``, ``--set`` and ``--palette`` (validated: ConfigError or
    InputError before any work)."""
    from v2v.config import load_config
    from v2v.pipeline import Pipeline

    return Pipeline(load_config(config, overrides=overrides or []), palette)


def write_output(path: Path, data: bytes | str) -> None:
    """Write a result file (text as UTF-8), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
