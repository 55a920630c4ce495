"""Phase IV: drawn label maps → SVG with one layer per palette colour."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest
from lxml import etree

from v2v.artefacts import VectorArt
from v2v.color.palette import Palette
from v2v.config import Phase4Config, load_config
from v2v.context import RunContext
from v2v.errors import Cancelled, InputError
from v2v.qa import audit_svg
from v2v.stages.vectorize.cleanup import Shape, clean_shapes, parse_path, shape_polygon
from v2v.stages.vectorize.vtracer import VtracerVectorizer
from v2v.svg.document import SVG_NS
from v2v.svg.render import render_rgba

PALETTE = Palette.load("designer")
RED, WINDOW, TYRE, HUB, WHITE = (
    PALETTE.index(c) for c in ("#C8202F", "#3B4149", "#15181C", "#A9B0B8", "#FFFFFF")
)
WIDTH, HEIGHT = 400, 240
WHEELS = ((110, 170), (300, 170))
WHEEL_RADIUS = 32


def draw_labels() -> np.ndarray:
    """A drawn car as palette labels int16 (H, W), -1 background: body, window, two wheels
    with hubs, and a 2 px white speck on the body."""
    labels = np.full((HEIGHT, WIDTH), -1, np.int16)
    cv2.rectangle(labels, (40, 90), (360, 175), RED, -1)
    cv2.fillPoly(labels, [np.array([[120, 90], [150, 45], [270, 45], [300, 90]])], RED)
    cv2.fillPoly(labels, [np.array([[140, 85], [160, 55], [260, 55], [280, 85]])], WINDOW)
    for center in WHEELS:
        cv2.circle(labels, center, WHEEL_RADIUS, TYRE, -1)
        cv2.circle(labels, center, 12, HUB, -1)
    labels[120:122, 200:202] = WHITE
    return labels


def to_rgba(labels: np.ndarray) -> np.ndarray:
    rgba = np.zeros((*labels.shape, 4), np.uint8)
    inside = labels >= 0
    rgba[inside, :3] = PALETTE.rgb[labels[inside]]
    rgba[inside, 3] = 255
    return rgba


def phase4(**overrides: object) -> Phase4Config:
    return load_config(overrides={f"phase4.{k}": v for k, v in overrides.items()}).phase4


def vectorize(
    labels: np.ndarray,
    config: Phase4Config | None = None,
    scale: float = 1.0,
    edges: np.ndarray | None = None,
    rgba: np.ndarray | None = None,
) -> VectorArt:
    config = config or phase4()
    size = (round(labels.shape[0] / scale), round(labels.shape[1] / scale))
    edges = edges if edges is not None else np.zeros(size, np.uint8)
    rgba = rgba if rgba is not None else to_rgba(labels)
    return VtracerVectorizer(config).run(rgba, PALETTE, edges, RunContext(), scale=scale)


def rendered_labels(svg: str, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """The palette index of each rendered pixel (nearest in RGB), -1 where transparent."""
    image = render_rgba(svg, width, height).astype(np.int32)
    nearest = ((image[:, :, None, :3] - PALETTE.rgb[None, None].astype(np.int32)) ** 2).sum(-1)
    return np.where(image[..., 3] >= 128, nearest.argmin(-1), -1)


def agreement(labels: np.ndarray, svg: str) -> float:
    """Share of vehicle pixels whose rendered colour is their label's colour."""
    rendered = rendered_labels(svg, labels.shape[1], labels.shape[0])
    return float((rendered == labels)[labels >= 0].mean())


@pytest.fixture(scope="module")
def labels() -> np.ndarray:
    return draw_labels()


@pytest.fixture(scope="module")
def art(labels: np.ndarray) -> VectorArt:
    return vectorize(labels)


@pytest.fixture(scope="module")
def art_unstroked(labels: np.ndarray) -> VectorArt:
    return vectorize(labels, phase4(stroke={"enabled": False}))


def test_svg_is_valid_with_working_viewbox_and_default_namespace(art: VectorArt) -> None:
    root = etree.fromstring(art.svg.encode())
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert root.nsmap[None] == SVG_NS
    assert "ns0:" not in art.svg
    assert root.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"
    assert (root.get("width"), root.get("height")) == (str(WIDTH), str(HEIGHT))
    assert root.find(f"{{{SVG_NS}}}title").text
    numbers = re.findall(r"-?\d+\.(\d+)", " ".join(root.xpath("//@d")))
    assert numbers and max(len(decimals) for decimals in numbers) <= 2


def test_every_fill_and_stroke_is_a_palette_colour_with_the_outline(art: VectorArt) -> None:
    audit = audit_svg(art.svg, PALETTE, stroke_width=2.0)
    assert audit.palette_compliance == 1.0
    assert audit.stroke_compliance == 1.0
    assert audit.filled_shapes == art.path_count > 0
    for path in etree.fromstring(art.svg.encode()).iter(f"{{{SVG_NS}}}path"):
        assert path.get("vector-effect") == "non-scaling-stroke"
        group = path.getparent()
        assert group.get("stroke") == PALETTE.darkest()
        assert group.get("stroke-width") == "2"
        assert group.get("stroke-linejoin") == "round"


def test_one_group_per_colour_used(art: VectorArt, labels: np.ndarray) -> None:
    root = etree.fromstring(art.svg.encode())
    groups = root.findall(f"{{{SVG_NS}}}g")
    fills = [g.get("fill") for g in groups]
    expected = {PALETTE.colors[i] for i in (RED, WINDOW, TYRE, HUB)}  # the speck is gone
    assert len(fills) == len(set(fills)) == len(expected)
    assert set(fills) == expected
    assert all(g.get("id") == "layer-" + g.get("fill")[1:] for g in groups)
    assert [layer.color for layer in art.layers] == fills
    assert [layer.path_count for layer in art.layers] == [len(g) for g in groups]
    assert sum(layer.area_fraction for layer in art.layers) == pytest.approx(1.0, abs=0.01)


def test_rendering_matches_the_label_map_without_cracks(
    art_unstroked: VectorArt, labels: np.ndarray
) -> None:
    assert agreement(labels, art_unstroked.svg) >= 0.97
    alpha = render_rgba(art_unstroked.svg, WIDTH, HEIGHT)[..., 3]
    depth = cv2.distanceTransform((labels >= 0).astype(np.uint8), cv2.DIST_L2, 5)
    assert alpha[depth >= 4].min() == 255  # no seam between colours lets the background through


def test_stroked_rendering_keeps_the_silhouette(art: VectorArt, labels: np.ndarray) -> None:
    alpha = render_rgba(art.svg, WIDTH, HEIGHT)[..., 3] >= 128
    vehicle = labels >= 0
    assert (alpha & vehicle).sum() / (alpha | vehicle).sum() >= 0.95


def test_wheels_come_out_round(art_unstroked: VectorArt) -> None:
    rendered = rendered_labels(art_unstroked.svg)
    for cx, cy in WHEELS:
        drawn = np.zeros((HEIGHT, WIDTH), np.uint8)
        cv2.circle(drawn, (cx, cy), WHEEL_RADIUS, 1, -1)
        drawn_wheel = drawn > 0
        traced = np.isin(rendered, [TYRE, HUB])
        traced[:, : cx - WHEEL_RADIUS - 3] = traced[:, cx + WHEEL_RADIUS + 4 :] = False
        iou = (drawn_wheel & traced).sum() / (drawn_wheel | traced).sum()
        assert iou >= 0.9


def test_no_path_under_the_minimum_area(labels: np.ndarray) -> None:
    config = phase4(min_path_area=16.0)
    art = vectorize(labels, config)
    areas = [
        shape_polygon(parse_path(d)).area for d in etree.fromstring(art.svg.encode()).xpath("//@d")
    ]
    assert min(areas) >= 16.0
    assert WHITE not in {PALETTE.index(layer.color) for layer in art.layers}
    assert art.notes["small_regions_merged"] >= 1


def _square(color: str, x: float, y: float, size: float) -> Shape:
    data = f"M{x} {y}L{x + size} {y}L{x + size} {y + size}L{x} {y + size}Z"
    return Shape(color, parse_path(data))


def test_cleanup_removes_duplicates_covered_and_small_paths() -> None:
    red, blue = "#C8202F", "#1F4E9C"
    shapes = [
        _square(red, 0, 0, 50),  # big red
        _square(red, 0, 0, 50),  # exact duplicate (covers the first)
        _square(blue, 30, 30, 10),  # between them, but away from the small red below
        _square(red, 10, 10, 5),  # covered by the red under it, nothing else in between
        _square(red, 60, 0, 2),  # 4 px²: under the minimum area
        _square(red, 80, 0, 40),
    ]
    kept, report = clean_shapes(shapes, min_area=16.0)
    assert report.paths_before == 6
    assert report.small_removed == 1
    assert report.duplicates_removed == 1
    assert report.covered_removed == 1
    assert kept == [shapes[1], shapes[2], shapes[5]]


def test_cleanup_keeps_a_covered_path_when_removing_it_changes_the_picture() -> None:
    red, blue = "#C8202F", "#1F4E9C"
    shapes = [
        _square(red, 0, 0, 50),  # red at the bottom
        _square(blue, 5, 5, 20),  # blue over it
        _square(red, 10, 10, 5),  # red over the blue: covered by the bottom red, yet visible
    ]
    kept, report = clean_shapes(shapes, min_area=16.0)
    assert len(kept) == 3
    assert report.covered_removed == report.duplicates_removed == 0


def test_strategy_b_adds_open_centerlines_inside_the_vehicle(labels: np.ndarray) -> None:
    edges = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.line(edges, (180, 110), (330, 110), 255, 1)  # a panel line inside the red body
    cv2.line(edges, (5, 10), (60, 10), 255, 1)  # outside the vehicle: ignored
    art = vectorize(labels, phase4(strategy="B"), edges=edges)
    root = etree.fromstring(art.svg.encode())
    group = root.find(f"{{{SVG_NS}}}g[@id='centerlines']")
    assert group is not None and group.get("fill") == "none"
    assert group.get("stroke") == PALETTE.darkest() and group.get("stroke-width") == "2"
    lines = [p.get("d") for p in group]
    assert len(lines) == 1 and "Z" not in lines[0]
    xs = [float(v) for v in re.findall(r"[ML](-?[\d.]+)", lines[0])]
    assert min(xs) >= 170 and max(xs) <= 340 and max(xs) - min(xs) >= 130
    assert audit_svg(art.svg, PALETTE, 2.0).stroke_compliance == 1.0
    assert vectorize(labels, edges=edges).svg.count("centerlines") == 0  # strategy A


def test_phase3_off_noisy_colours_are_snapped_to_the_palette(labels: np.ndarray) -> None:
    rng = np.random.default_rng(3)
    rgba = to_rgba(labels)
    noise = rng.integers(-10, 11, size=(*labels.shape, 3))
    rgba[..., :3] = np.clip(rgba[..., :3].astype(int) + noise, 0, 255).astype(np.uint8)
    art = vectorize(labels, phase4(stroke={"enabled": False}), rgba=rgba)
    assert audit_svg(art.svg, PALETTE, None).palette_compliance == 1.0
    assert art.notes["pixels_resnapped"] > 0
    assert agreement(labels, art.svg) >= 0.97


def test_scale_two_input_gives_a_working_size_viewbox(labels: np.ndarray) -> None:
    big = cv2.resize(labels, (WIDTH * 2, HEIGHT * 2), interpolation=cv2.INTER_NEAREST)
    art = vectorize(big, phase4(stroke={"enabled": False}), scale=2.0)
    assert (art.width, art.height) == (WIDTH, HEIGHT)
    assert f'viewBox="0 0 {WIDTH} {HEIGHT}"' in art.svg
    assert agreement(labels, art.svg) >= 0.97


def test_all_palette_colours_stay_apart() -> None:
    stripes = np.repeat(np.arange(len(PALETTE), dtype=np.int16), 12)[None, :].repeat(60, 0)
    art = vectorize(stripes, phase4(stroke={"enabled": False}))
    assert {layer.color for layer in art.layers} == set(PALETTE.colors)
    assert agreement(stripes, art.svg) >= 0.97


def test_white_background_rect_only_with_white_in_the_palette(labels: np.ndarray) -> None:
    art = vectorize(labels, phase4(background="white"))
    first = etree.fromstring(art.svg.encode())[1]
    assert (first.get("id"), first.get("fill")) == ("background", "#FFFFFF")
    assert audit_svg(art.svg, PALETTE, 2.0).stroke_compliance == 1.0
    no_white = Palette.load(["#15181C", "#C8202F", "#3B4149", "#A9B0B8"])
    rgba = to_rgba(np.where(labels == WHITE, RED, labels))
    vectorizer = VtracerVectorizer(phase4(background="white"))
    other = vectorizer.run(rgba, no_white, np.zeros((HEIGHT, WIDTH), np.uint8), RunContext())
    assert 'id="background"' not in other.svg
    assert "not in the palette" in other.notes["background"]


def test_cancelled_run_stops_and_bad_edges_are_rejected(labels: np.ndarray) -> None:
    ctx = RunContext()
    ctx.cancel()
    vectorizer = VtracerVectorizer(phase4())
    with pytest.raises(Cancelled):
        vectorizer.run(to_rgba(labels), PALETTE, np.zeros((HEIGHT, WIDTH), np.uint8), ctx)
    with pytest.raises(InputError, match="edge map"):
        vectorizer.run(to_rgba(labels), PALETTE, np.zeros((10, 10), np.uint8), RunContext())
