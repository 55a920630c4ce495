"""The scene seen between a long vehicle's wagons where it is not coloured like the ring around
the mask (``holes.gaps`` misses it): the path behind the couplings of a train on a lawn.

Saliency fills the open gap between two wagons as if it were vehicle. ``holes.gaps`` takes out
what is coloured like the thin ring around the mask; behind a coupling the photo often shows
something that appears only farther away (on the driveway, the gravel path that runs below and
beside the train while grass surrounds it). Here the scene is sampled widely: GrabCut in the
mask's rows grown by SCENE_REACH of its height up and down and SCENE_SIDE of its width left and
right, at GRABCUT_SIDE px, everything outside the mask background for sure (its colour model is
the whole scene there), the mask probably vehicle, so it can only take pixels away. What it
takes is opened with a disk of NOTCH_OPEN of the vehicle's height (the outline's rim goes) and
kept only in notch-shaped pieces that sit between wagons: at least NOTCH_MIN of the height
square in area, at least NOTCH_TALL of the height tall, at most NOTCH_WIDE of it wide, with
the mask on both sides in its rows, open to the outside above or below (a logo on a wagon's
side is wide and short; the train's ends are not between wagons; a window or door its wagon
encloses is not open). Within such a piece, only the pixels whose colour (CIELAB,
LAB_BINS³ bins) is ``ratio`` times as frequent in that wide scene as in the mask go, opened
with a 3 px square (the wagon's own end wall that GrabCut took with the gap stays).
"""

from __future__ import annotations

import cv2
import numpy as np

from v2v.artefacts import Box, Mask, RGBImage
from v2v.geometry import fill_holes
from v2v.stages.sanitize.grabcut import GRABCUT_SIDE, grabcut_labels, scaled_crop

SCENE_REACH = 1.0  # the scene's rows: the mask's grown by this share of its height each way
SCENE_SIDE = 0.1  # ... and its columns by this share of its width each way
NOTCH_OPEN = 0.03  # opening disk's radius: this share of the vehicle's height
NOTCH_MIN = 0.15  # a notch is at least this share of the vehicle's height square in area
NOTCH_TALL = 0.4  # ... at least this share of its height tall
NOTCH_WIDE = 0.8  # ... and at most this share of its height wide
LAB_BINS = 16  # levels per CIELAB channel of the colour histograms


def coupling_gaps(rgb: RGBImage, mask: Mask, ratio: float) -> Mask:
    """The pixels of ``mask`` (bool (H, W)) that are the scene seen between a long vehicle's
    wagons, by the wide scene's colours and the notch's shape: bool (H, W), empty when none."""
    none = np.zeros_like(mask)
    rows = np.nonzero(mask.any(axis=1))[0]
    columns = np.nonzero(mask.any(axis=0))[0]
    if rows.size == 0:
        return none
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(columns[0]), int(columns[-1]) + 1
    height, image_height, image_width = y1 - y0, *mask.shape
    reach, side = round(SCENE_REACH * height), round(SCENE_SIDE * (x1 - x0))
    ay0, ay1 = max(0, y0 - reach), min(image_height, y1 + reach)
    ax0, ax1 = max(0, x0 - side), min(image_width, x1 + side)
    local = mask[ay0:ay1, ax0:ax1]
    if local.all():
        return none
    taken = np.zeros_like(mask)
    taken[ay0:ay1, ax0:ax1] = local & ~_grabcut_keeps(rgb[ay0:ay1, ax0:ax1], local)
    radius = max(1, round(NOTCH_OPEN * height))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    opened = cv2.morphologyEx(taken.astype(np.uint8), cv2.MORPH_OPEN, disk)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    notches, outside = [], ~fill_holes(mask)  # a hole in the mask is not outside
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label, :5])
        if area < (NOTCH_MIN * height) ** 2 or h < NOTCH_TALL * height or w > NOTCH_WIDE * height:
            continue
        beside = mask[y : y + h]
        if (
            beside[:, :x].any()
            and beside[:, x + w :].any()
            and _opens(labels == label, outside, radius)
        ):
            notches.append(label)
    if not notches:
        return none
    scene = np.zeros_like(mask)
    scene[ay0:ay1, ax0:ax1] = ~local
    found = np.isin(labels, notches) & _scene_colours(rgb, mask, scene, ratio)
    square = np.ones((3, 3), np.uint8)
    return np.asarray(cv2.morphologyEx(found.astype(np.uint8), cv2.MORPH_OPEN, square) > 0)


def _opens(piece: Mask, outside: Mask, radius: int) -> bool:
    """True when ``piece`` reaches ``outside`` (the scene around the mask, its holes not
    included) above or below it, within the opening's radius and 2 px: a gap between wagons is
    open to the sky or the ground, a window or door enclosed by its wagon is not."""
    reach = radius + 2
    near = cv2.dilate(piece.astype(np.uint8), np.ones((2 * reach + 1, 1), np.uint8)) > 0
    return bool((near & outside).any())


def _grabcut_keeps(crop: RGBImage, vehicle: Mask) -> Mask:
    """GrabCut on ``crop`` (RGB) at GRABCUT_SIDE px: outside ``vehicle`` background for sure,
    inside probably vehicle; bool, what it keeps (``vehicle`` itself if GrabCut fails)."""
    _, _, small = scaled_crop(crop, Box(0, 0, crop.shape[1], crop.shape[0]), GRABCUT_SIDE)
    size = (small.shape[1], small.shape[0])
    inside = cv2.resize(vehicle.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    seeds = np.where(inside, cv2.GC_PR_FGD, cv2.GC_BGD).astype(np.uint8)
    try:
        chosen = grabcut_labels(small, seeds)
    except cv2.error:
        return vehicle
    full = cv2.resize(chosen, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_NEAREST)
    return np.asarray(full > 0) & vehicle


def _scene_colours(rgb: RGBImage, vehicle: Mask, scene: Mask, ratio: float) -> Mask:
    """bool (H, W): the pixels whose CIELAB colour (LAB_BINS³ bins) is ``ratio`` times as
    frequent among the ``scene`` pixels as among the ``vehicle`` pixels."""
    levels = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.int32) * LAB_BINS // 256
    code = (levels[..., 0] * LAB_BINS + levels[..., 1]) * LAB_BINS + levels[..., 2]
    ours = np.bincount(code[vehicle], minlength=LAB_BINS**3) + 0.5
    theirs = np.bincount(code[scene], minlength=LAB_BINS**3) + 0.5
    return np.asarray((theirs / theirs.sum() > ratio * ours / ours.sum())[code])
