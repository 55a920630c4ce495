"""Phase III's configuration sections (palette mapping: upscaling, materials, specks), kept
apart from ``config_sections`` for length; ``v2v.config`` exports them with the rest.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from v2v.config_sections import PaletteParams, Strict


class UpscaleConfig(Strict):
    enabled: bool = False
    factor: int = Field(2, ge=2, le=4)
    method: Literal["lanczos", "realesrgan", "spandrel"] = "lanczos"


class MaterialsConfig(Strict):
    """Palette colours per material (see ``v2v.stages.palette.materials``)."""

    enabled: bool = Field(
        True, description="one palette colour per surface; hue and chroma guards (off: per pixel)"
    )
    paint_chroma: float = Field(
        15.0, ge=0.0, le=100.0, description="regions at least this CIELAB chroma are paint"
    )
    hue_degrees: float = Field(
        20.0, gt=0.0, le=90.0, description="neighbouring paint regions within this hue are one"
    )
    shade_hue_degrees: float = Field(
        45.0,
        ge=0.0,
        le=90.0,
        description="a darker, sky-lit neighbour (hue turned to blue) within this hue is shade",
    )
    shade_saturation_ratio: float = Field(
        1.25,
        ge=1.0,
        le=10.0,
        description="a darker neighbour of one hue is shade: saturation within this factor",
    )
    lit_saturation_ratio: float = Field(
        0.75,
        gt=0.0,
        le=1.0,
        description="a material's colour: its lightest region with this share of top saturation",
    )
    largest_is_lit: bool = Field(
        True,
        description="a material's largest region may name its colour however pale, only to "
        "move from a palette shade pair's shade to its lit colour (light pink stays pink, "
        "not purple; a red is never drawn pink)",
    )
    lit_of_pair: bool = Field(
        True,
        description="lit paint nearer a shade pair's lit colour in lightness takes it over the "
        "shade when it is at most 5 ΔE00 farther (pink not drawn purple); a shade pair: "
        "within 10° of hue, ≥ 10 L* apart, HSV saturation within shade_saturation_ratio",
    )
    hue_tolerance: float = Field(
        10.0,
        ge=0.0,
        le=45.0,
        description="a material's colour this many degrees off its hue yields to one within it",
    )
    same_paint_delta_e: float = Field(
        15.0,
        ge=0.0,
        le=100.0,
        description="separate paint groups this close (ΔE00, same hue) are one paint; 0 = off "
        "(and same_paint_shade with it)",
    )
    same_paint_shade: bool = Field(
        True,
        description="a paint group at most half another's size whose tone is within "
        "same_paint_delta_e of that paint's own shaded regions is the same paint (off when "
        "same_paint_delta_e is 0)",
    )
    pale_bulk: bool = Field(
        True,
        description="a material named by a dark tone (L* < 40) but mostly (> pale_bulk_share "
        "of its area) at least 10 L* lighter (20 on average): the lighter regions are a material "
        "of their own, the dark ones keep the whole material's colour",
    )
    pale_bulk_share: float = Field(
        0.55,
        ge=0.5,
        le=0.9,
        description="pale_bulk: the share of a material's area its lighter regions need (glare "
        "is at most half a paint; the margin keeps a near tie from flipping)",
    )
    shadow_color: bool = Field(
        False, description="a material may add the palette's shade of its colour for its shade"
    )
    neutral_chroma: float = Field(
        10.0,
        ge=0.0,
        le=50.0,
        description="chroma guard: regions (and palette colours) under this chroma are neutrals",
    )
    chroma_guard_margin: float = Field(
        5.0,
        ge=0.0,
        le=50.0,
        description="a neutral region takes a hue only if it is this ΔE00 closer",
    )
    keep_hue_chroma: float = Field(
        45.0,
        ge=0.0,
        le=200.0,
        description="a material this vivid keeps a hue when the palette has one near its own",
    )
    max_chroma_ratio: float = Field(
        3.0,
        ge=0.0,
        le=20.0,
        description="a pale surface never takes a colour this many times as colourful; 0 = off",
    )
    hue_rescue_degrees: float = Field(
        65.0,
        ge=0.0,
        le=180.0,
        description="a tinted material left only neutrals takes a hue this near its own; 0 = off",
    )
    hue_rescue_chroma: float = Field(
        25.0, ge=0.0, le=200.0, description="hue rescue: for materials of at least this chroma"
    )
    dark_paint_saturation: float = Field(
        0.35,
        ge=0.0,
        le=1.0,
        description="dark regions this saturated (HSV) are paint, whatever their chroma; 0 = off",
    )
    dark_paint_delta_e: float = Field(
        10.0,
        ge=0.0,
        le=100.0,
        description="dark paint drawn neutral takes a colour of its hue this near (ΔE00); 0 = off",
    )
    paint_hue_chroma: float = Field(
        30.0,
        ge=0.0,
        le=200.0,
        description="paint at least this chromatic keeps its hue like dark paint does; 0 = off",
    )
    max_hue_shift: float = Field(
        45.0,
        gt=0.0,
        le=180.0,
        description="a tinted region never takes a hue this far from its own",
    )
    pale_patches: bool = Field(
        True,
        description="pale glare and sky-reflection patches on a neutral surface take its colour",
    )
    mosaic_colors: int = Field(
        2,
        ge=0,
        le=16,
        description="chrome: with metal_mosaics 1 = the base tone only, 2 or more = the base plus"
        " one shade or highlight (tinted pieces of a neutral base keep their colour); without it"
        " the palette colours a mosaic of small greys keeps; 0 = off",
    )
    mosaic_max_piece: float = Field(
        0.01, gt=0.0, le=1.0, description="chrome: pieces under this share of the vehicle"
    )
    metal_mosaics: bool = Field(
        True,
        description="chrome: gold and brass pieces are metal too, and a mosaic keeps a base tone"
        " and at most one shade or highlight (off: the mosaic_colors covering most)",
    )
    gold_parts: bool = Field(
        True,
        description="gold: gold pieces drawn in a neutral take the colour of the gold pieces of"
        " their connected metal part (one decision per part, not per region)",
    )
    yellow_paint: bool = Field(
        True,
        description="gold: gold-hued pieces connected to vivid paint of a gold hue (chroma of at"
        " least keep_hue_chroma) are that paint in shade, not metal (mosaics and gold_parts)",
    )
    max_colors: int = Field(
        4096, ge=1, le=65536, description="above this many styled colours, map per pixel"
    )


class Phase3Config(PaletteParams):
    """The CIEDE2000 palette mapper's parameters (``phase3.backend: ciede2000``)."""

    backend: Literal["ciede2000"] = "ciede2000"
    upscale: UpscaleConfig = UpscaleConfig()
    materials: MaterialsConfig = MaterialsConfig()
    remove_specks: bool = True
    min_area_percent: float = Field(
        0.05, ge=0.0, le=10.0, description="specks: components under this % of the vehicle area"
    )
