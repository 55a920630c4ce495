"""Training's phase I retries (REFERENCE.md §4.2, the original's ``training.phase1_retry``): a
photo in which phase I finds no vehicle is tried again with lower thresholds, and the run says
how many attempts it took."""

from __future__ import annotations

from typing import Any

import numpy as np

from v2v.artefacts import CleanImage
from v2v.config import GPU_CONFIG, load_config
from v2v.context import RunContext
from v2v.training.retry import Sanitizer, variations


def test_each_attempt_lowers_the_thresholds_that_find_the_vehicle() -> None:
    classical = variations(load_config(), attempts=3)
    assert classical[0] == {}  # the config as it is, first
    assert [v["phase1.detector.min_score"] for v in classical[1:]] == [0.2, 0.1]
    gpu = variations(load_config(GPU_CONFIG), attempts=3)
    assert gpu[1]["phase1.detection.box_threshold"] == 0.25  # the original's first variation
    assert gpu[1]["phase1.detection.text_threshold"] == 0.15
    assert [v["phase1.vehicle_mask.threshold"] for v in gpu[1:]] == [0.4, 0.3]
    assert variations(load_config(), attempts=1) == [{}]
    low = load_config(overrides={"phase1.detector.min_score": 0.15})
    assert [v.get("phase1.detector.min_score") for v in variations(low, 3)] == [None, None, 0.1]
    assert variations(load_config(overrides={"phase1.enabled": False}), 3) == [{}]


class FakePipeline:
    """Finds a vehicle covering ``share`` of the photo."""

    def __init__(self, share: float) -> None:
        self.share = share
        self.calls = 0

    def sanitize(self, photo: Any, ctx: RunContext) -> CleanImage:
        self.calls += 1
        mask = np.zeros((10, 10), bool)
        mask.flat[: int(self.share * 100)] = True
        return CleanImage(np.zeros((10, 10, 3), np.uint8), mask, np.zeros((10, 10), bool))


def sanitizer(shares: list[float], attempts: int = 3) -> tuple[Sanitizer, list[FakePipeline]]:
    chosen = Sanitizer(load_config(), attempts, vehicle_fraction=0.05)
    fakes = [FakePipeline(share) for share in shares]
    chosen._pipelines = dict(enumerate(fakes))  # type: ignore[arg-type]
    return chosen, fakes


def test_phase1_is_tried_again_until_it_finds_the_vehicle() -> None:
    chosen, fakes = sanitizer([0.0, 0.3, 0.6])
    clean, tries, changes = chosen.sanitize(object(), RunContext())  # type: ignore[arg-type]
    assert tries == 2 and clean.vehicle_mask.mean() == 0.3
    assert changes == {"phase1.detector.min_score": 0.2, "phase1.vehicle_mask.threshold": 0.4}
    assert [f.calls for f in fakes] == [1, 1, 0]  # stops at the first that finds it


def test_when_no_attempt_finds_it_the_best_is_kept_and_counted() -> None:
    chosen, fakes = sanitizer([0.0, 0.02, 0.01])
    clean, tries, changes = chosen.sanitize(object(), RunContext())  # type: ignore[arg-type]
    assert (
        tries == 3 and clean.vehicle_mask.mean() == 0.02 and [f.calls for f in fakes] == [1, 1, 1]
    )
    assert changes["phase1.detector.min_score"] == 0.2  # the attempt that found the most
    one, _ = sanitizer([0.0], attempts=1)
    assert one.sanitize(object(), RunContext())[1] == 1  # type: ignore[arg-type]
