"""How much of a drawing one pixel of phase I's mask decides: phases II-IV on the mask as made
and on the mask less one pixel.

    .venv/bin/python -m benchmarks.mask_sensitivity PHOTO [PHOTO ...] [--palette P] [--save DIR]

For each photo phase I runs once; phases II-IV (``Pipeline.attempt``) then run five times: on
its mask, on the mask less its lowest pixel (the mask's bounding box loses that row where the
pixel stood alone in it), on the mask less one pixel in the middle of its outline (the
bounding box kept), and on the mask grown and shrunk by one pixel all round (3x3). Printed per
variant: the mask's bounding box, the phase II pixels that differ from the first run's (inside
both masks), the drawing's pixels that differ (rendered at the working size), and the
drawing's palette colours with their share of the drawn pixels. A mask rule's worth is judged
on drawings; when one pixel already redraws the vehicle, a colour that changes with a rule may
not be the rule's doing. ``--save DIR`` writes the renders as ``DIR/PHOTO.VARIANT.png``.
``V2V_PHASE2__FLATTEN__STABLE_GRID=true`` measures phase II's stable grid.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.config import load_config
from v2v.context import RunContext
from v2v.pipeline import Pipeline
from v2v.svg.render import render_rgba

Mask = NDArray[np.bool_]


def variants(mask: Mask) -> dict[str, Mask]:
    """The mask as made, less its lowest pixel, less a pixel in the middle of its outline."""
    lowest, outline = mask.copy(), mask.copy()
    ys, xs = np.nonzero(mask)
    at = int(np.argmax(ys))
    lowest[ys[at], xs[at]] = False
    inner = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    ys, xs = np.nonzero(mask & ~inner)
    keep = (ys > ys.min()) & (ys < ys.max())  # not on the box's top or bottom row
    ys, xs = ys[keep], xs[keep]
    keep = (xs > xs.min()) & (xs < xs.max())
    ys, xs = ys[keep], xs[keep]
    if ys.size:
        outline[ys[ys.size // 2], xs[ys.size // 2]] = False
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return {
        "as made": mask,
        "lowest px off": lowest,
        "outline px off": outline,
        "grown 1px": grown,
        "shrunk 1px": inner,
    }


def box(mask: Mask) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def colour_shares(rgba: NDArray[np.uint8], names: dict[str, str]) -> str:
    drawn = rgba[..., 3] >= 128
    colours, counts = np.unique(rgba[drawn][:, :3], axis=0, return_counts=True)
    total = max(1, int(drawn.sum()))
    parts = []
    for colour, count in sorted(
        zip(colours.tolist(), counts.tolist(), strict=True), key=lambda c: -c[1]
    ):
        hex_ = "#{:02X}{:02X}{:02X}".format(*colour)
        if hex_ in names and count >= 0.005 * total:
            parts.append(f"{names[hex_]} {100 * count / total:.1f}%")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("photo", nargs="+", type=Path)
    parser.add_argument("--palette", default="default")
    parser.add_argument("--save", type=Path)
    args = parser.parse_args()
    pipeline = Pipeline(load_config(overrides=["qa.check_text=false"]), args.palette)
    names = dict(zip(pipeline.palette.colors, pipeline.palette.names, strict=True))
    for path in args.photo:
        photo = pipeline.load(path)
        clean = pipeline.sanitize(photo, RunContext())
        width, height = photo.size
        first_styled, first_render = None, None
        print(path.stem)
        for name, mask in variants(clean.vehicle_mask).items():
            attempt = pipeline.attempt(dataclasses.replace(clean, vehicle_mask=mask), RunContext())
            rgba = render_rgba(attempt.art.svg if attempt.art else "", width, height)
            styled = attempt.styled.pixels
            if first_styled is None or first_render is None:
                first_styled, first_render = styled, rgba
            both = mask & clean.vehicle_mask
            moved = int(((styled != first_styled).any(axis=-1) & both).sum())
            redrawn = int((rgba != first_render).any(axis=-1).sum())
            print(
                f"  {name:<15} box {box(mask)}  phase II px changed {moved:>6} of "
                f"{int(both.sum())}  drawing px changed {redrawn:>6}  "
                f"{colour_shares(rgba, names)}"
            )
            if args.save is not None:
                args.save.mkdir(parents=True, exist_ok=True)
                out = args.save / f"{path.stem}.{name.replace(' ', '-')}.png"
                cv2.imwrite(str(out), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))


if __name__ == "__main__":
    main()
