"""vtracer's outset undone: every traced ring moved a fraction of a pixel towards its inside.

vtracer removes each 1 px staircase of a traced outline by keeping its outer corner (visioncortex
``PathSimplify::remove_staircase``: "clockwiseness of path must be indicated to perform
outset"). The curve through the outer corners lies up to half a pixel outside the pixels'
edge wherever the outline is not exactly horizontal or vertical: a traced disc of radius 25 px
covers 2,008 px² where its pixels are 1,961, a hole of radius 10 px 335 px² for 317, both about
0.3 px out all round. Drawn with its outline, a vehicle is that much wider than its mask, and
rendered at its own size about half of the pixels just outside its mask's curved edges come
out covered (freight train on the playing field: phase I's mask 0.950 against the true mask,
the SVG 0.936).

:func:`offset_path` moves every on-curve point of a ring along its bisector, ``distance``
towards the ring's own inside (an outer ring shrinks, a hole's ring shrinks too, so the hole
does), and each Bézier control point with the point it leaves or reaches
(``phase4.vtracer.outset_correction``, tuned on the rendered silhouette against true masks).
Straight horizontal and vertical runs, which vtracer traces on the pixels' edge, stay with
``keep_straight`` (``phase4.vtracer.keep_straight_edges``): every node of such a run, found
with a tolerance for the hundredths of a pixel vtracer's splines wobble by, its two ends and
square corners included, so one run never has some nodes moved and its neighbours not (a
0.5 px bump). Moved half a pixel, its edge pixels would be only half covered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from v2v.stages.vectorize.cleanup import PathGeometry

#: A corner's point moves at most this many times ``distance`` (a miter limit: a spike's tip).
MITER_LIMIT = 2.0
#: With ``keep_straight``, a span between two nodes is straight when its chord strays at most
#: this many px off an axis (vtracer's splines wobble by hundredths of a pixel along a straight
#: run; a staircase's slope, even 3° over 3 px, strays further) ...
STRAIGHT_TOLERANCE = 0.15
#: ... and the node's tangent on that side runs along the chord (sine of the angle between).
STRAIGHT_ALONG = 0.1
_EPSILON = 1e-9


def offset_path(path: PathGeometry, distance: float, keep_straight: bool = False) -> PathGeometry:
    """``path`` with each subpath (ring) moved ``distance`` (working-image units, ≥ 0) towards
    its own inside; a ring of fewer than three distinct points, or of no area, stays as it is.
    ``keep_straight``: the nodes of straight horizontal and vertical runs (within
    ``STRAIGHT_TOLERANCE``, ends and square corners included), which vtracer traces on the
    pixels' edge, stay where they are, all of a run alike."""
    if distance <= 0 or not path.commands:
        return path
    points = path.points.copy()
    for ring in _subpaths(path.commands):
        shift = _ring_shift(path.points, ring, distance, keep_straight)
        if shift is not None:
            points[ring.owners[:, 0]] += shift[ring.owners[:, 1]]
    return PathGeometry(path.commands, points)


@dataclass(frozen=True)
class _Ring:
    """One subpath, by indices into the path's points: ``nodes`` its on-curve points in order;
    ``arriving`` / ``leaving`` the control point before / after each node (-1: a line, or the
    subpath's end); ``owners`` pairs (point, node) for every point, each control with its node."""

    nodes: NDArray[np.intp]
    arriving: NDArray[np.intp]
    leaving: NDArray[np.intp]
    owners: NDArray[np.intp]


def _subpaths(commands: str) -> list[_Ring]:
    letters = np.frombuffer(commands.encode("ascii"), dtype="S1")
    drawn = letters != b"Z"  # Z adds no point
    letters = letters[drawn]
    curve = letters == b"C"
    size = np.where(curve, 3, 1)
    node = np.cumsum(size) - 1  # each command's on-curve point
    first = node - size + 1  # a curve's first control
    starts = np.flatnonzero(letters == b"M")
    out: list[_Ring] = []
    for start, end in zip(starts, [*starts[1:], len(letters)], strict=True):
        own = np.arange(start, end)
        nodes, curves = node[own], curve[own]
        count = len(own)
        arriving = np.where(curves, nodes - 1, -1)
        leaving = np.append(np.where(curves[1:], first[own][1:], -1), -1)
        numbers = np.arange(count)
        pairs = [np.stack([nodes, numbers], axis=1)]
        at = np.flatnonzero(curves)
        pairs.append(np.stack([first[own][at], at - 1], axis=1))  # with the node it leaves
        pairs.append(np.stack([first[own][at] + 1, at], axis=1))  # with the node it reaches
        owners = np.concatenate(pairs).astype(np.intp)
        out.append(_Ring(nodes.astype(np.intp), arriving, leaving, owners))
    return out


def _on_straight_run(
    here: NDArray[np.float64], into: NDArray[np.float64], out_of: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """The nodes that begin or end a straight horizontal or vertical span: the chord to the
    previous or next node strays at most ``STRAIGHT_TOLERANCE`` px off an axis and the node's
    tangent on that side runs along the chord. Every node of a straight run is one, its two
    ends included, so a run keeps all its nodes together, whatever its wobble."""
    found = np.zeros(len(here), bool)
    sides = ((here - np.roll(here, 1, axis=0), into), (np.roll(here, -1, axis=0) - here, out_of))
    for chord, tangent in sides:
        unit, valid = _unit(chord)
        along = np.abs(unit[:, 0] * tangent[:, 1] - unit[:, 1] * tangent[:, 0]) < STRAIGHT_ALONG
        found |= valid & along & (np.min(np.abs(chord), axis=1) <= STRAIGHT_TOLERANCE)
    return found


def _unit(vectors: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    length = np.hypot(vectors[:, 0], vectors[:, 1])
    valid = length > _EPSILON
    return vectors / np.where(valid, length, 1.0)[:, None], valid


def _ring_shift(
    points: NDArray[np.float64], ring: _Ring, distance: float, keep_straight: bool = False
) -> NDArray[np.float64] | None:
    """Shifts (n, 2), one per node of ``ring``, moving it ``distance`` inwards, or None.

    A node's shift lies along the bisector of its two tangents' normals (the control points'
    directions, else the chords'), longer at a corner (a miter) up to ``MITER_LIMIT``. A ring
    whose last node is its first (vtracer's last curve returns to the start) closes there:
    the two are one node, with the last curve's arriving tangent."""
    nodes = points[ring.nodes]
    count = len(nodes)
    closing = count > 1 and float(np.abs(nodes[0] - nodes[-1]).max()) <= _EPSILON
    corners = count - 1 if closing else count
    if corners < 3:
        return None
    here = nodes[:corners]
    x, y = here[:, 0], here[:, 1]
    area = 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))
    if abs(area) < _EPSILON:
        return None
    # never past half the ring's inradius (area / perimeter for a strip or a disc): a sliver
    # one pixel wide keeps half its width instead of collapsing or turning inside out
    perimeter = float(np.sum(np.hypot(*(np.roll(here, -1, axis=0) - here).T)))
    distance = min(distance, 0.5 * abs(area) / max(perimeter, _EPSILON))
    arriving = ring.arriving.copy()
    if closing:
        arriving[0] = arriving[-1]
    arriving, leaving = arriving[:corners], ring.leaving[:corners]
    chord_in, _ = _unit(here - np.roll(here, 1, axis=0))
    chord_out, _ = _unit(np.roll(here, -1, axis=0) - here)
    into, valid_in = _unit(here - points[np.maximum(arriving, 0)])
    out_of, valid_out = _unit(points[np.maximum(leaving, 0)] - here)
    into = np.where(((arriving >= 0) & valid_in)[:, None], into, chord_in)
    out_of = np.where(((leaving >= 0) & valid_out)[:, None], out_of, chord_out)
    # a zero-length chord (a repeated node) has no direction: the other tangent serves for both
    into_valid = np.hypot(into[:, 0], into[:, 1]) > 0.5
    out_valid = np.hypot(out_of[:, 0], out_of[:, 1]) > 0.5
    into, out_of = (
        np.where(into_valid[:, None], into, out_of),
        np.where(out_valid[:, None], out_of, into),
    )
    # the inside lies to the left of travel, (-dy, dx), on a ring of positive signed area
    left = np.array([-1.0, 1.0]) * np.sign(area)
    mean = (into[:, ::-1] + out_of[:, ::-1]) * left / 2
    squared = np.sum(mean**2, axis=1)
    bisector = mean / np.maximum(squared, 1 / MITER_LIMIT**2)[:, None]
    shift: NDArray[np.float64] = distance * bisector
    if keep_straight:  # traced on the pixels' edge already
        shift[_on_straight_run(here, into, out_of)] = 0.0
    moved = here + shift
    mx, my = moved[:, 0], moved[:, 1]
    if 0.5 * float(np.sum(mx * np.roll(my, -1) - np.roll(mx, -1) * my)) * area <= 0:
        return None  # a miter at a sharp corner turned it inside out: keep it as traced
    return np.vstack([shift, shift[:1]]) if closing else shift
