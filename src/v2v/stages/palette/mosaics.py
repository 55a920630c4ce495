"""Chrome, grilles and engines drawn in few colours (step 4 of :mod:`v2v.stages.palette.materials`).

A connected mosaic of at least three small neutral pieces (each under ``mosaic_max_piece`` of the
vehicle, chroma under ``neutral_chroma``) keeps at most ``mosaic_colors`` palette colours, those
covering most of it; the other pieces take the ΔE00-nearer of them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from v2v.color.ciede2000 import delta_e_2000
from v2v.color.lch import chroma_of
from v2v.config import MaterialsConfig

FloatArray = NDArray[np.float64]


def neutral_mosaics(
    lab: FloatArray, areas: NDArray[np.int64], borders: NDArray[np.int64], config: MaterialsConfig
) -> list[NDArray[np.int64]]:
    """Connected groups (≥ 3 pieces) of small neutral regions: each under ``neutral_chroma``
    and under ``mosaic_max_piece`` of the vehicle (a tyre or a white cab stays out).
    ``borders``: (m, 3) [first, second, length]."""
    count = len(lab)
    small = (chroma_of(lab) < config.neutral_chroma) & (
        areas < config.mosaic_max_piece * float(areas.sum())
    )
    first, second = borders[:, 0], borders[:, 1]
    both = small[first] & small[second]
    links = coo_matrix(
        (np.ones(int(both.sum())), (first[both], second[both])), shape=(count, count)
    )
    _, component = connected_components(links, directed=False)
    groups = [np.flatnonzero(small & (component == c)) for c in np.unique(component[small])]
    return [group for group in groups if len(group) >= 3]


def calm_mosaics(
    choice: NDArray[np.int64],
    lab: FloatArray,
    areas: NDArray[np.int64],
    borders: NDArray[np.int64],
    palette_lab: FloatArray,
    config: MaterialsConfig,
) -> None:
    """A mosaic of small neutral pieces keeps at most ``mosaic_colors`` palette colours (those
    covering most of it); the other pieces take the nearer of them. Changes ``choice`` (palette
    index per region) in place."""
    for group in neutral_mosaics(lab, areas, borders, config):
        used = np.bincount(choice[group], weights=areas[group], minlength=len(palette_lab))
        if np.count_nonzero(used) <= config.mosaic_colors:
            continue
        kept = np.argsort(-used, kind="stable")[: config.mosaic_colors]
        distance = delta_e_2000(lab[group][:, None, :], palette_lab[kept][None, :, :])
        choice[group] = kept[np.argmin(distance, axis=1)]
