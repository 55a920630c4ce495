"""Phase I's mask of a bicycle: an animal in front of it is cut out as the salient object of a
crop around its box (``animals.py``), its legs included, and the wheel behind it stays the
bicycle's; the mask grows into the bicycle's own colours where saliency sees them faintly
(``colour_vote.grown_in_vehicle_colours``) and into thick salient parts beyond its box's sides
(``maskops.beyond_sides``: a tricycle's wheel the detector's box cut off); its thin parts
below its ground line are not cut as legs (``vehicle_mask.cut_below_bicycles`` off); a wheel
across the box's side joins from where GrabCut lost its edge, the ground below it does not
(``vehicle_mask.side_band``); GrabCut's pixels stay only where saliency sees them at all, no
halo around them (``vehicle_mask.thin_reach``); GrabCut's labels grow back to the working size
along the photo's edges (``vehicle_mask.grabcut_guide``)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import SAMPLES
from v2v.artefacts import Box
from v2v.config import InputConfig, Phase1Config, VehicleMaskConfig
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.colour_vote import grown_in_vehicle_colours, in_scene_colours
from v2v.stages.sanitize.grabcut import grabcut_in_box, seen_at_all
from v2v.stages.sanitize.mask import vehicle_mask
from v2v.stages.sanitize.maskops import beyond_sides

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


def test_a_bicycles_mask_grows_into_its_own_colours_but_not_along_scene_lines() -> None:
    brown, gold = (120, 60, 40), (200, 170, 60)
    rgb = np.zeros((400, 600, 3), np.uint8)
    rgb[:] = brown  # mulch
    prob = np.zeros((400, 600), np.float32)
    cv2.circle(rgb, (200, 250), 80, gold, -1)  # a gold wheel saliency sees
    cv2.circle(prob, (200, 250), 80, 1.0, -1)
    mask = prob >= 0.5
    cv2.line(rgb, (250, 190), (360, 120), gold, 6)  # handlebars, seen only faintly
    cv2.line(prob, (250, 190), (360, 120), 0.05, 6)
    cv2.line(rgb, (40, 320), (560, 320), gold, 4)  # a kerb line running through the box
    cv2.line(prob, (40, 320), (560, 320), 0.05, 4)
    cv2.rectangle(rgb, (280, 200), (330, 240), brown, -1)  # mulch saliency's halo took
    cv2.rectangle(prob, (280, 200), (330, 240), 0.05, -1)
    box = Box(100, 100, 500, 360)
    grown = grown_in_vehicle_colours(rgb, mask, prob, box, 0.5)
    handlebars = np.zeros_like(mask)
    cv2.line(handlebars.view(np.uint8), (262, 182), (350, 126), 1, 2)
    assert grown[handlebars].all(), "the handlebars join the wheel"
    assert not grown[320, 110:490].any(), "the kerb line reaches the box's sides: scene"
    assert not grown[205:235, 285:325].any(), "mulch colours stay background"
    prob[120:200, 250:370] = 0.0  # saliency blind there: nothing joins
    assert not grown_in_vehicle_colours(rgb, mask, prob, box, 0.5)[handlebars].any()


@needs_devset
def test_a_lowriders_fork_comes_back_in_its_gold() -> None:
    tree = DEVSET / "composite_lowrider_bicycle_on_tree.jpg"
    grown, truth, _ = _masked(tree)
    photo = decode(tree, InputConfig())
    config = Phase1Config(vehicle_mask={"grow_colours": False}, text_removal={"enabled": False})
    plain = ClassicalSanitizer(config).run(photo, RunContext()).vehicle_mask
    assert _iou(grown, truth) >= _iou(plain, truth) + 0.01, (_iou(grown, truth), _iou(plain, truth))


def test_thick_salient_parts_beyond_a_bicycles_box_sides_join_it_lines_do_not() -> None:
    box = Box(200, 100, 400, 300)
    mask = np.zeros((400, 600), bool)
    mask[150:250, 200:400] = True  # the footboard and frame GrabCut found in the box
    salient = mask.copy()
    cv2.ellipse(salient.view(np.uint8), (185, 200), (25, 50), 0, 0, 360, 1, -1)  # a wheel
    cv2.line(salient.view(np.uint8), (399, 240), (590, 290), 1, 3)  # a wall's foot
    salient[320:380, 250:350] = True  # below the box: the ground, not a side
    salient[120:160, 60:110] = True  # a salient patch left of the box, apart
    joined = beyond_sides(mask, salient, box, thick=20.0)
    assert joined[170:230, 165:200].all(), "the wheel the box cut off joins"
    assert not joined[:, 400:].any(), "a thin line running on from the vehicle does not"
    assert not joined[300:].any() and not joined[120:160, 60:110].any()
    assert not beyond_sides(mask, salient, box, thick=60.0).any(), "thinner than asked: none"


@needs_devset
def test_the_tricycles_wheel_beyond_its_box_joins_the_mask() -> None:
    court = DEVSET / "composite_pink_tricycle_on_basketball-court1-a.jpg"
    joined, truth, _ = _masked(court)
    photo = decode(court, InputConfig())
    config = Phase1Config(vehicle_mask={"side_parts": None}, text_removal={"enabled": False})
    plain = ClassicalSanitizer(config).run(photo, RunContext()).vehicle_mask
    assert _iou(joined, truth) >= _iou(plain, truth) + 0.03, (
        _iou(joined, truth),
        _iou(plain, truth),
    )


@needs_devset
def test_cutting_an_animal_out_of_a_bicycle_leaves_no_slivers() -> None:
    """The sheep in front of the tricycle by the brick wall: its cut left 1-35 px slivers of
    the mask around it, and the drawing a speck path beside the tricycle."""
    mask, _, notes = _masked(DEVSET / "composite_pink_tricycle_on_brick-wall2.jpg")
    assert notes["people"], "the animal is detected and cut"
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    assert areas.min() >= 0.01 * areas.max(), sorted(areas)[:5]


def test_a_tricycles_edge_on_wheel_below_its_ground_line_is_not_cut_as_a_leg() -> None:
    rng = np.random.default_rng(5)
    rgb = np.clip(rng.normal((60, 110, 50), 6, (320, 480, 3)), 0, 255).astype(np.uint8)
    body = np.zeros((320, 480), np.uint8)
    cv2.rectangle(body, (120, 170), (330, 200), 1, -1)  # footboard
    cv2.circle(body, (360, 200), 55, 1, -1)  # front wheel, its bottom at y 255
    cv2.line(body, (300, 185), (330, 90), 1, 10)  # fork and handlebar stem
    wheel = np.zeros((320, 480), np.uint8)
    cv2.ellipse(wheel, (110, 220), (9, 50), 0, 0, 360, 1, -1)  # rear wheel edge-on, lower
    rgb[(body > 0) | (wheel > 0)] = (230, 120, 180)
    prob = np.where((body > 0) | (wheel > 0), 0.95, 0.0).astype(np.float32)

    class Seen:
        def probability(self, image: np.ndarray, side: int | None = None) -> np.ndarray:
            return cv2.resize(prob, (image.shape[1], image.shape[0]))

    box = Box(60, 60, 440, 290)
    for cut, share in ((False, 0.95), (True, 0.5)):
        config = VehicleMaskConfig(cut_below_bicycles=cut)
        found = vehicle_mask(rgb, config, model=Seen(), subject=box, thin=True)  # type: ignore[arg-type]
        kept = float(found.mask[wheel > 0].mean())
        assert (kept >= share) if not cut else (kept < share), f"cut={cut}: wheel kept {kept:.2f}"
        assert found.mask[body > 0].mean() > 0.99


@needs_devset
def test_the_tricycles_rear_wheel_on_the_driveway_stays_whole() -> None:
    driveway = DEVSET / "composite_pink_tricycle_on_driveway.jpg"
    kept, truth, _ = _masked(driveway)
    photo = decode(driveway, InputConfig())
    vehicle = {"cut_below_bicycles": True}
    config = Phase1Config(vehicle_mask=vehicle, text_removal={"enabled": False})
    cut = ClassicalSanitizer(config).run(photo, RunContext()).vehicle_mask
    assert _iou(kept, truth) >= _iou(cut, truth) + 0.02, (_iou(kept, truth), _iou(cut, truth))


def test_a_wheel_across_the_boxs_side_joins_from_inside_the_box_the_ground_below_it_does_not() -> (
    None
):
    rng = np.random.default_rng(11)
    mulch, grey, pink = (110, 70, 50), (170, 170, 175), (230, 150, 200)
    rgb = np.clip(rng.normal(mulch, 8, (400, 600, 3)), 0, 255).astype(np.uint8)
    box = Box(200, 100, 460, 330)
    wheel, front = np.zeros((400, 600), np.uint8), np.zeros((400, 600), np.uint8)
    cv2.ellipse(wheel, (205, 210), (25, 55), 0, 0, 360, 1, -1)  # the far wheel, across the side
    cv2.circle(front, (400, 250), 60, 1, -1)
    rgb[(wheel > 0) | (front > 0)] = grey
    mask = front > 0
    mask[180:230, 212:400] = True  # the footboard: GrabCut lost the wheel's edge in the box
    rgb[180:230, 212:345] = pink
    ground = np.zeros((400, 600), bool)
    ground[262:300, 150:235] = True  # mulch saliency sees below the wheel, touching it
    ground &= wheel == 0
    salient = (wheel > 0) | mask | ground
    far = (wheel > 0) & ~mask
    scene = in_scene_colours(rgb, mask, salient, box)
    joined = beyond_sides(mask, salient, box, 20.0, band=20, scene=scene)
    assert joined[far].mean() > 0.9, "the wheel joins from where the footboard stops"
    assert joined[ground].mean() < 0.01, "the mulch below it is the scene's colour"
    assert not beyond_sides(mask, salient, box, 20.0)[far].any(), "beyond the side only: apart"
    assert beyond_sides(mask, salient, box, 20.0, band=20)[ground].mean() > 0.5, "no colours"


@needs_devset
def test_the_tricycles_far_wheel_by_the_flower_bed_joins_without_the_mulch() -> None:
    bed = DEVSET / "composite_pink_tricycle_on_flower-bed.jpg"
    joined, truth, _ = _masked(bed)
    photo = decode(bed, InputConfig())
    config = Phase1Config(vehicle_mask={"side_band": None}, text_removal={"enabled": False})
    plain = ClassicalSanitizer(config).run(photo, RunContext()).vehicle_mask
    assert _iou(joined, truth) >= _iou(plain, truth) + 0.03, (
        _iou(joined, truth),
        _iou(plain, truth),
    )


def test_grabcuts_halo_around_a_tube_goes_where_saliency_sees_nothing() -> None:
    tube = np.zeros((200, 300), np.uint8)
    cv2.line(tube, (40, 150), (260, 60), 1, 5)
    found = cv2.dilate(tube, np.ones((5, 5), np.uint8)) > 0  # GrabCut's tube, 2 px too fat
    prob = np.where(tube > 0, 0.1, 0.0).astype(np.float32)  # saliency sees the tube faintly
    halo = found & (tube == 0)
    assert seen_at_all(found, prob, VehicleMaskConfig().thin_reach)[halo].mean() < 0.05
    assert seen_at_all(found, prob)[tube > 0].all(), "the tube itself stays"
    assert seen_at_all(found, prob, 2)[halo].mean() > 0.95, "a 2 px reach keeps the halo"


@needs_devset
def test_the_lowrider_on_the_pathway_loses_its_halo_not_its_frame() -> None:
    pathway = DEVSET / "composite_lowrider_bicycle_on_pathway.jpg"
    tight, truth, _ = _masked(pathway)
    photo = decode(pathway, InputConfig())
    config = Phase1Config(vehicle_mask={"thin_reach": 2}, text_removal={"enabled": False})
    halo = ClassicalSanitizer(config).run(photo, RunContext()).vehicle_mask
    assert _iou(tight, truth) >= _iou(halo, truth) + 0.01, (_iou(tight, truth), _iou(halo, truth))
    assert (tight & truth).sum() >= 0.97 * (halo & truth).sum(), "the bicycle itself stays"


def test_a_side_band_wider_than_a_box_at_the_left_border_still_finds_the_wheel_beyond() -> None:
    mask = np.zeros((100, 200), bool)
    mask[20:80, 0:12] = True  # a bicycle cut by the image's left border
    salient = mask.copy()
    salient[30:70, 12:120] = True  # its wheel beyond the box's right side
    box = Box(0, 10, 12, 90)
    for band in (0, 11, 13, 20):  # a band wider than the box must not wrap to the image's end
        assert beyond_sides(mask, salient, box, 10.0, band=band)[30:70, 12:120].all(), band


def test_grabcuts_labels_grow_back_along_the_photos_edges_not_the_640_px_grid() -> None:
    """A 1000 px box is cut at 640 px; the labels grown back by nearest neighbour leave the
    coarse grid's steps along a slanted ellipse and a thin bar (~1900 px wrong), the guided
    filter (``vehicle_mask.grabcut_guide``, on by default) puts them on the photo's edges."""
    height, width = 900, 1200
    shape = np.zeros((height, width), np.uint8)
    cv2.ellipse(shape, (600, 450), (380, 250), 17, 0, 360, 1, -1)
    cv2.line(shape, (150, 800), (1050, 120), 1, 9)
    truth = shape > 0
    rgb = np.full((height, width, 3), 200, np.uint8)
    rgb[truth] = (60, 40, 150)
    box = Box(100, 100, 1100, 820)
    guide = VehicleMaskConfig().grabcut_guide
    wrong = {
        g: int((grabcut_in_box(rgb, truth.astype(np.float32), box, 0.5, g) ^ truth).sum())
        for g in (0, guide)
    }
    assert guide > 0
    assert wrong[0] > 1000
    assert wrong[guide] < 50
