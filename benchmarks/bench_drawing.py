"""How a designer's drawing the pipeline makes, per palette: colours, shapes, colour proxies.

    .venv/bin/python -m benchmarks.bench_drawing [--palette NAME ...] [--before] [--folder F ...]

Converts every photo of ``../shared/samples`` and ``../shared/devset`` (``--folder`` picks) with
each palette (default: ``default``, ``designer`` and ``MUTED``, a 15-colour palette of greys,
muted paints and tints that is not built in) and prints, per photo and as medians:

- ``colors``: palette colours in the illustration; ``shapes``: filled paths in the SVG;
- ``drift``: share of the vehicle that is grey in the photo (chroma < 8, bilateral-smoothed)
  and drawn in a chromatic palette colour (chroma > 20): neutrals drawn as hues;
- ``split``: share of the photo's dominant paint (pixels with chroma ≥ 15 within 25° of the
  most common hue) not drawn in that paint's most common palette colour: one surface in two
  colours (shade, glare);
- ``iou`` (photos with a true mask), ``palette`` and ``stroke`` compliance.

``--save DIR`` writes each drawing, rendered at the working size, as
``DIR/PALETTE/{before,after}/FOLDER__PHOTO.png`` (for contact sheets). ``--before`` also
converts with ``phase3.materials.enabled=false`` (mapping per pixel) and prints both. The
proxies are read beside the pictures: glare on paint keeps the paint's hue, so no per-pixel
hue comparison sees it; ``split`` does when it is drawn in another colour.
"""

from __future__ import annotations

import argparse
import math
import statistics
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from v2v.bench import truth_iou
from v2v.color.ciede2000 import rgb_to_lab
from v2v.config import load_config
from v2v.pipeline import Pipeline, Result
from v2v.svg.render import render_rgba

SHARED = Path(__file__).resolve().parents[2] / "shared"
MUTED = (
    "#1A1A1A,#4D4D4D,#9A9A9A,#D9D9D9,#FFFFFF,#B22222,#E25822,#F2C14E,"
    "#3A7D44,#7FB069,#2E5EAA,#8EC5FC,#1B2A49,#6B4226,#C9A66B"
)
COLUMNS = ("colors", "shapes", "drift", "split", "iou")


def photos(folders: list[str]) -> list[Path]:
    found: list[Path] = []
    for folder in folders:
        found += sorted(
            p
            for p in (SHARED / folder).iterdir()
            if p.suffix.lower() in {".jpg", ".png", ".gif"} and not p.name.endswith(".mask.png")
        )
    return found


def colour_proxies(result: Result) -> tuple[float, float]:
    """(drift, split) of one run; see the module docstring. NaN split without a paint."""
    assert result.paletted is not None
    labels = result.paletted.labels
    palette_lab = result.paletted.palette.lab
    palette_chroma = np.hypot(palette_lab[:, 1], palette_lab[:, 2])
    vehicle = labels >= 0
    smooth = cv2.bilateralFilter(np.ascontiguousarray(result.photo.pixels), 9, 40, 5)
    if smooth.shape[:2] != labels.shape:
        smooth = cv2.resize(smooth, labels.shape[::-1], interpolation=cv2.INTER_AREA)
    lab = rgb_to_lab(smooth[vehicle])
    drawn = labels[vehicle]
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    drift = float(np.mean((chroma < 8) & (palette_chroma[drawn] > 20))) if drawn.size else 0.0
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1])) % 360
    paint = chroma >= 15
    if paint.sum() < 0.05 * max(drawn.size, 1):
        return drift, math.nan
    counts = np.bincount((hue[paint] // 10).astype(int) % 36, minlength=36).astype(float)
    mode = 10 * int(np.argmax(counts + np.roll(counts, 1) + np.roll(counts, -1))) + 5
    surface = paint & (np.abs((hue - mode + 180) % 360 - 180) <= 25)
    if surface.sum() < 0.03 * drawn.size:
        return drift, math.nan
    used = np.bincount(drawn[surface], minlength=len(palette_lab))
    return drift, float(1 - used.max() / surface.sum())


def measure(pipeline: Pipeline, path: Path, save: Path | None) -> dict[str, float]:
    result = pipeline.run(path)
    assert result.paletted is not None and result.svg is not None
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        width, height = result.photo.size
        rgba = render_rgba(result.svg, width, height)
        target = save / f"{path.parent.name}__{path.stem}.png"
        cv2.imwrite(str(target), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    drift, split = colour_proxies(result)
    iou = truth_iou(result, path)
    qa = result.report["qa"]
    return {
        "colors": len(result.paletted.notes["colors_used"]),
        "shapes": result.svg.count("<path"),
        "drift": drift,
        "split": split,
        "iou": math.nan if iou is None else iou,
        "palette": float(qa["palette_compliance"]),
        "stroke": float(qa["stroke_compliance"]),
    }


def cell(value: float) -> str:
    return "     -" if math.isnan(value) else f"{value:6.3f}" if value < 1.5 else f"{value:6.0f}"


def median(values: list[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return statistics.median(kept) if kept else math.nan


def run_palette(palette: str, paths: list[Path], before: bool, save: Path | None) -> None:
    variants: dict[str, list[str]] = {"after": []}
    if before:
        variants = {"before": ["phase3.materials.enabled=false"], **variants}
    pipelines = {
        name: Pipeline(load_config(overrides=["qa.check_text=false", *changes]), palette)
        for name, changes in variants.items()
    }
    label = "MUTED (custom)" if palette == MUTED else palette
    folder = None if save is None else save / ("muted" if palette == MUTED else Path(palette).stem)
    header = "".join(f"{name[:1]}.{c}"[:7].rjust(8) for name in pipelines for c in COLUMNS)
    print(f"\n== palette {label}\n{'photo':<52}{header}")
    figures: dict[str, list[dict[str, Any]]] = {name: [] for name in pipelines}
    for path in paths:
        row = ""
        for name, pipeline in pipelines.items():
            measured = measure(pipeline, path, None if folder is None else folder / name)
            figures[name].append(measured)
            row += "".join(f"{cell(measured[c]):>8}" for c in COLUMNS)
        print(f"{path.parent.name[:3]}/{path.stem[:47]:<48}{row}", flush=True)
    for name, rows in figures.items():
        medians = {c: median([float(r[c]) for r in rows]) for c in COLUMNS}
        compliance = min(min(r["palette"], r["stroke"]) for r in rows)
        print(
            f"{name:>6} medians: "
            + ", ".join(f"{c} {cell(v).strip()}" for c, v in medians.items())
            + f"; lowest palette/stroke compliance {compliance:.0%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--palette", action="append", help="palette name, file or hex list")
    parser.add_argument("--folder", action="append", help="samples and/or devset")
    parser.add_argument("--before", action="store_true", help="also map per pixel (before)")
    parser.add_argument("--save", type=Path, help="write the drawings as PNGs under this folder")
    args = parser.parse_args()
    paths = photos(args.folder or ["samples", "devset"])
    for palette in args.palette or ["default", "designer", MUTED]:
        run_palette(palette, paths, args.before, args.save)


if __name__ == "__main__":
    main()
