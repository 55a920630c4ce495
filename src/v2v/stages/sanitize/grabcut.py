"""GrabCut inside a box, for phase I's vehicle mask: when saliency marks almost nothing inside
the hint or detected box, and always for bicycles (thin frames that saliency breaks up)."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Box, Mask, RGBImage
from v2v.errors import StageFailed
from v2v.stages.sanitize.maskops import grow_with_slack, guided_filter, only_inside

SEED_MIN_COVER = 0.01  # GrabCut starts from saliency when it marks this share of the box
SEED_ONE_PIECE = 0.8  # ... in one piece holding this share of what it marks
GRABCUT_SIDE = 640  # GrabCut runs on the box scaled to this long side (thin tubes survive)
GRABCUT_ITERATIONS = 2  # a third changed no composite at 640 px
THIN_SUPPORT = 0.05  # a thin vehicle's GrabCut pixels must lie where saliency gives this much
THIN_AGREE = 0.5  # applied when saliency supports at least this share of GrabCut's vehicle
UPSAMPLE_EPS = 1e-3  # the guided filter's eps when GrabCut's labels grow to the working size


def grabcut_in_box(
    rgb: RGBImage,
    prob: NDArray[np.float32],
    box: Box,
    threshold: float = 0.5,
    guide: int = 0,
) -> Mask:
    """GrabCut with ``box`` as the vehicle's bounds: outside it is background for sure (a
    margin around the box feeds the background colour model), inside it is probably vehicle
    where ``prob`` ≥ ``threshold``, for sure where ``prob`` ≥ 0.9, and probably background
    elsewhere, unless saliency does not see the vehicle whole (then the box alone is the
    prior, see ``_grabcut_seeds``). Runs at GRABCUT_SIDE px for speed; bool (H, W). Its labels
    grow back to the working size by nearest neighbour, or with ``guide`` > 0
    (``vehicle_mask.grabcut_guide``) by a guided filter of that radius (px, working size) with the
    photo's grey as guide: the outline follows the photo's edges instead of the 640 px grid's
    steps (see ``upsampled``)."""
    height, width = rgb.shape[:2]
    out = np.zeros((height, width), bool)
    area = grow_with_slack(box, 0.1, 0.1, width, height)
    crop, scale, small = scaled_crop(rgb, area, GRABCUT_SIDE)
    size = (small.shape[1], small.shape[0])
    local = np.asarray(
        cv2.resize(prob[area.y0 : area.y1, area.x0 : area.x1], size, interpolation=cv2.INTER_AREA),
        np.float32,
    )
    inside = np.zeros(local.shape, bool)
    inside[
        round((box.y0 - area.y0) * scale) : round((box.y1 - area.y0) * scale),
        round((box.x0 - area.x0) * scale) : round((box.x1 - area.x0) * scale),
    ] = True
    if not inside.any():
        return out
    try:
        chosen = grabcut_labels(small, _grabcut_seeds(inside, local, threshold))
    except cv2.error as exc:
        raise StageFailed(f"GrabCut failed inside the hint box {box.as_list()}: {exc}") from exc
    out[area.y0 : area.y1, area.x0 : area.x1] = upsampled(chosen, crop, guide)
    return only_inside(out, box)


def upsampled(labels: NDArray[np.uint8], crop: RGBImage, guide: int) -> Mask:
    """GrabCut's 0/1 ``labels`` grown to ``crop``'s size (RGB, the working size): nearest
    neighbour when ``guide`` is 0 or nothing was shrunk, else linearly and then a guided filter
    of radius ``guide`` (grey ``crop`` as guide, UPSAMPLE_EPS), cut at 0.5. Samples and devset,
    mask IoU at the working size (radius 3, 10-20 ms): lowriders' median 0.8405 -> 0.8418, the
    all-sports mural +0.0017, the movies +0.0021, the forest tank +0.0014, no photo lower by
    more than 0.0003 (pathway). bool (h, w) of ``crop``'s size."""
    size = (crop.shape[1], crop.shape[0])
    if guide <= 0 or labels.shape[:2] == crop.shape[:2]:
        return np.asarray(cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST) > 0)
    soft = np.asarray(
        cv2.resize(labels.astype(np.float32), size, interpolation=cv2.INTER_LINEAR), np.float32
    )
    grey = np.asarray(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY), np.float32) / 255.0
    return np.asarray(guided_filter(grey, soft, guide, UPSAMPLE_EPS) >= 0.5)


def _seen_whole(likely: Mask) -> bool:
    """Saliency marks at least SEED_MIN_COVER of the box and one piece holds SEED_ONE_PIECE of
    what it marks (bool (h, w) inside the box)."""
    total = int(likely.sum())
    if total < SEED_MIN_COVER * likely.size:
        return False
    _, _, stats, _ = cv2.connectedComponentsWithStats(likely.astype(np.uint8), connectivity=8)
    return float(stats[1:, cv2.CC_STAT_AREA].max()) >= SEED_ONE_PIECE * total


def _grabcut_seeds(inside: Mask, prob: NDArray[np.float32], threshold: float) -> NDArray[np.uint8]:
    """GrabCut labels: background outside the box, probable vehicle inside, sure vehicle where
    the (eroded) probability is ≥ 0.9. Where saliency sees enough of the box, its unlikely
    pixels start as probable background when saliency sees the vehicle whole (``_seen_whole``):
    seeded so, GrabCut keeps the background seen through a tricycle's frame out instead of
    filling the box (devset's tricycles 0.08-0.67 → 0.60-0.87 IoU). When saliency breaks the
    vehicle up (a bicycle's two wheels without the thin frame between them), seeding would lose
    the frame: the box alone is the prior and GrabCut joins the pieces. A box covering the
    whole image lends its 3-px rim to the background model (GrabCut needs samples of both)."""
    seeds = np.where(inside, cv2.GC_PR_FGD, cv2.GC_BGD).astype(np.uint8)
    likely = prob >= threshold
    if not inside.all() and _seen_whole(likely & inside):
        seeds[inside & ~likely] = cv2.GC_PR_BGD
    sure = cv2.erode((prob >= 0.9).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    seeds[inside & sure] = cv2.GC_FGD
    if inside.all():
        rim = np.ones(inside.shape, bool)
        rim[3:-3, 3:-3] = False
        seeds[rim] = cv2.GC_PR_BGD
    return seeds


def seen_at_all(mask: Mask, prob: NDArray[np.float32], reach: int = 0) -> Mask:
    """A thin vehicle's GrabCut ``mask`` (bool (H, W)) without the background its frame
    encloses: only the pixels where the salient probability ``prob`` (float32 (H, W)) reaches
    THIN_SUPPORT, or within ``reach`` px of one (``vehicle_mask.thin_reach``), stay.
    GrabCut's smoothness joins a bicycle's tubes with the ground and wall seen between them
    (the same colours lie outside the box, but the enclosed patches go with the frame);
    saliency, though it breaks the frame up at 0.5, still sees the tubes faintly and not the
    patches between them. Devset's bicycles and tricycles: median mask IoU 0.69 -> 0.73 (0.77
    with GRABCUT_SIDE 400 -> 640). When saliency supports under THIN_AGREE of what GrabCut
    found (it missed the vehicle), ``mask`` is returned as it is. A reach of 2 px kept a halo
    of the scene around the tubes, the saddle and the fenders (lowrider on the pathway 0.757
    -> 0.772 mask IoU at 0 px)."""
    size = 2 * max(0, reach) + 1
    support = cv2.dilate((prob >= THIN_SUPPORT).astype(np.uint8), np.ones((size, size), np.uint8))
    kept = mask & (support > 0)
    if kept.sum() < THIN_AGREE * mask.sum():
        return mask
    return kept


FIGURE_SIDE = 240  # GrabCut separates a person or animal from what is around it at this side
FIGURE_MIN_SHARE = 0.15  # under this share of its box it missed the figure: the box stays
FIGURE_GROW = 2  # px at working size the figure's silhouette is grown by (its soft rim)


def figure_in_box(rgb: RGBImage, box: Box) -> Mask:
    """The person's or animal's own pixels inside its detected ``box`` (bool (H, W)), not the
    whole rectangle: GrabCut with everything outside the box (the vehicle around the figure
    included) as background for sure and the box's inside as probably figure, so the vehicle's
    and the ground's colours seen beside the figure inside the box go with the background.
    The box itself when GrabCut keeps under FIGURE_MIN_SHARE of it."""
    height, width = rgb.shape[:2]
    whole = np.zeros((height, width), bool)
    whole[box.y0 : box.y1, box.x0 : box.x1] = True
    area = grow_with_slack(box, 0.25, 0.25, width, height)
    if box.area == 0 or area.area == box.area:
        return whole
    crop, scale, small = scaled_crop(rgb, area, FIGURE_SIDE)
    seeds = np.full(small.shape[:2], cv2.GC_BGD, np.uint8)
    x0, y0 = round((box.x0 - area.x0) * scale), round((box.y0 - area.y0) * scale)
    x1, y1 = round((box.x1 - area.x0) * scale), round((box.y1 - area.y0) * scale)
    seeds[y0:y1, x0:x1] = cv2.GC_PR_FGD
    try:
        chosen = grabcut_labels(small, seeds)
    except cv2.error:
        return whole
    full = cv2.resize(chosen, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_LINEAR) > 0
    size_px = 2 * FIGURE_GROW + 1
    full = cv2.dilate(full.astype(np.uint8), np.ones((size_px, size_px), np.uint8)) > 0
    figure = np.zeros((height, width), bool)
    figure[area.y0 : area.y1, area.x0 : area.x1] = full
    figure &= whole
    if figure.sum() < FIGURE_MIN_SHARE * box.area:
        return whole
    return figure


def scaled_crop(rgb: RGBImage, area: Box, side: int) -> tuple[RGBImage, float, RGBImage]:
    """The ``area`` of ``rgb``, its scale to at most ``side`` px, and that scaled copy in BGR
    (at least 8 px a side; GrabCut's input)."""
    crop = rgb[area.y0 : area.y1, area.x0 : area.x1]
    scale = min(1.0, side / max(crop.shape[:2]))
    size = (max(8, round(crop.shape[1] * scale)), max(8, round(crop.shape[0] * scale)))
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)[..., ::-1]
    return crop, scale, np.ascontiguousarray(small, dtype=np.uint8)


def grabcut_labels(small: RGBImage, seeds: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """GrabCut from the ``seeds`` labels (changed in place) on the BGR image ``small``: uint8
    1 where it chose the figure, else 0. Raises cv2.error."""
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # GrabCut's k-means starts from OpenCV's global RNG: same photo, same mask
    cv2.grabCut(small, seeds, (0, 0, 1, 1), bgd, fgd, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
    return ((seeds == cv2.GC_FGD) | (seeds == cv2.GC_PR_FGD)).astype(np.uint8)
