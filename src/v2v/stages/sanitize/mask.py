"""The vehicle mask of phase I: salient-object probability, zoomed second look, edge refinement.

How the mask is made (each step measured on the composites in ``shared/samples``, see
``benchmarks/bench_mask.py``):

1. U²-Net-p sees the whole image and finds the salient object. With ``refine`` on, this look
   only has to say where the object is, so it runs at 224 × 224 (half the cost of the trained
   320; composites' IoU 0.981 median, 0.939 minimum, vs 0.979 and 0.939 at 320). At 160 the
   composites kept their IoU too, but real photos lost thin tops (a motorcycle's headlight and
   mirrors) outside the smaller box the coarser look found.
2. ``refine``: it looks again (320 × 320) at a crop around that object (or the user's hint box),
   which roughly doubles its resolution on the vehicle: median IoU 0.94 → 0.98 on the
   composites, thin parts (wings, ladders, bumpers) come back. A guided filter (the image as
   guide) then snaps the upsampled probability to the photo's edges (``colour_guide``: the
   RGB crop as guide, colour edges of one brightness too; off, see docs/architecture.md).
   Outside a hint box everything is background. GrabCut seeded from the probability was tried
   as the general refinement and lowered IoU on every composite (colours of tyres, shadows
   and asphalt overlap), so it is used only when saliency marks almost nothing inside a hint
   box or the detected box, and always for bicycles (thin frames that saliency breaks up).
   Seeded with the probability (likely pixels probably vehicle, the rest probably
   background), it keeps the background seen through frames out.
   A detected boat's mask is grown down to ``edge_grow`` probability, cell by cell, where that
   outline lies on a stronger image edge than the mask's own (``edge_grow.py``: a dark hull on
   dark water, which saliency fades out before its edge); dents in its bottom outline, where
   saliency stopped short of the waterline, are filled (``waterline.py``).
3. The vehicle is the largest component plus the pieces close to it; far blobs are dropped.
   A long vehicle (``long_aspect``) is continued in line beyond its ends by GrabCut in its
   band (``long_vehicle.py``): the wagons saliency gave up on.
4. ``cut_occluders`` (``occluders.py``): thin, tall things reaching below the vehicle's ground
   line (legs of people walking in front, posts) are cut there; wheels stay. No composite
   changes; on the street-bus photo the pedestrians' legs and a bollard go. Their boxes are
   kept (``VehicleMask.occluders``): ``people.py`` looks for the bodies above them. Not for a
   detected bicycle (unless ``cut_below_bicycles``): the people and animals over it are the
   detector's, and its own thin parts hang below the line (a tricycle's rear wheel seen
   edge-on, lower in perspective than the front one).
5. ``fill_holes``: holes (windows seen through, gaps between wheels and body) become vehicle
   unless large and coloured like the scene around (``holes.py``: a schooner's sky; pieces
   coloured like the scene, the gaps between a train's wagons, go after filling),
   except for bicycles: what their frames enclose is background, and GrabCut's pixels there
   are dropped where saliency sees nothing at all (``grabcut.seen_at_all``); saliency's own
   vehicle (probability ≥ the threshold) within THIN_JOIN of them joins them, since GrabCut
   gives rims, tubes and saddles coloured like the background to the background (farther
   away, a salient traffic cone or animal beside the wheel would join too). Where saliency
   and GrabCut still disagree, colour decides (``colour_vote.py``): GrabCut's pixels that
   saliency does not see come back where their colour is the vehicle's rather than the
   background's around it (a lowrider's banana saddle, top tube and chain guard), and those
   saliency barely sees go where their colour is the background's (the court or wall seen
   between the tubes, which saliency's faint halo kept).
6. A long vehicle's gaps coloured like the scene go (``holes.gaps``: the ring around the mask;
   ``couplings.py``: the wider scene, in notches between wagons that GrabCut takes), and so do
   the gaps where the scene above the roof runs on down across the mask's top edge
   (``roof_gaps.py``, not for boats); then its underside saliency left out joins
   (``underside.py``: wheel bogies, the strip under a sill).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Box, Mask, RGBImage
from v2v.config import VehicleMaskConfig
from v2v.stages.sanitize.colour_vote import (
    grown_in_vehicle_colours,
    in_background_colours,
    in_scene_colours,
    in_vehicle_colours,
)
from v2v.stages.sanitize.edge_grow import grow_to_edges
from v2v.stages.sanitize.edge_snap import snapped_to_colours
from v2v.stages.sanitize.grabcut import grabcut_in_box, seen_at_all
from v2v.stages.sanitize.holes import seen_through
from v2v.stages.sanitize.inpaint import dilate
from v2v.stages.sanitize.long_vehicle import between_and_below_wagons, continue_in_line
from v2v.stages.sanitize.looks import detected_probability, probability
from v2v.stages.sanitize.maskops import (
    beyond_sides,
    fill_holes,
    grow,
    keep_touching,
    keep_vehicle,
)
from v2v.stages.sanitize.occluders import cut_occluders
from v2v.stages.sanitize.saliency import SaliencyModel
from v2v.stages.sanitize.waterline import fill_waterline

MIN_VEHICLE_FRACTION = 0.002  # below this share of the image nothing was found
HINT_MIN_COVER = 0.15  # saliency must mark this share of a hint box, else GrabCut decides
GRABCUT_MARGIN = 0.04  # GrabCut's box: the detected box grown by this share of its size
THIN_JOIN = 0.01  # saliency joins a bicycle's GrabCut mask within this share of the diagonal
SIDE_THICK = 0.01  # ... and beyond its box's sides in pieces this thick (share of the diagonal)
OPEN_KINDS = frozenset({"boat", "airplane", "train"})  # outlines enclosing sky: sails, couplings
SOLID_KINDS = frozenset({"car", "bus"})  # their scene-coloured pieces are glass or paint
HULL_KINDS = frozenset({"boat"})  # a dark hull on dark water: saliency fades before its edge
LONG_ASPECT = 4.0  # a long vehicle's width / height when vehicle_mask.long_aspect is off


@dataclass(frozen=True)
class VehicleMask:
    """mask: bool (H, W), True = vehicle. source: what made it. notes: JSON-able facts.
    occluders: bounding boxes of the thin, tall parts cut below the ground line (legs, posts
    standing alone; not the posts cut beside wheels)."""

    mask: Mask
    source: str
    notes: dict[str, Any] = field(default_factory=dict)
    occluders: tuple[Box, ...] = ()


def vehicle_mask(
    rgb: RGBImage,
    config: VehicleMaskConfig,
    hint: Box | None = None,
    alpha: Mask | None = None,
    model: SaliencyModel | None = None,
    subject: Box | None = None,
    reach: float = 0.1,
    thin: bool = False,
    coarse: NDArray[np.float32] | None = None,
    kind: str | None = None,
) -> VehicleMask:
    """The vehicle's pixels in ``rgb`` (uint8 (H, W, 3), RGB).

    ``alpha`` (bool (H, W), the input's own transparency) wins over everything: a cut-out
    already says where the vehicle is. ``hint`` is a box around the vehicle in ``rgb``'s pixels.
    ``subject`` (the detected vehicle's box) is used when there is no hint: the salient parts
    that touch it are the vehicle (its box may hold only a part of an odd vehicle), up to
    ``reach`` of the box's size beyond it and never farther; GrabCut decides when saliency
    misses the vehicle there. ``thin``: the vehicle is made of thin parts (a bicycle's frame
    and spokes), which saliency breaks up: GrabCut decides inside the box. ``coarse``: the
    whole image's saliency at ``looks.COARSE_SIDE`` when the caller has it already (float32 (H, W)).
    ``kind``: the detected subject's class (None with a hint or no detection): only boats,
    aircraft and trains keep large scene-coloured holes open (a car's or a bus's windows
    showing the street are glass to draw), and only long vehicles that are not cars or buses
    lose scene-coloured gaps (a train's couplings).
    """
    height, width = rgb.shape[:2]
    if alpha is not None:
        return VehicleMask(alpha.copy(), "alpha", {"source": "alpha"})
    if not config.enabled:
        full = np.ones((height, width), bool)
        return VehicleMask(full, "whole image", {"source": "whole image"})
    model = model or SaliencyModel.shared()
    limit = grow(subject, reach, width, height) if subject is not None and hint is None else None
    box = hint or limit
    focus: Box | None
    colour = config.colour_guide and not thin  # a bicycle's outline is GrabCut's
    if limit is not None and subject is not None:
        prob, focus = detected_probability(rgb, config, subject, limit, model, coarse, colour)
    else:
        prob, focus = probability(rgb, config, box, model, colour)
    source = "saliency+hint" if hint else "saliency+detection" if limit else "saliency"
    notes: dict[str, Any] = {"source": source, "focus_box": focus.as_list() if focus else None}
    mask = prob >= config.threshold
    if box is not None and config.refine and (thin or _sees_too_little(mask, subject or box)):
        tight = grow(subject, GRABCUT_MARGIN, width, height) if limit and subject else box
        mask = grabcut_in_box(rgb, prob, tight, config.threshold, config.grabcut_guide)
        if thin:  # saliency's own vehicle next to it joins: rims, saddles GrabCut let go
            kept = seen_at_all(mask, prob, config.thin_reach)
            mask = kept | in_vehicle_colours(rgb, mask, kept, tight)
            faint = config.faint_colours
            mask &= ~in_background_colours(rgb, mask, prob, tight, config.threshold, faint)
            reach = THIN_JOIN * float(np.hypot(height, width))
            mask |= (prob >= config.threshold) & dilate(mask, 2 * max(1, round(reach)) + 1)
            if config.side_parts is not None and limit is not None:  # a wheel the box cut
                salient, diagonal = prob >= config.side_parts, float(np.hypot(height, width))
                band, scene = 0, None
                if config.side_band is not None:  # from where GrabCut lost the wheel's edge
                    band = round(config.side_band * diagonal)
                    scene = in_scene_colours(rgb, mask, salient, tight)
                mask |= beyond_sides(mask, salient, tight, SIDE_THICK * diagonal, band, scene)
            if config.grow_colours:  # handlebars both gave up, in the vehicle's colours
                mask |= grown_in_vehicle_colours(rgb, mask, prob, tight, config.threshold)
            if config.snap_edges:  # the outline onto the photo's edge, pixel by pixel
                mask = snapped_to_colours(rgb, mask)
        notes["grabcut"] = True
    elif kind in HULL_KINDS and not thin:  # saliency's hull: it fades before the waterline
        if config.edge_grow is not None:
            mask = grow_to_edges(rgb, mask, prob, config.edge_grow)
        if config.waterline is not None:
            mask = fill_waterline(mask, prob, config.waterline)  # dents left in its bottom
    mask = keep_touching(mask, subject) if limit is not None and subject else keep_vehicle(mask)
    if box is not None and config.long_aspect is not None and not thin and kind not in SOLID_KINDS:
        mask = continue_in_line(rgb, mask, subject or box, box, config.long_aspect)  # far wagons
    occluders: list[Box] = []
    pedal = thin and subject is not None  # a detected bicycle: the detector finds its riders
    if config.cut_occluders and (config.cut_below_bicycles or not pedal):
        mask, occluders, posts = cut_occluders(mask)
        if occluders and pedal and subject is not None:  # a bicycle is made of pieces
            mask = keep_touching(mask, subject)
        elif occluders:
            mask = keep_vehicle(mask)
        notes["occluders_cut"] = len(occluders) + len(posts)
    if config.fill_holes and not thin:  # a bicycle's frame encloses background, not holes
        filled = fill_holes(mask)
        if config.open_holes is not None and kind in OPEN_KINDS:  # sky between a schooner's sails
            filled &= ~seen_through(rgb, mask, filled, config.open_holes)
        mask = filled
    if not thin and _long(mask, kind, config.long_aspect):
        mask = between_and_below_wagons(rgb, mask, config, kind not in HULL_KINDS)
    if mask.mean() < MIN_VEHICLE_FRACTION:
        mask = np.zeros((height, width), bool)
        region = box or Box(0, 0, width, height)
        mask[region.y0 : region.y1, region.x0 : region.x1] = True
        notes["fallback"] = (
            "no salient object found: the hint or detected box or the whole image is the vehicle"
        )
    notes["vehicle_fraction"] = round(float(mask.mean()), 4)
    return VehicleMask(mask, notes["source"], notes, tuple(occluders))


def _long(mask: Mask, kind: str | None, aspect: float | None) -> bool:
    """A long vehicle (a train of wagons), not a car or a bus: its mask's bounding box is at
    least ``aspect`` (default LONG_ASPECT) times as wide as tall."""
    if kind is None or kind in SOLID_KINDS or not mask.any():
        return False
    rows, columns = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    height, width = rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1
    return bool(width >= (aspect or LONG_ASPECT) * height)


def _sees_too_little(mask: Mask, hint: Box) -> bool:
    """True when saliency marks under HINT_MIN_COVER of the hint box (a vehicle that does not
    stand out: GrabCut, seeded by the box, decides instead)."""
    inside = mask[hint.y0 : hint.y1, hint.x0 : hint.x1]
    return inside.size == 0 or float(inside.mean()) < HINT_MIN_COVER
