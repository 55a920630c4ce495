"""Edge-preserving flattening of the vehicle into few, large, flat regions.

1. crop to the vehicle and shrink the crop to ``resolution`` (long side); with ``stable_grid``
   the scale, the resampling grid and SLIC's seeds stay put when the mask moves a pixel
   (grid.py);
2. give background pixels the nearest vehicle colour, so no background colour bleeds in;
3. mean-shift filtering (``spatial_radius``, ``color_radius``) flattens noise and texture;
4. SLIC superpixels (about ``superpixels`` on the vehicle) over-segment along colour edges;
5. region graph: similar neighbours merge (``merge_delta_e``, ΔE00); specks, glare, specular
   spots, holes and glass reflections are absorbed; paint tones are unified
   (``remove_highlights``); weakly tinted patches among greys (chrome) turn grey
   (``grey_chrome``); mosaics of light and dark grey pieces (reflections in a window) become
   one tone (``glass``); similar neighbours merge again;
6. boundaries snap to the colour edges, then are upsampled to the working size and smoothed
   (``smoothness``); each region is filled with its robust (median-based) colour.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage.segmentation import slic

from v2v.color.ciede2000 import rgb_to_lab
from v2v.config import FlattenConfig
from v2v.stages.stylize.absorb import (
    absorb_regions,
    unify_tones,
)
from v2v.stages.stylize.ellipses import find_ellipse_wheels, from_circle, paint_wheels
from v2v.stages.stylize.glare import absorb_light_glare, border_lightness
from v2v.stages.stylize.glass import absorb_reflections, unify_glass
from v2v.stages.stylize.gold_tints import neutralize_tints
from v2v.stages.stylize.grid import paste, photo_box, stable_grid
from v2v.stages.stylize.highlights import paint_highlights
from v2v.stages.stylize.light_tyres import find_light_tyres, wheel_pixels
from v2v.stages.stylize.pale_glare import absorb_pale_glare
from v2v.stages.stylize.raster import (
    Labels,
    Mask,
    adjacency,
    background_contact,
    compact_labels,
    fill_nearest,
    lab_to_rgb,
    refine_boundaries,
    region_medians,
    upsample_labels,
)
from v2v.stages.stylize.reflection_groups import absorb_reflection_groups
from v2v.stages.stylize.regions import RegionGraph, merge_similar
from v2v.stages.stylize.spokes import find_spoked_wheels, paint_spoked_wheels
from v2v.stages.stylize.wheels import find_wheels
from v2v.stages.stylize.window_pieces import absorb_window_pieces

#: Margin around the vehicle's bounding box, as a fraction of the working image's long side.
CROP_MARGIN = 0.02
#: A merged region may span at most this many times ``merge_delta_e`` in lightness (L units).
LIGHTNESS_SPAN_FACTOR = 3.0
#: Shading tones smaller than this many times the minimum region area take a neighbour tone.
TONE_AREA_FACTOR = 10.0
#: Boundary refinement: passes, and how far (px at the flattening resolution) a boundary moves
#: per pass.
REFINE_PASSES, REFINE_RADIUS = 2, 2
SLIC_COMPACTNESS = 10.0
#: Tinted neutrals: groups of regions under this chroma and this share of the vehicle, outlined
#: mostly by neutrals, become grey (``grey_chrome``).
TINT_MAX_CHROMA, TINT_MAX_SHARE = 25.0, 0.1
#: Superpixels are at least this many pixels (caps the count when the vehicle is a sliver).
MIN_SUPERPIXEL_AREA = 16


@dataclass(frozen=True)
class Flattened:
    """pixels: RGB uint8 (H, W, 3), flat regions (pixels outside the vehicle's box are 0).
    regions: number of flat regions; superpixels: regions before merging; wheels: wheels drawn
    round; merges: how many regions each rule absorbed; seconds: time per sub-step."""

    pixels: NDArray[np.uint8]
    regions: int
    superpixels: int
    wheels: int
    merges: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def vehicle_box(mask: Mask) -> tuple[slice, slice]:
    """(rows, cols) slices of the mask's bounding box plus a margin; the mask must not be empty."""
    rows, cols = np.nonzero(mask)
    height, width = mask.shape
    margin = max(4, round(CROP_MARGIN * max(height, width)))
    return (
        slice(max(0, int(rows.min()) - margin), min(height, int(rows.max()) + 1 + margin)),
        slice(max(0, int(cols.min()) - margin), min(width, int(cols.max()) + 1 + margin)),
    )


def _crop(
    pixels: NDArray[np.uint8], mask: Mask, box: tuple[slice, slice], resolution: int
) -> tuple[NDArray[np.uint8], Mask]:
    """The box's crop shrunk to ``resolution`` (long side) and the mask on it (``stable_grid``
    off: the scale and the resampling grid follow the box)."""
    rows, cols = box
    crop, crop_mask = pixels[rows, cols], mask[rows, cols]
    height, width = crop_mask.shape
    scale = min(1.0, resolution / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), np.uint8)
    coverage = cv2.resize(crop_mask.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    return small, coverage >= 0.5 if (coverage >= 0.5).any() else coverage > 0


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._start = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._start, 4)
        self._start = now


def segment_count(mask: Mask, count: int) -> int:
    """SLIC's ``n_segments`` over the whole crop for about ``count`` superpixels on the mask."""
    share = max(float(mask.mean()), 1e-6)
    return max(1, round(min(count / share, mask.size / MIN_SUPERPIXEL_AREA)))


def _superpixels(smooth: NDArray[np.uint8], mask: Mask, segments_: int) -> tuple[Labels, int]:
    """SLIC labels (h, w) int32 over the vehicle (-1 outside) and their number."""
    segments = slic(
        smooth,
        n_segments=segments_,
        compactness=SLIC_COMPACTNESS,
        start_label=0,
        channel_axis=-1,
    )
    segments[~mask] = -1
    return compact_labels(segments)


def _simplify(
    lab: NDArray[np.float32], labels: Labels, count: int, config: FlattenConfig, windows: set[int]
) -> tuple[RegionGraph, dict[str, int]]:
    """The region graph after every merge rule; ``windows`` receives the window regions."""
    colors, areas = region_medians(lab, labels, count)
    graph = RegionGraph(colors, areas, adjacency(labels), background_contact(labels, count))
    graph.darker_names = config.darker_names
    vehicle = float(areas.sum())
    min_area = vehicle * config.min_region_percent / 100.0
    span = LIGHTNESS_SPAN_FACTOR * config.merge_delta_e
    merges = {"similar": merge_similar(graph, config.merge_delta_e, span)}
    merges.update(absorb_regions(graph, min_area, config.remove_highlights))
    if config.light_glare:
        beside = border_lightness(graph, labels, lab) if config.glare_paint_pixels else None
        merges["light_glare"], merges["pale_glare"] = absorb_light_glare(
            graph, config.pale_glare, beside
        )
    if config.remove_highlights:
        tone_area = max(TONE_AREA_FACTOR * min_area, 1.0)
        merges.update(
            unify_tones(
                graph,
                tone_area,
                config.lit_paint,
                config.tone_hue_anchor,
                config.paint_chroma_margin,
            )
        )
    if config.grey_chrome:
        merges["grey_chrome"] = neutralize_tints(
            graph,
            TINT_MAX_CHROMA,
            TINT_MAX_SHARE,
            config.gold_link_piece if config.gold_tints else None,
        )
    if config.glass:
        merges["glass"] = unify_glass(
            graph, labels, windows, config.glass_body, config.glass_dark_tone
        )
    if config.glass_reflections:
        merges["pane_reflection"] = absorb_reflections(graph, labels, windows)
    if config.window_pieces:
        merges["window_piece"] = absorb_window_pieces(
            graph,
            labels,
            windows,
            config.window_dark_pieces,
            config.window_edge_pieces,
            config.window_roofs,
            config.window_separators,
        )
    if config.glass_reflection_groups:
        merges["reflection_group"] = absorb_reflection_groups(graph, labels, windows)
    if config.light_glare and config.pale_glare:
        merges["pale_glare"] += absorb_pale_glare(graph, windows)
    merges["similar"] += merge_similar(graph, config.merge_delta_e, span)
    return graph, merges


def _final_labels(graph: RegionGraph, labels: Labels) -> tuple[Labels, NDArray[np.float64]]:
    """Label map over the surviving regions (renumbered 0..k-1, -1 kept) and their colours."""
    survivors, index = np.unique(graph.roots(), return_inverse=True)
    merged = np.where(labels >= 0, index[np.maximum(labels, 0)], -1).astype(np.int32)
    return merged, graph.color[survivors]


def flatten(pixels: NDArray[np.uint8], mask: Mask, config: FlattenConfig) -> Flattened:
    """Flatten the vehicle in ``pixels`` (RGB uint8 (H, W, 3)) under ``mask`` (bool (H, W), not
    empty) into flat regions; see the module docstring for the steps."""
    timer = _Timer()
    rows, cols = vehicle_box(mask)
    grid = None
    if config.stable_grid:
        grid = stable_grid(pixels, mask, (rows, cols), config.resolution, config.superpixels)
        small, small_mask = grid.small, grid.mask
        segments = small_mask.size // grid.step**2
    else:
        small, small_mask = _crop(pixels, mask, (rows, cols), config.resolution)
        segments = segment_count(small_mask, config.superpixels)
    small = np.ascontiguousarray(fill_nearest(small, small_mask))
    timer.lap("prepare")
    smooth = np.asarray(
        cv2.pyrMeanShiftFiltering(small, config.spatial_radius, config.color_radius), np.uint8
    )
    timer.lap("mean_shift")
    labels, count = _superpixels(smooth, small_mask, segments)
    timer.lap("superpixels")
    lab = rgb_to_lab(smooth).astype(np.float32)
    windows: set[int] = set()
    graph, merges = _simplify(lab, labels, count, config, windows)
    survivors = np.unique(graph.roots())
    window_ids = sorted({int(np.searchsorted(survivors, graph.roots()[w])) for w in windows})
    labels, colors = _final_labels(graph, labels)
    timer.lap("merge")
    labels = fill_nearest(labels, labels >= 0)
    labels = refine_boundaries(lab, labels, colors, REFINE_PASSES, REFINE_RADIUS)
    timer.lap("refine")
    if config.glass_highlight:
        labels, colors = paint_highlights(labels, colors, window_ids)
    wheels = 0
    if config.wheels:
        found = find_wheels(lab, small_mask, config.tyre_past_rim)
        drawn = [from_circle(wheel, lab, small_mask, config.wheel_rims) for wheel in found]
        if config.angled_wheels:
            drawn += find_ellipse_wheels(labels, colors, lab, small_mask, found)
        spoked = (
            find_spoked_wheels(lab, small_mask, drawn, config.spoked_refit)
            if config.spoked_wheels
            else []
        )
        if config.light_tyres:
            taken = wheel_pixels(small_mask, drawn, spoked)
            drawn += find_light_tyres(labels, colors, lab, small_mask, taken)
        labels, colors = paint_wheels(labels, colors, lab, small_mask, drawn, config.rim_contrast)
        labels, colors = paint_spoked_wheels(
            labels, colors, lab, small_mask, spoked, config.spoked_rim_pixels
        )
        wheels = len(drawn) + len(spoked)
        timer.lap("wheels")
    out = np.zeros_like(pixels)
    if grid is not None:
        (height, width), where = photo_box(grid, mask.shape)
        full = upsample_labels(labels, (width, height), config.smoothness)
        paste(out, lab_to_rgb(colors)[full], where)
    else:
        height, width = rows.stop - rows.start, cols.stop - cols.start
        full = upsample_labels(labels, (width, height), config.smoothness)
        out[rows, cols] = lab_to_rgb(colors)[full]
    timer.lap("upsample")
    return Flattened(out, len(colors), count, wheels, merges, timer.seconds)
