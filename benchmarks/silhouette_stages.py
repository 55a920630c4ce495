"""Where the silhouette goes between phase I's mask and the SVG: IoU after each stage.

    .venv/bin/python -m benchmarks.silhouette_stages [PHOTO ...] [--palette P] [--diff DIR]

For each photo with a true mask (``NAME.mask.png``), prints the silhouette after each stage,
at the working size, as IoU against the true mask and against phase I's own mask:

- ``p1``: phase I's vehicle mask; ``p2``: phase II's mask;
- ``p3``: phase III's labels ≥ 0 (downscaled to the working size when phase III upscaled);
- ``fill``: the SVG rendered without outlines (fills only, alpha ≥ 128);
- ``svg``: the SVG as the benchmarks render it (outlines too): ``bench_drawing``'s ``iou``.

``--diff DIR`` writes, per photo, ``DIR/PHOTO.png``: four panels (p1 against the truth, fill
against p3, svg against p1, svg against the truth), each pixel red where the later one lost it,
blue where it added it, grey where both hold it.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from benchmarks.bench_drawing import photos
from v2v.bench import _truth_mask
from v2v.config import load_config
from v2v.geometry import silhouette_iou
from v2v.pipeline import Pipeline
from v2v.svg.render import render_rgba

Mask = NDArray[np.bool_]
STAGES = ("p1", "p2", "p3", "fill", "svg")


def at_size(mask: Mask, width: int, height: int) -> Mask:
    """A bool mask resized to width × height (area-averaged, then ≥ 0.5)."""
    if mask.shape == (height, width):
        return mask
    small = cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA)
    out: Mask = small >= 0.5
    return out


def unstroked(svg: str) -> str:
    """The SVG with its outlines and centerlines switched off (fills only)."""
    return re.sub(r'stroke="[^"]*"', 'stroke="none"', svg)


def stage_masks(pipeline: Pipeline, path: Path) -> dict[str, Mask]:
    result = pipeline.run(path, preview=False)
    width, height = result.photo.size
    assert result.paletted is not None and result.svg is not None
    return {
        "p1": result.clean.vehicle_mask,
        "p2": result.styled.mask,
        "p3": at_size(result.paletted.labels >= 0, width, height),
        "fill": render_rgba(unstroked(result.svg), width, height)[..., 3] >= 128,
        "svg": render_rgba(result.svg, width, height)[..., 3] >= 128,
    }


def diff_panel(before: Mask, after: Mask) -> NDArray[np.uint8]:
    """RGB: grey where both, red where ``after`` lost a pixel, blue where it added one."""
    out = np.full((*before.shape, 3), 255, np.uint8)
    out[before & after] = (170, 170, 170)
    out[before & ~after] = (230, 0, 0)
    out[~before & after] = (0, 60, 255)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("photo", nargs="*", type=Path, help="photos (default: both sets)")
    parser.add_argument("--palette", default="default")
    parser.add_argument("--diff", type=Path, help="write difference PNGs here")
    parser.add_argument("--set", action="append", default=[], help="config overrides k=v")
    args = parser.parse_args()
    paths = args.photo or photos(["samples", "devset"])
    paths = [p for p in paths if p.with_name(p.stem + ".mask.png").is_file()]
    pipeline = Pipeline(load_config(overrides=["qa.check_text=false", *args.set]), args.palette)
    print(
        f"{'photo':<48}"
        + "".join(f"{s:>7}" for s in STAGES)
        + "   vs p1:"
        + "".join(f"{s:>7}" for s in STAGES[1:])
    )
    for path in paths:
        masks = stage_masks(pipeline, path)
        height, width = masks["p1"].shape
        truth = _truth_mask(path, (width, height))
        assert truth is not None
        row = "".join(f"{silhouette_iou(truth, masks[s]):7.3f}" for s in STAGES)
        own = "".join(f"{silhouette_iou(masks['p1'], masks[s]):7.3f}" for s in STAGES[1:])
        print(f"{path.stem[:47]:<48}{row}          {own}", flush=True)
        if args.diff is not None:
            args.diff.mkdir(parents=True, exist_ok=True)
            pairs = [
                (truth, masks["p1"]),
                (masks["p3"], masks["fill"]),
                (masks["p1"], masks["svg"]),
                (truth, masks["svg"]),
            ]
            panels = [diff_panel(a, b) for a, b in pairs]
            sheet = np.vstack(panels) if width > height else np.hstack(panels)
            cv2.imwrite(str(args.diff / f"{path.stem}.png"), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    main()
