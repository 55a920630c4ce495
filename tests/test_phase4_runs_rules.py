"""Phase IV run snapping (``phase4.vtracer.snap_runs``): its rules one by one, on every side
of a mask. Which nodes move (reach, tolerance, a run's end pixels, a run ending in a rounded
corner), which stay (a node between two parts, a noisy slope's treads), and what the pipeline
does around it (no snapping without the outline; a snapped path whose outset crosses itself
falls back to the path as traced)."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

from tests.test_phase4_runs import BODY, PALETTE, hull, silhouette, vectorize
from v2v.artefacts import VectorArt
from v2v.config import load_config
from v2v.context import RunContext
from v2v.stages.vectorize.cleanup import PathGeometry, Shape, parse_path, rings_valid
from v2v.stages.vectorize.offset import offset_path
from v2v.stages.vectorize.runs import RunSnapper
from v2v.stages.vectorize.vtracer import VtracerVectorizer, _outset

Grid = np.ndarray
#: Each side as a view of a mask whose run lies on top, and that view's own view back.
SIDES: dict[str, tuple[Callable[[Grid], Grid], Callable[[Grid], Grid]]] = {
    "top": (lambda m: m, lambda s: s),
    "bottom": (lambda m: m[::-1], lambda s: s[::-1]),
    "left": (lambda m: m.T, lambda s: s.T),
    "right": (lambda m: m.T[::-1], lambda s: s[::-1].T),
}


def to_side(side: str, x: float, y: float, height: int, width: int) -> tuple[float, float]:
    """A point of a (height × width) mask in the frame of its view from ``side``."""
    return {"top": (x, y), "bottom": (x, height - y), "left": (y, x), "right": (y, width - x)}[side]


def from_side(side: str, x: float, y: float, height: int, width: int) -> tuple[float, float]:
    """A point of the view from ``side`` back in the mask's frame."""
    return {"top": (x, y), "bottom": (x, height - y), "left": (y, x), "right": (width - y, x)}[side]


def snap_one(mask: Grid, side: str, x: float, y: float) -> tuple[float, float]:
    """The node (x, y) of a small triangle reaching far above the mask's top run, after
    snapping on the mask's view from ``side`` (so its run lies on that side)."""
    height, width = mask.shape
    oriented = np.ascontiguousarray(SIDES[side][0](mask))
    nodes = np.array(
        [to_side(side, px, py, height, width) for px, py in ((x, y), (x + 1, 2.0), (x - 1, 2.0))]
    )
    (snapped,), _ = RunSnapper(oriented, (0, 0), 4).snap([PathGeometry("MLLZ", nodes)])
    return from_side(side, *snapped.points[0], height, width)


def box() -> Grid:
    """A 60 × 20 px box: its top run in row 20, columns 10 to 69."""
    mask = np.zeros((60, 80), bool)
    mask[20:40, 10:70] = True
    return mask


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize(
    ("x", "y", "moves"),
    [
        (30.0, 19.0, True),  # 1 px outside
        (30.0, 18.6, True),  # 1.4 px: within REACH (1.5)
        (30.0, 18.4, False),  # 1.6 px: beyond it
        (30.0, 19.6, True),  # 0.4 px: beyond the tolerance (0.3)
        (30.0, 19.8, False),  # 0.2 px: it draws the edge's pixels alike
        (30.0, 20.5, False),  # inside
        (11.5, 19.0, True),  # over the run's second pixel
        (10.5, 19.0, False),  # over its first: the outline steps there
        (68.5, 19.0, True),
        (69.5, 19.0, False),  # over its last
    ],
)
def test_which_nodes_move_onto_a_run(side: str, x: float, y: float, moves: bool) -> None:
    sx, sy = snap_one(box(), side, x, y)
    assert sx == pytest.approx(x)
    assert sy == pytest.approx(20.0 if moves else y)


@pytest.mark.parametrize("side", SIDES)
def test_a_run_into_a_rounded_corner_counts(side: str) -> None:
    """A run that drops one pixel to a tread a fifth as long (a rounded corner's first step,
    not a staircase's) counts; that tread, 10 px between a one-pixel riser and the corner,
    is a slope's tread and does not (under 16 px: twice ``SHORT_RUNS`` × ``min_length``)."""
    mask = box()
    mask[20, 60:70] = False  # the run ends at column 60, its next tread 10 px long in row 21
    assert snap_one(mask, side, 30.0, 19.0)[1] == pytest.approx(20.0)
    assert snap_one(mask, side, 65.0, 20.0)[1] == pytest.approx(20.0)
    mask[20, 54:60] = False  # the tread now 16 px long: it counts
    assert snap_one(mask, side, 60.0, 20.0)[1] == pytest.approx(21.0)


@pytest.mark.parametrize("side", SIDES)
def test_a_short_run_on_a_bump_stays(side: str) -> None:
    """A bump's 6 px top between one-pixel drops to 2 px treads: not a staircase's step, but
    under twice ``min_length`` a run needs a step outwards at both ends (a dent) to count."""
    mask = box()
    mask[19, 31:45] = mask[18, 33:43] = mask[17, 35:41] = True
    assert snap_one(mask, side, 37.5, 16.0)[1] == pytest.approx(16.0)
    assert snap_one(mask, side, 20.0, 19.0)[1] == pytest.approx(20.0)  # the box's top still


@pytest.mark.parametrize("gap", [2, 3])
@pytest.mark.parametrize("side", SIDES)
def test_a_node_between_two_parts_stays(side: str, gap: int) -> None:
    """Two bars ``gap`` px apart: a node in the gap within REACH of both edges is either
    part's (a sag of one, or of the other); it stays. Near one only, it snaps onto that one."""
    mask = np.zeros((60, 80), bool)
    mask[20:40, 10:70] = True  # the run in row 20
    mask[5 : 20 - gap, 10:70] = True  # the part above, its bottom edge at y = 20 - gap
    for y in (19.0, 18.6, 19.4, 18.5):
        within = y - (20 - gap) <= 1.5
        assert snap_one(mask, side, 30.0, y)[1] == pytest.approx(y if within else 20.0)


@pytest.mark.parametrize(("x", "y", "to"), [(31.4, 18.7, (31.4, 20.0)), (31.0, 18.6, (30.0, 18.6))])
def test_a_node_over_two_runs_moves_onto_the_nearer(x: float, y: float, to: tuple) -> None:
    """In the concave corner of a box and a tower on its left end, a node lies over the box's
    top run and beside the tower's right side: it moves onto the nearer of the two edges."""
    mask = box()
    mask[5:20, 10:30] = True  # the tower: its right edge at x = 30, the top run from 30
    (snapped,), moved = RunSnapper(mask, (0, 0), 4).snap(
        [PathGeometry("MLLZ", np.array([[x, y], [x + 1, 2.0], [x - 1, 2.0]]))]
    )
    assert moved >= 1 and np.allclose(snapped.points[0], to)


@pytest.mark.parametrize("side", SIDES)
def test_a_node_in_a_one_pixel_gap_stays(side: str) -> None:
    """A one-pixel strip one pixel above the run: the run needs two rows outside it, so a
    node in the gap belongs to neither part."""
    mask = box()
    mask[18, 10:70] = True  # row 19 is the gap
    assert snap_one(mask, side, 30.0, 19.5)[1] == pytest.approx(19.5)


@pytest.mark.parametrize("side", SIDES)
def test_a_dent_one_pixel_deep_stays_a_dent_on_every_side(side: str) -> None:
    """The dent of ``test_a_dent_one_pixel_deep_stays_a_dent``, on each side of the box."""
    view, back = SIDES[side]
    mask = np.zeros((140, 280), bool)
    mask[40:100, 40:240] = True
    mask[40, 80:200] = False
    oriented = np.ascontiguousarray(view(mask))
    bridged, snapped = vectorize(oriented, snap_runs=0), vectorize(oriented)
    drawn, before = back(silhouette(snapped)), back(silhouette(bridged))
    assert before[40, 82:198].mean() > 0.9
    assert drawn[40, 82:198].mean() < 0.05 and drawn[41, 82:198].all()
    assert int((drawn ^ mask).sum()) < 0.5 * int((before ^ mask).sum())


def test_a_dent_in_polygon_mode_stays_a_dent() -> None:
    """vtracer's polygon mode bridges the dent with one line: it is split like a curve."""
    mask = np.zeros((140, 280), bool)
    mask[40:100, 40:240] = True
    mask[40, 80:200] = False
    drawn = {snap: silhouette(draw(mask, {"vtracer.mode": "polygon"}, snap)) for snap in (0, 4)}
    assert drawn[0][40, 82:198].mean() > 0.9
    assert drawn[4][40, 82:198].mean() < 0.05 and drawn[4][41, 82:198].all()
    assert int((drawn[4] ^ mask).sum()) < 0.5 * int((drawn[0] ^ mask).sum())


def test_a_noisy_slope_keeps_its_slope() -> None:
    """A top edge rising one pixel per tread, treads 6 and 2 px in turn: the long treads end
    in a step out and a short drop (a slope, not a dent), and must not become steps."""
    mask = np.zeros((140, 280), bool)
    x, top = 40, 100
    for k in range(60):
        width = (6, 2)[k % 2]
        mask[top:120, x : x + width] = True
        x, top = x + width, top - 1
        if x >= 240:
            break
    off, on = vectorize(mask, snap_runs=0), vectorize(mask)
    assert on.notes["nodes_snapped"] == 0
    assert re.findall(r' d="([^"]+)"', on.svg) == re.findall(r' d="([^"]+)"', off.svg)


def test_no_snapping_without_the_outline() -> None:
    """With ``phase4.stroke.enabled`` false nothing covers the seam a snapped edge opens
    against its neighbour's unsnapped one: the SVG is the one without snapping."""
    off, on = (draw(hull(), {"stroke.enabled": False}, snap) for snap in (0, 4))
    assert on.notes["nodes_snapped"] == 0
    assert on.svg == off.svg


def draw(mask: Grid, settings: dict[str, object], snap: int) -> VectorArt:
    """``mask`` in the body colour through phase IV with ``settings`` (phase4 keys)."""
    rgba = np.zeros((*mask.shape, 4), np.uint8)
    rgba[mask, :3] = PALETTE.rgb[BODY]
    rgba[mask, 3] = 255
    overrides = {f"phase4.{key}": value for key, value in settings.items()}
    config = load_config(overrides={**overrides, "phase4.vtracer.snap_runs": snap}).phase4
    edges = np.zeros(mask.shape, np.uint8)
    return VtracerVectorizer(config).run(rgba, PALETTE, edges, RunContext())


def test_a_snapped_path_whose_outset_crosses_itself_falls_back() -> None:
    """A notch whose tip snapped past the edge below it: the ring crosses itself, so the
    outset is of the path as traced (simple); an unsnapped shape is outset as it is."""
    traced = np.array([[25, 21.5], [35, 21.5], [45, 10], [30, 20.6], [15, 10.0]])
    crossed = traced.copy()
    crossed[3, 1] = 22.0
    plain, snapped = PathGeometry("MLLLLZ", traced), PathGeometry("MLLLLZ", crossed)
    assert rings_valid(plain) and not rings_valid(snapped)
    out = _outset(Shape("#C8202F", snapped, plain), 0.1, True)
    assert rings_valid(out.path)
    assert np.allclose(out.path.points, offset_path(plain, 0.1, True).points)
    kept = _outset(Shape("#C8202F", snapped), 0.1, True)
    assert np.allclose(kept.path.points, offset_path(snapped, 0.1, True).points)


def test_a_curve_is_split_within_a_pixel_of_where_it_comes_over_the_run() -> None:
    """The dent's bridge (one straight cubic, 200 px) is sampled every pixel: its new nodes
    lie within two pixels of the run's inner ends (81 and 199), not a sample spacing away."""
    path = parse_path("M40 41C106.34 41 171.68 41 239 41L239 90L40 90Z")
    mask = np.zeros((100, 260), bool)
    mask[41:90, 40:239] = True
    mask[41, 80:200] = False
    (snapped,), _ = RunSnapper(mask, (0, 0), 4).snap([path])
    (left, _), (right, _) = snapped.points[[3, 6]]
    assert 81 <= left < 83 and 197 < right <= 199


def test_a_staircase_of_long_treads_keeps_its_slope() -> None:
    """Treads 20 px long (past the slope-tread rule's 16 px): each drops one pixel to a tread
    as long, so none counts (``STAIRCASE_RATIO``) and vtracer's slope stays."""
    mask = np.zeros((140, 280), bool)
    for x in range(40, 240):
        mask[60 - (x - 40) // 20 : 110, x] = True
    off, on = vectorize(mask, snap_runs=0), vectorize(mask)
    assert on.notes["nodes_snapped"] == 0
    assert re.findall(r' d="([^"]+)"', on.svg) == re.findall(r' d="([^"]+)"', off.svg)
