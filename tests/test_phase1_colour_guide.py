"""Phase I: the zoomed look's probability follows colour edges, not only brightness edges
(``maskops.colour_guided_filter``, ``phase1.vehicle_mask.colour_guide``)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.conftest import SAMPLES
from v2v.artefacts import Box
from v2v.config import InputConfig, Phase1Config
from v2v.config_phase1 import VehicleMaskConfig
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize import frame
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.detector import Detection
from v2v.stages.sanitize.mask import VehicleMask
from v2v.stages.sanitize.maskops import colour_guided_filter, guided_filter
from v2v.stages.sanitize.subject import Subject

DEVSET = SAMPLES.parent / "devset"
AIRLINER = DEVSET / "composite_airliner_on_gravel-desert.jpg"
LOWRIDER = DEVSET / "composite_lowrider_bicycle_on_tennis-backboard.jpg"
TRICYCLE = DEVSET / "composite_pink_tricycle_on_flower-bed.jpg"  # found in a "train" box
needs_devset = pytest.mark.skipif(not DEVSET.is_dir(), reason="shared devset not available")
PINK, GREEN = (220, 110, 160), (90, 180, 110)  # grey 149 and 145: one brightness
EDGE, OFF = 40, 2  # the colours meet at column 40; the probability's 0.5 lies 2 px outside


def pink_on_green() -> tuple[np.ndarray, np.ndarray]:
    """A pink vehicle (columns < EDGE) on green of about its brightness, and a saliency
    probability ramp whose 0.5 crossing lies OFF px out on the green: (guide, probability)."""
    rgb = np.full((32, 80, 3), GREEN, np.uint8)
    rgb[:, :EDGE] = PINK
    columns = np.arange(80, dtype=np.float32) + 0.5
    ramp = np.clip(0.5 - (columns - (EDGE + OFF)) / 4.0, 0.0, 1.0)
    return rgb.astype(np.float32) / 255.0, np.tile(ramp, (32, 1)).astype(np.float32)


def edge_column(prob: np.ndarray) -> int:
    """The first column of the middle row below 0.5 (where the vehicle ends)."""
    return int(np.argmax(prob[16] < 0.5))


def test_the_colour_guide_snaps_the_outline_to_a_colour_edge() -> None:
    guide, prob = pink_on_green()
    grey = cv2.cvtColor(np.ascontiguousarray(guide), cv2.COLOR_RGB2GRAY)
    assert edge_column(guided_filter(grey, prob, 4, 1e-3)) == EDGE + OFF  # no grey edge there
    assert edge_column(colour_guided_filter(guide, prob, 4, 1e-3)) == EDGE


def test_on_one_colour_the_colour_guide_is_the_grey_guide() -> None:
    guide = np.full((32, 80, 3), 0.4, np.float32)
    _, prob = pink_on_green()
    colour = colour_guided_filter(guide, prob, 4, 1e-3)
    assert np.allclose(colour, guided_filter(guide[..., 0].copy(), prob, 4, 1e-3), atol=1e-4)


def _mask_iou(path: object, colour: bool) -> tuple[float, np.ndarray]:
    photo = decode(path, InputConfig())  # type: ignore[arg-type]
    config = Phase1Config(vehicle_mask={"colour_guide": colour}, text_removal={"enabled": False})
    mask = ClassicalSanitizer(config).run(photo, RunContext()).vehicle_mask
    raw = cv2.imread(str(path).replace(".jpg", ".mask.png"), cv2.IMREAD_GRAYSCALE)
    assert raw is not None
    truth = cv2.resize(raw, photo.size, interpolation=cv2.INTER_AREA) >= 128
    return float((mask & truth).sum() / (mask | truth).sum()), mask


@needs_devset
def test_the_white_airliner_on_the_pale_desert_keeps_more_of_its_outline() -> None:
    with_colour, _ = _mask_iou(AIRLINER, colour=True)
    grey_only, _ = _mask_iou(AIRLINER, colour=False)
    assert with_colour >= grey_only + 0.005


@needs_devset
@pytest.mark.parametrize("photo", [LOWRIDER, TRICYCLE], ids=["lowrider", "scene-tricycle"])
def test_a_bicycle_keeps_its_grabcut_outline(photo: object) -> None:
    """GrabCut draws a bicycle's outline: the colour guide leaves its mask (and so the colours
    of its wheels) exactly as it was, also for the tricycle found inside a motor vehicle's box
    (``frame.scene_bicycle``: the box it is masked in comes from the grey-guided look)."""
    _, with_colour = _mask_iou(photo, colour=True)
    _, grey_only = _mask_iou(photo, colour=False)
    assert np.array_equal(with_colour, grey_only)


@pytest.mark.parametrize("grey_sees_bicycle", [True, False], ids=["grey-bicycle", "colour-bicycle"])
def test_the_scene_bicycle_is_decided_on_the_grey_look_alone(
    monkeypatch: pytest.MonkeyPatch, grey_sees_bicycle: bool
) -> None:
    """A motor vehicle's box that is the scene holds a bicycle or not as the grey-guided look
    says, with the colour guide on as without it: where only the colour-guided look finds
    the small object round the bicycle's box, the subject stays the train; where only the
    grey look finds it, it is the bicycle."""
    train = Detection("train", 0.47, Box(0, 0, 200, 200))
    bicycle = Detection("bicycle", 0.8, Box(60, 60, 120, 120))
    subject = Subject(Box(0, 0, 200, 200), 1, "", (train, bicycle))
    small = np.zeros((200, 200), bool)
    small[50:130, 50:130] = True  # the object found: a bicycle box fills most of it
    scene = np.zeros((200, 200), bool)
    scene[:, :190] = True  # the whole box: no scene
    grey_look, colour_look = (small, scene) if grey_sees_bicycle else (scene, small)

    def fake_mask(rgb: object, config: VehicleMaskConfig, **kw: object) -> VehicleMask:
        if kw.get("thin"):
            return VehicleMask(small, "bicycle")
        return VehicleMask(colour_look if config.colour_guide else grey_look, "look")

    monkeypatch.setattr(frame, "vehicle_mask", fake_mask)
    rgb = np.zeros((200, 200, 3), np.uint8)
    for colour in (False, True):
        config = Phase1Config(vehicle_mask={"colour_guide": colour})
        seen = VehicleMask(colour_look if colour else grey_look, "look")
        chosen, _ = frame.scene_bicycle(rgb, subject, [train, bicycle], seen, None, config)
        assert chosen.detection is (bicycle if grey_sees_bicycle else train)
