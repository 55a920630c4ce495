"""Mask geometry that stages, QA and benchmarks share (no imports from the pipeline or QA)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def fill_holes(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """``mask`` (bool (H, W)) with every background region that does not reach the image border
    filled: the same pixels as ``scipy.ndimage.binary_fill_holes`` (4-connected background), by
    one flood fill from outside the image instead of scipy's repeated dilations."""
    import cv2

    padded = np.pad(mask.astype(np.uint8), 1)
    flood = np.zeros((padded.shape[0] + 2, padded.shape[1] + 2), np.uint8)
    cv2.floodFill(padded, flood, (0, 0), 2)
    return np.asarray(padded[1:-1, 1:-1] != 2)


def fill_holes_in_box(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """:func:`fill_holes`, filled within the mask's bounding box only (the same pixels: a
    background region that reaches the box's edge reaches the image border around it), for a
    small patch of a large image."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    filled = np.zeros_like(mask, dtype=bool)
    if rows.size:
        box = np.s_[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        filled[box] = fill_holes(mask[box])
    return filled


def silhouette_iou(expected: NDArray[np.bool_], actual: NDArray[np.bool_]) -> float:
    """Intersection over union of two bool (H, W) masks; 1.0 when both are empty."""
    if expected.shape != actual.shape:
        raise ValueError(f"mask shapes differ: {expected.shape} vs {actual.shape}")
    union = np.logical_or(expected, actual).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(expected, actual).sum() / union)
