"""Phase I's subject on bicycle photos: a box labelled bicycle whose salient pixels are one solid
patch (a painted court) ranks after a bicycle box whose salient pixels are an open frame; a
motor vehicle's box that was mostly scene, with a bicycle in what was found, is that bicycle."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.conftest import SAMPLES
from v2v.artefacts import Box
from v2v.config import InputConfig, Phase1Config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.detector import Detection, ObjectDetector
from v2v.stages.sanitize.frame import bicycle_in_scene, solidity
from v2v.stages.sanitize.looks import COARSE_SIDE
from v2v.stages.sanitize.saliency import SaliencyModel
from v2v.stages.sanitize.subject import choose

DEVSET = SAMPLES.parent / "devset"
COURT = DEVSET / "composite_pink_tricycle_on_basketball-court1-a.jpg"
FLOWER_BED = DEVSET / "composite_pink_tricycle_on_flower-bed.jpg"
needs_devset = pytest.mark.skipif(not DEVSET.is_dir(), reason="shared devset not available")
SIZE = (1000, 800)


def court_and_tricycle() -> np.ndarray:
    """Saliency of a tricycle (wheels, a tube frame, handlebars) standing on a painted court
    that is salient too: float32 (H, W)."""
    salient = np.zeros((SIZE[1], SIZE[0]), np.float32)
    cv2.ellipse(salient, (500, 640), (360, 120), 0, 0, 360, 0.9, -1)  # the court
    for x in (560, 760):
        cv2.circle(salient, (x, 560), 50, 1.0, -1)
    cv2.polylines(salient, [np.array([[560, 560], [660, 380], [760, 560]], np.int32)], True, 1.0, 8)
    cv2.line(salient, (560, 320), (760, 320), 1.0, 8)  # handlebars
    cv2.line(salient, (660, 320), (660, 380), 1.0, 8)
    return salient


def test_a_solid_salient_patch_labelled_bicycle_ranks_after_an_open_frame() -> None:
    salient = court_and_tricycle()
    court = Detection("bicycle", 0.95, Box(130, 480, 870, 780))
    tricycle = Detection("bicycle", 0.37, Box(500, 300, 820, 620))
    frame = solidity(tricycle.box, salient)
    patch = solidity(court.box, salient)
    assert frame is not None and patch is not None and frame < 0.85 < patch
    assert choose([court, tricycle], SIZE, salient=salient).detection == tricycle
    # the rule switched off (every box open): the surer, better-fitting court wins
    assert choose([court, tricycle], SIZE, salient=salient, open_frame=1.0).detection == court
    # alone, a solid box labelled bicycle is still the subject (a tank taken for a bicycle)
    assert choose([court], SIZE, salient=salient).detection == court


@needs_devset
def test_the_tricycle_not_the_painted_court_is_the_subject() -> None:
    photo = decode(COURT, InputConfig())
    detections = ObjectDetector.shared().detect(photo.pixels)
    salient = SaliencyModel.shared().probability(photo.pixels, COARSE_SIDE)
    subject = choose(detections, photo.size, salient=salient)
    raw = cv2.imread(str(COURT.with_suffix(".mask.png")), cv2.IMREAD_GRAYSCALE)
    assert raw is not None
    truth = cv2.resize(raw, photo.size, interpolation=cv2.INTER_NEAREST) > 127
    assert subject.box is not None
    inside = truth[subject.box.y0 : subject.box.y1, subject.box.x0 : subject.box.x1].sum()
    share = truth.sum() / subject.box.area
    assert inside >= 0.8 * truth.sum(), "the subject's box holds most of the tricycle"
    assert share > 0.2, f"and not a court around it: the tricycle fills {share:.2f} of the box"


def test_a_bicycle_found_in_a_motor_vehicles_box_that_was_mostly_scene_is_the_vehicle() -> None:
    scene = Box(30, 50, 1000, 760)  # a "train" box around a flower bed and a wall
    mask = np.zeros((SIZE[1], SIZE[0]), bool)
    mask[290:715, 145:530] = True  # what phase I found in it: a tricycle, handlebars to wheels
    lower_half = Detection("bicycle", 0.32, Box(160, 460, 480, 715))
    far_bicycle = Detection("bicycle", 0.9, Box(700, 500, 900, 700))
    found = bicycle_in_scene(mask, scene, [far_bicycle, lower_half], 0.5)
    assert found == (lower_half, Box(145, 290, 530, 715)), "masked in what was found"
    # a car filling its own box, with a bicycle on its rack: the car stays the vehicle
    car = Box(140, 280, 540, 720)
    assert bicycle_in_scene(mask, car, [lower_half], 0.5) is None
    # a bicycle box covering little of what was found (a bicycle leaning on a van) is not it
    small = Detection("bicycle", 0.8, Box(400, 600, 500, 700))
    assert bicycle_in_scene(mask, scene, [small], 0.5) is None


@needs_devset
def test_the_tricycle_in_front_of_a_flower_bed_taken_for_a_train_is_masked_as_a_bicycle() -> None:
    photo = decode(FLOWER_BED, InputConfig())
    clean = ClassicalSanitizer(Phase1Config(text_removal={"enabled": False})).run(
        photo, RunContext()
    )
    assert clean.notes["subject"]["class"] == "bicycle", clean.notes["subject"]
    assert "mostly scene" in clean.notes["subject"]["reason"]
    raw = cv2.imread(str(FLOWER_BED.with_suffix(".mask.png")), cv2.IMREAD_GRAYSCALE)
    assert raw is not None
    truth = cv2.resize(raw, photo.size, interpolation=cv2.INTER_NEAREST) > 127
    mask = clean.vehicle_mask
    iou = float((mask & truth).sum() / (mask | truth).sum())
    assert iou >= 0.74, f"mask IoU {iou:.3f} (0.708 masked as the train box's salient object)"
