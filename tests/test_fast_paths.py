"""Speed-ups that must not change a drawing (issue 17): each faster computation gives exactly
what the plain one gives, on masks and label maps that reach the image's edges."""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from v2v.artefacts import Box
from v2v.geometry import fill_holes, fill_holes_in_box
from v2v.stages.sanitize.regions import MIN_ON_VEHICLE, NEAR_VEHICLE, on_vehicle
from v2v.stages.sanitize.text import TextBox
from v2v.stages.stylize.owners import footprint, region_boxes


def _random_masks(count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    masks = []
    for index in range(count):
        height, width = (int(v) for v in rng.integers(1, 50, 2))
        mask = rng.random((height, width)) < rng.uniform(0.2, 0.9)
        if index % 2:
            mask = ndimage.binary_dilation(mask, iterations=int(rng.integers(1, 3)))
        if index % 3 == 0:  # a small patch in a large image, as the wheel search has
            large = np.zeros((height + 30, width + 41), bool)
            large[7 : 7 + height, 20 : 20 + width] = mask
            mask = large
        masks.append(mask)
    return masks


def test_hole_filling_by_flood_fill_is_scipys_hole_filling() -> None:
    for mask in _random_masks(600, seed=0):
        expected = ndimage.binary_fill_holes(mask)
        assert np.array_equal(fill_holes(mask), expected)
        assert np.array_equal(fill_holes_in_box(mask), expected)
    ring = np.zeros((9, 9), bool)
    ring[2:7, 2:7], ring[3:6, 3:6] = True, False
    assert fill_holes_in_box(ring)[4, 4] and not fill_holes_in_box(np.zeros((5, 5), bool)).any()


def test_a_groups_footprint_read_in_its_box_is_the_whole_maps() -> None:
    rng = np.random.default_rng(1)
    compared = 0
    for _ in range(150):
        height, width = (int(v) for v in rng.integers(12, 90, 2))
        coarse = rng.integers(-1, 10, (max(2, height // 6), max(2, width // 6))).astype(np.float32)
        owners = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_NEAREST)
        owners = owners.astype(np.int64)
        boxes = region_boxes(owners)
        for _ in range(8):
            group = [int(r) for r in rng.choice(12, int(rng.integers(1, 4)), replace=False)]
            if np.isin(owners, group).any():
                assert footprint(group, owners, boxes) == footprint(group, owners)
                compared += 1
    assert compared > 500


def _on_vehicle_whole_mask(boxes: list[TextBox], vehicle: np.ndarray) -> list[TextBox]:
    height, width = vehicle.shape
    gap = max(1, int(NEAR_VEHICLE * float(np.hypot(height, width))))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * gap + 1, 2 * gap + 1))
    grown = cv2.dilate(vehicle.astype(np.uint8), kernel) > 0
    return [
        found
        for found in boxes
        if found.box.x1 > found.box.x0
        and found.box.y1 > found.box.y0
        and grown[found.box.y0 : found.box.y1, found.box.x0 : found.box.x1].mean() >= MIN_ON_VEHICLE
    ]


def test_text_boxes_beside_the_vehicle_are_kept_as_with_the_whole_mask_grown() -> None:
    rng = np.random.default_rng(2)
    kept = 0
    for _ in range(120):
        height, width = (int(v) for v in rng.integers(80, 400, 2))
        vehicle = np.zeros((height, width), bool)
        for _ in range(3):
            y, x = int(rng.integers(0, height)), int(rng.integers(0, width))
            vehicle[y : y + int(rng.integers(5, 150)), x : x + int(rng.integers(5, 150))] = True
        boxes = []
        for _ in range(20):
            x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
            x1 = min(width, x0 + int(rng.integers(0, 60)))
            y1 = min(height, y0 + int(rng.integers(0, 30)))
            boxes.append(TextBox(Box(x0, y0, x1, y1), 0.9, "", np.zeros((4, 2), np.float32)))
        expected = _on_vehicle_whole_mask(boxes, vehicle)
        assert [id(b) for b in on_vehicle(boxes, vehicle)] == [id(b) for b in expected]
        kept += len(expected)
    assert kept > 200


def _merged_over_the_whole_image(labels: np.ndarray, min_area: float) -> np.ndarray:
    from skimage import measure

    regions = measure.label(labels, background=-2, connectivity=1)
    sizes = np.bincount(regions.ravel())
    tiny = sizes < min_area
    tiny[0] = False
    _, (rows, cols) = ndimage.distance_transform_edt(tiny[regions], return_indices=True)
    return np.asarray(labels[rows, cols])


def test_specks_take_the_label_the_whole_images_nearest_pixel_gives() -> None:
    from v2v.stages.vectorize.layers import NEAREST_WINDOW, merge_small_regions

    rng = np.random.default_rng(3)
    for index in range(150):
        height, width = (int(v) for v in rng.integers(120, 400, 2))
        block = int(rng.integers(3, 12))  # square blocks: specks equally near two of them
        coarse = rng.integers(-1, 4, (height // block + 1, width // block + 1))
        labels = np.kron(coarse, np.ones((block, block), np.int64))[:height, :width]
        labels = labels.astype(np.int16)
        y, x = int(rng.integers(0, height)), int(rng.integers(0, width))
        for _ in range(int(rng.integers(1, 20))):  # specks in one corner of the image or all over
            spread = 30 if index % 2 else max(height, width)
            sy = min(max(y + int(rng.integers(-spread, spread)), 0), height - 1)
            sx = min(max(x + int(rng.integers(-spread, spread)), 0), width - 1)
            labels[sy : sy + int(rng.integers(1, 4)), sx : sx + int(rng.integers(1, 4))] = 9
        merged, count = merge_small_regions(labels, 9.0)
        assert count > 0
        assert np.array_equal(merged, _merged_over_the_whole_image(labels, 9.0))
    # specks farther than the window from any larger region (a checkerboard of one-pixel
    # regions wider than twice the window): the whole image's transform decides
    side = 3 * NEAREST_WINDOW
    board = np.zeros((side + 50, side + 70), np.int16)
    board[20 : 20 + side, 30 : 30 + side] = 1 + np.indices((side, side)).sum(axis=0) % 2
    merged, _ = merge_small_regions(board, 2.0)
    assert np.array_equal(merged, _merged_over_the_whole_image(board, 2.0))


def test_components_kept_by_table_are_those_unique_and_isin_keep() -> None:
    from v2v.stages.sanitize.maskops import NEAR_GAP, keep_touching, keep_vehicle

    rng = np.random.default_rng(4)
    for _ in range(200):
        height, width = (int(v) for v in rng.integers(10, 120, 2))
        mask = ndimage.binary_opening(rng.random((height, width)) < rng.uniform(0.2, 0.7))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(
            mask.astype(np.uint8), connectivity=8
        )
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        box = Box(x0, y0, int(rng.integers(x0, width + 1)), int(rng.integers(y0, height + 1)))
        inside = np.unique(labels[box.y0 : box.y1, box.x0 : box.x1])
        inside = inside[inside > 0]
        expected = np.zeros_like(mask)
        if inside.size:
            areas = stats[inside, cv2.CC_STAT_AREA]
            expected = np.isin(labels, inside[areas >= 0.01 * areas.max()])
        assert np.array_equal(keep_touching(mask, box), expected)
        kept = keep_vehicle(mask)
        assert kept.dtype == bool and not (kept & ~mask).any()
        if count > 2:  # the largest and the components near it, by np.unique and np.isin
            largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
            w, h = int(stats[largest, cv2.CC_STAT_WIDTH]), int(stats[largest, cv2.CC_STAT_HEIGHT])
            gap = max(1, int(NEAR_GAP * float(np.hypot(w, h))))
            disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * gap + 1, 2 * gap + 1))
            near = cv2.dilate((labels == largest).astype(np.uint8), disc) > 0
            members = np.unique(labels[near & mask])
            assert np.array_equal(kept, np.isin(labels, members[members > 0]))
        else:
            assert np.array_equal(kept, mask)
