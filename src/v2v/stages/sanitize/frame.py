"""Is a box labelled bicycle an open frame? Phase I's subject ranking asks it.

A bicycle is an open frame: the salient pixels (U²-Net-p at the coarse look, probability ≥ 0.5)
inside a bicycle's box fill at most about three quarters of their convex hull (devset's lowrider
bicycles and tricycles 0.45-0.73; their true masks 0.39-0.53). A painted basketball court that
the detector scored 0.95 "bicycle" fills 0.92 of its hull; solid vehicles labelled bicycle (a
tank) 0.74 and more. ``solid_bicycles`` names the boxes to rank after the open ones.

The other way round, a motor vehicle's box can be the scene: NanoDet scored a flower bed and
the wall behind it 0.47 "train" (0.89 of the picture) and boxed only the lower half of the
tricycle standing in front of it. The salient object found in such a box fills a small part of
it; when a bicycle box lies inside that object and covers much of it, the object is that
bicycle (``bicycle_in_scene``), and phase I masks it as one (GrabCut, thin parts) in the
object's bounding box, which holds the handlebars and saddle its own box cut off.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Box, RGBImage
from v2v.config import Phase1Config
from v2v.stages.sanitize.detector import PEDAL, Detection
from v2v.stages.sanitize.mask import VehicleMask, vehicle_mask

if TYPE_CHECKING:  # subject.py ranks with this module's solid_bicycles
    from v2v.stages.sanitize.subject import Subject

OPEN_FRAME = 0.85  # salient pixels filling more of their hull than this are a solid patch
SALIENT = 0.5  # salient probability that counts as the object (the mask's threshold)
FRAME_MIN_FILL = 0.1  # a box whose salient pixels cover less of it holds nothing to judge
SCENE_SHARE = 0.5  # a mask whose bounding box fills less of the motor vehicle's box ...
BICYCLE_COVER = 0.4  # ... and a bicycle box (inside it) covering this much of it: a bicycle
BICYCLE_INSIDE = 0.8  # share of the bicycle's box that must lie inside the mask's bounding box


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


def bicycle_in_scene(
    mask: NDArray[np.bool_],
    box: Box,
    detections: list[Detection],
    scene_share: float = SCENE_SHARE,
) -> tuple[Detection, Box] | None:
    """The bicycle that the ``mask`` (bool (H, W)) found in a motor vehicle's ``box`` is, and
    the mask's bounding box; None unless that bounding box fills under ``scene_share`` of
    ``box`` and a bicycle box lies (BICYCLE_INSIDE) inside it, covering at least BICYCLE_COVER
    of it (the best-scoring such bicycle)."""
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return None
    found = Box(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    if found.area >= scene_share * box.area:
        return None
    inside = [
        d
        for d in detections
        if d.label in PEDAL
        and d.box.overlap(found) >= BICYCLE_INSIDE * d.box.area
        and d.box.overlap(found) >= BICYCLE_COVER * found.area
    ]
    if not inside:
        return None
    return max(inside, key=lambda d: d.score), found


def scene_bicycle(
    rgb: RGBImage,
    subject: Subject,
    detections: list[Detection],
    vehicle: VehicleMask,
    coarse: NDArray[np.float32] | None,
    config: Phase1Config,
) -> tuple[Subject, VehicleMask]:
    """The subject and its mask, or, when the motor vehicle's box was the scene and the
    object found in it is a bicycle (``bicycle_in_scene``), that bicycle masked as one in the
    found object's box (not when the user chose the subject). With
    ``vehicle_mask.colour_guide`` the question is asked of the grey-guided look only (a
    bicycle's own mask is grey-guided), so the key never changes which subject is drawn."""
    settings = config.detector
    chosen = subject.detection
    if settings.subject is not None or chosen is None or chosen.label in PEDAL:
        return subject, vehicle
    motor = subject.box or chosen.box
    look = vehicle.mask
    if config.vehicle_mask.colour_guide:  # decided on the grey-guided look alone, as without
        grey = config.vehicle_mask.model_copy(update={"colour_guide": False})  # the key
        look = vehicle_mask(
            rgb, grey, subject=motor, reach=settings.margin, coarse=coarse, kind=chosen.label
        ).mask
    found = bicycle_in_scene(look, motor, detections, settings.scene_share)
    if found is None:
        return subject, vehicle
    bicycle, box = found
    vehicle = vehicle_mask(
        rgb, config.vehicle_mask, subject=box, reach=settings.margin, thin=True, coarse=coarse
    )
    why = (
        f"the {chosen.label} box (score {chosen.score:.2f}) was mostly scene: the object "
        f"found in it is the {bicycle.label} (score {bicycle.score:.2f}) it holds"
    )
    rank = subject.ranked.index(bicycle) + 1
    return replace(subject, box=box, rank=rank, reason=why), vehicle
