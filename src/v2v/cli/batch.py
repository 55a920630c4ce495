"""``v2v batch``: every photo of a folder, on local worker processes or on Celery workers."""

from __future__ import annotations

import json
import logging
import multiprocessing
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from v2v.cli.common import (
    EXIT_BATCH_FAILURES,
    ConfigOpt,
    DpiOpt,
    FormatOpt,
    GroupingOpt,
    PaletteOpt,
    SetOpt,
    SizeOpt,
    StackingOpt,
    handle_errors,
    make_pipeline,
)
from v2v.cli.export import ExportChoice, export_choice, write_exports
from v2v.errors import ConfigError, InputError, V2VError

if TYPE_CHECKING:
    from v2v.pipeline import Pipeline

app = typer.Typer()
_log = logging.getLogger(__name__)

#: a worker's pipelines by (config, overrides, palette): made for its first photo and kept, as
#: the service's workers keep theirs (reading and checking the config and building the stages
#: again cost about 20 ms a photo)
_PIPELINES: dict[tuple[str | None, tuple[str, ...], str | None], Pipeline] = {}


def _worker_pipeline(config: str | None, overrides: list[str], palette: str | None) -> Pipeline:
    key = (config, tuple(overrides), palette)
    if key not in _PIPELINES:
        _PIPELINES[key] = make_pipeline(Path(config) if config else None, overrides, palette)
    return _PIPELINES[key]


def _batch_one(
    source: str,
    target: str,
    config: str | None,
    overrides: list[str],
    palette: str | None,
    choice: ExportChoice,
) -> dict[str, Any]:
    """Run in a worker process: convert one file, return a summary (never raises V2VError)."""
    try:
        pipeline = _worker_pipeline(config, overrides, palette)
    except V2VError as exc:
        return {"file": source, "ok": False, "error": str(exc)}
    return _convert_one(pipeline, source, target, choice)


def _convert_one(
    pipeline: Pipeline, source: str, target: str, choice: ExportChoice
) -> dict[str, Any]:
    """Convert one file with ``pipeline``, return a summary; never raises for one photo (an
    unexpected failure is reported by its kind only, its traceback goes to the log)."""
    started = time.perf_counter()
    try:
        result = pipeline.run(source)
        Path(target).write_text(result.svg or "", encoding="utf-8")
        if not choice.is_plain_svg and result.svg is not None:
            size = result.photo.original_size
            write_exports(result.svg, Path(target), choice, size, pipeline.palette)
        Path(target).with_suffix(".png").write_bytes(result.preview_png)
        qa = result.report["qa"]
        return {
            "file": source,
            "ok": True,
            "seconds": round(time.perf_counter() - started, 2),
            "paths": result.art.path_count if result.art else 0,
            "iou": qa.get("silhouette_iou"),
            "qa_passed": qa["passed"],
        }
    except V2VError as exc:
        return {"file": source, "ok": False, "error": str(exc)}
    except OSError as exc:  # an output that cannot be written (disk full, folder gone)
        reason = exc.strerror or type(exc).__name__
        return {
            "file": source,
            "ok": False,
            "error": f"cannot write {exc.filename or target}: {reason}",
        }
    except Exception as exc:  # noqa: BLE001 (one odd photo, e.g. an OpenCV error, stops no batch)
        _log.debug("batch: %s failed", source, exc_info=True)
        kind = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
        return {
            "file": source,
            "ok": False,
            "error": f"internal error ({kind}); please report it with this photo",
        }


@app.command()
@handle_errors
def batch(
    input_dir: Annotated[Path, typer.Argument(help="folder of photos")],
    output_dir: Annotated[Path, typer.Argument(help="folder for SVGs and previews")],
    workers: Annotated[int, typer.Option("--workers", min=1, max=64)] = 1,
    executor: Annotated[
        str, typer.Option("--executor", help="local (processes here) or celery (GPU workers)")
    ] = "local",
    palette: PaletteOpt = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    format_: FormatOpt = None,
    size: SizeOpt = "working",
    dpi: DpiOpt = 96.0,
    stacking: StackingOpt = "stacked",
    grouping: GroupingOpt = "color",
) -> None:
    """Convert every photo in a folder (SVG and PNG preview each, plus any --format); goes on
    past bad files; exit 8 if any failed."""
    from v2v.imaging import list_images

    choice = export_choice(Path("x.svg"), format_, size, dpi, stacking, grouping)
    if not input_dir.is_dir():
        raise InputError(f"input folder not found: {input_dir}")
    if executor not in {"local", "celery"}:  # a usage error (exit 2), before any work
        raise ConfigError(f"--executor {executor!r}: use local or celery")
    pipeline = make_pipeline(config, set_, palette)  # config and palette checked before any work
    files = list_images(input_dir)
    if not files:
        raise InputError(f"no images (JPEG, PNG, WebP…) in {input_dir}")
    output_dir.mkdir(parents=True, exist_ok=True)
    if executor == "celery":
        results = _batch_celery(files, output_dir, config, set_, palette)
        _export_fetched(results, output_dir, choice)
    else:
        results = _batch_local(pipeline, files, output_dir, workers, config, set_, palette, choice)
    failed = [r for r in results if not r["ok"]]
    for r in sorted(failed, key=lambda r: r["file"]):
        typer.echo(f"failed: {r['file']}: {r['error']}", err=True)
    (output_dir / "batch-summary.json").write_text(json.dumps(results, indent=2))
    typer.echo(f"{len(results) - len(failed)} converted, {len(failed)} failed → {output_dir}")
    if failed:
        raise typer.Exit(EXIT_BATCH_FAILURES)


def _batch_celery(
    files: list[Path],
    output_dir: Path,
    config: Path | None,
    set_: list[str] | None,
    palette: str | None,
) -> list[dict[str, Any]]:
    """Fan the batch out over the Celery workers (settings from the environment)."""
    from v2v.service import load_settings
    from v2v.service.jobs.fanout import run_batch

    if config is not None:
        raise InputError(
            "--config cannot be sent to celery workers (they use their own "
            "PIPELINE_CONFIG); pass changes with --set instead"
        )
    items = run_batch(
        files,
        output_dir,
        load_settings(executor="celery"),
        palette=palette,
        overrides=list(set_ or []),
    )
    return [item.as_dict() for item in items]


def _export_fetched(results: list[dict[str, Any]], output_dir: Path, choice: ExportChoice) -> None:
    """Write the chosen formats from the SVGs the celery workers sent back (size 'photo' is
    not known here: those files fail with the message that says so)."""
    if choice.is_plain_svg:
        return
    for item in results:
        svg = output_dir / f"{Path(item['file']).stem}.svg"
        if not item["ok"] or not svg.is_file():
            continue
        try:
            write_exports(svg.read_text(encoding="utf-8"), svg, choice)
        except V2VError as exc:
            item.update(ok=False, error=f"export: {exc}")


def _batch_local(
    pipeline: Pipeline,
    files: list[Path],
    output_dir: Path,
    workers: int,
    config: Path | None,
    set_: list[str] | None,
    palette: str | None,
    choice: ExportChoice,
) -> list[dict[str, Any]]:
    from rich.progress import Progress

    results: list[dict[str, Any]] = []
    config_arg, overrides = (str(config) if config else None), list(set_ or [])

    def args(f: Path) -> tuple[str, str, str | None, list[str], str | None, ExportChoice]:
        return str(f), str(output_dir / f"{f.stem}.svg"), config_arg, overrides, palette, choice

    if workers == 1:
        # one worker is this process, with the pipeline that checked the config: a spawned
        # worker would import it all again (about 1 s of CPU before its first photo)
        from v2v.cpu import cpu_threads, keep_freed_memory, limit_threads_here

        limit_threads_here(cpu_threads())  # as a pool worker: V2V_CPU_THREADS, else at most 2
        keep_freed_memory()
        with Progress(transient=True) as bar:
            task = bar.add_task("converting", total=len(files))
            for f in files:
                results.append(_convert_one(pipeline, *args(f)[:2], choice))
                bar.advance(task)
        return results
    # spawn, not fork: the caller may have threads (rich's progress refresh, a test runner's
    # servers), and a forked child can inherit a lock one of them held; the full test suite
    # hung that way in the batch tests.
    spawn = multiprocessing.get_context("spawn")
    from v2v.cpu import worker_initializer  # each worker uses its share of the cores

    pool = ProcessPoolExecutor(workers, spawn, initializer=worker_initializer, initargs=(workers,))
    with (
        pool,
        Progress(transient=True) as bar,
    ):
        task = bar.add_task("converting", total=len(files))
        futures: dict[Future[dict[str, Any]], Path] = {
            pool.submit(_batch_one, *args(f)): f for f in files
        }
        for future in as_completed(futures):
            results.append(future.result())
            bar.advance(task)
    return results
