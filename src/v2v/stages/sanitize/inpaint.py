"""Classical inpainting of the removed regions, and the detail-loss figure of phase I."""

from __future__ import annotations

import cv2
import numpy as np
from skimage.metrics import structural_similarity

from v2v.artefacts import Box, Mask, RGBImage
from v2v.config import InpaintConfig

_METHODS = {"telea": cv2.INPAINT_TELEA, "navier-stokes": cv2.INPAINT_NS}
SSIM_WINDOW = 7


def dilate(mask: Mask, size: int) -> Mask:
    """``mask`` (bool (H, W)) grown by an elliptical kernel of ``size`` px (0 or 1: unchanged).

    Inpainting needs a margin: the anti-aliased rim of letters would otherwise stay as ghosts.
    """
    if size <= 1 or not mask.any():
        return mask.copy()
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return np.asarray(cv2.dilate(mask.astype(np.uint8), kernel) > 0)


def inpaint(rgb: RGBImage, region: Mask, config: InpaintConfig) -> RGBImage:
    """``rgb`` (uint8 (H, W, 3)) with the pixels of ``region`` (bool (H, W)) filled in from
    their surroundings (Telea's fast marching or Navier–Stokes, ``config.radius`` px).

    Only the area around the region is processed, so the cost follows the region's size.
    """
    out = rgb.copy()
    if not region.any():
        return out
    margin = 2 * config.radius + 2
    box = _around(region, margin)
    crop = np.ascontiguousarray(rgb[box.y0 : box.y1, box.x0 : box.x1])
    hole = region[box.y0 : box.y1, box.x0 : box.x1].astype(np.uint8)
    filled = cv2.inpaint(crop, hole, float(config.radius), _METHODS[config.method])
    out[box.y0 : box.y1, box.x0 : box.x1] = filled
    return out


def detail_loss(before: RGBImage, after: RGBImage, vehicle: Mask) -> float:
    """1 − SSIM between the grey vehicle before and after, over the vehicle's bounding box.

    0 = unchanged, 1 = nothing alike. SSIM uses 7 × 7 windows (scikit-image); windows whose
    pixels did not change score exactly 1, so only the changed area and its 3-px rim are
    measured and averaged over the whole box: the figure says how much of the *vehicle*
    changed, not how much of the removed patch.
    """
    changed = np.any(before != after, axis=2)
    if not changed.any() or not vehicle.any():
        return 0.0
    vehicle_box = _around(vehicle, 0)
    inside = np.zeros_like(changed)
    window = (slice(vehicle_box.y0, vehicle_box.y1), slice(vehicle_box.x0, vehicle_box.x1))
    inside[window] = changed[window]
    if not inside.any():
        return 0.0
    near = _around(inside, SSIM_WINDOW, vehicle_box)
    if near.x1 - near.x0 < SSIM_WINDOW or near.y1 - near.y0 < SSIM_WINDOW:
        near = vehicle_box
    grey_before = cv2.cvtColor(before[near.y0 : near.y1, near.x0 : near.x1], cv2.COLOR_RGB2GRAY)
    grey_after = cv2.cvtColor(after[near.y0 : near.y1, near.x0 : near.x1], cv2.COLOR_RGB2GRAY)
    if min(grey_before.shape) < SSIM_WINDOW:
        return float(np.mean(grey_before != grey_after))
    similarity = structural_similarity(
        grey_before, grey_after, data_range=255, win_size=SSIM_WINDOW
    )
    near_area = (near.x1 - near.x0) * (near.y1 - near.y0)
    box_area = (vehicle_box.x1 - vehicle_box.x0) * (vehicle_box.y1 - vehicle_box.y0)
    return float(np.clip((1.0 - similarity) * near_area / max(box_area, 1), 0.0, 1.0))


def _around(mask: Mask, margin: int, within: Box | None = None) -> Box:
    """Bounding box of ``mask`` grown by ``margin`` px, clipped to ``within`` (or the image)."""
    ys, xs = np.nonzero(mask)
    limit = within or Box(0, 0, mask.shape[1], mask.shape[0])
    return Box(
        max(limit.x0, int(xs.min()) - margin),
        max(limit.y0, int(ys.min()) - margin),
        min(limit.x1, int(xs.max()) + 1 + margin),
        min(limit.y1, int(ys.max()) + 1 + margin),
    )
