"""Phase I's mask of a bicycle with an animal in front of it: the animal is cut out as the
salient object of a crop around its box (``animals.py``), its legs included, and the wheel
behind it stays the bicycle's."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import SAMPLES
from v2v.config import InputConfig, Phase1Config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer

DEVSET = SAMPLES.parent / "devset"
DOG = DEVSET / "composite_lowrider_bicycle_on_all-sports-mural.jpg"
needs_devset = pytest.mark.skipif(not DEVSET.is_dir(), reason="shared devset not available")


def _masked(path: Path, **detector: object) -> tuple[np.ndarray, np.ndarray, dict[str, object]]:
    """Phase I's vehicle mask of ``path`` (text removal off), its truth at the working size,
    and the notes."""
    photo = decode(path, InputConfig())
    config = Phase1Config(detector=detector, text_removal={"enabled": False})
    clean = ClassicalSanitizer(config).run(photo, RunContext())
    raw = cv2.imread(str(path.with_suffix(".mask.png")), cv2.IMREAD_GRAYSCALE)
    assert raw is not None
    truth = cv2.resize(raw, photo.size, interpolation=cv2.INTER_NEAREST) > 127
    return clean.vehicle_mask, truth, clean.notes


def _iou(mask: np.ndarray, truth: np.ndarray) -> float:
    return float((mask & truth).sum() / (mask | truth).sum())


@needs_devset
def test_a_dog_in_front_of_a_bicycle_is_cut_out_legs_and_all_and_the_wheel_stays() -> None:
    mask, truth, notes = _masked(DOG)
    people = notes["people"]
    assert isinstance(people, list) and [p["evidence"] for p in people] == ["detected dog"]
    x0, y0, x1, y1 = people[0]["box"]
    dog = np.zeros_like(truth)
    dog[y0:y1, x0:x1] = True
    kept_dog = int((mask & dog & ~truth).sum())  # the dog's (and the grass's) pixels kept
    lost_wheel = int((truth & dog & ~mask).sum())  # the wheel behind the dog lost
    old_mask, _, _ = _masked(DOG, salient_animals=False)
    old_kept, old_lost = int((old_mask & dog & ~truth).sum()), int((truth & dog & ~old_mask).sum())
    assert kept_dog < 0.5 * old_kept, f"dog kept {kept_dog} px (GrabCut's figure: {old_kept})"
    assert lost_wheel < 0.5 * old_lost, f"wheel lost {lost_wheel} px (GrabCut's: {old_lost})"
    assert _iou(mask, truth) >= 0.76, f"mask IoU {_iou(mask, truth):.3f} (0.707 with GrabCut's)"
