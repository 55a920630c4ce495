"""SVG path geometry and clean-up: parse vtracer path data, measure it, drop redundant paths.

Path data from vtracer uses absolute ``M``, ``L``, ``C`` and ``Z`` commands plus a
``translate(x, y)`` per path. :func:`parse_path` applies the translation and a scale (label-map
pixels → working-image units), :func:`format_path` writes it back with a fixed precision, and
:func:`shape_polygon` flattens the curves into a shapely geometry (even-odd fill) for areas and
coverage tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from v2v.errors import StageFailed
from v2v.svg.document import format_numbers

_COMMAND = re.compile(r"[A-Za-z]")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
#: Points each command adds: M and L one, C three (two controls and the end), Z none.
#: How many points each path command carries (a Z none: it closes onto the M).
POINTS = {"M": 1, "L": 1, "C": 3, "Z": 0}
_TEMPLATES = {c: c + " ".join(["%s"] * (2 * n)) for c, n in POINTS.items()}
_SIZES = np.zeros(128, np.intp)
_SIZES[[ord(c) for c in POINTS]] = list(POINTS.values())
#: Points per cubic Bézier segment when flattening (max. deviation ≪ 0.1 px at vtracer sizes).
CURVE_STEPS = 8
_T = np.linspace(0.0, 1.0, CURVE_STEPS + 1)[1:, None]


def bernstein(t: NDArray[np.float64]) -> NDArray[np.float64]:
    """(n, 4): the weights of a cubic's four points at each ``t`` (n,) (or (n, 1))."""
    t = np.reshape(t, (-1, 1))
    return np.hstack([(1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3])


def command_sizes(commands: str) -> NDArray[np.intp]:
    """How many points each command of ``commands`` carries (``POINTS``)."""
    return _SIZES[np.frombuffer(commands.encode("ascii"), dtype=np.uint8)]


_BERNSTEIN = bernstein(_T)


@dataclass(frozen=True, eq=False)
class PathGeometry:
    """Absolute path data: ``commands`` one letter per command (M, L, C, Z) and ``points``
    float64 (n, 2) (x, y), the commands' points in order (C: control 1, control 2, end)."""

    commands: str
    points: NDArray[np.float64]


@dataclass(eq=False)
class Shape:
    """A filled path of one palette colour, in working-image units, in paint order."""

    color: str
    path: PathGeometry
    #: The path as traced, where ``runs`` snapped it: the fallback if its outset is not simple.
    unsnapped: PathGeometry | None = None

    @cached_property
    def polygon(self) -> BaseGeometry:
        return shape_polygon(self.path)

    @property
    def area(self) -> float:
        return float(self.polygon.area)


@dataclass(frozen=True)
class CleanupReport:
    paths_before: int
    duplicates_removed: int
    covered_removed: int
    small_removed: int


def parse_path(data: str, dx: float = 0.0, dy: float = 0.0, scale: float = 1.0) -> PathGeometry:
    """Path data → absolute geometry; each point becomes ((x + dx) / scale, (y + dy) / scale).

    Raises StageFailed for commands other than M, L, C, Z (vtracer emits no others) or a
    wrong count of coordinates.
    """
    commands = "".join(_COMMAND.findall(data))
    unknown = set(commands) - set(POINTS)
    if unknown:
        raise StageFailed(
            f"unexpected path command(s) {sorted(unknown)} in traced path data; "
            "only M, L, C and Z are supported"
        )
    numbers = np.array(_NUMBER.findall(data), dtype=np.float64)
    expected = 2 * sum(POINTS[c] for c in commands)
    if len(numbers) != expected or (commands and commands[0] != "M"):
        raise StageFailed(
            f"malformed path data ({len(numbers)} numbers for {expected}): {data[:60]!r}"
        )
    points = (numbers.reshape(-1, 2) + np.array([dx, dy])) / scale
    return PathGeometry(commands, points)


def format_path(path: PathGeometry, precision: int) -> str:
    """Geometry → compact absolute path data with ``precision`` decimals."""
    template = "".join(_TEMPLATES[command] for command in path.commands)
    return template % tuple(format_numbers(path.points.ravel().tolist(), precision))


def _rings(path: PathGeometry) -> list[NDArray[np.float64]]:
    """Flattened closed rings (n, 2), one per subpath with at least three points."""
    commands = np.frombuffer(path.commands.encode("ascii"), dtype="S1")
    sizes = command_sizes(path.commands)
    ends = np.cumsum(sizes) - 1  # index of each command's end point (Z: the previous one's)
    counts = np.where(commands == b"C", CURVE_STEPS, np.where(sizes > 0, 1, 0))
    offsets = np.cumsum(counts) - counts
    flat = np.empty((int(counts.sum()), 2))
    single = (commands == b"M") | (commands == b"L")
    flat[offsets[single]] = path.points[ends[single]]
    curves = np.flatnonzero(commands == b"C")
    if curves.size:
        previous = np.where(curves > 0, ends[np.maximum(curves - 1, 0)], 0)
        controls = np.stack(
            [path.points[previous], *(path.points[ends[curves] - k] for k in (2, 1, 0))], axis=1
        )
        steps = np.einsum("sj,kjd->ksd", _BERNSTEIN, controls)
        flat[offsets[curves][:, None] + np.arange(CURVE_STEPS)] = steps
    starts = offsets[commands == b"M"]
    rings = np.split(flat, starts[1:])
    return [ring for ring in rings if len(ring) >= 3]


def flatten_rings(path: PathGeometry) -> list[NDArray[np.float64]]:
    """The path's subpaths as polylines (n, 2), curves flattened; subpaths under 3 points are
    dropped. Exports write these where a format has no curves (DXF polylines)."""
    return _rings(path)


def rings_valid(path: PathGeometry) -> bool:
    """Whether no subpath of ``path`` crosses or touches itself (each a valid polygon)."""
    rings = _rings(path)
    return bool(np.all(shapely.is_valid([shapely.Polygon(ring) for ring in rings])))


def shape_polygon(path: PathGeometry) -> BaseGeometry:
    """The area a path fills, as a valid shapely geometry (even-odd rule over its subpaths)."""
    geometry: BaseGeometry = shapely.Polygon()
    for ring in _rings(path):
        part = shapely.make_valid(shapely.Polygon(ring))
        geometry = shapely.symmetric_difference(geometry, part)
    return geometry


def _tolerance(area: float) -> float:
    """px² of difference still counted as 'the same' (flattening and rounding noise)."""
    return max(0.5, 0.002 * area)


def _covers(upper: Shape, lower: Shape) -> bool:
    tolerance = _tolerance(lower.area)
    if upper.area < lower.area - tolerance:
        return False
    return bool(shapely.difference(lower.polygon, upper.polygon).area <= tolerance)


def _is_duplicate(first: Shape, second: Shape) -> bool:
    difference = shapely.symmetric_difference(first.polygon, second.polygon).area
    return bool(difference <= _tolerance(max(first.area, second.area)))


def _nothing_between(shapes: list[Shape], kept: list[bool], low: int, high: int) -> bool:
    """No other-colour shape painted between ``low`` and ``high`` overlaps shape ``high``."""
    target = shapes[high]
    for index in range(low + 1, high):
        other = shapes[index]
        if kept[index] and other.color != target.color:
            overlap = shapely.intersection(target.polygon, other.polygon).area
            if overlap > _tolerance(target.area):
                return False
    return True


def _redundant(shapes: list[Shape], kept: list[bool], index: int, tree: STRtree) -> Shape | None:
    """A kept same-colour shape that makes ``shapes[index]`` unnecessary, or None.

    A shape under a same-colour shape that covers it is hidden. A shape over a same-colour
    shape that covers it may go only if nothing of another colour is painted between them.
    Either way the fills render the same (a removed stroke only ever separated a colour from
    itself).
    """
    shape = shapes[index]
    for other in sorted(int(i) for i in tree.query(shape.polygon)):
        if other == index or not kept[other] or shapes[other].color != shape.color:
            continue
        if not _covers(shapes[other], shape):
            continue
        if other > index or _nothing_between(shapes, kept, other, index):
            return shapes[other]
    return None


def clean_shapes(shapes: list[Shape], min_area: float) -> tuple[list[Shape], CleanupReport]:
    """Remove paths under ``min_area`` (px²), duplicates and same-colour paths fully covered by
    another, keeping the paint order. ``shapes`` are in paint order (first = bottom)."""
    kept = [True] * len(shapes)
    small = 0
    for index, shape in enumerate(shapes):
        if shape.area < min_area:
            kept[index] = False
            small += 1
    tree = STRtree([shape.polygon for shape in shapes])
    duplicates = covered = 0
    for index, shape in enumerate(shapes):
        if not kept[index]:
            continue
        cover = _redundant(shapes, kept, index, tree)
        if cover is not None:
            kept[index] = False
            if _is_duplicate(shape, cover):
                duplicates += 1
            else:
                covered += 1
    report = CleanupReport(len(shapes), duplicates, covered, small)
    return [shape for shape, keep in zip(shapes, kept, strict=True) if keep], report


def split_cubics(
    cubics: NDArray[np.float64], low: NDArray[np.float64], high: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Cubics (k, 4, 2) as three cubics each (k, 3, 4, 2) drawing the same curve, split at
    ``low`` and ``high`` (0 ≤ low ≤ high ≤ 1, low < 1; a piece of no length, where they
    are equal or at an end, is a point the caller leaves out)."""
    left, rest = de_casteljau(cubics, low)
    middle, right = de_casteljau(rest, (high - low) / (1 - low))
    return np.stack([left, middle, right], axis=1)


def replace_cubics(
    path: PathGeometry, pieces: dict[int, list[NDArray[np.float64]]]
) -> PathGeometry:
    """``path`` with the cubic or line of each command index in ``pieces`` replaced by its
    pieces (each (4, 2), a cubic; a line's pieces are lines, their ends taken)."""
    if not pieces:
        return path
    commands: list[str] = []
    points: list[NDArray[np.float64]] = []
    at = 0
    for index, command in enumerate(path.commands):
        size = POINTS[command]
        split = pieces.get(index)
        if split is not None:
            commands += [command] * len(split)
            points += [piece[3:] if command == "L" else piece[1:] for piece in split]
        else:
            commands.append(command)
            points.append(path.points[at : at + size])
        at += size
    return PathGeometry("".join(commands), np.vstack(points))


def de_casteljau(
    cubics: NDArray[np.float64], t: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cubics (k, 4, 2) split at ``t`` (k,) into two cubics each that draw the same curve."""
    t = t[:, None, None]
    a, b, c = np.moveaxis(cubics[:, :-1] * (1 - t) + cubics[:, 1:] * t, 1, 0)
    t = t[:, 0]
    d, e = a * (1 - t) + b * t, b * (1 - t) + c * t
    f = d * (1 - t) + e * t
    start, end = cubics[:, 0], cubics[:, 3]
    return np.stack([start, a, d, f], axis=1), np.stack([f, e, c, end], axis=1)


def node_owners(commands: str) -> tuple[NDArray[np.bool_], NDArray[np.intp]]:
    """Per point of a path: whether it is on the curve (M and L points, each C's end), and the
    index of the on-curve point it moves with (a node itself; a curve's first control with
    the node it leaves, its second control with the node it reaches)."""
    letters = np.frombuffer(commands.encode("ascii"), dtype="S1")
    sizes = command_sizes(commands)
    ends = np.cumsum(sizes) - 1  # each command's last point (Z: the one before it)
    owner = np.arange(int(sizes.sum()), dtype=np.intp)
    is_node = np.zeros(len(owner), dtype=bool)
    is_node[ends[sizes > 0]] = True
    curves = np.flatnonzero(letters == b"C")
    previous = np.where(curves > 0, ends[np.maximum(curves - 1, 0)], ends[curves])
    owner[ends[curves] - 2] = previous
    owner[ends[curves] - 1] = ends[curves]
    return is_node, owner
