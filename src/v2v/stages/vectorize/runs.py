"""Traced outlines put back onto the label map's straight runs (``phase4.vtracer.snap_runs``).

vtracer drops each concave corner next to a one-pixel segment (visioncortex
``PathSimplify::remove_staircase``), then smooths what is left. So a dent one pixel deep (a
run between two one-pixel steps outwards) is bridged from one step's outer corner to the
other's, a row of pixels drawn outside the mask, and a long run that ends in rounded corners
sags with them (the tugboat on the wave: its hull's bottom edge drawn 1.2 px low).

:class:`RunSnapper` moves every on-curve node that lies over a run, outside it by
``TOLERANCE`` to ``REACH`` px, onto the run's edge, its control points with it; a cubic or a
line (polygon mode) that crosses a run with no node over it is split first where it begins
and ends to lie over it. Of the runs of several sides that take a node, the nearest wins; a
node with another part's edge facing the run within ``REACH`` (a gap of two or three pixels)
stays: whose it is, is unsure. A run counts when it is ``min_length`` px long or more and
neither end is a staircase's step: each end steps outwards (a dent), drops two pixels or more
or meets the window's side (a corner), or drops one pixel to a tread ``STAIRCASE_RATIO``
times shorter (a rounded corner's first step); under ``SHORT_RUNS`` × ``min_length`` both
ends must step outwards (one end out and one down is a noisy slope's tread), and under twice
that a run climbing a one-pixel riser at one end only (a slope's tread) stays too. A run's end
pixels keep their nodes (the outline steps there); the row beyond the run must be outside
too, so a one-pixel gap stays open. The vectorizer snaps only with the outline on (it covers
the seam a snapped edge opens against its unsnapped neighbour) and keeps the traced path
where a snapped one's outset would cross itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from v2v.stages.vectorize.cleanup import (
    PathGeometry,
    bernstein,
    command_sizes,
    node_owners,
    replace_cubics,
    split_cubics,
)
from v2v.stages.vectorize.run_edges import edges, end_ok, find, riser

Mask = NDArray[np.bool_]
#: A node this far (px of the traced map) or less outside a run's edge is snapped onto it.
REACH = 1.5
#: Nodes over a run's first and last pixel keep their place: the outline steps there.
END_MARGIN = 1
#: A point this close (px) outside a run's edge stays: it draws the edge's pixels alike.
TOLERANCE = 0.3
#: Spacing (px) of the points sampled along a curve that crosses a run.
SAMPLE_STEP = 1.0
#: A run shorter than this many times ``min_length`` counts only between two steps outwards.
SHORT_RUNS = 2


class RunSnapper:
    """The straight runs of one traced mask (a window of the image at ``origin`` (x, y)),
    found once for all of the mask's paths; ``min_length`` 0 finds none."""

    def __init__(self, mask: Mask, origin: tuple[int, int], min_length: int) -> None:
        self.origin = np.array(origin, dtype=np.float64)
        self.height, self.width = mask.shape
        self.runs: list[_Runs] = []
        if min_length > 0 and mask.size:
            # each side as the top edges of a flipped or transposed view of the mask; the
            # edges found on the mask itself (contiguous), then put in the view's order
            height, width = mask.shape
            views = (mask, mask[::-1], mask.T, mask.T[::-1])
            for side, view in enumerate(views):
                rows, columns = np.nonzero(edges(mask, side))
                if side == 1:
                    rows = height - 1 - rows
                elif side > 1:
                    rows, columns = (columns if side == 2 else width - 1 - columns), rows
                order = np.lexsort((columns, rows))
                self.runs.append(_Runs(view, min_length, rows[order], columns[order]))

    def snap(self, paths: list[PathGeometry]) -> tuple[list[PathGeometry], int]:
        """``paths`` (image pixels) with their nodes over the runs snapped onto their edges;
        returns (paths, nodes moved). A curve that crosses a run without a node over it (a
        dent bridged by one curve from corner to corner) is split first where it begins
        and ends to lie over the run. All of a mask's paths at once: one lookup."""
        paths = [path for path in paths if path.commands]
        if not any(runs.rows.size for runs in self.runs) or not paths:
            return paths, 0
        paths = self._split(paths)
        sizes = np.array([len(path.points) for path in paths])
        first = np.cumsum(sizes) - sizes
        points = np.vstack([path.points for path in paths])
        structures = [node_owners(path.commands) for path in paths]
        is_node = np.concatenate([flags for flags, _ in structures])
        owner = np.concatenate([own + at for (_, own), at in zip(structures, first, strict=True)])
        nodes = np.flatnonzero(is_node)
        shift = np.zeros_like(points)
        shift[nodes] = self._shift(points[nodes])
        count = int(np.count_nonzero(np.any(shift != 0, axis=1)))
        if count == 0:
            return paths, 0
        moved_points = np.split(points + shift[owner], first[1:])
        out = [PathGeometry(p.commands, q) for p, q in zip(paths, moved_points, strict=True)]
        return out, count

    def _shift(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """(n, 2): how far each point (image pixels) moves to snap onto a run (0: it stays);
        of the runs of several sides that take a point, the nearest."""
        local = points - self.origin
        x, y = local[:, 0], local[:, 1]
        height, width = float(self.height), float(self.width)
        same: Callable[[NDArray[np.float64]], NDArray[np.float64]] = lambda v: v  # noqa: E731
        sides = (  # (u along the run, v across it, v back to x or y, the axis v moves)
            (x, y, same, 1),
            (x, height - y, lambda v: height - v, 1),
            (y, x, same, 0),
            (y, width - x, lambda v: width - v, 0),
        )
        shift = np.zeros_like(local)
        best = np.full(len(local), np.inf)
        for runs, (u, v, back, axis) in zip(self.runs, sides, strict=True):
            move = back(runs.snap(u, v)) - local[:, axis]
            nearer = np.abs(move) < best  # NaN (no run) never is
            best[nearer] = np.abs(move[nearer])
            shift[nearer] = 0.0
            shift[nearer, axis] = move[nearer]
        return shift

    def _split(self, paths: list[PathGeometry]) -> list[PathGeometry]:
        """``paths`` with each cubic or line whose control points (a line's: its thirds) lie
        over a run split where its points over the run begin and end (sampled every
        ``SAMPLE_STEP`` px); a line's pieces stay lines (polygon mode)."""
        joined = "".join(p.commands for p in paths)
        letters = np.frombuffer(joined.encode("ascii"), dtype="S1")
        ends = np.cumsum(command_sizes(joined)) - 1
        curves = np.flatnonzero((letters == b"C") | (letters == b"L"))  # never a first command
        if curves.size == 0:
            return paths
        points = np.vstack([path.points for path in paths])
        last = ends[curves]
        start, end = points[ends[curves - 1]], points[last]
        line = (letters[curves] == b"L")[:, None]
        near = np.where(line, (2 * start + end) / 3, points[np.maximum(last - 2, 0)])
        far = np.where(line, (start + 2 * end) / 3, points[np.maximum(last - 1, 0)])
        cubics = np.stack([start, near, far, end], 1)
        over = np.flatnonzero(np.any(self._shift(cubics[:, 1:3].reshape(-1, 2)) != 0, axis=1))
        over = np.unique(over // 2)
        if over.size == 0:
            return paths
        candidates = cubics[over]
        reach = np.sum(np.hypot(*np.diff(candidates, axis=1).transpose(2, 0, 1)), axis=1)
        counts = np.maximum(4, np.ceil(reach / SAMPLE_STEP).astype(np.intp))
        owner = np.repeat(np.arange(len(over)), counts - 1)
        step = np.arange(len(owner)) - np.repeat(np.cumsum(counts - 1) - (counts - 1), counts - 1)
        t = ((step + 1) / counts[owner])[:, None]
        samples = np.einsum("nj,njd->nd", bernstein(t), candidates[owner])
        both = np.vstack([samples, candidates[:, [0, 3]].reshape(-1, 2)])
        moved = np.any(self._shift(both) != 0, axis=1)
        snaps, ends_snap = moved[: len(samples)], moved[len(samples) :].reshape(-1, 2)
        low = np.full(len(over), np.inf)
        high = np.full(len(over), -np.inf)
        np.minimum.at(low, owner[snaps], t[snaps, 0])
        np.maximum.at(high, owner[snaps], t[snaps, 0])
        # a curve whose end already snaps needs no node there: its control moves with it
        sampled = np.isfinite(low)
        low = np.where(ends_snap[:, 0], 0.0, low)
        high = np.where(ends_snap[:, 1], 1.0, high)
        split = np.flatnonzero(sampled & ((low > 0) | (high < 1)))
        if split.size == 0:
            return paths
        thirds = split_cubics(candidates[split], low[split], high[split])  # (k, 3, 4, 2)
        drawn = np.ptp(thirds, axis=2).max(axis=2) > 1e-9  # (k, 3): a piece of some length
        counts_per_path = [len(path.commands) for path in paths]
        path_of = np.repeat(np.arange(len(paths)), counts_per_path)
        first_command = np.cumsum(counts_per_path) - counts_per_path
        pieces: dict[int, dict[int, list[NDArray[np.float64]]]] = {}
        for k, command in enumerate(curves[over[split]].tolist()):
            number = int(path_of[command])
            kept = [piece for piece, keep in zip(thirds[k], drawn[k], strict=True) if keep]
            pieces.setdefault(number, {})[command - int(first_command[number])] = kept
        return [replace_cubics(path, pieces.get(n, {})) for n, path in enumerate(paths)]


class _Runs:
    """The runs of top-edge pixels (inside, the two pixels above outside) of a mask, row by
    row (sorted by ``keys``: row × stride + first column), and those that count."""

    def __init__(
        self, mask: Mask, min_length: int, rows: NDArray[np.intp], columns: NDArray[np.intp]
    ) -> None:
        """``rows``, ``columns``: the top-edge pixels, row by row, left to right."""
        self.mask = mask
        self.stride = mask.shape[1] + 2
        where = rows * self.stride + columns
        breaks = np.flatnonzero(np.diff(where) != 1) + 1  # where a new run begins
        first = np.insert(breaks, 0, 0)[: where.size]
        last = np.append(breaks, where.size)[: where.size] - 1
        rows, starts, stops = rows[first], columns[first], columns[last] + 1
        self.all_keys, self.all_stops = rows * self.stride + starts, stops
        long = stops - starts >= min_length
        rows, starts, stops = rows[long], starts[long], stops[long]
        if rows.size:
            lengths = stops - starts
            left, dent_left = end_ok(
                mask, rows, starts - 1, lengths, self._tread(rows + 1, starts - 1)
            )
            right, dent_right = end_ok(mask, rows, stops, lengths, self._tread(rows + 1, stops))
            # a short run with one end stepping out is a noisy slope's tread more often than
            # a dent: it needs both ends stepping out; and one that climbs a one-pixel riser
            # at one end only is a slope's tread up to twice as long
            short = lengths < SHORT_RUNS * min_length
            riser_left = dent_left & riser(mask, rows, starts - 1)
            riser_right = dent_right & riser(mask, rows, stops)
            tread = (riser_left & ~dent_right) | (riser_right & ~dent_left)
            tread &= lengths < 2 * SHORT_RUNS * min_length
            keep = left & right & (~short | (dent_left & dent_right)) & ~tread
            rows, starts, stops = rows[keep], starts[keep], stops[keep]
        self.rows, self.starts, self.stops = rows, starts, stops
        self.keys = rows * self.stride + starts

    def _tread(self, rows: NDArray[np.intp], columns: NDArray[np.intp]) -> NDArray[np.intp]:
        """The length of the run of top-edge pixels holding (``rows``, ``columns``), or 0."""
        found = find(self.all_keys, self.all_stops, self.stride, rows, columns)
        out = np.zeros(len(rows), np.intp)
        hit = found >= 0
        out[hit] = self.all_stops[found[hit]] - self.all_keys[found[hit]] % self.stride
        return out

    def snap(self, u: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray[np.float64]:
        """The snapped v of each node (u, v) (NaN: it stays): a node over a counted run (its
        first and last pixel left out), outside its edge (above it) by at most ``REACH``,
        moves onto it, unless an edge facing the other way (another part's, across a gap
        of two pixels or more) lies within ``REACH`` above it: whose the node is, is unsure.
        The edge of a run in row r lies at v = r."""
        out = np.full(len(u), np.nan)
        if self.rows.size == 0:
            return out
        column = np.floor(u).astype(np.intp)
        near = np.floor(v + 0.5).astype(np.intp)  # the edge's own row, or the row above it
        for row in (near + 1, near):
            found = find(self.keys, self.stops, self.stride, row, column)
            safe = np.maximum(found, 0)
            first, stop = self.starts[safe] + END_MARGIN, self.stops[safe] - END_MARGIN
            inner = (found >= 0) & (column >= first) & (column < stop)
            hit = inner & (v < row - TOLERANCE) & (v >= row - REACH) & np.isnan(out)
            hit[hit] &= ~self._facing(column[hit], v[hit], row[hit])
            out[hit] = row[hit]
        return out

    def _facing(
        self, column: NDArray[np.intp], v: NDArray[np.float64], row: NDArray[np.intp]
    ) -> NDArray[np.bool_]:
        """Whether a pixel above the run's two outside rows (its bottom edge facing the
        run) lies within ``REACH`` of each node (``v``, over a run's edge at ``row``)."""
        blocked = np.zeros(len(v), bool)
        for rows_up in range(3, math.ceil(2 * REACH) + 2):
            k = row - rows_up  # its bottom edge at k + 1
            near = (k >= 0) & (k + 1 >= v - REACH)
            blocked[near] |= self.mask[k[near], column[near]]
        return blocked
