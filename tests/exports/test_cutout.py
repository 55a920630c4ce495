"""Cut-out stacking: every vehicle pixel in exactly one shape, borders shared exactly, the
same picture as the stacked drawing, palette and stroke rules kept."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import shapely

from tests.exports.coverage import coverage, layer_alpha
from tests.test_phase4 import PALETTE, draw_labels, vectorize
from v2v.exports import ExportOptions, export, read_svg
from v2v.exports.cutout import cut_out, layer_shapes
from v2v.exports.drawing import Drawing
from v2v.qa import audit_svg
from v2v.stages.vectorize.cleanup import shape_polygon
from v2v.svg.render import render_rgba


@pytest.fixture(scope="module")
def drawing() -> Drawing:
    return read_svg(vectorize(draw_labels()).svg)


def test_the_stacked_drawing_overlaps_so_the_test_means_something(drawing: Drawing) -> None:
    regions = [shapely.union_all([shape_polygon(p) for p in g.paths]) for g in drawing.groups]
    overlap = sum(a.intersection(b).area for i, a in enumerate(regions) for b in regions[i + 1 :])
    assert overlap > 500  # the body reaches under the window and the wheels


def test_cut_out_shapes_do_not_overlap_and_cover_the_stacked_silhouette(
    drawing: Drawing,
) -> None:
    polygons = [p for layer in layer_shapes(drawing) for p in layer]
    overlap = sum(
        polygons[i].intersection(polygons[j]).area
        for i in range(len(polygons))
        for j in range(i + 1, len(polygons))
    )
    assert overlap == 0.0
    stacked = shapely.union_all([shape_polygon(p) for g in drawing.groups for p in g.paths])
    cut = shapely.union_all(polygons)
    assert shapely.symmetric_difference(stacked, cut).area < 1e-3 * stacked.area


def test_at_4x_no_vehicle_pixel_is_uncovered_or_doubly_covered(drawing: Drawing) -> None:
    found = coverage(drawing, scale=4.0)
    assert found.vehicle_pixels > 4 * 4 * 20_000
    assert found.uncovered == 0
    assert found.doubly_covered == 0
    assert found.silhouette_difference < 0.01


def test_the_stacked_shapes_would_fail_the_same_count(drawing: Drawing) -> None:
    """The counter sees overlaps: the stacked layers, counted the same way, overlap."""
    count = sum(layer_alpha(replace(drawing, groups=(g,)), 4.0).astype(int) for g in drawing.groups)
    assert int((count > 1).sum()) > 1000


def test_cut_out_paints_the_same_picture_with_palette_and_strokes(drawing: Drawing) -> None:
    svg = vectorize(draw_labels()).svg
    out = export(svg, ExportOptions(stacking="cutout")).decode()
    stacked, cut = render_rgba(svg, 400, 240), render_rgba(out, 400, 240)
    vehicle = stacked[..., 3] == 255
    same = (np.abs(stacked.astype(int) - cut.astype(int)).max(axis=-1) <= 8)[vehicle]
    assert same.mean() > 0.97  # outlines now also run along borders a lower layer hid
    audit = audit_svg(out, PALETTE)
    assert audit.palette_compliance == 1.0 and audit.stroke_compliance == 1.0
    assert len(cut_out(drawing).groups) == len(drawing.groups)


@pytest.mark.parametrize("name", ["pdf", "eps", "dxf", "png"])
def test_every_drawing_format_takes_the_cut_out(name: str) -> None:
    svg = vectorize(draw_labels()).svg
    stacked = export(svg, ExportOptions(format=name))
    cut = export(svg, ExportOptions(format=name, stacking="cutout"))
    assert cut != stacked and len(cut) > 0
