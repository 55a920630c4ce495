"""benchmarks/bench_mask.py scores phase I's mask in the pipeline's working frame (as
``v2v.bench`` scores the SVG), not by shrinking the mask to the truth's size."""

from __future__ import annotations

import cv2
import numpy as np
from benchmarks.bench_mask import iou


def _truth() -> np.ndarray:
    """A 960 × 720 truth: a vehicle-like box with edges off the 15:16 grid."""
    truth = np.zeros((720, 960), bool)
    truth[203:517, 101:853] = True
    return truth


def test_the_truth_in_the_working_frame_scores_one() -> None:
    truth = _truth()
    grey = truth.astype(np.uint8) * np.uint8(255)
    working = cv2.resize(grey, (1024, 768), interpolation=cv2.INTER_AREA) >= 128
    assert iou(working, truth) == 1.0


def test_a_mask_one_pixel_too_wide_scores_less() -> None:
    truth = _truth()
    grey = truth.astype(np.uint8) * np.uint8(255)
    working = cv2.resize(grey, (1024, 768), interpolation=cv2.INTER_AREA) >= 128
    wider = cv2.dilate(working.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    assert iou(wider, truth) < 0.995
    assert iou(np.zeros_like(working), truth) == 0.0
