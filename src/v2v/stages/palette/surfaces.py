"""The flat regions of a styled image, and the palette colour of each styled colour.

Phase II leaves the vehicle as flat regions. Here each 4-connected run of one colour is a
region with a CIELAB colour, an area and the border it shares with each neighbour;
:func:`v2v.stages.palette.materials.choose_colors` picks a palette colour per region, and each
styled colour takes the choice that covers most of its pixels. The result is a table
(styled colour → palette index) that phase III applies over its per-pixel ΔE00 mapping, so it
works on the working-size and the upscaled image alike (colours that upscaling blends at
boundaries keep their per-pixel mapping). Styled images with more than ``max_colors``
distinct vehicle colours (phase II off, or a generative backend) are not flat regions: they
are mapped per pixel.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from v2v.color.ciede2000 import pack_rgb, rgb_to_lab, unpack_rgb
from v2v.color.palette import Palette
from v2v.config import MaterialsConfig
from v2v.stages.palette.materials import choose_colors

#: Above this many regions per distinct colour on average, the image is texture, not regions.
MAX_REGIONS_PER_COLOR = 4

Table = tuple[NDArray[np.int32], NDArray[np.int16]]


def regions(
    pixels: NDArray[np.uint8], mask: NDArray[np.bool_], max_colors: int
) -> tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]] | None:
    """The regions of the vehicle: distinct colours (packed 0xRRGGBB, (c,), sorted), each
    region's colour index (k,), area (k,) in pixels, and shared borders (m, 3): first,
    second, length in 4-neighbour pixel pairs. None above ``max_colors`` distinct colours."""
    from skimage.measure import label as label_components  # lazy: keeps `import v2v` fast

    colors, inverse = np.unique(pack_rgb(pixels)[mask], return_inverse=True)
    if len(colors) > max_colors:
        return None
    ids = np.full(mask.shape, -1, dtype=np.int64)
    ids[mask] = inverse.reshape(-1)
    found, count = label_components(ids, background=-1, connectivity=1, return_num=True)
    if count > MAX_REGIONS_PER_COLOR * max_colors:
        return None
    owners = found.astype(np.int64) - 1
    color_of = np.zeros(count, dtype=np.int64)
    color_of[owners[mask]] = ids[mask]
    keys = []
    for first, second in ((owners[:, :-1], owners[:, 1:]), (owners[:-1, :], owners[1:, :])):
        touching = (first != second) & (first >= 0) & (second >= 0)
        low = np.minimum(first[touching], second[touching])
        high = np.maximum(first[touching], second[touching])
        keys.append(low * count + high)
    pairs, lengths = np.unique(np.concatenate(keys), return_counts=True)
    borders = np.stack([pairs // count, pairs % count, lengths], axis=1).astype(np.int64)
    areas = np.bincount(owners[mask], minlength=count).astype(np.int64)
    return colors.astype(np.int32), color_of, areas, borders


def material_table(
    pixels: NDArray[np.uint8],
    mask: NDArray[np.bool_],
    palette: Palette,
    config: MaterialsConfig,
) -> Table | None:
    """The palette index chosen for each distinct vehicle colour of the styled ``pixels``
    (RGB uint8 (H, W, 3)) under ``mask`` (bool (H, W)): (packed colours (c,), indices (c,)),
    or None when the image is not flat regions (see the module docstring)."""
    found = regions(pixels, mask, config.max_colors)
    if found is None:
        return None
    colors, color_of, areas, borders = found
    lab = rgb_to_lab(unpack_rgb(colors)).astype(np.float64)[color_of]
    choice = choose_colors(lab, areas, borders, palette.lab, config)
    votes = np.bincount(
        color_of * len(palette) + choice, weights=areas, minlength=len(colors) * len(palette)
    )
    indices = np.argmax(votes.reshape(len(colors), len(palette)), axis=1)
    return colors, indices.astype(np.int16)


def apply_table(
    labels: NDArray[np.int16], pixels: NDArray[np.uint8], table: Table
) -> NDArray[np.int16]:
    """``labels`` (H, W) with every vehicle pixel whose colour is in ``table`` set to that
    colour's palette index (colours not in it, e.g. blends made by upscaling, keep theirs)."""
    colors, indices = table
    packed = pack_rgb(pixels)
    position = np.clip(np.searchsorted(colors, packed), 0, len(colors) - 1)
    known = (colors[position] == packed) & (labels >= 0)
    out = labels.copy()
    out[known] = indices[position[known]]
    return out
