"""Every export format: written from a traced drawing, read back with an independent reader,
checked for size, layers and palette-only colours."""

from __future__ import annotations

import numpy as np
import pytest
from lxml import etree

from tests.exports.readback import (
    ase_colors,
    dxf_facts,
    eps_facts,
    gpl_colors,
    off_palette_share,
    pdf_facts,
    png_image,
)
from tests.test_phase4 import PALETTE, draw_labels, phase4, vectorize
from v2v.errors import InputError
from v2v.exports import FORMATS, ExportFormat, ExportOptions, export, read_svg, register
from v2v.exports.units import parse_size, resolve
from v2v.qa import audit_svg
from v2v.svg.document import INKSCAPE_NS, SVG_NS
from v2v.svg.render import render_rgba

MM_PER_PT = 25.4 / 72
PALETTE_COLORS = set(PALETTE.colors)


@pytest.fixture(scope="module")
def svg() -> str:
    """A traced car (400 x 240 user units) with outlines, centerlines and a white background."""
    labels = draw_labels()
    edges = np.zeros(labels.shape, np.uint8)
    edges[100:160, 220] = 255  # one detail line inside the body
    config = phase4(strategy="B", background="white")
    return vectorize(labels, config, edges=edges).svg


def test_every_format_has_a_registry_entry_with_media_type_and_extension() -> None:
    assert set(FORMATS) == {"svg", "pdf", "eps", "dxf", "png", "ase", "gpl"}
    for name, entry in FORMATS.items():
        assert entry.name == name and "/" in entry.media_type and entry.extension
    with pytest.raises(ValueError, match="twice"):
        register(ExportFormat("svg", "image/svg+xml", "svg", FORMATS["svg"].writer, "again"))


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("format", "tiff", "svg, pdf"),
        ("size", "300 furlongs", "300mm"),
        ("size", "0mm", "larger than 0"),
        ("size", "12x3000m", "not understood"),
        ("size", "x12000mm", "larger than 10 m"),
        ("size", "12000x11000mm", "larger than 10 m"),
        ("dpi", 0, "1 to 2400"),
        ("stacking", "layered", "stacked or cutout"),
        ("grouping", "part", "color or none"),
    ],
)
def test_bad_options_are_refused_with_the_accepted_values(
    field: str, value: object, named: str
) -> None:
    with pytest.raises(InputError, match=named):
        ExportOptions(**{field: value})  # type: ignore[arg-type]


def test_a_box_with_one_long_side_fits_the_drawing_inside_it() -> None:
    """'20000x100mm' is a 100 mm tall box: a drawing fitted inside is small, not refused."""
    page = resolve(parse_size("20000x100mm"), 200.0, 100.0)
    assert (round(page.width), round(page.height)) == (200, 100)


def test_svg_at_millimetres_keeps_the_viewbox_and_the_geometry(svg: str) -> None:
    out = export(svg, ExportOptions(format="svg", size="300mm")).decode()
    root = etree.fromstring(out.encode())
    assert root.get("viewBox") == "0 0 400 240"
    assert root.get("width") == "300mm" and root.get("height") == "180mm"
    before, after = read_svg(svg), read_svg(out)
    assert [g.color for g in after.groups] == [g.color for g in before.groups]
    for old, new in zip(before.groups, after.groups, strict=True):
        for a, b in zip(old.paths, new.paths, strict=True):
            assert a.commands == b.commands and np.allclose(a.points, b.points, atol=1e-3)
    audit = audit_svg(out, PALETTE)
    assert audit.palette_compliance == 1.0 and audit.stroke_compliance == 1.0


def test_svg_layers_are_named_for_inkscape_and_illustrator(svg: str) -> None:
    root = etree.fromstring(export(svg, ExportOptions()))
    layers = root.findall(f"{{{SVG_NS}}}g")
    labels = [g.get(f"{{{INKSCAPE_NS}}}label") for g in layers]
    assert all(g.get(f"{{{INKSCAPE_NS}}}groupmode") == "layer" for g in layers)
    assert "Signal red #C8202F" in labels and labels[-1] == "Centerlines"
    assert "Signal_red_C8202F" in [g.get("id") for g in layers]  # Illustrator's layer name


def test_svg_without_grouping_paints_the_same(svg: str) -> None:
    flat = export(svg, ExportOptions(grouping="none")).decode()
    root = etree.fromstring(flat.encode())
    paths = root.findall(f"{{{SVG_NS}}}path")
    assert paths and all(p.get("fill") in PALETTE_COLORS for p in paths)
    assert len(root.findall(f"{{{SVG_NS}}}g")) == 1  # only the centerlines
    assert np.array_equal(render_rgba(flat, 400, 240), render_rgba(svg, 400, 240))


def test_svg_at_the_photo_size_needs_the_photo_size(svg: str) -> None:
    out = export(svg, ExportOptions(size="photo"), photo_size=(2000, 1200))
    root = etree.fromstring(out)
    assert (root.get("width"), root.get("height")) == ("2000", "1200")
    with pytest.raises(InputError, match="photo's size"):
        export(svg, ExportOptions(size="photo"))


def test_pdf_is_vector_at_the_asked_size_with_palette_colours(svg: str) -> None:
    facts = pdf_facts(export(svg, ExportOptions(format="pdf", size="300mm")))
    assert facts.size[0] * MM_PER_PT == pytest.approx(300, abs=0.01)
    assert facts.size[1] * MM_PER_PT == pytest.approx(180, abs=0.01)
    assert facts.images == 0
    assert facts.fills > 5 and facts.curves > 20
    drawing = read_svg(svg)
    assert facts.fill_colors == {g.color for g in drawing.groups} | {"#FFFFFF"}
    assert facts.fill_colors <= PALETTE_COLORS and facts.stroke_colors <= PALETTE_COLORS
    # 2 pt outlines at any size: the width in user units times the page scale
    scale = facts.size[0] / 400
    assert {round(w * scale, 4) for w in facts.line_widths} == {2.0}


def test_eps_bounding_box_and_colours(svg: str) -> None:
    facts = eps_facts(export(svg, ExportOptions(format="eps", size="4in")))
    assert facts.size == pytest.approx((288, 172.8), abs=0.01)
    assert facts.images == 0 and facts.curves > 20
    assert facts.fill_colors <= PALETTE_COLORS and facts.stroke_colors <= PALETTE_COLORS
    assert len(facts.fill_colors) >= 4


def test_dxf_has_a_coloured_layer_per_colour_and_closed_polylines(svg: str) -> None:
    drawing = read_svg(svg)
    facts = dxf_facts(export(svg, ExportOptions(format="dxf", size="400mm")))
    fills = {g.color for g in drawing.groups}
    assert set(facts.layers.values()) == fills | {drawing.centerline_stroke.color}  # type: ignore[union-attr]
    assert "Signal red C8202F" in facts.layers
    assert facts.insunits == 4  # millimetres
    rings = sum(p.commands.count("M") for g in drawing.groups for p in g.paths)
    assert facts.closed == rings and facts.open == len(drawing.centerlines)
    x0, y0, x1, y1 = facts.extents
    assert x0 >= 0 and x1 <= 400 and y0 >= 0 and y1 <= 240  # y up, inside the page


def test_dxf_without_grouping_colours_each_entity(svg: str) -> None:
    facts = dxf_facts(export(svg, ExportOptions(format="dxf", grouping="none")))
    assert set(facts.per_layer) <= {"0", "Centerlines"}
    assert facts.entity_colors == {g.color for g in read_svg(svg).groups}
    assert facts.insunits == 0


def test_png_at_any_size_with_dpi_and_palette_colours(svg: str) -> None:
    rgba, dpi = png_image(export(svg, ExportOptions(format="png", size="100mm", dpi=300)))
    assert rgba.shape[:2] == (709, 1181)  # 100 mm at 300 dpi = 1181 px, aspect 5:3
    assert dpi is not None and round(dpi[0]) == 300
    assert off_palette_share(rgba, sorted(PALETTE_COLORS)) == 0.0
    assert (rgba[..., 3] == 255).all()  # the white background is part of the drawing


def test_png_over_the_pixel_limit_is_refused(svg: str) -> None:
    with pytest.raises(InputError, match="megapixel"):
        export(svg, ExportOptions(format="png", size="2m".replace("2m", "2000mm"), dpi=600))


def test_swatches_list_the_palette_in_both_formats(svg: str) -> None:
    ase = ase_colors(export(svg, ExportOptions(format="ase"), palette=PALETTE))
    assert [color for _, color in ase] == list(PALETTE.colors)
    assert ase[0][0].startswith(PALETTE.names[0])
    gpl = gpl_colors(export(svg, ExportOptions(format="gpl"), palette=PALETTE))
    assert gpl == list(PALETTE.colors)
    used = gpl_colors(export(svg, ExportOptions(format="gpl")))  # no palette: the used colours
    assert set(used) == {g.color for g in read_svg(svg).groups}


def test_an_svg_not_written_by_v2v_is_refused() -> None:
    foreign = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        '<path d="M0 0 A5 5 0 0 1 10 10Z" fill="#C8202F"/></svg>'
    )
    with pytest.raises(InputError, match="written by v2v"):
        export(foreign, ExportOptions(format="pdf"))
    with pytest.raises(InputError, match="not well-formed"):
        export("<svg", ExportOptions(format="pdf"))
