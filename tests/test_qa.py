"""QA checks: silhouette IoU and the palette / stroke audit of SVG documents."""

from __future__ import annotations

import numpy as np
import pytest

from v2v.color.palette import Palette
from v2v.errors import StageFailed
from v2v.geometry import silhouette_iou
from v2v.qa import audit_svg

PALETTE = Palette.load(["#15181C", "#C8202F", "#FFFFFF", "#1F4E9C"])
OUTLINE = 'stroke="#15181C" stroke-width="2"'
EFFECT = 'vector-effect="non-scaling-stroke"'


def svg(body: str) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">{body}</svg>'


def test_silhouette_iou() -> None:
    a = np.zeros((10, 10), bool)
    b = np.zeros((10, 10), bool)
    assert silhouette_iou(a, b) == 1.0
    a[:5] = True
    b[:, :5] = True
    assert silhouette_iou(a, b) == pytest.approx(25 / 75)
    with pytest.raises(ValueError, match="shapes differ"):
        silhouette_iou(a, np.zeros((5, 5), bool))


def test_compliant_layers_with_inherited_paint_pass() -> None:
    doc = svg(
        f'<g fill="#C8202F" {OUTLINE}><path d="M0 0L10 0L10 10Z" {EFFECT}/>'
        f'<circle cx="50" cy="50" r="5" {EFFECT}/></g>'
    )
    audit = audit_svg(doc, PALETTE, 2.0)
    assert (audit.shapes, audit.filled_shapes) == (2, 2)
    assert audit.palette_compliance == audit.stroke_compliance == 1.0
    assert audit.colors_used == ["#15181C", "#C8202F"]


def test_off_palette_fill_is_found_and_named() -> None:
    doc = svg(f'<path d="M0 0L10 0L10 10Z" fill="#C8202E" {OUTLINE} {EFFECT}/>')
    audit = audit_svg(doc, PALETTE, 2.0)
    assert audit.palette_compliance == 0.5
    assert audit.off_palette == ["#C8202E"]


def test_default_black_fill_counts_as_a_paint() -> None:
    audit = audit_svg(svg('<rect width="5" height="5"/>'), PALETTE, None)
    assert audit.off_palette == ["#000000"]


def test_short_hex_rgb_and_style_forms_are_understood() -> None:
    doc = svg(
        f'<rect width="5" height="5" fill="#fff" {OUTLINE} {EFFECT}/>'
        f'<rect width="5" height="5" style="fill: rgb(200, 32, 47); stroke: #15181C; '
        f'stroke-width: 2px; vector-effect: non-scaling-stroke"/>'
    )
    audit = audit_svg(doc, PALETTE, 2.0)
    assert audit.palette_compliance == audit.stroke_compliance == 1.0


def test_translucent_paint_is_not_a_palette_colour() -> None:
    doc = svg(
        f'<g opacity="0.5"><rect width="5" height="5" fill="#C8202F" {OUTLINE} {EFFECT}/></g>'
    )
    audit = audit_svg(doc, PALETTE, 2.0)
    assert audit.palette_compliance == 0.0
    assert "#C8202F@0.50" in audit.off_palette
    assert audit.stroke_compliance == 0.0


def test_vector_effect_on_a_group_does_not_count() -> None:
    # vector-effect is not inherited in SVG: renderers ignore it on a <g>.
    doc = svg(f'<g fill="#C8202F" {OUTLINE} {EFFECT}><path d="M0 0L10 0L10 10Z"/></g>')
    audit = audit_svg(doc, PALETTE, 2.0)
    assert audit.stroke_compliance == 0.0
    assert audit.bad_strokes == 1


def test_wrong_or_missing_outline_is_reported() -> None:
    doc = svg(
        '<path d="M0 0L10 0L10 10Z" fill="#C8202F"/>'
        f'<path d="M0 0L10 0L10 10Z" fill="#C8202F" stroke="#15181C" stroke-width="3" {EFFECT}/>'
        f'<path d="M0 0L10 0L10 10Z" fill="#C8202F" {OUTLINE} {EFFECT}/>'
    )
    audit = audit_svg(doc, PALETTE, 2.0)
    assert audit.bad_strokes == 2
    assert audit.stroke_compliance == pytest.approx(1 / 3)
    assert audit_svg(doc, PALETTE, None).stroke_compliance == 1.0


def test_open_centerlines_need_the_outline_but_no_fill() -> None:
    doc = svg(
        f'<g fill="none" {OUTLINE}><path d="M0 0L10 10" {EFFECT}/></g>'
        f'<line x1="0" y1="0" x2="5" y2="5" stroke="#15181C" stroke-width="2" {EFFECT}/>'
    )
    audit = audit_svg(doc, PALETTE, 2.0)
    assert audit.filled_shapes == 0
    assert audit.palette_compliance == audit.stroke_compliance == 1.0


def test_unrendered_and_background_elements() -> None:
    doc = svg(
        '<defs><path id="p" d="M0 0L1 1Z" fill="#123456"/></defs>'
        '<clipPath id="c"><rect width="5" height="5"/></clipPath>'
        '<rect width="5" height="5" fill="#654321" display="none"/>'
        '<rect id="background" width="100" height="100" fill="#FFFFFF"/>'
        f'<g fill="#1F4E9C" {OUTLINE}><path d="M0 0L10 0L10 10Z" fill="inherit" {EFFECT}/></g>'
    )
    audit = audit_svg(doc, PALETTE, 2.0)
    assert audit.shapes == 2
    assert audit.off_palette == []
    assert audit.colors_used == ["#15181C", "#1F4E9C", "#FFFFFF"]
    assert audit.stroke_compliance == 1.0


def test_malformed_svg_raises_a_clear_error() -> None:
    with pytest.raises(StageFailed, match="not well-formed"):
        audit_svg("<svg><path></svg>", PALETTE)


def test_only_confident_non_ring_readings_count_as_text_left() -> None:
    from v2v.artefacts import Box
    from v2v.stages.sanitize.text import TextBox

    def box(text: str, score: float) -> TextBox:
        return TextBox(Box(0, 0, 10, 10), 0.9, text, np.zeros((4, 2), np.float32), score)

    assert box("AB12 CDE", 0.97).readable
    assert not box("000", 0.93).readable  # a row of wheels
    assert not box("Jo", 0.54).readable  # a blob, read with low confidence
    assert not box("A", 0.99).readable


def test_text_check_sees_the_drawn_part_on_white() -> None:
    from v2v.qa import on_white_crop

    rgba = np.zeros((60, 90, 4), np.uint8)
    rgba[20:30, 40:70] = (200, 40, 10, 255)
    rgba[25, 50] = (0, 0, 255, 128)  # a half-covered pixel is blended with the white
    crop = on_white_crop(rgba, margin=4)
    assert crop.shape == (18, 38, 3) and crop.flags.c_contiguous
    assert (crop[:4] == 255).all() and (crop[:, :4] == 255).all()  # the margin is white
    assert tuple(crop[4, 4]) == (200, 40, 10)
    alpha = np.array([128], np.uint8).astype(np.float32) / 255.0
    blended = (np.array([0, 0, 255], np.uint8) * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    assert tuple(crop[9, 14]) == tuple(blended) and 126 <= crop[9, 14, 0] <= 127
    empty = on_white_crop(np.zeros((5, 7, 4), np.uint8))
    assert empty.shape == (5, 7, 3) and (empty == 255).all()


def _drawn(text: str, cap_share: float, size: tuple[int, int]) -> np.ndarray:
    """An RGBA 'drawing': a grey body of ``size`` (w, h) with ``text`` in black on it, its
    capitals ``cap_share`` of the body's height."""
    import cv2

    width, height = size
    rgba = np.zeros((height + 80, width + 80, 4), np.uint8)
    rgba[40 : 40 + height, 40 : 40 + width] = (150, 150, 150, 255)
    font = cv2.FONT_HERSHEY_SIMPLEX
    scale = cap_share * height / cv2.getTextSize(text, font, 1.0, 1)[0][1]
    thickness = max(2, int(0.12 * cap_share * height))
    (w, h), _ = cv2.getTextSize(text, font, scale, thickness)
    origin = (40 + (width - w) // 2, 40 + (height + h) // 2)
    body = np.ascontiguousarray(rgba[..., :3])
    cv2.putText(body, text, origin, font, scale, (0, 0, 0), thickness, cv2.LINE_AA)
    rgba[..., :3] = body
    return rgba


def _bicycle() -> np.ndarray:
    """An RGBA drawing of two gold wheels and a V frame between them, nothing else: the OCR
    reads it as "OVO" (as it read the garden-rock lowrider's drawing), a line 1.28 x its
    height and 1.12 x its width."""
    import cv2

    radius, gap, thick = 60, 40, 14
    width, height = 4 * radius + gap + 80, 2 * radius + 80
    ink = np.zeros((height, width), np.uint8)
    left, right = (40 + radius, 40 + radius), (40 + 3 * radius + gap, 40 + radius)
    for centre in (left, right):
        cv2.circle(ink, centre, radius - thick // 2, 255, thick, cv2.LINE_AA)
    bottom = (width // 2, 30 + 2 * radius)
    cv2.line(ink, (left[0] + radius // 2, 50), bottom, 255, thick, cv2.LINE_AA)
    cv2.line(ink, bottom, (right[0] - radius // 2, 50), 255, thick, cv2.LINE_AA)
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[..., :3], rgba[..., 3] = (200, 160, 40), ink
    return rgba


def _line_height_share(rgba: np.ndarray) -> float:
    """The tallest readable line's box height over the drawing's height."""
    from v2v.qa import on_white_crop
    from v2v.stages.sanitize.text import TextDetector

    found = TextDetector.shared().detect(on_white_crop(rgba), min_score=0.6)
    rows = np.flatnonzero((rgba[..., 3] > 0).any(axis=1))
    heights = [d.box.y1 - d.box.y0 for d in found if d.readable]
    return max(heights) / float(rows[-1] - rows[0] + 1)


# "23" at 0.6: a line 0.95 of the drawing's height, but not of its width
@pytest.mark.parametrize(("text", "cap_share"), [("TAXI", 0.35), ("TAXI", 0.5), ("23", 0.6)])
def test_text_left_reports_large_lettering_on_a_wide_drawing(text: str, cap_share: float) -> None:
    """A word whose capitals are a third to half of a 3.5:1 drawing's height is a line more
    than half its height (the OCR box is ~1.6 x the letters): it is lettering, still left."""
    from v2v.config import load_config
    from v2v.qa import text_left

    span = load_config().qa.glyph_line_span
    lettering = _drawn(text, cap_share, (840, 240))
    assert _line_height_share(lettering) > 0.5  # the line is tall, yet lettering
    assert text_left(lettering, span) == [text]


def test_text_left_finds_lettering_on_the_drawing_but_not_a_drawing_read_as_glyphs() -> None:
    from v2v.config import load_config
    from v2v.qa import text_left

    span = load_config().qa.glyph_line_span
    lettering = _drawn("BNSF 4021", 0.2, (460, 200))  # a band on a panel: still reported
    assert text_left(lettering, span)
    glyphs = _bicycle()  # read as "OVO" (0.84): a line spanning the whole drawing
    assert _line_height_share(glyphs) >= span
    assert text_left(glyphs, None)  # read as text without the rule
    assert not text_left(glyphs, span)
