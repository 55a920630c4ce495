"""Phase I on long vehicles: the scene seen between a train's wagons goes from the mask even
where the thin ring around the mask does not show its colours (``couplings.py``)."""

from __future__ import annotations

import numpy as np

from tests.test_phase1_rigid import DEVSET, needs_devset, sanitized, truth_iou
from v2v.stages.sanitize.couplings import coupling_gaps
from v2v.stages.sanitize.holes import gaps

TRAIN_ON_PLAYING_FIELD = DEVSET / "composite_freight_train_on_playing-field.jpg"
TRAIN_ON_PARKING_RAMP = DEVSET / "composite_freight_train_on_parking-ramp.jpg"
PATH = (150, 150, 155)  # a grey gravel path, far below the train


def wagons_before_a_path() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Three wagons (rows 120-180) on grass under a blue sky, 300 x 900, with a grey path from
    row 205 down, out of the thin ring around the train; between the first two wagons (columns
    310-330) the path shows (a composite's background seen through the coupling). A grey logo
    (60 x 12 px) in the path's colour is painted on the middle wagon. Returns the picture, the
    true mask, the gap and the logo (bool)."""
    rng = np.random.default_rng(7)
    rgb = np.zeros((300, 900, 3), np.float64)
    rgb[:150], rgb[150:] = (90, 160, 200), (60, 140, 50)  # sky, grass
    rgb[205:] = PATH
    truth = np.zeros((300, 900), bool)
    for x0, x1, colour in ((100, 310, (150, 110, 95)), (330, 540, (110, 40, 45))):
        rgb[120:180, x0:x1] = colour
        truth[120:180, x0:x1] = True
    rgb[120:180, 540:750] = (150, 110, 95)
    truth[120:180, 540:750] = True
    gap = np.zeros_like(truth)
    gap[120:180, 310:330] = True
    rgb[gap] = PATH
    logo = np.zeros_like(truth)
    logo[135:147, 400:460] = True
    rgb[logo] = PATH
    noisy = np.clip(rgb + rng.normal(0, 3, rgb.shape), 0, 255).astype(np.uint8)
    return noisy, truth, gap, logo


def test_the_path_seen_between_two_wagons_goes_but_a_logo_in_its_colour_stays() -> None:
    rgb, truth, gap, logo = wagons_before_a_path()
    filled = truth | gap  # saliency bridged the coupling
    assert not gaps(rgb, filled, 0.15)[gap].any(), "the ring around the train is grass and sky"
    found = coupling_gaps(rgb, filled, 2.0)
    assert found[gap].mean() > 0.9, "the path between the wagons goes"
    assert not found[logo].any(), "a wide, short patch on a wagon is paint"
    assert found[truth].sum() < 0.002 * truth.sum(), "the wagons stay"
    assert not coupling_gaps(rgb, filled, 100.0)[gap].any()  # never that much likelier


def test_a_patch_at_the_end_of_the_train_is_no_gap_between_wagons() -> None:
    rgb, truth, gap, _ = wagons_before_a_path()
    rgb[120:180, 730:750] = PATH  # the last wagon's end, not between wagons
    assert not coupling_gaps(rgb, truth | gap, 2.0)[120:180, 730:750].any()


@needs_devset
def test_the_couplings_of_the_trains_on_the_playing_field_and_parking_ramp_open() -> None:
    # mask IoU measured: playing field 0.942 -> 0.947, parking ramp 0.931 -> 0.938
    for photo, floor in ((TRAIN_ON_PLAYING_FIELD, 0.944), (TRAIN_ON_PARKING_RAMP, 0.935)):
        clean = sanitized(photo)
        bridged = sanitized(photo, coupling_gaps=None)
        opened, before = (
            truth_iou(clean.vehicle_mask, photo),
            truth_iou(bridged.vehicle_mask, photo),
        )
        assert opened >= floor and opened > before + 0.003, (photo.name, before, opened)


def test_a_window_its_wagon_encloses_stays_even_in_the_scenes_colour() -> None:
    rgb, truth, gap, _ = wagons_before_a_path()
    rgb[130:160, 480:500] = PATH  # a tall window showing the path: not open above or below
    found = coupling_gaps(rgb, truth | gap, 2.0)
    assert not found[130:160, 480:500].any(), "a window inside a wagon is not a coupling"
    holed = truth | gap
    holed[162:166, 484:496] = False  # a small hole below it (gaps() may leave one) is no outside
    assert not coupling_gaps(rgb, holed, 2.0)[130:160, 480:500].any()
    assert found[gap].mean() > 0.9, "the coupling still opens"
