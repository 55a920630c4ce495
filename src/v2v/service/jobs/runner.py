"""What a worker does with a :class:`Task`: run the library's Pipeline and write the result files.

The service is a client of the library: a whole conversion is ``Pipeline.run``; a single phase is
the matching ``Pipeline`` method on the uploaded image. Files written to ``task.out_dir``:

- ``convert``: ``result.svg`` (unless phase IV is off), ``preview.png``, ``report.json`` and, when
  asked for, ``intermediate_<name>.png`` (from ``Result.save_intermediates``);
- ``phase1``: ``phase1_clean.png`` (RGB), ``phase1_vehicle_mask.png``, ``report.json``;
- ``phase2``: ``phase2_styled.png`` (RGBA), ``phase2_edges.png``, ``report.json``;
- ``phase3``: ``phase3_paletted.png`` (RGBA), ``report.json``;
- ``phase4``: ``result.svg``, ``preview.png``, ``report.json``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from v2v import Palette, Pipeline, RunContext, load_config
from v2v.artefacts import VectorArt
from v2v.imaging import encode_png
from v2v.service.jobs.messages import Outcome, Task
from v2v.single_phase import map_palette_alone, stylize_alone, vectorize_alone
from v2v.svg.render import render_preview

_local = threading.local()
_CACHE_SIZE = 4


def _pipeline(task: Task) -> Pipeline:
    """A Pipeline for the task's config and palette, cached per thread (never shared)."""
    params = task.params
    key = (
        task.pipeline_config,
        json.dumps(params.get("overrides") or {}, sort_keys=True),
        params.get("palette"),
    )
    cache: dict[tuple[Any, ...], Pipeline] = getattr(_local, "pipelines", None) or {}
    _local.pipelines = cache
    if key not in cache:
        config = load_config(task.pipeline_config, overrides=params.get("overrides") or None)
        palette = Palette.load(params["palette"]) if params.get("palette") else None
        if len(cache) >= _CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = Pipeline(config, palette)
    return cache[key]


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")


def _gpu_peak() -> int | None:
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return None
    return int(torch.cuda.max_memory_allocated())


def run_task(task: Task, ctx: RunContext) -> Outcome:
    """Run the task with the library; raises V2VError subclasses on failure (Cancelled included)."""
    if task.kind == "train":  # style LoRA training (its files: training.json, out/card.json)
        from v2v.service.jobs.training_run import run_training_task

        return run_training_task(task, ctx)
    out = Path(task.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pipeline = _pipeline(task)
    qa: dict[str, Any] | None
    if task.kind == "convert":
        files, qa = _convert(pipeline, task, ctx, out)
    else:
        files, qa = _single_phase(pipeline, task, ctx, out)
    return Outcome(files=files, timings=dict(ctx.timings), qa=qa, gpu_memory_peak_bytes=_gpu_peak())


def _hint(task: Task) -> tuple[int, int, int, int] | None:
    hint = task.params.get("hint")
    return None if hint is None else (int(hint[0]), int(hint[1]), int(hint[2]), int(hint[3]))


def _convert(
    pipeline: Pipeline, task: Task, ctx: RunContext, out: Path
) -> tuple[list[str], dict[str, Any]]:
    result = pipeline.run(task.input_path, hint=_hint(task), ctx=ctx, name=task.params.get("name"))
    files = []
    if result.svg is not None:
        (out / "result.svg").write_text(result.svg, encoding="utf-8")
        files.append("result.svg")
    (out / "preview.png").write_bytes(result.preview_png)
    _write_json(out / "report.json", result.report)
    files += ["preview.png", "report.json"]
    if task.params.get("intermediates"):
        with tempfile.TemporaryDirectory(dir=out) as folder:
            for path in result.save_intermediates(folder):
                target = out / f"intermediate_{path.name}"
                path.replace(target)
                files.append(target.name)
    return files, dict(result.report.get("qa") or {})


def _single_phase(
    pipeline: Pipeline, task: Task, ctx: RunContext, out: Path
) -> tuple[list[str], dict[str, Any] | None]:
    with ctx.stage("load"):
        photo = pipeline.load(task.input_path, hint=_hint(task), name=task.params.get("name"))
    images: dict[str, np.ndarray] = {}
    report: dict[str, Any] = {"phase": task.kind, "input": {"size": list(photo.size)}}
    with ctx.stage(task.kind):
        if task.kind == "phase1":
            clean = pipeline.sanitize(photo, ctx)
            images["phase1_clean.png"] = clean.pixels
            images["phase1_vehicle_mask.png"] = clean.vehicle_mask.astype(np.uint8) * 255
            report["notes"] = clean.notes
            report["removed"] = [
                {"kind": r.kind, "box": r.box.as_list(), "score": r.score, "text": r.text}
                for r in clean.removals
            ]
            report["not_removed"] = list(clean.limitations)
        elif task.kind == "phase2":
            styled = stylize_alone(pipeline, photo, ctx)
            images["phase2_styled.png"] = styled.to_rgba()
            images["phase2_edges.png"] = styled.edges
            report["notes"] = styled.notes
        elif task.kind == "phase3":
            paletted = map_palette_alone(pipeline, photo, ctx)
            images["phase3_paletted.png"] = paletted.to_rgba()
            report["notes"] = paletted.notes
        else:
            return _phase4(pipeline, vectorize_alone(pipeline, photo, ctx), ctx, out, report)
    for name, pixels in images.items():
        (out / name).write_bytes(encode_png(np.ascontiguousarray(pixels)))
    report["timings"] = dict(ctx.timings)
    _write_json(out / "report.json", report)
    return [*images, "report.json"], None


def _phase4(
    pipeline: Pipeline, art: VectorArt, ctx: RunContext, out: Path, report: dict[str, Any]
) -> tuple[list[str], dict[str, Any] | None]:
    """The SVG traced from the upload, its preview and the report."""
    (out / "result.svg").write_text(art.svg, encoding="utf-8")
    config = pipeline.config
    preview = render_preview(
        art.svg, art.width, art.height, config.output.preview_long_side, config.phase4.background
    )
    (out / "preview.png").write_bytes(preview)
    report["notes"] = {
        **art.notes,
        "paths": art.path_count,
        "layers": [vars(layer) for layer in art.layers],
    }
    report["timings"] = dict(ctx.timings)
    _write_json(out / "report.json", report)
    return ["result.svg", "preview.png", "report.json"], None
