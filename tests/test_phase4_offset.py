"""Phase IV: vtracer's outset undone (``phase4.vtracer.outset_correction``).

vtracer keeps the outer corner of every 1 px staircase, so a traced curve lies up to half a
pixel outside the pixels' edge; with the outline on top, about half the pixels just outside a
vehicle's curved edges came out drawn. These drawn shapes show the defect and the fix, and
what the fix must leave alone: straight horizontal and vertical edges, the hole of a ring.
"""

from __future__ import annotations

import itertools
import re

import cv2
import numpy as np

from v2v.artefacts import VectorArt
from v2v.color.palette import Palette
from v2v.config import load_config
from v2v.context import RunContext
from v2v.stages.vectorize.cleanup import parse_path, shape_polygon
from v2v.stages.vectorize.offset import offset_path
from v2v.stages.vectorize.vtracer import VtracerVectorizer
from v2v.svg.render import render_rgba

PALETTE = Palette.load("designer")
BODY = PALETTE.index("#C8202F")


def vectorize(
    mask: np.ndarray, correction: float | None = None, keep_straight: bool | None = None
) -> VectorArt:
    rgba = np.zeros((*mask.shape, 4), np.uint8)
    rgba[mask, :3] = PALETTE.rgb[BODY]
    rgba[mask, 3] = 255
    # the offset alone: snapping onto straight runs (``phase4.vtracer.snap_runs``,
    # tests/test_phase4_runs.py) would put this art's straight edges on their pixels itself
    overrides: dict[str, object] = {"phase4.vtracer.snap_runs": 0}
    if correction is not None:
        overrides["phase4.vtracer.outset_correction"] = correction
    if keep_straight is not None:
        overrides["phase4.vtracer.keep_straight_edges"] = keep_straight
    config = load_config(overrides=overrides).phase4
    edges = np.zeros(mask.shape, np.uint8)
    return VtracerVectorizer(config).run(rgba, PALETTE, edges, RunContext())


def silhouette(art: VectorArt) -> np.ndarray:
    """The drawing as the benchmarks see it: rendered at working size, alpha ≥ 128."""
    return render_rgba(art.svg, art.width, art.height)[..., 3] >= 128


def tilted_hull() -> np.ndarray:
    """A long, low, tilted ellipse and a tilted box: edges at every angle but none straight."""
    mask = np.zeros((200, 400), np.uint8)
    cv2.ellipse(mask, (200, 80), (150, 30), 8.0, 0, 360, 1, -1)
    box = cv2.boxPoints(((220, 150), (220, 36), -5.0)).astype(np.int32)
    cv2.fillPoly(mask, [box], 1)
    return mask > 0


def test_the_outlined_drawing_spills_less_past_curved_edges() -> None:
    mask = tilted_hull()
    corrected = silhouette(vectorize(mask))
    traced = silhouette(vectorize(mask, correction=0.0))
    spilled, spilled_before = int((corrected & ~mask).sum()), int((traced & ~mask).sum())
    lost, lost_before = int((mask & ~corrected).sum()), int((mask & ~traced).sum())
    assert spilled_before > 900  # the defect (1,035 px on an outline of about 1,100)
    assert spilled < 0.65 * spilled_before  # 612 (743 at 0.3 px)
    assert lost - lost_before < 0.25 * (spilled_before - spilled)  # 80 more: not moved inside
    assert spilled + lost < 0.7 * (spilled_before + lost_before)  # 693 of 1,036 wrong (766)


def test_half_a_pixel_leaves_square_edges_whole() -> None:
    """vtracer traces exactly horizontal and vertical runs on the pixels' edge: moved half a
    pixel like the curves, a box's edge pixels would be half covered and drop out of the
    silhouette (a whole row and column); kept (``keep_straight_edges``), they stay drawn."""
    mask = np.zeros((120, 200), bool)
    mask[30:90, 40:160] = True
    moved = silhouette(vectorize(mask, correction=0.5, keep_straight=False))
    kept = silhouette(vectorize(mask, correction=0.5, keep_straight=True))
    assert (mask & ~moved).sum() >= 100
    assert (mask & ~kept).sum() <= 4 and not (kept & ~mask).any()


def rounded_rectangle() -> np.ndarray:
    """A 221 × 101 px box with corners of radius 20 px: four straight runs between curves."""
    mask = np.zeros((160, 300), np.uint8)
    cv2.rectangle(mask, (60, 30), (240, 130), 1, -1)
    cv2.rectangle(mask, (40, 50), (260, 110), 1, -1)
    for centre in [(60, 50), (240, 50), (60, 110), (240, 110)]:
        cv2.circle(mask, centre, 20, 1, -1)
    return mask > 0


def d_shape() -> np.ndarray:
    """A half-ellipse on a rectangle: one straight side and two straight runs into a curve."""
    mask = np.zeros((160, 260), np.uint8)
    cv2.ellipse(mask, (100, 80), (60, 50), 0, -90, 90, 1, -1)
    mask[30:131, 40:101] = 1
    return mask > 0


def test_each_straight_run_moves_as_one_where_vtracer_wobbles() -> None:
    """vtracer traces the straight runs between curves with splines whose points stray a few
    hundredths of a pixel from one another (here 0.7 to 1.0 px inside the top row's edge);
    tested one by one, some would stay and their neighbours move half a pixel (a bump every
    few pixels along a bus's roof). Every point along the top edge moves alike, the edge row
    stays drawn, and the curves still move. Without ``keep_straight_edges`` (on by default)
    every point moves alike."""
    for mask, (left, right) in ((rounded_rectangle(), (62, 238)), (d_shape(), (55, 85))):
        top = int(np.argmax(mask.any(axis=1)))
        traced = vectorize(mask, correction=0.0)
        paths = [parse_path(d) for d in re.findall(r' d="([^"]+)"', traced.svg)]
        assert paths
        for path, keep in itertools.product(paths, (True, False)):  # False: the default
            moved = offset_path(path, 0.5, keep_straight=keep)
            x, y = path.points.T
            on_top = (y < top + 1.5) & (x > left) & (x < right)  # traced at 30.7 to 31.0
            assert on_top.sum() >= 5
            shift = np.hypot(*(moved.points - path.points)[on_top].T)
            assert shift.max() - shift.min() <= 0.1
            assert np.hypot(*(moved.points - path.points).T).max() >= 0.4  # the curves move
        drawn = silhouette(vectorize(mask, correction=0.5, keep_straight=True))
        assert drawn[top, left:right].all()
        assert int((drawn ^ mask).sum()) < int((silhouette(traced) ^ mask).sum())


def test_straight_horizontal_and_vertical_edges_keep_their_pixels() -> None:
    mask = np.zeros((120, 200), bool)
    mask[30:90, 40:160] = True
    drawn = silhouette(vectorize(mask, keep_straight=True))
    assert not (drawn & ~mask).any()
    corners = [(30, 40), (30, 159), (89, 40), (89, 159)]  # the round join cuts a corner pixel
    assert set(map(tuple, np.argwhere(mask & ~drawn).tolist())) <= set(corners)


def test_a_ring_and_its_hole_each_move_towards_their_own_inside() -> None:
    """Outer ring 40 px square, hole 20 px square (traced the other way round): moved 0.5 px,
    the outer ring is 39 px square and the hole 19 px, so the filled area around the hole
    grows while the ring's shrinks."""
    ring = parse_path("M0 0 L40 0 L40 40 L0 40 Z M10 10 L10 30 L30 30 L30 10 Z")
    assert shape_polygon(ring).area == 40.0**2 - 20.0**2
    assert shape_polygon(offset_path(ring, 0.5, keep_straight=False)).area == 39.0**2 - 19.0**2
    clockwise = parse_path("M0 0 L0 40 L40 40 L40 0 Z")  # the same square, the other way
    assert shape_polygon(offset_path(clockwise, 0.5, keep_straight=False)).area == 39.0**2


def test_a_sliver_is_never_collapsed_or_turned_inside_out() -> None:
    """A strip one pixel high (a thin trim line) moved further than half its height: it keeps
    half its height, the same way round, instead of collapsing (0.5) or inverting (1.0)."""
    for distance in (0.3, 0.5, 1.0):
        strip = parse_path("M0 0 L22 0 L22 1 L0 1 Z")
        moved = shape_polygon(offset_path(strip, distance, keep_straight=False))
        assert moved.is_valid and moved.area >= 0.45 * 22
        square = parse_path("M0 0 L0.5 0 L0.5 0.5 L0 0.5 Z")
        small = shape_polygon(offset_path(square, distance, keep_straight=False))
        assert small.is_valid and small.area > 0


def test_off_leaves_the_paths_as_traced() -> None:
    path = parse_path("M0 0 C5 0 10 5 10 10 C10 15 5 20 0 20 Z")
    assert offset_path(path, 0.0) is path
    mask = tilted_hull()
    assert vectorize(mask, correction=0.0).svg != vectorize(mask).svg


def test_without_the_outline_the_fills_stay_as_traced() -> None:
    """Shrunk fills can open sub-pixel seams between colours where a lower colour's underlap
    does not reach; the outline covers them, so without it nothing moves."""
    mask = tilted_hull()
    rgba = np.zeros((*mask.shape, 4), np.uint8)
    rgba[mask, :3] = PALETTE.rgb[BODY]
    rgba[mask, 3] = 255
    edges = np.zeros(mask.shape, np.uint8)
    svgs = [
        VtracerVectorizer(
            load_config(
                overrides={"phase4.stroke.enabled": False, "phase4.vtracer.outset_correction": c}
            ).phase4
        )
        .run(rgba, PALETTE, edges, RunContext())
        .svg
        for c in (0.0, 0.5)
    ]
    assert svgs[0] == svgs[1]
