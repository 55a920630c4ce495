"""CIELAB colours seen as lightness, chroma and hue (vectorised over leading axes)."""

from __future__ import annotations

from typing import Any, TypeVar

import cv2
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


def hsv_saturation(lab: FloatArray) -> FloatArray:
    """HSV saturation (k,) of CIELAB colours: 1 - min/max of the sRGB channels. Light falling
    off multiplies the channels alike, which keeps it; glare adds white, which lowers it."""
    rgb = cv2.cvtColor(lab.astype(np.float32)[None], cv2.COLOR_LAB2RGB)[0].astype(np.float64)
    high = rgb.max(axis=-1)
    saturation: FloatArray = np.where(high > 0, 1.0 - rgb.min(axis=-1) / np.maximum(high, 1e-9), 0)
    return saturation
