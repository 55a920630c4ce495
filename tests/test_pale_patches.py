"""Phase III: a pale glare or sky-reflection patch on a surface drawn in a neutral takes the
surface's colour (``phase3.materials.pale_patches``). Drawn flat images that show the defect
(teal streaks on a grey airliner, white holes in an off-white freight car) and the fix."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import PalettedImage, StyledImage
from v2v.color.palette import Palette
from v2v.config import MaterialsConfig, Phase3Config
from v2v.context import RunContext
from v2v.stages.palette import map_to_palette

Color = tuple[int, int, int]
#: A blue-grey fuselage (L 58, chroma 18) and the pale teal sky reflected in it (L 48, chroma 15).
FUSELAGE, SKY_STREAK = (100, 145, 162), (82, 120, 132)
#: An off-white, slightly pink freight car (L 65, chroma 12) and glare on it (L 80, chroma 15).
OFF_WHITE, GLARE = (176, 152, 139), (223, 191, 177)


def panel(base: Color, patches: list[tuple[int, int, int, int]], color: Color) -> NDArray[np.uint8]:
    """A 120 x 300 panel of ``base`` with ellipses (centre x, y, half axes) of ``color``."""
    pixels = np.zeros((120, 300, 3), dtype=np.uint8)
    pixels[:] = base
    for x, y, a, b in patches:
        cv2.ellipse(pixels, (x, y), (a, b), -5, 0, 360, color, thickness=-1)
    return pixels


def names(pixels: NDArray[np.uint8], **materials: Any) -> set[str]:
    mask = np.ones(pixels.shape[:2], dtype=bool)
    styled = StyledImage(pixels, mask, np.zeros(mask.shape, dtype=np.uint8))
    config = Phase3Config(materials=MaterialsConfig(**materials), remove_specks=False)
    result: PalettedImage = map_to_palette(styled, Palette.load("default"), config, RunContext())
    return {entry["name"] for entry in result.notes["colors_used"]}


def test_a_sky_streak_on_a_grey_fuselage_stays_grey() -> None:
    pixels = panel(FUSELAGE, [(90, 45, 50, 8), (210, 70, 40, 7)], SKY_STREAK)
    assert names(pixels, pale_patches=False) == {"Gray", "Teal"}  # the defect: teal streaks
    assert names(pixels) == {"Gray"}


def test_glare_on_an_off_white_car_stays_its_colour() -> None:
    pixels = panel(OFF_WHITE, [(80, 40, 30, 8), (200, 60, 20, 6), (250, 90, 12, 5)], GLARE)
    cv2.ellipse(pixels, (80, 40), (12, 4), -5, 0, 360, (250, 246, 242), thickness=-1)  # a core
    assert names(pixels, pale_patches=False) == {"Gray", "White"}  # the defect: white holes
    assert names(pixels) == {"Gray"}


def test_a_large_white_panel_and_a_dark_vent_on_a_grey_body_stay() -> None:
    pixels = panel(OFF_WHITE, [(150, 60, 110, 40)], GLARE)  # a white door: not a patch
    assert names(pixels) == {"Gray", "White"}
    vent = panel(FUSELAGE, [(150, 60, 40, 8)], (40, 40, 40))  # darker than the body: a detail
    assert names(vent) == {"Gray", "Black"}


def test_a_pale_decal_square_beside_a_green_one_stays() -> None:
    pixels = panel(FUSELAGE, [], FUSELAGE)
    pixels[40:80, 100:140] = SKY_STREAK  # a washed-out teal square of a decal...
    pixels[40:80, 140:180] = (40, 200, 60)  # ...beside a green one: livery, not sky
    assert "Teal" in names(pixels)
    assert names(pixels, pale_patches=False) == names(pixels)
