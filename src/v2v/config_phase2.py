"""Phase II's configuration sections (the classical stylizer: deshine, edges and the flattening's
regions, merges and drawing rules), kept apart from ``config_sections`` for length;
``v2v.config`` exports them with the rest.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from v2v.config_sections import Strict, StylizerParams


class DeshineConfig(Strict):
    bilateral_diameter: int = Field(9, ge=1, le=31)
    sigma_color: float = Field(75.0, gt=0, le=300)
    sigma_space: float = Field(75.0, gt=0, le=300)
    clahe_clip: float = Field(2.0, gt=0, le=40)
    clahe_tiles: int = Field(8, ge=1, le=64)


class EdgesConfig(Strict):
    enabled: bool = True
    low: int = Field(100, ge=0, le=1000)
    high: int = Field(200, ge=0, le=1000)


class FlattenConfig(Strict):
    enabled: bool = True
    resolution: int = Field(
        512, ge=64, le=4096, description="long side of the vehicle crop while segmenting, px"
    )
    spatial_radius: int = Field(
        6, ge=1, le=64, description="mean-shift spatial window, px at the flattening resolution"
    )
    color_radius: float = Field(16.0, gt=0, le=128, description="mean-shift colour window")
    superpixels: int = Field(
        600, ge=10, le=10_000, description="over-segmentation of the vehicle before merging"
    )
    merge_delta_e: float = Field(
        7.0, gt=0, le=50, description="neighbouring regions closer than this ΔE00 merge"
    )
    min_region_percent: float = Field(
        0.15,
        ge=0.0,
        le=20.0,
        description="regions below this % of the vehicle merge into a neighbour",
    )
    remove_highlights: bool = Field(
        True, description="lighter, paler patches of a paint colour (glare) take the paint colour"
    )
    lit_paint: bool = Field(
        True,
        description="with remove_highlights: a paint of L* >= 40 keeps, beside its most saturated"
        " tone, its lit tone (lightest region of near-top saturation, at least 10 L* lighter and"
        " covering a shading tone's area), which its lit members take (a lit gold fender)",
    )
    tone_hue_anchor: bool = Field(
        True,
        description="with remove_highlights: a large member (a shading tone's area) more than "
        "20° from the paint's own hue is another paint and keeps its colour",
    )
    paint_chroma_margin: float = Field(
        0.05,
        ge=0.0,
        le=0.15,
        description="with remove_highlights: a paint family's paint is the lightest of its large "
        "tones within this fraction of the top chroma (not the shade 2 units more chromatic)",
    )
    darker_names: bool = Field(
        True,
        description="a region folded unblended (a window piece, a reflection) into a smaller, "
        "lighter one gives the result its colour: the glass is the darker and larger",
    )
    light_glare: bool = Field(
        True, description="white glare and sky reflections on light paint take the paint colour"
    )
    glare_paint_pixels: bool = Field(
        True,
        description="with light_glare: a paint is light (L* >= 55) also when its photo pixels"
        " within 3 px of the glare are, not only its blended colour (a light-blue body's blend"
        " was L* 61.6 or 54.8 by how the merges cut it)",
    )
    pale_glare: bool = Field(
        True,
        description="with light_glare: near-white glare tinted toward its paint (chroma 8-15,"
        " hue within 45 degrees) takes the paint colour, on paint of any lightness",
    )
    smoothness: float = Field(
        4.0, ge=0.0, le=20.0, description="boundary smoothing (Gaussian sigma), px at working size"
    )
    stable_grid: bool = Field(
        False,
        description="the working scale from a ladder (2^(-1/8) steps), the crop cut from the"
        " whole photo shrunk at it, SLIC's seeds on a grid fixed to the photo: a pixel more or"
        " less of mask, one that moves its bounding box too, redraws only near it (false: the"
        " crop's own scale and grid, as before); its crop's long side may exceed"
        " `resolution` by up to 4.4 % (the ladder's nearest step) plus two seed steps (the crop"
        " rounded out to whole steps)",
    )
    wheels: bool = Field(True, description="draw side-view wheels as round tyre and hub discs")
    angled_wheels: bool = Field(
        True,
        description="with wheels: dark elliptic patches (wheels at an angle) become tyre + rim",
    )
    light_tyres: bool = Field(
        True,
        description="with wheels: a neutral ring (any lightness, glare included) around a"
        " coloured rim, closed by its hull and fitting an ellipse, becomes tyre + rim (a"
        " tricycle's light grey tyres)",
    )
    spoked_wheels: bool = Field(
        True,
        description="with wheels: free-standing side-view wheels (spoked, thin) become one tyre"
        " ring + one rim colour",
    )
    spoked_rim_pixels: bool = Field(
        True,
        description="with spoked_wheels: the rim's colour is the median of its most colourful"
        " 30 % of photo pixels, not the colour of a region inside it (the same however the"
        " flattening cut the spokes into regions)",
    )
    spoked_refit: bool = Field(
        True,
        description="with spoked_wheels: a candidate also stands free when its circle refitted"
        " to the silhouette does (the Hough circle often follows the rim, its outer ring then"
        " lies partly on the tyre)",
    )
    tyre_past_rim: bool = Field(
        True,
        description="with wheels: when the circle found is a rim, the tyre is the dark band past"
        " its light ring (a dark truck wheel joined to a black chassis band)",
    )
    wheel_rims: bool = Field(
        True,
        description="with wheels: a side-view wheel whose hub the photo does not show still gets"
        " a rim (0.62 of its radius), and a wheel drawn with a rim takes the darker half of its"
        " tyre ring as the tyre's colour",
    )
    rim_contrast: float = Field(
        40.0,
        ge=0.0,
        le=100.0,
        description="a drawn rim is at least this much (L*) lighter than its tyre, so the"
        " palette keeps the two apart",
    )
    grey_chrome: bool = Field(
        True, description="weakly tinted patches among greys (warm-lit chrome, glass) turn grey"
    )
    gold_tints: bool = Field(
        True,
        description="with grey_chrome, a weakly tinted gold group that touches clear gold"
        " (chroma of at least 28, gold hue) and keeps half its HSV saturation keeps its tint:"
        " gold metal in shade, not chrome; it reaches it directly or through small neutral"
        " pieces (gold_link_piece)",
    )
    gold_link_piece: float = Field(
        0.01,
        gt=0.0,
        le=1.0,
        description="with gold_tints: neutral pieces under this share of the vehicle (grey"
        " reflections, white glare) link a gold group to clear gold (phase3 mosaic_max_piece)",
    )
    glass: bool = Field(
        True, description="mosaics of light and dark grey reflections in a window become one tone"
    )
    glass_body: bool = Field(
        True,
        description="with glass: light pieces of a dark glass mosaic on the silhouette's edge or"
        " a shade of the light body they touch, not enclosed by its dark pieces, are the body"
        " (a white cab in shade), not glass",
    )
    glass_dark_tone: bool = Field(
        True,
        description="with glass: a dark glass mosaic (median L* < 35) takes the median tone of"
        " its dark pieces, not of all its pieces (the pane's tone, as reflections take it)",
    )
    glass_reflections: bool = Field(
        True, description="reflections and what is seen through a dark pane take the pane's tone"
    )
    glass_reflection_groups: bool = Field(
        True,
        description="a reflection left as several neighbouring grey pieces that a dark pane"
        " encloses together takes the pane's tone",
    )
    window_pieces: bool = Field(
        True, description="big window pieces (reflections touching the frame) join their pane"
    )
    window_dark_pieces: bool = Field(
        True,
        description="with window_pieces: a dark grey piece (L* < 45) beside black glass joins it "
        "without a paint frame (windows in a white hull)",
    )
    window_edge_pieces: bool = Field(
        True,
        description="with window_pieces: a dark sliver (L* < 45, at most 0.2 of the pane) bordered"
        " only by a dark pane and the background is the window's end at the silhouette, however"
        " open to it",
    )
    window_roofs: bool = Field(
        True,
        description="with window_pieces: a dark pane with over half its top edge on the"
        " background hangs from the silhouette's top (a dark roof) and takes no window under"
        " it (a piece over half its area, or mostly below its lowest row)",
    )
    window_separators: bool = Field(
        True,
        description="with window_pieces: a piece (L* >= 45) holding a quarter of its outline"
        " with each of two dark panes of one tone (within 8 L*), each at least half its area"
        " and holding a quarter of its own outline with it, lies between two windows (a deck"
        " stripe between window bands) and does not join either",
    )
    glass_highlight: bool = Field(
        False, description="one designed diagonal highlight per window (a house style; off: flat)"
    )


class Phase2Config(StylizerParams):
    """The CPU stylizer's parameters (``phase2.backend: classical``)."""

    backend: Literal["classical"] = "classical"
    deshine: DeshineConfig = DeshineConfig()
    edges: EdgesConfig = EdgesConfig()
    flatten: FlattenConfig = FlattenConfig()
