"""An animal's silhouette in front of a bicycle, for phase I's occluder cut.

The detector boxes a dog standing in front of a lowrider's rear wheel; what is cut from the
bicycle's mask is the dog's own pixels inside that box. GrabCut inside the box
(``grabcut.figure_in_box``) separates them by colour, and in front of a bicycle it errs both
ways: the gold rim and fender behind the dog's back went with the dog (the wheel lost), the
grey legs against the path stayed with the bicycle. The dog is the salient object of a crop
around its box, though: U²-Net-p on that crop (the box grown by ANIMAL_CONTEXT) traces it
whole, legs to ears, and leaves the wheel (devset's dog in front of the lowrider: 119 of the
bicycle's true pixels taken instead of 1901, the legs cut; the lamb beside the tricycle 4
instead of 63). One more saliency look (320 px) per animal over a bicycle.
"""

from __future__ import annotations

import cv2
import numpy as np

from v2v.artefacts import Box, Mask, RGBImage
from v2v.stages.sanitize.detector import Detection
from v2v.stages.sanitize.grabcut import FIGURE_GROW, FIGURE_MIN_SHARE, figure_in_box
from v2v.stages.sanitize.inpaint import dilate
from v2v.stages.sanitize.looks import GUIDED_EPS, GUIDED_RADIUS
from v2v.stages.sanitize.maskops import grow_with_slack, guided_filter
from v2v.stages.sanitize.saliency import SaliencyModel

ANIMAL_CONTEXT = 0.1  # the crop saliency looks at: the animal's box grown by this share a side
ANIMAL_THRESHOLD = 0.5  # salient probability that counts as the animal
# animals over a vehicle given the extra saliency look (``detector.animal_union``), largest
# first: a team of horses before a wagon is two, and a herd before a tractor would cost one
# look (~0.2 s, 320 px, on a busy 2-core CPU) per head; the smaller ones keep GrabCut's figure
ANIMAL_LOOKS = 3
UNION_REACH = 8  # px: salient pieces within this of GrabCut's figure join it (a head it lost)


def salient_animal(
    rgb: RGBImage, box: Box, model: SaliencyModel | None = None, fallback: Mask | None = None
) -> Mask:
    """The animal's pixels inside its detected ``box`` (bool (H, W)): the salient object of the
    crop around the box (probability ≥ ANIMAL_THRESHOLD, edge-snapped as the mask's second
    look is), grown by FIGURE_GROW px for its soft rim. GrabCut's figure
    (``figure_in_box``) when saliency marks under FIGURE_MIN_SHARE of the box (it saw
    something else there), or ``fallback`` where the caller has computed that figure."""
    height, width = rgb.shape[:2]
    if box.area == 0:
        return figure_in_box(rgb, box) if fallback is None else fallback
    area = grow_with_slack(box, ANIMAL_CONTEXT, ANIMAL_CONTEXT, width, height)
    crop = np.ascontiguousarray(rgb[area.y0 : area.y1, area.x0 : area.x1])
    local = (model or SaliencyModel.shared()).probability(crop)
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    local = guided_filter(grey, local, GUIDED_RADIUS, GUIDED_EPS)
    inside = np.zeros((height, width), bool)
    inside[box.y0 : box.y1, box.x0 : box.x1] = True
    figure = np.zeros((height, width), bool)
    figure[area.y0 : area.y1, area.x0 : area.x1] = local >= ANIMAL_THRESHOLD
    figure &= inside
    if figure.sum() < FIGURE_MIN_SHARE * box.area:
        return figure_in_box(rgb, box) if fallback is None else fallback
    return dilate(figure, 2 * FIGURE_GROW + 1) & inside


def figure_region(rgb: RGBImage, label: str, box: Box, salient: bool, both: bool = False) -> Mask:
    """Bool (H, W): what a detected person or animal in ``box`` hides. A person: the whole
    box (no trace may stay: a face, jeans GrabCut misses). An animal: its silhouette, the
    vehicle beside it in its box stays; with ``salient`` (a bicycle's subject,
    ``detector.salient_animals``) the salient object of a crop; with ``both`` (another
    vehicle's, ``detector.animal_union``) GrabCut's figure and that salient object together:
    each leaves parts of the animal the other finds (GrabCut gave a horse's brown head against
    a red wagon to the wagon, saliency found it), the salient pieces within UNION_REACH px of
    the figure only (a bright part of the vehicle in the box, apart from the animal, stays the
    vehicle's); else GrabCut's figure."""
    if label == "person":
        region = np.zeros(rgb.shape[:2], bool)
        region[box.y0 : box.y1, box.x0 : box.x1] = True
        return region
    if salient:
        return salient_animal(rgb, box)
    figure = figure_in_box(rgb, box)
    if not both:
        return figure
    seen = salient_animal(rgb, box, fallback=figure)
    _, labels = cv2.connectedComponents(seen.astype(np.uint8))
    near = dilate(figure, 2 * UNION_REACH + 1)
    touching = np.unique(labels[near & seen])
    return figure | np.isin(labels, touching[touching > 0])


def looked_at(found: list[Detection]) -> list[Detection]:
    """The ANIMAL_LOOKS largest animals (no people) of ``found``: those given the extra
    saliency look of ``detector.animal_union``."""
    animals = [d for d in found if d.label != "person"]
    return sorted(animals, key=lambda d: d.box.area, reverse=True)[:ANIMAL_LOOKS]
