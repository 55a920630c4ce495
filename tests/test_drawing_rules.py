"""Phase II rules that draw as a designer would (issue 11), each on a drawn car that shows the
defect with the rule off and its fix with the rule on: white glare on light paint, reflections
in a dark pane, wheels seen at an angle."""

from __future__ import annotations

import cv2
import numpy as np

from tests.test_phase2 import BODY, HEIGHT, WHEELS, WIDTH, WINDOWS, _disc, _polygon_mask
from v2v.artefacts import CleanImage
from v2v.color.ciede2000 import delta_e_2000, rgb_to_lab
from v2v.config import load_config
from v2v.context import RunContext
from v2v.stages.stylize.classical import ClassicalStylizer

LIGHT_BLUE = (120, 175, 220)


def _stylize(pixels: np.ndarray, mask: np.ndarray, **switches: object) -> np.ndarray:
    config = load_config(overrides={f"phase2.flatten.{k}": v for k, v in switches.items()})
    clean = CleanImage(pixels, mask, np.zeros_like(mask))
    return ClassicalStylizer(config.phase2).run(clean, RunContext()).pixels


def _distance_to(pixels: np.ndarray, where: np.ndarray, rgb: tuple[int, int, int]) -> float:
    """Median ΔE00 between the pixels under ``where`` and ``rgb``."""
    lab = rgb_to_lab(pixels[where])
    target = rgb_to_lab(np.array([rgb], np.uint8))
    return float(np.median(delta_e_2000(lab, target)))


def draw_light_blue_car_with_glare() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A light-blue car with dark windows and a near-white glare band along its shoulder,
    right under the windows (sky reflected in the paint): RGB uint8, vehicle mask, band mask."""
    rng = np.random.default_rng(11)
    image = np.full((HEIGHT, WIDTH, 3), 215.0)
    mask = _polygon_mask(BODY)
    image[mask] = LIGHT_BLUE
    for window in WINDOWS:
        image[_polygon_mask(window)] = (40, 45, 55)
    band = mask & np.zeros((HEIGHT, WIDTH), bool)
    band[100:112, 120:330] = True
    band &= mask & ~np.any([_polygon_mask(w) for w in WINDOWS], axis=0)
    image[band] = (248, 250, 252)
    for center in WHEELS:
        image[_disc(center, 30)] = (22, 22, 25)
        mask |= _disc(center, 30)
    image += rng.normal(0, 5, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask, band


def test_white_glare_on_light_paint_takes_the_paint_colour() -> None:
    pixels, mask, band = draw_light_blue_car_with_glare()
    inner = cv2.erode(band.astype(np.uint8), np.ones((5, 5))).astype(bool)
    off = _stylize(pixels, mask, light_glare=False)
    assert _distance_to(off, inner, (250, 250, 250)) < 5, "with the rule off the band is white"
    on = _stylize(pixels, mask, light_glare=True)
    assert _distance_to(on, inner, LIGHT_BLUE) < 5, "the glare band must be drawn light blue"
    body = mask & ~cv2.dilate(band.astype(np.uint8), np.ones((15, 15))).astype(bool)
    body[:, :60] = False
    assert _distance_to(on, body & (np.arange(HEIGHT)[:, None] > 120), LIGHT_BLUE) < 5


def test_a_white_panel_on_dark_paint_is_not_glare() -> None:
    pixels, mask, band = draw_light_blue_car_with_glare()
    pixels[mask & ~band] = np.where(
        np.any([_polygon_mask(w) for w in WINDOWS], axis=0)[mask & ~band][:, None],
        pixels[mask & ~band],
        np.array([150, 20, 30], np.uint8),
    )
    inner = cv2.erode(band.astype(np.uint8), np.ones((5, 5))).astype(bool)
    on = _stylize(pixels, mask, light_glare=True)
    assert _distance_to(on, inner, (250, 250, 250)) < 5, "a white stripe on red paint stays"


def draw_dark_glass_with_reflection() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """The red car whose dark windows each hold a large light-grey sky reflection, far from the
    glass in lightness (ΔE00 > 30): RGB uint8, vehicle mask, the window masks."""
    rng = np.random.default_rng(12)
    image = np.full((HEIGHT, WIDTH, 3), 215.0)
    mask = _polygon_mask(BODY)
    image[mask] = (190, 30, 40)
    panes = [_polygon_mask(window) for window in WINDOWS]
    for pane, window in zip(panes, WINDOWS, strict=True):
        image[pane] = (25, 28, 34)
        centre = (int(window[:, 0].mean()), 80)
        sky = np.zeros((HEIGHT, WIDTH), np.uint8)
        cv2.ellipse(sky, centre, (14, 9), 30, 0, 360, 1, -1)
        image[sky.astype(bool) & pane] = (200, 205, 212)
    for center in WHEELS:
        image[_disc(center, 30)] = (22, 22, 25)
        image[_disc(center, 13)] = (165, 170, 175)
        mask |= _disc(center, 30)
    image += rng.normal(0, 5, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask, panes


def _one_tone_share(pixels: np.ndarray, pane: np.ndarray) -> float:
    inner = cv2.erode(pane.astype(np.uint8), np.ones((5, 5))).astype(bool)
    colors, counts = np.unique(pixels[inner], axis=0, return_counts=True)
    return float(counts.max() / counts.sum())


def test_a_sky_reflection_in_a_dark_window_becomes_one_glass_shape() -> None:
    pixels, mask, panes = draw_dark_glass_with_reflection()
    off = _stylize(pixels, mask, glass_reflections=False)
    assert min(_one_tone_share(off, p) for p in panes) < 0.9, "the drawn reflection should show"
    on = _stylize(pixels, mask, glass_reflections=True)
    shares = [_one_tone_share(on, p) for p in panes]
    assert min(shares) > 0.97, f"a window kept its reflection as a shape: {shares}"
    for pane in panes:
        inner = cv2.erode(pane.astype(np.uint8), np.ones((5, 5))).astype(bool)
        assert _distance_to(on, inner, (25, 28, 34)) < 8, "the glass keeps its dark tone"
    hub = _disc(WHEELS[0], 8)
    assert _distance_to(on, hub, (165, 170, 175)) < 10, "a hub in a tyre is not a reflection"
