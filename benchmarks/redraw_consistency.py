"""How robust phases II and III are to a redraw: each photo drawn twice, palette colours compared.

    .venv/bin/python -m benchmarks.redraw_consistency [--redraw NAME ...] [--folder F ...]
        [--palette P] [--cache DIR] [--only STEM ...] [--set KEY=VALUE ...]

Phase I runs once per photo (``--cache DIR`` keeps its pixels and mask as ``DIR/STEM.npz`` for
the next run); phases II and III then run with the config as loaded (``--set`` overrides,
e.g. ``phase2.flatten.stable_grid=true``) and again under each ``--redraw``:

- ``stable``: ``phase2.flatten.stable_grid`` switched over (on when it is off);
- ``smaller``: ``phase2.flatten.resolution`` 4 smaller (508 for the default 512), or with
  ``stable_grid`` one ladder rung smaller (470: 508 picks 512's rung for most crops). Photos
  whose working grid the smaller resolution leaves as it is (a crop already under it) are
  marked ``same grid`` and left out of the median;
- ``grow`` / ``shrink``: the vehicle mask grown or shrunk by one pixel all round (3x3).

A redraw moves phase II's grid a little; a robust drawing keeps each surface's palette colour
and moves only boundaries. Printed per photo and redraw (the label maps are both at the working
size, so they align pixel for pixel; only pixels inside both vehicles count):

- ``changed``: share of the vehicle whose palette colour differs between the two drawings;
- ``blob``: share of the vehicle in the largest 4-connected piece of changed pixels, after a
  3x3 opening (a surface that flips colour is one large piece; boundary jitter is thin
  slivers, and the opening keeps slivers along one long boundary from counting as a piece);
- ``flips``: changed pixels (opened) in pieces of at least 0.5 % of the vehicle, as a share
  of it;
- ``colours``: palette colours (at least 0.2 % of the vehicle) present in one drawing and
  absent (under 0.02 %) from the other, and their names.

The medians of ``changed``, ``blob`` and ``flips`` over the photos end the table.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from benchmarks.bench_drawing import photos
from v2v.artefacts import CleanImage
from v2v.config import FlattenConfig, Phase2Config, load_config
from v2v.context import RunContext
from v2v.pipeline import Pipeline
from v2v.stages.stylize.flatten import vehicle_box
from v2v.stages.stylize.grid import LADDER_STEPS, stable_grid

Labels = NDArray[np.int16]
REDRAWS = ("stable", "smaller", "grow", "shrink")
#: A piece of changed pixels at least this share of the vehicle is a flip, not jitter.
FLIP_SHARE = 0.005
#: A colour is present from this share of the vehicle, absent under the second.
PRESENT, ABSENT = 0.002, 0.0002


def sanitized(pipeline: Pipeline, path: Path, cache: Path | None) -> CleanImage:
    """Phase I's output for ``path``, from ``cache`` when it holds it (pixels and mask)."""
    stored = cache / f"{path.stem}.npz" if cache is not None else None
    if stored is not None and stored.exists():
        with np.load(stored) as data:
            pixels, mask = data["pixels"], data["mask"]
        return CleanImage(pixels, mask, np.zeros_like(mask))
    clean = pipeline.sanitize(pipeline.load(path), RunContext())
    if stored is not None:
        stored.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(stored, pixels=clean.pixels, mask=clean.vehicle_mask)
    return clean


def draw(pipeline: Pipeline, clean: CleanImage) -> Labels:
    """Phases II and III: palette labels (H, W), -1 off the vehicle."""
    ctx = RunContext()
    paletted = pipeline.map_palette(pipeline.stylize(clean, ctx), ctx)
    assert paletted is not None
    return paletted.labels


def redraw_mask(clean: CleanImage, name: str) -> CleanImage:
    """``clean`` with its mask grown or shrunk by one pixel for those redraws, else as it is."""
    kernel = np.ones((3, 3), np.uint8)
    mask = clean.vehicle_mask.astype(np.uint8)
    if name == "grow":
        return dataclasses.replace(clean, vehicle_mask=cv2.dilate(mask, kernel) > 0)
    if name == "shrink":
        return dataclasses.replace(clean, vehicle_mask=cv2.erode(mask, kernel) > 0)
    return clean


def smaller_resolution(flatten: FlattenConfig) -> int:
    """The ``smaller`` redraw's resolution: 4 px less, or with ``stable_grid`` one ladder rung
    less (4 px less picks the same rung for most crops)."""
    if flatten.stable_grid:
        return round(flatten.resolution * 2.0 ** (-1.0 / LADDER_STEPS))
    return flatten.resolution - 4


def working_grid(clean: CleanImage, flatten: FlattenConfig) -> tuple[object, ...]:
    """What phase II's working grid depends on for ``clean`` under ``flatten``: with
    ``stable_grid`` the grid's scale, step and origin, else the crop's scale."""
    box = vehicle_box(clean.vehicle_mask)
    if flatten.stable_grid:
        grid = stable_grid(
            clean.pixels, clean.vehicle_mask, box, flatten.resolution, flatten.superpixels
        )
        return (grid.factor, grid.step, grid.origin, grid.small.shape)
    long_side = max(box[0].stop - box[0].start, box[1].stop - box[1].start)
    return (min(1.0, flatten.resolution / long_side),)


def compare(first: Labels, second: Labels) -> tuple[float, float, float, list[int]]:
    """(changed, blob, flips, colours present in one drawing only); see the module docstring."""
    both = (first >= 0) & (second >= 0)
    vehicle = max(1, int(both.sum()))
    changed = both & (first != second)
    opened = cv2.morphologyEx(changed.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=4)
    stats = np.asarray(stats)
    areas = stats[1:count, cv2.CC_STAT_AREA] if count > 1 else np.zeros(0, np.int64)
    blob = float(areas.max()) / vehicle if areas.size else 0.0
    flips = float(areas[areas >= FLIP_SHARE * vehicle].sum()) / vehicle
    size = int(max(first.max(), second.max())) + 1
    shares = [np.bincount(lab[both], minlength=size) / vehicle for lab in (first, second)]
    lone = [
        int(c)
        for c in range(size)
        if max(shares[0][c], shares[1][c]) >= PRESENT and min(shares[0][c], shares[1][c]) < ABSENT
    ]
    return float(changed.sum()) / vehicle, blob, flips, lone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redraw", nargs="+", choices=REDRAWS, default=["stable"])
    parser.add_argument("--folder", nargs="+", default=["samples", "devset"])
    parser.add_argument("--palette", default="default")
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--only", nargs="+", default=[], help="photo stems (prefixes) to run")
    parser.add_argument("--set", nargs="*", default=[], help="config overrides KEY=VALUE")
    args = parser.parse_args()
    config = load_config(overrides=["qa.check_text=false", *args.set])
    first = Pipeline(config, args.palette)
    names = first.palette.names or first.palette.colors
    assert isinstance(config.phase2, Phase2Config), "a redraw needs the classical phase II"
    flatten = config.phase2.flatten
    others = {
        "stable": f"phase2.flatten.stable_grid={str(not flatten.stable_grid).lower()}",
        "smaller": f"phase2.flatten.resolution={smaller_resolution(flatten)}",
    }
    second = {
        name: Pipeline(
            load_config(overrides=["qa.check_text=false", *args.set, others[name]]), args.palette
        )
        if name in others
        else first
        for name in args.redraw
    }
    rows: dict[str, list[tuple[float, float, float]]] = {name: [] for name in args.redraw}
    print(f"{'photo':<56} {'redraw':<7} {'changed':>8} {'blob':>7} {'flips':>7}  colours")
    for path in photos(args.folder):
        if args.only and not any(path.stem.startswith(o) for o in args.only):
            continue
        clean = sanitized(first, path, args.cache)
        base = draw(first, clean)
        for name in args.redraw:
            same = name == "smaller" and working_grid(clean, flatten) == working_grid(
                clean, flatten.model_copy(update={"resolution": smaller_resolution(flatten)})
            )
            other = draw(second[name], redraw_mask(clean, name))
            changed, blob, flips, lone = compare(base, other)
            if not same:
                rows[name].append((changed, blob, flips))
            listed = ", ".join(str(names[c]) for c in lone) + ("  same grid" if same else "")
            print(
                f"{path.parent.name[:3]}/{path.stem[:52]:<52} {name:<7} {100 * changed:>7.2f}% "
                f"{100 * blob:>6.2f}% {100 * flips:>6.2f}%  {len(lone)} {listed}",
                flush=True,
            )
    for name, values in rows.items():
        if values:
            med = [statistics.median(v[i] for v in values) for i in range(3)]
            print(
                f"{'median (' + str(len(values)) + ' photos)':<56} {name:<7} "
                f"{100 * med[0]:>7.2f}% {100 * med[1]:>6.2f}% {100 * med[2]:>6.2f}%"
            )


if __name__ == "__main__":
    main()
