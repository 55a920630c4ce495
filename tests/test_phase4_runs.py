"""Phase IV: traced outlines put back onto the label map's straight runs
(``phase4.vtracer.snap_runs``).

vtracer drops the concave corners of every one-pixel step: a dent one pixel deep is bridged
from corner to corner, a row of pixels drawn outside the mask, and a long straight edge
ending in rounded corners sags off its row with them. These drawn shapes show the defect and
the fix, and what the fix must leave alone: a staircase's slope, a one-pixel gap.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from v2v.artefacts import VectorArt
from v2v.color.palette import Palette
from v2v.config import load_config
from v2v.context import RunContext
from v2v.stages.vectorize.cleanup import PathGeometry, parse_path, split_cubics
from v2v.stages.vectorize.runs import RunSnapper
from v2v.stages.vectorize.vtracer import VtracerVectorizer
from v2v.svg.render import render_rgba

PALETTE = Palette.load("designer")
BODY = PALETTE.index("#C8202F")


def vectorize(mask: np.ndarray, snap_runs: int | None = None) -> VectorArt:
    rgba = np.zeros((*mask.shape, 4), np.uint8)
    rgba[mask, :3] = PALETTE.rgb[BODY]
    rgba[mask, 3] = 255
    overrides = {} if snap_runs is None else {"phase4.vtracer.snap_runs": snap_runs}
    config = load_config(overrides=overrides).phase4
    return VtracerVectorizer(config).run(
        rgba, PALETTE, np.zeros(mask.shape, np.uint8), RunContext()
    )


def silhouette(art: VectorArt) -> np.ndarray:
    """The drawing as the benchmarks see it: rendered at working size, alpha ≥ 128."""
    return render_rgba(art.svg, art.width, art.height)[..., 3] >= 128


def test_a_dent_one_pixel_deep_stays_a_dent() -> None:
    """A 200 × 60 px box whose top row misses 120 px: vtracer bridges the dent with one
    straight curve, and the outline draws the whole missing row."""
    mask = np.zeros((140, 280), bool)
    mask[40:100, 40:240] = True
    mask[40, 80:200] = False
    bridged, snapped = vectorize(mask, snap_runs=0), vectorize(mask)
    assert silhouette(bridged)[40, 82:198].mean() > 0.9  # the defect
    drawn = silhouette(snapped)
    assert drawn[40, 82:198].mean() < 0.05
    assert drawn[41, 82:198].all()  # the dent's floor stays drawn
    assert int((drawn ^ mask).sum()) < 0.5 * int((silhouette(bridged) ^ mask).sum())
    assert snapped.notes["nodes_snapped"] > 0 and bridged.notes["nodes_snapped"] == 0


def hull() -> np.ndarray:
    """A 300 px long hull: a flat bottom 240 px long between two rounded ends."""
    mask = np.zeros((140, 360), np.uint8)
    cv2.ellipse(mask, (180, 60), (150, 45), 0, 180, 360, 1, -1)
    mask[40:100, 60:300] = 1
    cv2.ellipse(mask, (60, 80), (30, 20), 0, 90, 270, 1, -1)
    cv2.ellipse(mask, (300, 80), (30, 20), 0, -90, 90, 1, -1)
    return mask > 0


def test_a_long_edge_into_rounded_corners_stays_on_its_row() -> None:
    """vtracer smooths the flat bottom with its rounded ends: the spline sags below the
    bottom row along most of its length (the tugboat's hull on the wave, 1.2 px)."""
    mask = hull()
    sagging, snapped = silhouette(vectorize(mask, snap_runs=0)), silhouette(vectorize(mask))
    assert sagging[100, 70:290].mean() > 0.9  # the defect: a row below the hull drawn
    assert snapped[100, 70:290].mean() < 0.05
    assert snapped[99, 70:290].all()
    assert int((snapped ^ mask).sum()) < 0.6 * int((sagging ^ mask).sum())


def test_a_staircase_keeps_its_slope() -> None:
    """A top edge climbing one pixel every 8 px: its treads are runs, but alike in length,
    and vtracer's slope through their corners must not turn into steps."""
    mask = np.zeros((140, 280), bool)
    for x in range(40, 240):
        mask[60 - (x - 40) // 8 : 110, x] = True
    off, on = vectorize(mask, snap_runs=0), vectorize(mask)
    top = re.findall(r' d="([^"]+)"', on.svg)
    assert top == re.findall(r' d="([^"]+)"', off.svg)
    assert on.notes["nodes_snapped"] == 0


def test_a_gap_one_pixel_wide_stays_open() -> None:
    """Two parts one pixel apart: a node in the gap belongs to neither part's run."""
    mask = np.zeros((60, 80), bool)
    mask[10:21, 10:70] = True
    mask[22:40, 10:70] = True  # row 21 is the gap
    bridge = PathGeometry("MLLLZ", np.array([[20, 21.3], [60, 21.3], [60, 40], [20, 40.0]]))
    (kept,), moved = RunSnapper(mask, (0, 0), 4).snap([bridge])
    assert moved == 0 and np.array_equal(kept.points, bridge.points)
    open_top = mask.copy()
    open_top[10:21] = False  # without the upper part the same node lies over a run's edge
    (snapped,), moved = RunSnapper(open_top, (0, 0), 4).snap([bridge])
    assert moved == 2 and np.allclose(snapped.points[:2, 1], 22.0)


def test_a_curve_over_a_run_is_split_where_it_lies_over_it() -> None:
    """A cubic bridging a dent from corner to corner gets nodes where it enters and leaves
    the dent; the pieces draw the same curve until they snap."""
    cubic = np.array([[[0.0, 0.0], [10.0, 30.0], [40.0, -20.0], [60.0, 5.0]]])
    pieces = split_cubics(cubic, np.array([0.2]), np.array([0.7]))[0]
    t = np.linspace(0, 1, 11)[:, None]

    def at(c: np.ndarray, s: np.ndarray) -> np.ndarray:
        return (
            (1 - s) ** 3 * c[0]
            + 3 * (1 - s) ** 2 * s * c[1]
            + 3 * (1 - s) * s**2 * c[2]
            + s**3 * c[3]
        )

    whole = at(cubic[0], np.concatenate([0.2 * t, 0.2 + 0.5 * t, 0.7 + 0.3 * t]))
    split = np.vstack([at(piece, t) for piece in pieces])
    assert np.allclose(whole, split)
    path = parse_path("M40 41C106.34 41 171.68 41 239 41L239 90L40 90Z")
    mask = np.zeros((100, 260), bool)
    mask[41:90, 40:239] = True
    mask[41, 80:200] = False  # the dent: its floor's edge at y = 42
    (snapped,), moved = RunSnapper(mask, (0, 0), 4).snap([path])
    assert moved == 2 and snapped.commands.count("C") == 3
    nodes = snapped.points[[3, 6]]
    assert np.allclose(nodes[:, 1], 42.0) and (nodes[:, 0] > 79).all() and (nodes[:, 0] < 201).all()
