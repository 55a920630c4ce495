"""``v2v bench``: the pipeline's figures on a folder of photos, against plain vtracer defaults.

Per photo: seconds end to end, path count, SVG bytes, palette and stroke compliance, silhouette
IoU (against ``NAME.mask.png`` ground truth when present, else against the pipeline's own
vehicle mask), text regions an OCR detector still finds in the rendered SVG, and the same photo
through vtracer with its defaults (paths, bytes, seconds).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import vtracer

from v2v.config import load_config
from v2v.geometry import silhouette_iou
from v2v.imaging import list_images
from v2v.pipeline import Pipeline, Result
from v2v.svg.render import render_rgba


def vtracer_defaults(path: Path) -> dict[str, Any]:
    """Plain vtracer (its own defaults) on the photo: paths, bytes, seconds."""
    data = path.read_bytes()
    started = time.perf_counter()
    svg = vtracer.convert_raw_image_to_svg(data, img_format=path.suffix.lstrip(".").lower())
    seconds = time.perf_counter() - started
    return {"paths": svg.count("<path"), "bytes": len(svg.encode()), "seconds": round(seconds, 2)}


def _truth_mask(photo_path: Path, size: tuple[int, int]) -> np.ndarray | None:
    mask_path = photo_path.with_name(photo_path.stem + ".mask.png")
    if not mask_path.is_file():
        return None
    mask = cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE)
    if mask is None:
        return None
    return cv2.resize(mask, size, interpolation=cv2.INTER_AREA) >= 128


def truth_iou(result: Result, path: Path) -> float | None:
    """Silhouette IoU of the run's SVG (rendered at the working size, alpha ≥ 128) against the
    photo's ground truth ``NAME.mask.png`` (resized to the working size); None without one."""
    width, height = result.photo.size
    truth = _truth_mask(path, (width, height))
    if truth is None:
        return None
    alpha = render_rgba(result.svg or "", width, height)[..., 3] >= 128
    return silhouette_iou(truth, alpha)


def bench_one(pipeline: Pipeline, path: Path, output_dir: Path | None) -> dict[str, Any]:
    started = time.perf_counter()
    result = pipeline.run(path, preview=False)  # as `v2v process` without --png: the SVG only
    seconds = time.perf_counter() - started
    svg = result.svg or ""
    qa = result.report["qa"]
    scored = truth_iou(result, path)
    if scored is not None:
        iou, against = scored, "truth"
    else:
        iou, against = qa.get("silhouette_iou", 0.0), "own mask"
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        result.save(
            output_dir / f"{path.stem}.svg",
            output_dir / f"{path.stem}.png",
            output_dir / f"{path.stem}.json",
        )
    plain = vtracer_defaults(path)
    return {
        "photo": path.name,
        "seconds": round(seconds, 2),
        "paths": result.art.path_count if result.art else 0,
        "bytes": len(svg.encode()),
        "palette": qa.get("palette_compliance"),
        "stroke": qa.get("stroke_compliance"),
        "iou": round(float(iou), 4),
        "iou_against": against,
        "text_left": len(qa.get("text_remaining", [])),
        "vtracer_paths": plain["paths"],
        "vtracer_bytes": plain["bytes"],
        "vtracer_seconds": plain["seconds"],
    }


def run_bench(
    directory: Path,
    config: Path | None,
    overrides: list[str],
    palette: str | None,
    output_dir: Path | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    pipeline = Pipeline(load_config(config, overrides=overrides), palette)
    rows = [bench_one(pipeline, path, output_dir) for path in list_images(directory)]
    return rows, summarize(rows, pipeline.palette.name)


def summarize(rows: list[dict[str, Any]], palette: str) -> dict[str, Any]:
    if not rows:
        return {"photos": 0}
    truth = [r["iou"] for r in rows if r["iou_against"] == "truth"]
    ratios = [r["vtracer_paths"] / max(1, r["paths"]) for r in rows]
    return {
        "palette": palette,
        "photos": len(rows),
        "median_seconds": round(statistics.median(r["seconds"] for r in rows), 2),
        "median_paths": statistics.median(r["paths"] for r in rows),
        "median_vtracer_paths": statistics.median(r["vtracer_paths"] for r in rows),
        "median_path_reduction": round(statistics.median(ratios), 1),
        "palette_compliance_min": min(r["palette"] or 0 for r in rows),
        "stroke_compliance_min": min(r["stroke"] or 0 for r in rows),
        "median_iou_truth": round(statistics.median(truth), 4) if truth else None,
        "min_iou_truth": round(min(truth), 4) if truth else None,
        "photos_with_text_left": sum(1 for r in rows if r["text_left"]),
    }


def format_table(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    head = (
        f"{'photo':<48} {'s':>5} {'paths':>6} {'KB':>6} {'pal':>5} {'strk':>5} {'IoU':>6} "
        f"{'vs':<8} {'text':>4} | {'vt paths':>8} {'vt KB':>7} {'vt s':>5}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['photo'][:48]:<48} {r['seconds']:>5.2f} {r['paths']:>6} {r['bytes'] / 1024:>6.0f} "
            f"{(r['palette'] or 0):>5.0%} {(r['stroke'] or 0):>5.0%} {r['iou']:>6.3f} "
            f"{r['iou_against']:<8} {r['text_left']:>4} | {r['vtracer_paths']:>8} "
            f"{r['vtracer_bytes'] / 1024:>7.0f} {r['vtracer_seconds']:>5.2f}"
        )
    lines.append("")
    lines.extend(f"{key}: {value}" for key, value in summary.items())
    return "\n".join(lines)
