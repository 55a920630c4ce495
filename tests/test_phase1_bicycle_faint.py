"""Phase I's mask of a bicycle: GrabCut's pixels that saliency sees only faintly go where
their colour, told apart among 16 levels a channel, is the background's around the mask
(``vehicle_mask.faint_colours``): the scene GrabCut's smoothness kept in the corners between
a tricycle's parts and along its tubes, not the vehicle's own parts."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.conftest import SAMPLES
from v2v.artefacts import Box
from v2v.config import InputConfig, Phase1Config, VehicleMaskConfig
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.colour_vote import in_background_colours

DEVSET = SAMPLES.parent / "devset"
needs_devset = pytest.mark.skipif(not DEVSET.is_dir(), reason="shared devset not available")
FLOWER_BED = DEVSET / "composite_pink_tricycle_on_flower-bed.jpg"


def test_a_faint_pocket_in_the_backgrounds_colour_goes_the_vehicle_stays() -> None:
    """The pocket's colour shares the vehicle's bin among 8 levels a channel (the old vote
    cannot tell them apart) but not among 16; saliency gives it 0.3."""
    rgb = np.zeros((200, 200, 3), np.uint8)
    rgb[:] = (215, 110, 155)  # the scene (a pinkish wall)
    rgb[60:140, 60:140] = (200, 100, 150)  # the vehicle
    prob = np.zeros((200, 200), np.float32)
    prob[60:140, 60:140] = 0.9
    mask = np.zeros((200, 200), bool)
    mask[60:140, 60:150] = True  # GrabCut's mask: the vehicle and a pocket of scene beside it
    prob[60:140, 140:150] = 0.3
    pocket = np.zeros_like(mask)
    pocket[60:140, 140:150] = True
    box = Box(50, 50, 160, 150)
    faint = VehicleMaskConfig().faint_colours
    assert faint is not None and faint > 0.3
    old = in_background_colours(rgb, mask, prob, box, 0.5)
    new = in_background_colours(rgb, mask, prob, box, 0.5, faint)
    assert not old[pocket].any(), "without the rule the pocket stays"
    assert new[pocket].mean() > 0.9
    assert not new[60:140, 60:138].any(), "the vehicle stays"


@needs_devset
def test_the_tricycle_by_the_flower_bed_loses_the_mulch_between_its_parts() -> None:
    photo = decode(FLOWER_BED, InputConfig())
    raw = cv2.imread(str(FLOWER_BED.with_suffix(".mask.png")), cv2.IMREAD_GRAYSCALE)
    assert raw is not None
    truth = cv2.resize(raw, photo.size, interpolation=cv2.INTER_NEAREST) > 127

    def iou(vehicle_mask: dict[str, object]) -> tuple[float, float]:
        config = Phase1Config(vehicle_mask=vehicle_mask, text_removal={"enabled": False})
        mask = ClassicalSanitizer(config).run(photo, RunContext()).vehicle_mask
        return float((mask & truth).sum() / (mask | truth).sum()), float((mask & truth).sum())

    (on, kept_on), (off, kept_off) = iou({}), iou({"faint_colours": None})
    assert on >= off + 0.01, (on, off)
    assert kept_on >= 0.99 * kept_off, "the tricycle itself stays"
