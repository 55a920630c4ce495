"""Label-map preparation for tracing: palette labels, small-region merging, layer masks.

Why layer masks overlap: grouping shapes by colour fixes the paint order to one layer per
colour (the document order of the ``<g>`` layers, largest colour at the bottom). Each colour's
mask is its own pixels, plus a thin band (``underlap`` px) under the neighbouring colours
painted *above* it, plus the holes that only colours painted above fill (vtracer's "stacked"
idea: a body under its windows). Painted in order, every visible boundary is the exact outline
of the upper colour, and nothing can show the background through: abutting shapes (vtracer's
cutout mode, or one mask per colour) each cover only part of a boundary pixel and leave
anti-aliasing seams, and curve fitting rounds sharp corners of holes by more than a pixel.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from skimage import measure

from v2v.color.palette import Palette
from v2v.errors import InputError

Labels = NDArray[np.int16]
#: rgba pixels with alpha below this are background.
ALPHA_THRESHOLD = 128
#: A label value no pixel has: every region, background included, is labelled.
_NO_BACKGROUND = -2
#: Small regions take their labels from within this many px (see ``_nearest_outside``).
NEAREST_WINDOW = 32


def labels_from_rgba(rgba: NDArray[np.uint8], palette: Palette) -> tuple[Labels, int]:
    """RGBA uint8 (H, W, 4) → (palette indices int16 (H, W), -1 = background; re-snapped).

    Pixels whose colour is exactly a palette colour keep it; any other colour (phase III
    switched off, or an upscaler's in-between colours) takes its CIEDE2000-nearest palette
    colour. ``re-snapped`` counts those pixels.
    """
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise InputError(
            f"phase IV needs an RGBA uint8 image (H, W, 4), got {rgba.dtype} {rgba.shape}; "
            "pass PalettedImage.to_rgba() or the styled pixels with the mask as alpha"
        )
    opaque = rgba[..., 3] >= ALPHA_THRESHOLD
    rgb = rgba[..., :3][opaque]
    packed = (rgb[:, 0].astype(np.int32) << 16) | (rgb[:, 1].astype(np.int32) << 8) | rgb[:, 2]
    palette_rgb = palette.rgb.astype(np.int32)
    palette_packed = (palette_rgb[:, 0] << 16) | (palette_rgb[:, 1] << 8) | palette_rgb[:, 2]
    order = np.argsort(palette_packed)
    position = np.clip(np.searchsorted(palette_packed[order], packed), 0, len(order) - 1)
    exact = palette_packed[order][position] == packed
    indices = order[position].astype(np.int16)
    if not exact.all():
        from v2v.color.ciede2000 import map_pixels_to_palette

        indices[~exact], _ = map_pixels_to_palette(rgb[~exact], palette)
    labels = np.full(rgba.shape[:2], -1, dtype=np.int16)
    labels[opaque] = indices
    return labels, int((~exact).sum())


def merge_small_regions(labels: Labels, min_area: float) -> tuple[Labels, int]:
    """Give every 4-connected region under ``min_area`` px (of any colour, background
    included) the label of the nearest pixel outside it. Returns (labels, regions merged).

    This is the label-space half of "no path below the minimum area": the pixels of a region
    too small to become a path go to its surroundings, so no hole is left where it was.
    """
    regions = measure.label(labels, background=_NO_BACKGROUND, connectivity=1)
    sizes = np.bincount(regions.ravel())
    tiny = sizes < min_area
    tiny[0] = False
    small = tiny[regions]
    merged = int(tiny.sum())
    if not small.any() or small.all():
        return labels, 0
    rows, cols = _nearest_outside(small)
    out: Labels = labels.copy()
    out[small] = labels[rows, cols]
    return out, merged


def _nearest_outside(small: NDArray[np.bool_]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Image rows and columns of the pixel outside ``small`` nearest to each pixel of it (in
    ``small``'s row-major order): scipy's Euclidean feature transform, run only on the small
    pixels' bounding box grown by NEAREST_WINDOW px (they are a few dozen pixels of a 1024 px
    image). The same pixels as the whole image's transform: a pixel beyond the grown box is
    never the nearest, nor as near as the nearest (the pixel just outside the box on the same
    row or column is nearer), and scipy breaks ties among the nearest the same way
    (``tests/test_fast_paths.py``)."""
    ys, xs = np.nonzero(small)
    height, width = small.shape
    y0, x0 = max(0, int(ys.min()) - NEAREST_WINDOW), max(0, int(xs.min()) - NEAREST_WINDOW)
    y1 = min(height, int(ys.max()) + NEAREST_WINDOW + 1)
    x1 = min(width, int(xs.max()) + NEAREST_WINDOW + 1)
    window = small[y0:y1, x0:x1]
    _, (rows, cols) = ndimage.distance_transform_edt(window, return_indices=True)
    return rows[window] + y0, cols[window] + x0


def stacking_order(labels: Labels, palette_size: int) -> list[int]:
    """Palette indices present in ``labels``, in paint order: largest area first (bottom).

    The largest colour is usually the body paint; painting it first keeps the small parts
    (windows, wheels, lights) as upper layers, whose outlines are the visible boundaries.
    """
    counts = np.bincount(labels[labels >= 0].ravel(), minlength=palette_size)
    present = [int(i) for i in np.flatnonzero(counts)]
    return sorted(present, key=lambda index: (-int(counts[index]), index))


def layer_mask(
    labels: Labels, rank: NDArray[np.int16], index: int, underlap: int, fill_enclosed: bool = True
) -> tuple[NDArray[np.bool_], tuple[int, int]]:
    """The mask of palette ``index``'s layer: its pixels, plus ``underlap`` px under the
    colours painted above it (``rank`` int16 (H, W): paint position of each pixel's colour,
    -1 background), plus (``fill_enclosed``) the holes that only colours painted above fill
    (a body under its windows), as vtracer's stacked mode does: fewer, smoother shapes, and no
    gap where curve fitting rounds a sharp corner of a hole by more than the underlap.

    Returns (bool mask of a window of the image, (x0, y0) of the window): the window is the
    colour's bounding box grown by ``underlap`` + 1 px, so work stays proportional to the
    colour's size.
    """
    rows = np.flatnonzero((labels == index).any(axis=1))
    if rows.size == 0:
        return np.zeros((0, 0), dtype=bool), (0, 0)
    cols = np.flatnonzero((labels[rows[0] : rows[-1] + 1] == index).any(axis=0))
    margin = underlap + 1
    y0, x0 = max(0, int(rows[0]) - margin), max(0, int(cols[0]) - margin)
    y1 = min(labels.shape[0], int(rows[-1]) + margin + 1)
    x1 = min(labels.shape[1], int(cols[-1]) + margin + 1)
    own = labels[y0:y1, x0:x1] == index
    window_rank = rank[y0:y1, x0:x1]
    above = window_rank > window_rank[own][0]
    mask = own
    if underlap > 0:
        size = 2 * underlap + 1
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        mask = own | ((cv2.dilate(own.astype(np.uint8), kernel) > 0) & above)
    if fill_enclosed:
        mask = mask | _enclosed(mask, above)
    return mask, (x0, y0)


def _enclosed(mask: NDArray[np.bool_], allowed: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Bool (h, w): holes of ``mask`` (4-connected regions not reaching the window's border)
    made only of ``allowed`` pixels. The window has a margin, so an open region reaches it."""
    count, holes = cv2.connectedComponents((~mask).astype(np.uint8), connectivity=4)
    border = np.concatenate([holes[0], holes[-1], holes[:, 0], holes[:, -1]])
    blocked = np.zeros(count, dtype=bool)
    blocked[holes[~allowed & ~mask]] = True
    blocked[border] = True
    blocked[0] = True  # label 0 is the mask itself
    out: NDArray[np.bool_] = ~blocked[holes]
    return out


def rank_map(labels: Labels, order: list[int], palette_size: int) -> NDArray[np.int16]:
    """int16 (H, W): each pixel's position in ``order`` (paint order), -1 on background."""
    lookup = np.full(palette_size + 1, -1, dtype=np.int16)
    for position, index in enumerate(order):
        lookup[index] = position
    ranks: NDArray[np.int16] = lookup[labels]  # label -1 reads the trailing -1 entry
    return ranks
