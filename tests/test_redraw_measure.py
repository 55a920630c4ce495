"""The redraw measure (``benchmarks/redraw_consistency.py``): what it counts as a flip, and its
``smaller`` redraw, which must move phase II's working grid."""

from __future__ import annotations

import numpy as np
from benchmarks.redraw_consistency import compare, smaller_resolution, working_grid

from v2v.artefacts import CleanImage
from v2v.config import load_config
from v2v.stages.stylize.grid import ladder_scale


def test_a_flipped_surface_is_a_flip_and_boundary_jitter_is_not() -> None:
    first = np.zeros((100, 300), np.int16)
    first[:, 150:] = 1
    jitter = first.copy()
    jitter[:, 149] = 1  # the boundary moved a pixel all along: 100 px, 0.33 % of the vehicle
    jitter[:, 148] = 1  # and two: 200 px, 0.67 %, one long sliver
    changed, blob, flips, _ = compare(first, jitter)
    assert changed > 0.005
    assert flips == 0.0 and blob == 0.0, "a sliver along one boundary is no flipped surface"
    flipped = first.copy()
    flipped[20:40, 20:40] = 2  # a surface of 400 px (1.3 %) changes colour
    _, blob, flips, colours = compare(first, flipped)
    assert flips == blob == 400 / first.size and colours == [2]


def test_the_smaller_redraw_steps_a_ladder_rung_under_stable_grid() -> None:
    flatten = load_config().phase2.flatten
    grid = flatten.model_copy(update={"stable_grid": True})
    sides = range(560, 2400, 7)

    def moved(resolution: int) -> float:
        return np.mean([ladder_scale(n, 512) != ladder_scale(n, resolution) for n in sides])

    assert moved(508) < 0.2, "4 px less picks the same rung for most crops"
    assert smaller_resolution(flatten) == 508
    assert moved(smaller_resolution(grid)) > 0.95


def test_a_crop_under_the_smaller_resolution_keeps_its_grid() -> None:
    flatten = load_config().phase2.flatten.model_copy(update={"stable_grid": False})
    smaller = flatten.model_copy(update={"resolution": smaller_resolution(flatten)})
    for side, same in ((300, True), (900, False)):
        mask = np.zeros((1000, 1000), bool)
        mask[100:200, 100 : 100 + side] = True
        clean = CleanImage(np.zeros((1000, 1000, 3), np.uint8), mask, np.zeros_like(mask))
        assert (working_grid(clean, flatten) == working_grid(clean, smaller)) is same
