"""Phase II, classical stylizer: flat regions, glare removal, edge map, switches.

The car is drawn here: a red body with two dark windows and two wheels (dark tyre, grey hub),
Gaussian noise, and a soft, bright specular highlight on the body.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from v2v.artefacts import CleanImage, StyledImage
from v2v.color.ciede2000 import delta_e_2000, rgb_to_lab
from v2v.config import Config, load_config
from v2v.context import RunContext
from v2v.errors import InputError
from v2v.stages import STYLIZERS, load_backends
from v2v.stages.stylize.classical import ClassicalStylizer

WIDTH, HEIGHT = 400, 240
BODY_RGB = (190, 30, 40)
WINDOW_RGB = (45, 55, 70)
BODY = np.array([[30, 160], [55, 110], [130, 100], [165, 50], [285, 50], [330, 100], [375, 112],
                 [380, 170], [30, 175]], np.int32)  # fmt: skip
WINDOWS = [np.array([[175, 60], [225, 60], [225, 100], [150, 100]], np.int32),
           np.array([[235, 60], [280, 60], [315, 100], [235, 100]], np.int32)]  # fmt: skip
WHEELS = [(100, 172), (310, 172)]
TYRE_RADIUS, HUB_RADIUS = 30, 13
BLOB_CENTER, BLOB_AXES = (205, 135), (34, 16)


def _polygon_mask(points: np.ndarray) -> np.ndarray:
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.fillPoly(mask, [points], 1)
    return mask.astype(bool)


def _disc(center: tuple[int, int], radius: int) -> np.ndarray:
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.circle(mask, center, radius, 1, -1)
    return mask.astype(bool)


def _blob_mask() -> np.ndarray:
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.ellipse(mask, BLOB_CENTER, BLOB_AXES, 0, 0, 360, 1, -1)
    return mask.astype(bool)


def draw_shiny_car(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """RGB uint8 (H, W, 3) photo-like car on a grey background, and its bool (H, W) mask."""
    rng = np.random.default_rng(seed)
    image = np.full((HEIGHT, WIDTH, 3), 205.0)
    image[_polygon_mask(BODY)] = BODY_RGB
    for window in WINDOWS:
        image[_polygon_mask(window)] = WINDOW_RGB
    for center in WHEELS:
        image[_disc(center, TYRE_RADIUS)] = (22, 22, 25)
        image[_disc(center, HUB_RADIUS)] = (165, 170, 175)
    # glare: a soft ellipse fading from near-white pink into the paint
    yy, xx = np.mgrid[:HEIGHT, :WIDTH]
    dx, dy = (xx - BLOB_CENTER[0]) / BLOB_AXES[0], (yy - BLOB_CENTER[1]) / BLOB_AXES[1]
    falloff = dx**2 + dy**2
    alpha = np.clip(1.2 - falloff, 0.0, 0.75)[..., None]
    image = image * (1 - alpha) + np.array([255.0, 235.0, 235.0]) * alpha
    image += rng.normal(0, 8, image.shape)
    mask = _polygon_mask(BODY)
    for center in WHEELS:
        mask |= _disc(center, TYRE_RADIUS)
    return np.clip(image, 0, 255).astype(np.uint8), mask


def stylize(config: Config | None = None, seed: int = 0) -> tuple[StyledImage, CleanImage]:
    pixels, mask = draw_shiny_car(seed)
    clean = CleanImage(pixels, mask, np.zeros_like(mask))
    stylizer = ClassicalStylizer((config or load_config()).phase2)
    return stylizer.run(clean, RunContext()), clean


@pytest.fixture(scope="module")
def styled() -> StyledImage:
    return stylize()[0]


def _mode_color(pixels: np.ndarray, where: np.ndarray) -> np.ndarray:
    colors, counts = np.unique(pixels[where], axis=0, return_counts=True)
    return colors[np.argmax(counts)]


def _body_only() -> np.ndarray:
    body = _polygon_mask(BODY) & ~_blob_mask()
    for window in WINDOWS:
        body &= ~cv2.dilate(_polygon_mask(window).astype(np.uint8), np.ones((9, 9))).astype(bool)
    for center in WHEELS:
        body &= ~_disc(center, TYRE_RADIUS + 6)
    return body


def test_output_shapes_and_types(styled: StyledImage) -> None:
    assert styled.pixels.shape == (HEIGHT, WIDTH, 3) and styled.pixels.dtype == np.uint8
    assert styled.mask.dtype == np.bool_ and np.array_equal(styled.mask, draw_shiny_car()[1])
    assert styled.edges.shape == (HEIGHT, WIDTH) and styled.edges.dtype == np.uint8
    assert set(np.unique(styled.edges).tolist()) <= {0, 255}
    json.dumps(styled.notes)
    assert styled.notes["regions"] >= 4 and "flatten.mean_shift" in styled.notes["seconds"]


def test_far_fewer_colours_than_the_photo(styled: StyledImage) -> None:
    photo, mask = draw_shiny_car()
    photo_colors = len(np.unique(photo[mask], axis=0))
    styled_colors = len(np.unique(styled.pixels[mask], axis=0))
    assert photo_colors > 5000
    assert styled_colors <= 12, styled_colors


def test_body_is_one_flat_colour_close_to_the_paint(styled: StyledImage) -> None:
    body = _body_only()
    paint = _mode_color(styled.pixels, body)
    share = np.all(styled.pixels[body] == paint, axis=1).mean()
    assert share > 0.97, share
    assert delta_e_2000(rgb_to_lab(paint), rgb_to_lab(np.array(BODY_RGB, np.uint8))) < 6


def test_specular_highlight_takes_the_body_colour(styled: StyledImage) -> None:
    paint = _mode_color(styled.pixels, _body_only())
    blob = _blob_mask()
    share = np.all(styled.pixels[blob] == paint, axis=1).mean()
    assert share > 0.95, f"only {share:.0%} of the highlight took the body colour"


def test_windows_stay_separate_dark_shapes(styled: StyledImage) -> None:
    paint = _mode_color(styled.pixels, _body_only())
    for window in WINDOWS:
        inner = cv2.erode(_polygon_mask(window).astype(np.uint8), np.ones((7, 7))).astype(bool)
        color = _mode_color(styled.pixels, inner)
        assert not np.array_equal(color, paint)
        assert np.all(styled.pixels[inner] == color, axis=1).mean() > 0.95
        assert rgb_to_lab(color)[0] < 35


def test_wheels_stay_dark_and_round_with_a_hub(styled: StyledImage) -> None:
    for center in WHEELS:
        ring = _disc(center, TYRE_RADIUS - 4) & ~_disc(center, HUB_RADIUS + 4)
        tyre = _mode_color(styled.pixels, ring)
        assert rgb_to_lab(tyre)[0] < 25
        drawn = _disc(center, TYRE_RADIUS) & ~_disc(center, HUB_RADIUS)
        window = _disc(center, TYRE_RADIUS + 10)
        found = np.all(styled.pixels == tyre, axis=2) & window & styled.mask
        iou = (found & drawn).sum() / (found | drawn).sum()
        assert iou > 0.75, iou
        hub = _mode_color(styled.pixels, _disc(center, HUB_RADIUS - 4))
        assert rgb_to_lab(hub)[0] > 50


def test_side_view_wheels_are_found_and_can_be_switched_off(styled: StyledImage) -> None:
    assert styled.notes["wheels"] == 2
    plain, _ = stylize(load_config(overrides={"phase2.flatten.wheels": False}))
    assert plain.notes["wheels"] == 0


def test_edges_found_only_inside_the_mask(styled: StyledImage) -> None:
    assert np.count_nonzero(styled.edges) > 200
    assert not styled.edges[~styled.mask].any()


def test_flatten_disabled_passes_pixels_through() -> None:
    styled, clean = stylize(load_config(overrides={"phase2.flatten.enabled": False}))
    assert np.array_equal(styled.pixels, clean.pixels)
    assert styled.edges.any()


def test_edges_disabled_gives_an_empty_edge_map() -> None:
    styled, _ = stylize(load_config(overrides={"phase2.edges.enabled": False}))
    assert styled.edges.shape == (HEIGHT, WIDTH) and not styled.edges.any()


def test_highlight_removal_can_be_switched_off() -> None:
    styled, _ = stylize(load_config(overrides={"phase2.flatten.remove_highlights": False}))
    paint = _mode_color(styled.pixels, _body_only())
    core = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.ellipse(core, BLOB_CENTER, (BLOB_AXES[0] // 2, BLOB_AXES[1] // 2), 0, 0, 360, 1, -1)
    share = np.all(styled.pixels[core.astype(bool)] == paint, axis=1).mean()
    assert share < 0.5, "the glare rule alone should not have removed this large highlight"


def test_background_colour_does_not_bleed_into_the_vehicle() -> None:
    pixels, mask = draw_shiny_car()
    pixels[~mask] = (0, 210, 0)
    clean = CleanImage(pixels, mask, np.zeros_like(mask))
    styled = ClassicalStylizer(load_config().phase2).run(clean, RunContext())
    inside = styled.pixels[mask].astype(int)
    greenish = (inside[:, 1] > inside[:, 0] + 40) & (inside[:, 1] > inside[:, 2] + 40)
    assert not greenish.any(), f"{greenish.sum()} vehicle pixels took the background's green"


def test_a_tiny_vehicle_is_still_stylized() -> None:
    pixels, _ = draw_shiny_car()
    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[120:126, 200:207] = True
    styled = ClassicalStylizer(load_config().phase2).run(
        CleanImage(pixels, mask, np.zeros_like(mask)), RunContext()
    )
    assert styled.notes["regions"] >= 1
    # 42 noisy input colours in 6 × 7 px become a few flat ones
    assert len(np.unique(pixels[mask], axis=0)) > 20
    assert len(np.unique(styled.pixels[mask], axis=0)) <= 3


def test_empty_mask_returns_the_pixels_and_no_edges() -> None:
    pixels, mask = draw_shiny_car()
    clean = CleanImage(pixels, np.zeros_like(mask), np.zeros_like(mask))
    styled = ClassicalStylizer(load_config().phase2).run(clean, RunContext())
    assert np.array_equal(styled.pixels, pixels) and not styled.edges.any()
    assert styled.notes["regions"] == 0


def test_mask_of_the_wrong_size_is_rejected() -> None:
    pixels, mask = draw_shiny_car()
    clean = CleanImage(pixels, mask[:-1], np.zeros_like(mask))
    with pytest.raises(InputError, match="vehicle mask"):
        ClassicalStylizer(load_config().phase2).run(clean, RunContext())


def test_registered_as_the_classical_backend() -> None:
    load_backends()
    assert STYLIZERS.get("classical") is ClassicalStylizer


def draw_chrome_scene(body_rgb: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A body of ``body_rgb`` with a grey chrome block holding a warm-lit (tinted) patch: RGB
    uint8 (H, W, 3), the bool vehicle mask and the bool mask of the tinted patch."""
    rng = np.random.default_rng(3)
    image = np.full((HEIGHT, WIDTH, 3), 230.0)
    mask = _polygon_mask(BODY)
    image[mask] = body_rgb
    chrome = np.zeros((HEIGHT, WIDTH), bool)
    chrome[110:170, 150:280] = True
    image[chrome] = (150, 150, 152)
    patch = np.zeros((HEIGHT, WIDTH), bool)
    patch[125:155, 185:245] = True
    image[patch] = (170, 140, 110)
    image += rng.normal(0, 4, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask, patch


def _patch_chroma(body_rgb: tuple[int, int, int], grey_chrome: bool) -> tuple[float, float]:
    """Median CIELAB chroma of the stylized tinted patch and of the stylized body."""
    pixels, mask, patch = draw_chrome_scene(body_rgb)
    config = load_config(overrides={"phase2.flatten.grey_chrome": grey_chrome})
    styled = ClassicalStylizer(config.phase2).run(
        CleanImage(pixels, mask, np.zeros_like(mask)), RunContext()
    )
    lab = rgb_to_lab(styled.pixels.reshape(-1, 3)).reshape(HEIGHT, WIDTH, 3)
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    body = mask & ~cv2.dilate(patch.astype(np.uint8), np.ones((81, 81))).astype(bool)
    return float(np.median(chroma[patch])), float(np.median(chroma[body]))


def test_warm_lit_chrome_turns_grey_not_brown() -> None:
    tinted_off, _ = _patch_chroma((190, 30, 40), grey_chrome=False)
    assert tinted_off > 12.0, "the drawn patch should be tinted when the rule is off"
    tinted_on, body = _patch_chroma((190, 30, 40), grey_chrome=True)
    assert tinted_on < 3.0, f"warm-lit chrome kept chroma {tinted_on:.1f}"
    assert body > 40.0, "the red body must stay red"


def test_a_large_tan_body_keeps_its_colour() -> None:
    _, body = _patch_chroma((200, 180, 145), grey_chrome=True)
    assert body > 10.0, f"a tan body is paint, not tinted chrome (chroma {body:.1f})"


def draw_light_glass_car() -> tuple[np.ndarray, np.ndarray]:
    """The shiny car with light windows reflecting the sky: each window a light grey with a
    near-white diagonal streak and a darker grey patch (buildings). RGB uint8 and bool mask."""
    pixels, mask = draw_shiny_car(seed=5)
    rng = np.random.default_rng(6)
    yy, xx = np.mgrid[:HEIGHT, :WIDTH]
    image = pixels.astype(float)
    for window in WINDOWS:
        glass = _polygon_mask(window)
        left = window[:, 0].min()
        streak = glass & (np.abs((xx - left) - (yy - 60) - 12) < 7)
        patch = glass & (yy > 88) & (xx < left + 28)
        image[glass] = (130, 135, 142)
        image[streak] = (238, 240, 242)
        image[patch & ~streak] = (70, 74, 80)
        image[glass] += rng.normal(0, 6, (int(glass.sum()), 3))
    return np.clip(image, 0, 255).astype(np.uint8), mask


def _window_shares(glass: bool) -> list[float]:
    """Per window, the share of its inner pixels that carry its most common stylized colour."""
    pixels, mask = draw_light_glass_car()
    config = load_config(overrides={"phase2.flatten.glass": glass})
    styled = ClassicalStylizer(config.phase2).run(
        CleanImage(pixels, mask, np.zeros_like(mask)), RunContext()
    )
    shares = []
    for window in WINDOWS:
        inner = cv2.erode(_polygon_mask(window).astype(np.uint8), np.ones((5, 5))).astype(bool)
        color = _mode_color(styled.pixels, inner)
        shares.append(float(np.all(styled.pixels[inner] == color, axis=1).mean()))
        assert not np.array_equal(color, _mode_color(styled.pixels, _body_only()))
    return shares


def test_light_glass_with_reflections_becomes_one_shape_per_window() -> None:
    off = _window_shares(glass=False)
    assert min(off) < 0.9, f"the drawn reflections should show when the rule is off: {off}"
    on = _window_shares(glass=True)
    assert min(on) > 0.97, f"a window kept its reflections as shapes: {on}"
