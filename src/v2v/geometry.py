"""Mask geometry that stages, QA and benchmarks share (no imports from the pipeline or QA)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def silhouette_iou(expected: NDArray[np.bool_], actual: NDArray[np.bool_]) -> float:
    """Intersection over union of two bool (H, W) masks; 1.0 when both are empty."""
    if expected.shape != actual.shape:
        raise ValueError(f"mask shapes differ: {expected.shape} vs {actual.shape}")
    union = np.logical_or(expected, actual).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(expected, actual).sum() / union)
