"""Phase I finds the same vehicle after a JPEG re-save: a vehicle found in parts is scored
with the parts that are a second look at it, not with smaller, less sure boxes inside it
(``detector.part_evidence``)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from benchmarks.bench_mask import iou, read_truth

from tests.test_phase1_rigid import DEVSET, needs_devset
from v2v.artefacts import Box
from v2v.config import InputConfig, Phase1Config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.detector import Detection
from v2v.stages.sanitize.subject import _as_whole, choose

TRAIN_ON_PARKING_RAMP = DEVSET / "composite_freight_train_on_parking-ramp.jpg"
SIZE = (1024, 768)


def test_small_boxes_inside_a_box_do_not_make_it_surer() -> None:
    # the parking ramp after a JPEG re-save (q70), its detections as found at 1024 px: the
    # garage's ceiling taken for a train (0.63) with trucks in its entrance (0.58, 0.48),
    # and the freight train found in three parts below it; saliency spills onto the garage
    salient = np.zeros((SIZE[1], SIZE[0]), np.float32)
    salient[347:451, 71:966] = 0.8  # the train
    salient[30:300, 0:970] = 0.6  # the garage, lit, almost as salient
    ceiling = Detection("train", 0.627, Box(0, 6, 973, 304))
    inside = [
        Detection("train", 0.578, Box(421, 232, 627, 308)),
        Detection("truck", 0.484, Box(662, 208, 890, 310)),
    ]
    train = [
        Detection("train", 0.459, Box(331, 353, 644, 427)),
        Detection("train", 0.447, Box(282, 347, 966, 450)),
        Detection("truck", 0.426, Box(71, 361, 638, 451)),
    ]
    found = [ceiling, *inside, *train]
    assert choose(found, SIZE, salient=salient, reach=0.2).detection in train
    # every part counted: the ceiling's box, 1 - (1 - 0.63)(1 - 0.58)(1 - 0.48), outranks it
    old = choose(found, SIZE, salient=salient, reach=0.2, evidence=0.0)
    assert old.detection == ceiling
    # the ceiling's box alone, without the trucks inside it, is no better than the train
    assert choose([ceiling, *train], SIZE, salient=salient, reach=0.2).detection in train


def test_small_parts_count_for_a_loose_box_scoring_less_than_they_do() -> None:
    # the village tank: a loose 0.32 box around the whole tank and smaller, surer boxes of its
    # parts (hull, track) inside it; the garage: a 0.63 box with less sure trucks inside it
    loose = Detection("truck", 0.32, Box(200, 200, 800, 700))
    hull = Detection("truck", 0.73, Box(250, 300, 400, 450))  # 7.5 % of the loose box
    track = Detection("truck", 0.65, Box(450, 300, 600, 450))
    assert _as_whole(loose, [loose, hull, track]).score > 0.9  # 1 - 0.68 × 0.27 × 0.35
    garage = Detection("train", 0.63, Box(0, 6, 973, 304))
    trucks = [
        Detection("train", 0.58, Box(421, 232, 627, 308)),
        Detection("truck", 0.48, Box(662, 208, 890, 310)),
    ]
    assert _as_whole(garage, [garage, *trucks]).score == pytest.approx(0.63)
    assert _as_whole(garage, [garage, *trucks], evidence=0.0).score > 0.9
    # a part that big is a second look at the box, whatever it scores
    half = Detection("train", 0.5, Box(0, 6, 500, 304))
    assert _as_whole(garage, [garage, half]).score > 0.8


@needs_devset
def test_the_parking_ramp_train_is_found_after_a_jpeg_resave(tmp_path: Path) -> None:
    # the garage outranked the train by 1 % (its box made surer by two trucks inside it)
    pixels = cv2.imread(str(TRAIN_ON_PARKING_RAMP))
    resaved = tmp_path / "ramp.jpg"
    resaved.write_bytes(cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, 70])[1])
    photo = decode(resaved, InputConfig())
    truth = read_truth(TRAIN_ON_PARKING_RAMP.with_suffix(".mask.png"))
    config = Phase1Config(text_removal={"enabled": False})
    clean = ClassicalSanitizer(config).run(photo, RunContext())
    assert clean.notes["subject"]["box"][1] > 300  # the train's box, not the garage's
    assert iou(clean.vehicle_mask, truth) >= 0.9  # 0.000 when every part counted
