"""benchmarks/bench_mask.py scores phase I's mask in the pipeline's working frame (as
``v2v.bench`` scores the SVG), not by shrinking the mask to the truth's size."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from benchmarks.bench_mask import iou


def _truth() -> np.ndarray:
    """A 960 × 720 truth: a vehicle-like box with edges off the 15:16 grid."""
    truth = np.zeros((720, 960), bool)
    truth[203:517, 101:853] = True
    return truth


@pytest.mark.parametrize("scale", [1, 2])  # 960 × 720 (decoded larger) and 1920 × 1440 (smaller)
def test_the_photo_decoded_to_the_working_size_scores_one_against_the_full_size_truth(
    scale: int,
) -> None:
    """A photo of the truth (a dark box on white) decoded as the pipeline decodes it, to the
    working size, and thresholded: a perfect mask in the working frame scores ~1 against the
    truth at the photo's own size."""
    from v2v.config import InputConfig
    from v2v.imaging import decode, encode_png

    truth = cv2.resize(_truth().astype(np.uint8), None, fx=scale, fy=scale) > 0
    photo = np.full((*truth.shape, 3), 255, np.uint8)
    photo[truth] = (40, 60, 90)
    pixels = decode(encode_png(photo), InputConfig(work_long_side=1024)).pixels
    assert pixels.shape[:2] == (768, 1024)  # the working frame, not the truth's
    mask = pixels.mean(axis=2) < 128
    assert iou(mask, truth) >= 0.999  # 1.0; the mask scored at the truth's size: 0.994


def test_a_mask_one_pixel_too_wide_scores_less() -> None:
    truth = _truth()
    grey = truth.astype(np.uint8) * np.uint8(255)
    working = cv2.resize(grey, (1024, 768), interpolation=cv2.INTER_AREA) >= 128
    wider = cv2.dilate(working.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    assert iou(wider, truth) < 0.995
    assert iou(np.zeros_like(working), truth) == 0.0
