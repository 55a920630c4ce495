"""CIELAB colours seen as lightness, chroma and hue (vectorised over leading axes)."""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
F = TypeVar("F", bound=np.floating[Any])


def chroma_of(lab: NDArray[F]) -> NDArray[F]:
    """CIELAB chroma (colourfulness) of each colour: the length of (a*, b*), in its dtype."""
    return np.hypot(lab[..., 1], lab[..., 2])


def hue_gap(first: FloatArray, second: FloatArray) -> FloatArray:
    """Absolute CIELAB hue-angle differences in degrees (0..180), broadcast."""
    angle = np.degrees(
        np.arctan2(first[..., 2], first[..., 1]) - np.arctan2(second[..., 2], second[..., 1])
    )
    return np.abs((angle + 180.0) % 360.0 - 180.0)
