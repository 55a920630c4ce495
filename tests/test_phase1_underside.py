"""Phase I on long vehicles: the wheel bogies and the dark strip under a wagon's sill, which
saliency leaves below the mask, join it (``underside.py``)."""

from __future__ import annotations

import numpy as np

from tests.test_phase1_rigid import DEVSET, needs_devset, sanitized, truth_iou
from v2v.config import VehicleMaskConfig
from v2v.stages.sanitize.underside import underside

TRAIN_ON_DRIVEWAY = DEVSET / "composite_freight_train_on_driveway.jpg"
TRAIN_ON_ROUTE66 = DEVSET / "composite_freight_train_on_route66.jpg"
BOGIES = tuple(x for x0 in (60, 340, 620) for x in (x0 + 30, x0 + 200))  # left columns


def train_over_grass_and_path() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Three wagons (rows 120-180, light sills in rows 174-179) on grass under a blue sky,
    340 x 960, a lighter gravel path from column 400 on below row 186; under the sills a 3 px
    dark strip, hanging from each wagon two near-black bogies (20 x 14 px); hanging under the
    last wagon a dark shrub as compact as a bogie but wider than one (34 x 14 px), and below
    the train, not touching it, a dark stone of a bogie's size. Returns the picture,
    the mask saliency gives (the wagons down to the strip's first row, as in photos) and the
    parts it lacks or must not take (bool): strip, bogies, shrub, stone."""
    rng = np.random.default_rng(3)
    rgb = np.zeros((340, 960, 3), np.float64)
    rgb[:150], rgb[150:] = (90, 160, 200), (60, 140, 50)  # sky, grass
    rgb[186:, 400:] = (150, 150, 140)  # the path: lighter than the grass
    mask = np.zeros((340, 960), bool)
    parts = {name: np.zeros_like(mask) for name in ("strip", "bogies", "shrub", "stone")}
    for x0, colour in ((60, (150, 110, 95)), (340, (110, 40, 45)), (620, (150, 110, 95))):
        rgb[120:174, x0 : x0 + 260] = colour
        rgb[174:180, x0 : x0 + 260] = (225, 215, 205)  # the sill
        rgb[180:183, x0 : x0 + 260] = (70, 60, 45)  # the sill's dark underside
        mask[120:181, x0 : x0 + 260] = True  # saliency ends inside that strip
        parts["strip"][181:183, x0 : x0 + 260] = True
    for x in BOGIES:
        parts["bogies"][180:194, x : x + 20] = True  # hanging from the sill
    parts["shrub"][181:195, 700:734] = True  # 34 px: over WIDE (4 %) of the 820 px train
    parts["stone"][188:198, 200:220] = True  # in the band searched, 7 px below the sill
    rgb[parts["shrub"]] = (22, 32, 22)  # in deep shade: as dark as a bogie
    rgb[parts["bogies"] | parts["stone"]] = (25, 25, 28)
    noisy = np.clip(rgb + rng.normal(0, 3, rgb.shape), 0, 255).astype(np.uint8)
    return noisy, mask, parts


def test_the_bogies_and_the_strip_under_the_sills_join_but_not_a_shrub_or_a_stone() -> None:
    rgb, mask, parts = train_over_grass_and_path()
    found = underside(rgb, mask, 10.0)
    assert found[parts["bogies"] & ~mask].mean() > 0.9, "the wheels hang below the wagons"
    for x in BOGIES:  # each one, over the grass and over the lighter path alike
        assert found[181:194, x : x + 20].mean() > 0.9, x
    assert found[parts["strip"]].mean() > 0.8, "the dark underside of the sills"
    assert not found[parts["shrub"] & ~parts["strip"]].any(), "too wide for a bogie"
    assert not found[parts["stone"]].any(), "not hanging from the train"
    truth = mask | parts["strip"] | parts["bogies"]
    assert (found & ~truth).sum() < 0.01 * truth.sum(), "nothing else joins"
    assert not found[mask].any()  # it only adds


def test_a_single_dark_blob_under_a_vehicle_is_no_row_of_bogies() -> None:
    rgb, mask, parts = train_over_grass_and_path()
    lone = np.zeros_like(mask)
    lone[180:194, 90:110] = True
    rgb[parts["bogies"] & ~lone] = (60, 140, 50)  # grass where the other bogies were
    rgb[186:, 400:][parts["bogies"][186:, 400:] & ~lone[186:, 400:]] = (150, 150, 140)
    assert not underside(rgb, mask, 10.0)[lone & ~mask].any()


def test_the_underside_is_a_setting_that_can_be_switched_off() -> None:
    assert VehicleMaskConfig().underside == 10.0
    assert VehicleMaskConfig(underside=None).underside is None


@needs_devset
def test_the_trains_on_the_driveway_and_route66_get_their_bogies() -> None:
    # mask IoU measured on defaults (roof_gaps on), underside off -> on: driveway 0.920 -> 0.931,
    # Route 66 0.9147 -> 0.9145 (one bogie stands before dark shrubs and half of what the
    # underside adds there is scene, neutral at the IoU the opened roof gaps reach: asked
    # only not to lose more than 0.001)
    for photo, gain in ((TRAIN_ON_DRIVEWAY, 0.008), (TRAIN_ON_ROUTE66, -0.001)):
        clean = sanitized(photo)
        without = sanitized(photo, underside=None)
        after, before = (
            truth_iou(clean.vehicle_mask, photo),
            truth_iou(without.vehicle_mask, photo),
        )
        assert after >= before + gain, (photo.name, before, after)


def test_dark_shrubs_larger_than_the_bogies_do_not_replace_them() -> None:
    rgb, mask, parts = train_over_grass_and_path()
    shrubs = np.zeros_like(mask)
    shrubs[181:198, 150:182] = shrubs[181:198, 430:462] = True  # twice a bogie's area, near black
    rgb[shrubs] = (22, 32, 22)
    found = underside(rgb, mask, 10.0)
    assert found[parts["bogies"] & ~mask].mean() > 0.9, "the bogies are the group alike"
    assert found[shrubs].sum() < 0.2 * shrubs.sum(), "the shrubs are not bogies"
