"""Is a box labelled bicycle an open frame? Phase I's subject ranking asks it.

A bicycle is an open frame: the salient pixels (U²-Net-p at the coarse look, probability ≥ 0.5)
inside a bicycle's box fill at most about three quarters of their convex hull (devset's lowrider
bicycles and tricycles 0.45-0.73; their true masks 0.39-0.53). A painted basketball court that
the detector scored 0.95 "bicycle" fills 0.92 of its hull; solid vehicles labelled bicycle (a
tank) 0.74 and more. ``solid_bicycles`` names the boxes to rank after the open ones.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Box
from v2v.stages.sanitize.detector import PEDAL, Detection

OPEN_FRAME = 0.85  # salient pixels filling more of their hull than this are a solid patch
SALIENT = 0.5  # salient probability that counts as the object (the mask's threshold)
FRAME_MIN_FILL = 0.1  # a box whose salient pixels cover less of it holds nothing to judge


def solid_bicycles(
    vehicles: list[Detection], salient: NDArray[np.float32] | None, open_frame: float
) -> set[int]:
    """The ids of the bicycle boxes whose salient pixels are a solid patch (``solidity`` above
    ``open_frame``), when another bicycle box's salient pixels are open; else none."""
    if salient is None:
        return set()
    shares = {id(d): solidity(d.box, salient) for d in vehicles if d.label in PEDAL}
    solid = {key for key, share in shares.items() if share is not None and share > open_frame}
    if not any(share is not None and share <= open_frame for share in shares.values()):
        return set()
    return solid


def solidity(box: Box, salient: NDArray[np.float32]) -> float | None:
    """The share of the convex hull of the salient pixels (``salient`` ≥ SALIENT) inside
    ``box`` that they fill; None when they cover under FRAME_MIN_FILL of the box."""
    inside = (salient[box.y0 : box.y1, box.x0 : box.x1] >= SALIENT).astype(np.uint8)
    count = int(inside.sum())
    if inside.size == 0 or count < FRAME_MIN_FILL * inside.size:
        return None
    hull = cv2.convexHull(cv2.findNonZero(inside))
    return count / max(1.0, float(cv2.contourArea(hull)))
