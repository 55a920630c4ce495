"""Light grey tyres at an angle (issue 11, a pink tricycle's): a grey ring with a white glare
streak along it, around a pink rim, its top hidden behind a pink fender, becomes one tyre
ellipse and one rim ellipse (``phase2.flatten.light_tyres``)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.test_phase2 import HEIGHT, WIDTH
from v2v.artefacts import CleanImage, StyledImage
from v2v.config import load_config
from v2v.context import RunContext
from v2v.stages.stylize.classical import ClassicalStylizer

PINK, GREY, SHADE, GLARE = (215, 80, 170), (175, 170, 168), (112, 108, 106), (252, 252, 252)
CENTER, AXES, ANGLE = (200, 168), (34, 58), 8.0


def _ellipse(axes: tuple[int, int], start: int = 0, end: int = 360) -> np.ndarray:
    canvas = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.ellipse(canvas, CENTER, axes, ANGLE, start, end, 1, -1)
    return canvas.astype(bool)


def draw_tricycle_wheel(glare: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A pink frame bar and fork with a wheel under it seen at an angle: a light grey tyre
    (semi-axes 34 × 58), lit on the left and in shade on the right, around a pink rim (0.65 of
    the axes), a white glare streak along the tyre's lit side, and a pink fender over its top.
    RGB uint8 and the mask."""
    rng = np.random.default_rng(5)
    image = np.full((HEIGHT, WIDTH, 3), 120.0)
    image[..., 1] = 150
    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[60:100, 60:340] = True
    image[60:100, 60:340] = PINK
    tyre = _ellipse(AXES)
    mask |= tyre
    image[tyre] = GREY
    image[tyre & (np.arange(WIDTH) > CENTER[0])[None, :]] = SHADE
    if glare:  # a streak along the tyre, between the rim and the outer edge
        streak = _ellipse((31, 54), 130, 230) & ~_ellipse((25, 44))
        image[streak] = GLARE
    image[_ellipse((22, 38))] = PINK
    fender = _ellipse((38, 62), 230, 310) & ~_ellipse((30, 50))
    image[fender] = PINK
    mask |= fender
    mask[95:115, 194:206] = True  # the fork
    image[95:115, 194:206] = PINK
    image += rng.normal(0, 4, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask


def _styled(pixels: np.ndarray, mask: np.ndarray, on: bool) -> StyledImage:
    config = load_config(overrides={"phase2.flatten.light_tyres": on})
    clean = CleanImage(pixels, mask, np.zeros_like(mask))
    return ClassicalStylizer(config.phase2).run(clean, RunContext())


def _colours(pixels: np.ndarray, where: np.ndarray) -> int:
    """How many colours cover at least 3 % of ``where``."""
    _, counts = np.unique(pixels[where], axis=0, return_counts=True)
    return int((counts >= 0.03 * counts.sum()).sum())


def _dominant(pixels: np.ndarray, where: np.ndarray) -> np.ndarray:
    colours, counts = np.unique(pixels[where], axis=0, return_counts=True)
    return colours[int(np.argmax(counts))].astype(int)


def test_a_light_tyre_with_glare_becomes_one_tyre_and_one_rim() -> None:
    pixels, mask = draw_tricycle_wheel()
    off = _styled(pixels, mask, on=False)
    on = _styled(pixels, mask, on=True)
    assert int(off.notes["wheels"]) == 0 and int(on.notes["wheels"]) == 1
    ring = _ellipse((32, 55), 0, 180) & ~_ellipse((25, 43))  # the tyre's lower half
    assert _colours(off.pixels, ring) >= 3, "off: glare and shade cut the tyre in three tones"
    assert _colours(on.pixels, ring) == 1, "on: the tyre is one ring"
    tyre = _dominant(on.pixels, ring)
    assert abs(tyre[0] - tyre[2]) < 20 and tyre[0] < 200, "a grey tyre, not the glare's white"
    rim = _ellipse((18, 32))
    assert _colours(on.pixels, rim) == 1, "the rim is one colour"
    red, green, _ = _dominant(on.pixels, rim)
    assert red - green > 60, "the rim keeps the frame's pink"


def test_a_neutral_disc_without_a_coloured_rim_is_not_a_light_tyre() -> None:
    """A grey hubcap-less disc (a round grey panel) is neutral throughout: no rim, no wheel."""
    pixels, mask = draw_tricycle_wheel(glare=False)
    pixels[_ellipse((22, 38))] = GREY
    assert int(_styled(pixels, mask, on=True).notes["wheels"]) == 0


def _disc(
    image: np.ndarray, mask: np.ndarray, center: tuple[int, int], radius: int, rgb: tuple[int, ...]
) -> None:
    canvas = np.zeros(mask.shape, np.uint8)
    cv2.circle(canvas, center, radius, 1, -1)
    image[canvas.astype(bool)] = rgb
    mask |= canvas.astype(bool)


def _body(rows: slice, columns: slice) -> tuple[np.ndarray, np.ndarray]:
    """A blue body on a green background: the RGB float image and the mask."""
    image = np.full((HEIGHT, WIDTH, 3), (120.0, 150.0, 120.0))
    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[rows, columns] = True
    image[rows, columns] = (40, 90, 200)
    return image, mask


def _wheels(image: np.ndarray, mask: np.ndarray) -> tuple[int, int]:
    """The wheels found with the rule off and on."""
    noise = np.random.default_rng(1).normal(0, 4, image.shape)
    pixels = np.clip(image + noise, 0, 255).astype(np.uint8)
    off, on = (int(_styled(pixels, mask, on).notes["wheels"]) for on in (False, True))
    return off, on


def test_a_chrome_engine_cover_between_two_wheels_is_not_a_third_tyre() -> None:
    """A motorcycle: nothing below its chrome engine cover (around a blue badge), but its
    wheels on both sides reach lower; it stands on nothing."""
    image, mask = _body(slice(60, 141), slice(90, 311))
    for x in (90, 310):
        _disc(image, mask, (x, 175), 55, (30, 30, 30))
        _disc(image, mask, (x, 175), 35, (150, 150, 150))
        _disc(image, mask, (x, 175), 8, (30, 30, 30))
    _disc(image, mask, (200, 150), 30, (185, 185, 188))
    _disc(image, mask, (200, 150), 17, (30, 60, 200))
    assert _wheels(image, mask) == (2, 2)


def test_a_spare_wheel_cover_with_the_body_below_it_is_not_a_tyre() -> None:
    """A grey cover ring around a red logo on an SUV's rear: the body goes on 0.3 of its
    radius below it."""
    image, mask = _body(slice(40, 206), slice(60, 340))
    _disc(image, mask, (200, 140), 50, (175, 175, 175))
    _disc(image, mask, (200, 140), 32, (200, 30, 40))
    assert _wheels(image, mask) == (0, 0)


def test_a_dark_ring_is_left_to_the_dark_searches() -> None:
    """A black ring around yellow standing higher than the vehicle's lowest point (a tank's
    track end beside its camouflage): the dark searches do not take it, nor does this one."""
    image, mask = _body(slice(40, 120), slice(60, 340))
    image[120:239, 20:50] = (40, 90, 200)
    mask[120:239, 20:50] = True
    _disc(image, mask, (250, 150), 50, (45, 45, 45))
    _disc(image, mask, (250, 150), 32, (230, 200, 40))
    assert _wheels(image, mask) == (0, 0)


def test_a_tyre_cut_by_the_photo_edge_is_not_fitted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tricycle wheel 24 px below the photo's bottom: its hull's straight edge would make a
    rounder, shorter ellipse than the tyre's, so no light tyre is drawn."""
    monkeypatch.setattr("tests.test_light_tyres.CENTER", (CENTER[0], CENTER[1] + 37))
    pixels, mask = draw_tricycle_wheel()
    assert int(_styled(pixels, mask, on=True).notes["wheels"]) == 0


def test_a_chrome_rim_crossed_by_a_pink_fork_is_not_drawn_pink() -> None:
    """A chrome rim with the pink fork running down to a pink hub over it: flattening merges
    the rim with the fork, but the photo's rim is grey; no pink rim ellipse is drawn."""
    pixels, mask = draw_tricycle_wheel(glare=False)
    pixels[_ellipse((22, 38))] = (205, 205, 205)
    pixels[60:168, 193:207] = PINK
    hub = np.zeros(mask.shape, np.uint8)
    cv2.circle(hub, CENTER, 11, 1, -1)
    pixels[hub.astype(bool)] = PINK
    assert int(_styled(pixels, mask, on=True).notes["wheels"]) == 0
