"""Phases II-IV alone on an image (``v2v.single_phase``): what ``v2v phase2..4`` and the API's
phase jobs both run; the image's alpha (else the whole image) is the vehicle."""

from __future__ import annotations

import io

import numpy as np
import pytest
from lxml import etree
from PIL import Image

from tests.conftest import draw_car
from v2v import Pipeline, load_config
from v2v.artefacts import Photo
from v2v.errors import InputError
from v2v.single_phase import map_palette_alone, stylize_alone, vectorize_alone
from v2v.svg.render import render_preview


def pipeline(*overrides: str) -> Pipeline:
    return Pipeline(load_config(overrides=["input.work_long_side=384", *overrides]), "primary-15")


def cut_out() -> Photo:
    """The drawn car (384 × 240) with an alpha that keeps only a box of it."""
    alpha = np.zeros((240, 384), bool)
    alpha[60:200, 40:340] = True
    return Photo(draw_car(384, 240, plate_text=None), (384, 240), alpha=alpha)


def as_photo(rgba: np.ndarray) -> Photo:
    return Photo(np.ascontiguousarray(rgba[..., :3]), rgba.shape[1::-1], alpha=rgba[..., 3] > 0)


def fills(svg: str) -> set[str]:
    root = etree.fromstring(svg.encode())
    return {e.get("fill").upper() for e in root.iter() if e.get("fill") not in (None, "none")}


def test_phases_two_and_three_draw_only_the_images_alpha() -> None:
    photo, run = cut_out(), pipeline()
    styled = stylize_alone(run, photo)
    assert styled.mask.shape == (240, 384) and not styled.mask[~photo.alpha_or_all()].any()
    paletted = map_palette_alone(run, photo)
    assert (paletted.labels[~photo.alpha_or_all()] == -1).all()
    assert (paletted.labels[photo.alpha_or_all()] >= 0).mean() > 0.99


def test_phase_four_maps_to_the_palette_first_exactly_as_phase_three() -> None:
    run = pipeline()
    styled = stylize_alone(run, cut_out())
    raster = as_photo(styled.to_rgba())  # a phase II output: many colours, none of the palette
    traced = vectorize_alone(run, raster)
    via_phase3 = vectorize_alone(run, as_photo(map_palette_alone(run, raster).to_rgba()))
    assert traced.svg == via_phase3.svg
    assert fills(traced.svg) <= set(run.palette.colors)


def test_switched_off_phases_and_a_wrong_edge_map_are_input_errors() -> None:
    photo = cut_out()
    with pytest.raises(InputError, match=r"phase3\.enabled=false"):
        map_palette_alone(pipeline("phase3.enabled=false"), photo)
    with pytest.raises(InputError, match=r"phase4\.enabled=false"):
        vectorize_alone(pipeline("phase4.enabled=false"), photo)
    with pytest.raises(InputError, match="same size"):
        vectorize_alone(pipeline(), photo, edges=np.zeros((10, 10), np.uint8))


def test_the_preview_has_the_long_side_and_the_background_asked_for() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
        '<rect x="50" y="25" width="100" height="50" fill="#FF0000"/></svg>'
    )
    for background, corner in (("white", (255, 255, 255, 255)), ("transparent", (0, 0, 0, 0))):
        with Image.open(io.BytesIO(render_preview(svg, 200, 100, 400, background))) as image:
            assert image.size == (400, 200)
            assert image.convert("RGBA").getpixel((2, 2)) == corner
