"""Phase I's configuration sections (the CPU sanitizer's): vehicle mask, text removal,
inpainting, and the detector's (``v2v.config_detector``). ``v2v.config`` assembles them into
``Config``; import them from there.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from v2v.config_detector import DetectorConfig
from v2v.config_sections import SanitizerParams, Strict

# -- phase I ----------------------------------------------------------------------------------


class VehicleMaskConfig(Strict):
    enabled: bool = True
    threshold: float = Field(
        0.5, gt=0.0, lt=1.0, description="saliency probability that counts as vehicle"
    )
    refine: bool = Field(
        True,
        description="second, zoomed-in saliency look with edge snapping "
        "(GrabCut inside a hint box that saliency misses)",
    )
    colour_guide: bool = Field(
        False,
        description="the zoomed look's probability follows the photo's colour edges, not only "
        "its brightness edges (a guided filter with the RGB crop as guide): two colours of one "
        "brightness, a white airliner on a pale sky, a hull on water; not for bicycles, whose "
        "outline GrabCut draws; false: the grey guide",
    )
    cut_occluders: bool = Field(
        True, description="cut thin, tall parts below the vehicle's ground line (legs, posts)"
    )
    cut_below_bicycles: bool = Field(
        False,
        description="cut_occluders applies to a detected bicycle too; off: a bicycle's thin "
        "parts below its ground line stay (a tricycle's rear wheel seen edge-on), the people "
        "and animals over it are cut by their detected boxes",
    )
    remove_people: bool = Field(
        True,
        description="remove people standing in front of the vehicle (legs cut below its ground "
        "line with a face above them) and paint the vehicle's colours behind them; needs "
        "cut_occluders",
    )
    fill_holes: bool = True
    thin_reach: int = Field(
        0,
        ge=0,
        le=10,
        description="a bicycle's GrabCut pixels stay where saliency sees them at all (0.05) "
        "or within this many px (working size) of such a pixel; more keeps a halo of the "
        "scene around its tubes and saddle",
    )
    grabcut_guide: int = Field(
        3,
        ge=0,
        le=10,
        description="GrabCut's labels (found at 640 px) grow back to the working size by a "
        "guided filter of this radius (px), the photo's grey as guide, so that the outline "
        "follows its edges; 0: nearest neighbour (the 640 px grid's steps)",
    )
    faint_colours: float | None = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="a bicycle's GrabCut pixels that saliency sees under this probability go "
        "where their colour (16 levels a channel) is the background's around the mask rather "
        "than its salient pixels' (the scene in the corners between its parts, the halo along "
        "its tubes); null: off",
    )
    snap_edges: bool = Field(
        False,
        description="a bicycle's mask edge pixel by pixel: each pixel on either side of it "
        "goes to the mask or the scene, whichever's mean colour 2 px away (within 3 px) is "
        "nearer its own (GrabCut's halo of the wall around a tube, a rim's edge it left out)",
    )
    grow_colours: bool = Field(
        True,
        description="a bicycle's mask grows, inside its GrabCut box, into the pixels in its "
        "own colours rather than the background's that saliency sees at least faintly and "
        "that reach none of the box's sides (handlebars GrabCut and saliency gave up)",
    )
    side_parts: float | None = Field(
        0.25,
        gt=0.0,
        lt=1.0,
        description="a bicycle's salient parts (probability at least this) left and right of "
        "its GrabCut box, thick and touching the mask, join it (a tricycle's wheel the "
        "detector's box cut off); null: off",
    )
    side_band: float | None = Field(
        0.01,
        gt=0.0,
        lt=0.1,
        description="side_parts may start this share of the image's diagonal inside the box's "
        "sides, where GrabCut lost the wheel's edge, and then the pixels in the colours of "
        "the scene around the mask join none (the ground saliency sees below a wheel); null: "
        "only beyond the sides, every salient pixel",
    )
    open_holes: float | None = Field(
        0.005,
        ge=0.0,
        le=1.0,
        description="holes of at least this share of the vehicle's area, coloured like the "
        "scene around it, stay background when holes are filled (the sky between a "
        "schooner's sails and its deck; a detected boat, aircraft or train only: a car's "
        "windows are glass); null: every hole is filled",
    )
    gaps: float | None = Field(
        0.15,
        ge=0.0,
        le=1.0,
        description="pieces of the mask coloured like the scene around it, at least this share "
        "of the vehicle's height square, are background (the gaps between a train's wagons; "
        "a long detected vehicle that is no car or bus only); null: off",
    )
    coupling_gaps: float | None = Field(
        2.0,
        ge=1.0,
        le=100.0,
        description="a long vehicle's notches between wagons that GrabCut (the wide scene "
        "around the mask as background) takes from the mask are background where their colour "
        "is this many times as frequent in that scene as in the mask (the path seen between a "
        "train's wagons on a lawn); null: off",
    )
    roof_gaps: float | None = Field(
        0.05,
        ge=0.01,
        le=0.5,
        description="a long vehicle's bands between wagons where the photo's colour runs on "
        "across the mask's top edge (the scene above the roof seen down into a coupling gap) "
        "are background where the band stays in the scene's colour at least this share of "
        "the vehicle's height down from the top (0.01-0.5: the depth is looked for in the "
        "top half); null: off",
    )
    underside: float | None = Field(
        10.0,
        ge=1.0,
        le=100.0,
        description="a long vehicle's wheel bogies (dark compact blobs hanging below the mask, "
        "this much darker in CIELAB L* than the ground left and right of them) and the dark "
        "strip under its sill (this much darker than the sill) join the mask; null: off",
    )
    edge_grow: float | None = Field(
        0.25,
        ge=0.0,
        le=1.0,
        description="a detected boat's mask is grown down to this salient probability where "
        "the grown outline lies on a stronger image edge than the mask's own (a dark hull on "
        "dark water, which saliency fades out before its edge); at or above threshold it adds "
        "nothing (a lowered threshold is not refused for it); null: off",
    )
    waterline: float | None = Field(
        0.2,
        gt=0.0,
        le=1.0,
        description="a detected boat's bottom outline: a dent narrower than this share of the "
        "mask's width (columns whose lowest mask pixel lies above those on both sides) is "
        "where saliency stopped short of the waterline; it is filled to its higher rim where "
        "saliency sees the pixels at all (>= 0.1); null: off",
    )
    long_aspect: float | None = Field(
        4.0,
        ge=1.0,
        le=100.0,
        description="a mask this many times wider than tall is a long vehicle (a train): "
        "GrabCut continues it in line beyond its ends, within the detected box's margin "
        "(wagons saliency gave up on); null: off",
    )


class TextRemovalConfig(Strict):
    enabled: bool = True
    min_score: float = Field(0.5, ge=0.0, le=1.0, description="text detector box score")
    padding: float = Field(
        0.25, ge=0.0, le=2.0, description="box growth, as a fraction of its height"
    )
    detect_long_side: int = Field(1024, ge=256, le=4096)


class InpaintConfig(Strict):
    method: Literal["telea", "navier-stokes"] = "telea"
    radius: int = Field(5, ge=1, le=50)
    dilation: int = Field(5, ge=0, le=51, description="mask dilation kernel, px")


class Phase1Config(SanitizerParams):
    """The CPU sanitizer's parameters (``phase1.backend: classical``)."""

    backend: Literal["classical"] = "classical"
    concurrent: bool = Field(
        True,
        description="steps that do not wait for each other run side by side in threads (the "
        "object detector beside the coarse saliency look); false: one after another",
    )
    detector: DetectorConfig = DetectorConfig()
    vehicle_mask: VehicleMaskConfig = VehicleMaskConfig()
    text_removal: TextRemovalConfig = TextRemovalConfig()
    inpaint: InpaintConfig = InpaintConfig()

    @model_validator(mode="after")
    def _subject_needs_the_detector(self) -> Phase1Config:
        """A chosen subject with nothing to choose it from would be ignored in silence."""
        if self.detector.subject is not None and not (
            self.enabled and self.detector.enabled and self.vehicle_mask.enabled
        ):
            raise ValueError(
                "phase1.detector.subject picks a detected vehicle, so it needs phase1.enabled, "
                "phase1.detector.enabled and phase1.vehicle_mask.enabled; switch them on or "
                "leave the subject out"
            )
        return self
