"""Phase IV's config sections: what every vectorizer shares (background, outline) and the vtracer
vectorizer's parameters.

``v2v.config`` assembles them into ``Config`` and loads it; import them from there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from v2v.config_sections import BackendParams, Strict

if TYPE_CHECKING:
    from v2v.color.palette import Palette


# -- phase IV ---------------------------------------------------------------------------------


class StrokeConfig(Strict):
    enabled: bool = True
    width: float = Field(2.0, gt=0, le=20)
    inset: bool = Field(
        True,
        description="the outline around the vehicle lies inside its silhouette: fills stop "
        "half a stroke width short of the mask's edge (parts thinner than that keep their "
        "width), so fill plus outline covers the mask and no more, at the SVG's own size (the "
        "outline does not scale: rendered larger, the vehicle is up to half a stroke thinner)",
    )
    color: str = Field(
        "auto", description="'auto' = the palette's darkest colour, or a palette hex"
    )

    @field_validator("color")
    @classmethod
    def _color(cls, value: str) -> str:
        from v2v.color.palette import normalize_hex
        from v2v.errors import InputError

        if value == "auto":
            return value
        try:
            return normalize_hex(value)
        except InputError as exc:
            raise ValueError(f"{exc}; or use 'auto'") from None

    def color_in(self, palette: Palette) -> str:
        """The outline colour: ``auto`` is the palette's darkest colour; a hex must be one of the
        palette's. Raises InputError naming the palette's colours otherwise."""
        from v2v.errors import InputError

        if self.color == "auto":
            return palette.darkest()
        if self.color not in palette.colors:
            raise InputError(
                f"phase4.stroke.color {self.color} is not in the palette {palette.name!r}; "
                f"use 'auto' or one of {', '.join(palette.colors)}"
            )
        return self.color


class VtracerConfig(Strict):
    mode: Literal["spline", "polygon"] = "spline"
    filter_speckle: int = Field(4, ge=0, le=128)
    corner_threshold: int = Field(60, ge=0, le=180)
    length_threshold: float = Field(4.0, ge=3.5, le=10.0)
    splice_threshold: int = Field(45, ge=0, le=180)
    max_iterations: int = Field(10, ge=1, le=50)
    path_precision: int = Field(2, ge=0, le=8)
    outset_correction: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="px of the traced label map by which every traced ring moves towards its "
        "inside: vtracer keeps each staircase's outer corner, so its outlines lie up to half "
        "a pixel outside the pixels' edge wherever they are not horizontal or vertical (a "
        "traced disc about 0.3 px); the value is tuned on the rendered silhouette against "
        "true masks, not on that outset; a ring never moves past half its inradius; only "
        "with the outline on (it covers the sub-pixel seams between colours the shrinking can "
        "open); 0 = off",
    )
    snap_runs: int = Field(
        4,
        ge=0,
        le=64,
        description="px of the working image: traced nodes that lie over a straight "
        "horizontal or vertical run of the label map's edge at least this long, outside it "
        "by at most 1.5 px of the traced map, move onto the run's edge: vtracer bridges "
        "every dent one pixel deep from one step's outer corner to the other's and lets long "
        "runs sag with the rounded corners they end in; a run ending in a staircase's step "
        "(a one-pixel step to a tread more than a third as long), a run under twice this "
        "length without a step outwards at both ends or under four times it climbing a "
        "one-pixel riser at one end only (a slope's tread), and a node with "
        "another part's edge within 1.5 px across a gap stay as traced; curves and lines "
        "(polygon mode) alike; only with the outline on (it covers the seams between a "
        "snapped colour edge and its unsnapped neighbour); 0 = off",
    )
    keep_straight_edges: bool = Field(
        True,
        description="outset_correction leaves every node of a straight horizontal or "
        "vertical run where vtracer traced it (each span to the next node within 0.15 px of "
        "an axis and the tangent along it; the run's ends and square corners included), all "
        "of a run alike: vtracer traces such runs on the pixels' edge, so a moved run's edge "
        "row would drop out of the silhouette; on by default: moving them too scores higher "
        "against the photos' true masks only because phase I's masks lie too far out on "
        "trains, and phase IV draws the mask it is given",
    )


class CenterlineConfig(Strict):
    min_length: int = Field(12, ge=2, le=1000, description="shortest centerline kept, px")
    simplify: float = Field(1.0, ge=0.0, le=10.0, description="Douglas-Peucker tolerance, px")


class VectorizerParams(BackendParams):
    """Parameters of a phase IV backend (``phase4``): every vectorizer draws on the style
    guide's background and outlines, which the pipeline's preview and QA read."""

    background: Literal["transparent", "white"] = "transparent"
    stroke: StrokeConfig = StrokeConfig()


class Phase4Config(VectorizerParams):
    """The vtracer vectorizer's parameters (``phase4.backend: vtracer``)."""

    backend: Literal["vtracer"] = "vtracer"
    strategy: Literal["A", "B"] = "A"
    min_path_area: float = Field(
        16.0,
        ge=0.0,
        le=10_000.0,
        description="paths below this area (px² of the working image) are removed",
    )
    vtracer: VtracerConfig = VtracerConfig()
    centerline: CenterlineConfig = CenterlineConfig()
