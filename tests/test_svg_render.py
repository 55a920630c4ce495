"""SVG rendering (resvg) and the SVG document builder."""

from __future__ import annotations

import numpy as np
import pytest
from lxml import etree

from v2v.errors import StageFailed
from v2v.svg.document import SVG_NS, ColorLayer, StrokeStyle, build_svg, format_numbers
from v2v.svg.render import preview_size, render_png, render_rgba

HALF_RED = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50" width="100" height="50">'
    '<rect x="0" y="0" width="50" height="50" fill="#FF0000"/></svg>'
)
SQUARE = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100">'
    '<g fill="#FF0000" stroke="#000000" stroke-width="2">'
    '<path d="M20 20L80 20L80 80L20 80Z" vector-effect="non-scaling-stroke"/></g></svg>'
)


def _dark_run(image: np.ndarray) -> int:
    """Dark opaque pixels on the middle row left of the centre: the outline's width."""
    row = image[image.shape[0] // 2, : image.shape[1] // 2].astype(int)
    return int(((row[:, 3] > 0) & (row[:, :3].sum(1) < 200)).sum())


@pytest.mark.parametrize("size", [(100, 50), (200, 100), (200, 200), (201, 100)])
def test_render_has_exactly_the_requested_size(size: tuple[int, int]) -> None:
    width, height = size
    image = render_rgba(HALF_RED, width, height)
    assert image.shape == (height, width, 4)
    scale = min(width / 100, height / 50)
    assert (image[..., 3] > 0).sum() == pytest.approx(50 * 50 * scale**2, rel=0.03)


def test_non_scaling_strokes_keep_their_width_when_rendered_larger() -> None:
    assert _dark_run(render_rgba(SQUARE, 100, 100)) == 2
    assert _dark_run(render_rgba(SQUARE, 400, 400)) == 2
    scaling = SQUARE.replace(' vector-effect="non-scaling-stroke"', "")
    assert _dark_run(render_rgba(scaling, 400, 400)) == 8


def test_background_and_errors() -> None:
    image = render_rgba(HALF_RED, 100, 50)
    assert image[25, 75, 3] == 0
    png = render_png(HALF_RED, 100, 50, background="#FFFFFF")
    assert png.startswith(b"\x89PNG")
    with pytest.raises(StageFailed, match="well-formed"):
        render_png("<svg", 10, 10)
    with pytest.raises(StageFailed, match="≥ 1"):
        render_png(HALF_RED, 0, 10)
    assert preview_size(1024, 775, 2048) == (2048, 1550)


def test_build_svg_layers_strokes_and_numbers() -> None:
    layer = ColorLayer("#C8202F", "Signal red", ("M0 0L10 0L10 10Z",))
    text = build_svg(
        40,
        30,
        [layer],
        title="t",
        stroke=StrokeStyle("#15181C", 2.0),
        centerlines=("M1 1 L5 5",),
        centerline_stroke=StrokeStyle("#15181C", 2.0),
        background="#FFFFFF",
    )
    root = etree.fromstring(text.encode())
    assert root.nsmap[None] == SVG_NS and root.get("viewBox") == "0 0 40 30"
    tags = [etree.QName(child).localname for child in root]
    assert tags == ["title", "rect", "g", "g"]
    group = root[2]
    assert group.get("id") == "layer-C8202F" and group.get("fill") == "#C8202F"
    assert group.get("{http://www.inkscape.org/namespaces/inkscape}label") == "Signal red #C8202F"
    assert root[3].get("fill") == "none"
    assert format_numbers([1.0, -0.001, 12.345, 0.5], 2) == ["1", "0", "12.35", "0.5"]


def test_rgba_rendering_is_the_png_rendering_pixel_for_pixel() -> None:
    """render_rgba decodes with OpenCV (faster): the same straight-alpha RGBA as the PNG."""
    import io

    from PIL import Image

    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 60">'
        '<rect x="5" y="5" width="60" height="40" fill="#c81e28" fill-opacity="0.5" '
        'stroke="#15181c" stroke-width="2" vector-effect="non-scaling-stroke"/>'
        '<circle cx="70" cy="40" r="15" fill="#1a2b3c"/></svg>'
    )
    expected = np.asarray(Image.open(io.BytesIO(render_png(svg, 300, 180))).convert("RGBA"))
    got = render_rgba(svg, 300, 180)
    assert got.dtype == np.uint8 and got.shape == (180, 300, 4)
    assert np.array_equal(got, expected)
    assert tuple(got[30, 60]) == tuple(expected[30, 60]) and 0 < got[30, 60, 3] < 255
