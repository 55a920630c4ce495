"""Dark wheels drawn as a designer would (issue 11): a tyre and a rim that stay apart in the
palette, also where the photo's wheel is a dark blob joined to a black chassis band (a garbage
truck's), its hub in shade, or its rim only a thin bright edge.

Each test draws the defect, runs phase II (and phase III with the default palette where the
palette is what merged the rim into the tyre) with the rule off and on."""

from __future__ import annotations

import numpy as np

from tests.test_phase2 import HEIGHT, WIDTH, _disc
from v2v.artefacts import CleanImage, StyledImage
from v2v.color.ciede2000 import rgb_to_lab
from v2v.color.palette import Palette
from v2v.config import load_config
from v2v.context import RunContext
from v2v.stages.palette import map_to_palette
from v2v.stages.stylize.classical import ClassicalStylizer

WHEELS = [(110, 182), (300, 182)]
TYRE = (10, 10, 12)


def draw_truck(chassis: bool, hub: tuple[int, int, int] | None, ring: bool) -> tuple:
    """A white truck body (400 × 240) with two black wheels of radius 32 under it: with
    ``chassis`` a black band joins the tyres' upper halves (they melt into it), with ``hub`` a
    disc of that colour (radius 16) inside each tyre, with ``ring`` a thin light-grey ring at
    15-18 px (the bright edge of a dark rim). RGB uint8 and the vehicle mask."""
    rng = np.random.default_rng(21)
    image = np.full((HEIGHT, WIDTH, 3), 200.0)
    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[50:160, 40:370] = True
    image[mask] = (236, 236, 238)
    if chassis:
        mask[140:172, 40:370] = True
        image[140:172, 40:370] = TYRE
    for center in WHEELS:
        image[_disc(center, 32)] = TYRE
        mask |= _disc(center, 32)
        if hub is not None:
            image[_disc(center, 16)] = hub
        if ring:
            image[_disc(center, 18) & ~_disc(center, 15)] = (150, 150, 155)
    image += rng.normal(0, 4, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask


def _styled(pixels: np.ndarray, mask: np.ndarray, **switches: object) -> StyledImage:
    config = load_config(overrides={f"phase2.flatten.{k}": v for k, v in switches.items()})
    clean = CleanImage(pixels, mask, np.zeros_like(mask))
    return ClassicalStylizer(config.phase2).run(clean, RunContext())


def _palette_colours(styled: StyledImage) -> list[tuple[str, str]]:
    """Per wheel: (the default palette's colour of its centre, of its tyre ring)."""
    config = load_config()
    result = map_to_palette(styled, Palette.load("default"), config.phase3, RunContext())
    colours = result.palette.colors
    found = []
    for center in WHEELS:
        middle = _disc(center, 10)
        ring = _disc(center, 30) & ~_disc(center, 26)
        found.append(
            tuple(
                str(colours[int(np.bincount(result.labels[where]).argmax())])
                for where in (middle, ring)
            )
        )
    return found  # type: ignore[return-value]


def test_a_dark_wheel_melting_into_a_black_chassis_is_found_past_its_rim_edge() -> None:
    # the circle search finds the thin bright rim edge, whose inside is dark too: the tyre is
    # the dark band past that edge, not the dark hub inside it
    pixels, mask = draw_truck(chassis=True, hub=None, ring=True)
    off = _styled(pixels, mask, tyre_past_rim=False)
    assert off.notes["wheels"] == 0
    assert all(middle == tyre for middle, tyre in _palette_colours(off)), "one black blob"
    on = _styled(pixels, mask, tyre_past_rim=True)
    assert on.notes["wheels"] == 2
    for middle, tyre in _palette_colours(on):
        assert tyre == "#000000" and middle == "#808080", "a black tyre and a grey rim"


def _centre_over_tyre(pixels: np.ndarray) -> list[float]:
    """Per wheel: median L* of its drawn centre minus that of its drawn tyre ring."""
    lightness = rgb_to_lab(pixels.reshape(-1, 3)).reshape(HEIGHT, WIDTH, 3)[..., 0]
    return [
        float(np.median(lightness[_disc(c, 10)]))
        - float(np.median(lightness[_disc(c, 30) & ~_disc(c, 26)]))
        for c in WHEELS
    ]


def test_a_wheel_whose_hub_the_photo_hides_in_shade_still_gets_a_rim() -> None:
    pixels, mask = draw_truck(chassis=False, hub=(24, 24, 27), ring=False)
    off = _styled(pixels, mask, wheel_rims=False)
    assert off.notes["wheels"] == 2
    assert max(_centre_over_tyre(off.pixels)) < 10, "with the rule off: a dark blob"
    on = _styled(pixels, mask, wheel_rims=True)
    assert min(_centre_over_tyre(on.pixels)) >= 39, "each wheel drawn with a lighter rim"
    for middle, tyre in _palette_colours(on):
        assert middle != tyre


def test_a_rim_in_shade_stays_apart_from_its_tyre_after_palette_mapping() -> None:
    # the hub is found (a little lighter than the tyre) and drawn 25 L lighter than it: in
    # CIEDE2000 that is still nearer black than grey, so the palette drew the wheel black
    pixels, mask = draw_truck(chassis=False, hub=(40, 40, 43), ring=False)
    low = _styled(pixels, mask, rim_contrast=25.0)
    assert all(middle == tyre for middle, tyre in _palette_colours(low)), "merged in black"
    high = _styled(pixels, mask, rim_contrast=40.0)
    for middle, tyre in _palette_colours(high):
        assert tyre == "#000000" and middle == "#808080"


def test_a_dark_round_end_of_the_silhouette_without_a_hub_gets_no_rim() -> None:
    # a tank seen from the front: its track's lower end is a dark disc standing on the ground
    # at the very side of the silhouette, with no hub; a wheel under a body is inset from its
    # ends (bumpers, overhangs) and gets a rim even where the photo shows none
    from v2v.stages.stylize.ellipses import from_circle
    from v2v.stages.stylize.wheels import Wheel

    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[50:182, 40:370] = True
    mask |= _disc((338, 182), 32) | _disc((110, 182), 32)
    lab = np.zeros((HEIGHT, WIDTH, 3), np.float32)
    lab[..., 0] = 8.0
    at_the_end = from_circle(Wheel(338.0, 182.0, 32.0, 0.0), lab, mask, always_rim=True)
    under_the_body = from_circle(Wheel(110.0, 182.0, 32.0, 0.0), lab, mask, always_rim=True)
    assert at_the_end.rim_scale == 0.0
    assert under_the_body.rim_scale > 0.5
    assert from_circle(Wheel(110.0, 182.0, 32.0, 0.0), lab, mask, always_rim=False).rim_scale == 0


def test_a_dusty_tyre_takes_its_darker_half_and_stays_black() -> None:
    # the stryker's dusty tyre had a ring median of L 32, which the palette draws grey like its
    # rim; the rubber is the darker half of the ring
    from v2v.stages.stylize.ellipses import from_circle
    from v2v.stages.stylize.wheels import Wheel

    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[50:182, 40:370] = True
    mask |= _disc((110, 182), 32)
    lab = np.zeros((HEIGHT, WIDTH, 3), np.float32)
    lab[..., 0] = (20.0 + 2.5 * (np.arange(WIDTH) * 7 % 11))[None, :]  # L 20..45, evenly
    wheel = Wheel(110.0, 182.0, 32.0, 0.0)
    assert from_circle(wheel, lab, mask, always_rim=False).tyre[0] > 30
    assert from_circle(wheel, lab, mask, always_rim=True).tyre[0] < 28
