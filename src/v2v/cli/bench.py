"""``v2v bench``: the pipeline against plain vtracer on a folder of photos."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from v2v.cli.common import ConfigOpt, PaletteOpt, SetOpt, handle_errors, write_output

app = typer.Typer()


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
        write_output(json_out, json.dumps({"rows": rows, "summary": summary}, indent=2))
