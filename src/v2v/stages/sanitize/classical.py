"""Phase I on CPU: find the vehicle, remove its text and licence plates, report the rest.

Steps (each timed in ``notes["timings"]``):

1. vehicle mask: the input's alpha if it has one, else U²-Net-p saliency looked at twice
   (whole image, then zoomed on the vehicle or the user's hint box), see ``mask.py``; a
   motor vehicle's box whose mask is a bicycle in a mostly empty box is remade as that
   bicycle (``frame.py``);
2. people: above legs cut below the vehicle's ground line, faces (``people.py``); the
   vehicle's outline is continued behind each person and what sticks out is cut
   (``occluders.py``);
3. text: PP-OCR detection around the vehicle at ``text_removal.detect_long_side``, boxes on the
   vehicle kept, read by the recogniser for the report, grown by ``padding``; a box on a
   white/yellow plate-shaped rectangle takes the whole plate with it (``regions.py``);
4. the text pixels are dilated and inpainted (Telea or Navier–Stokes, ``inpaint.py``); the
   people's pixels on the vehicle are painted with the vehicle's colour bands, row by row;
5. detail loss = 1 − SSIM of the grey vehicle bounding box before vs after.

What this backend cannot remove is listed in ``CleanImage.limitations``, in plain words.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Box, CleanImage, Mask, Photo, RGBImage
from v2v.config import ModelsConfig, Phase1Config
from v2v.context import RunContext
from v2v.errors import InputError
from v2v.stages import SANITIZERS, Sanitizer
from v2v.stages.sanitize.animals import figure_region, looked_at
from v2v.stages.sanitize.beside import Beside
from v2v.stages.sanitize.detector import PEDAL, Detection, ObjectDetector, weak_needed
from v2v.stages.sanitize.frame import scene_bicycle
from v2v.stages.sanitize.inpaint import detail_loss, dilate, inpaint
from v2v.stages.sanitize.limitations import limitations, removal
from v2v.stages.sanitize.long_vehicle import stretched
from v2v.stages.sanitize.looks import COARSE_SIDE
from v2v.stages.sanitize.mask import VehicleMask, grow, vehicle_mask
from v2v.stages.sanitize.maskops import keep_touching
from v2v.stages.sanitize.occluders import behind_occluders, fill_rows, stands_in_front
from v2v.stages.sanitize.people import Person, find_people
from v2v.stages.sanitize.regions import (
    Region,
    lettering,
    on_vehicle,
    removal_regions,
    search_area,
)
from v2v.stages.sanitize.saliency import SaliencyModel
from v2v.stages.sanitize.subject import Subject, choose, in_front
from v2v.stages.sanitize.text import TextDetector


@SANITIZERS.register
class ClassicalSanitizer(Sanitizer):
    """CPU: U²-Net-p vehicle mask, PP-OCR text and plate removal, classical inpainting."""

    name, params = "classical", Phase1Config

    def __init__(self, config: Phase1Config, models: ModelsConfig | None = None) -> None:
        self.config = config

    def run(self, photo: Photo, ctx: RunContext) -> CleanImage:
        """Phase I on ``photo`` (working size); returns the cleaned pixels and the masks."""
        timings: dict[str, float] = {}
        subject, detections, coarse = self._subject(photo, timings)
        with _timed(timings, "vehicle_mask"):
            vehicle = vehicle_mask(
                photo.pixels,
                self.config.vehicle_mask,
                photo.hint,
                photo.alpha,
                subject=subject.box if subject and subject.rank is not None else None,
                reach=self.config.detector.margin,
                thin=bool(subject and subject.detection and subject.detection.label in PEDAL),
                coarse=coarse,
                kind=subject.detection.label if subject and subject.detection else None,
            )
            if subject is not None and subject.rank is not None and not photo.hint:
                subject, vehicle = scene_bicycle(
                    photo.pixels, subject, detections, vehicle, coarse, self.config
                )
        if subject is not None and subject.box is not None:
            mask, people = self._detected_people(photo, vehicle, subject, detections)
        else:
            mask, people = self._people(photo, vehicle, timings)
        ctx.check_cancelled()
        ctx.report("phase1", 0.5, f"vehicle mask done, {len(people)} person(s) in front")
        regions: list[Region] = []
        found = 0
        if self.config.text_removal.enabled:
            with _timed(timings, "text"):
                regions, found = self._find_text(photo.pixels, mask)
            ctx.check_cancelled()
            ctx.report("phase1", 0.8, f"{len(regions)} text region(s) on the vehicle")
        hidden = mask & _union([p.region for p in people], mask.shape)
        with _timed(timings, "inpaint"):
            pixels, removed = self._paint(photo.pixels, regions, hidden, mask)
        notes = {
            **(subject.notes() if subject is not None else {}),
            "vehicle_mask": vehicle.notes,
            "people": [{"box": p.box.as_list(), "evidence": p.evidence} for p in people],
            "text_boxes_detected": found,
            "removed": len(regions) + len(people),
            "removed_fraction": round(float(removed.mean()), 5),
            "detail_loss_definition": "1 - SSIM of the grey vehicle bounding box before vs "
            "after inpainting text and painting the vehicle behind people",
            "timings": timings,
        }
        return CleanImage(
            pixels=pixels,
            vehicle_mask=mask,
            removed_mask=removed,
            removals=tuple(r.removal for r in regions) + tuple(map(removal, people)),
            limitations=limitations(self.config, vehicle, people, subject),
            detail_loss=detail_loss(photo.pixels, pixels, mask) if removed.any() else 0.0,
            notes=notes,
        )

    def _subject(
        self, photo: Photo, timings: dict[str, float]
    ) -> tuple[Subject | None, list[Detection], NDArray[np.float32] | None]:
        """The detected objects, the chosen vehicle, and the coarse saliency look that ranked
        them (the mask reuses it); (None, [], None) when the detector is off or has nothing to
        decide (a cut-out's alpha, masking switched off)."""
        settings = self.config.detector
        if photo.alpha is not None and settings.subject is not None:
            raise InputError(
                f"subject {settings.subject}: this image is a cut-out, and its transparency "
                "already says what the vehicle is; leave the subject out"
            )
        if not (settings.enabled and self.config.vehicle_mask.enabled) or photo.alpha is not None:
            return None, [], None

        def detect() -> list[Detection]:
            with _timed(timings, "detect"):
                return ObjectDetector.shared().detect(
                    photo.pixels, settings.min_score, settings.weak_score
                )

        timings["detect"] = 0.0  # the report lists it first, whichever step ends first
        found = Beside(detect, self.config.concurrent, "detect")  # beside the look (GIL free)
        # always: the ranks in the report must mean the same vehicles with or without a hint
        try:
            with _timed(timings, "saliency_coarse"):
                salient = SaliencyModel.shared().probability(photo.pixels, COARSE_SIDE)
        except BaseException:
            found.settle()  # the look's error is the one raised; the detector's thread has ended
            raise
        detections = weak_needed(found.result(), salient, settings.min_score)
        height, width = photo.pixels.shape[:2]
        subject = choose(
            detections,
            (width, height),
            photo.hint,
            settings.subject,
            salient,
            settings.open_frame,
            settings.margin,
            settings.part_evidence,
        )
        if settings.subject is not None:  # the user's choice is taken as it is
            return subject, detections, salient
        return stretched(subject, salient, settings.margin), detections, salient

    def _bound(self, subject: Subject, photo: Photo) -> Box | None:
        """Where the mask may lie: the subject's box grown by ``detector.margin`` (None for a
        hint box, which bounds the mask itself, or when no vehicle was detected)."""
        if subject.box is None or subject.rank is None:
            return None
        height, width = photo.pixels.shape[:2]
        return grow(subject.box, self.config.detector.margin, width, height)

    def _detected_people(
        self, photo: Photo, vehicle: VehicleMask, subject: Subject, detections: list[Detection]
    ) -> tuple[Mask, list[Person]]:
        """People and animals the detector found over the subject: their boxes are cut from
        the mask and the vehicle's outline is continued behind them."""
        frame = subject.box
        if frame is None or not self.config.vehicle_mask.remove_people:
            return vehicle.mask, []
        height, width = vehicle.mask.shape
        people = []
        pedal = subject.detection is not None and subject.detection.label in PEDAL
        slack = self.config.detector.feet_slack  # not standing: a pattern the vehicle goes on below
        reach = self.config.detector.feet_reach  # ... or beside: a wheel next to the box
        living = [d for d in detections if d.is_living]  # beside a figure: no wheels
        standing = [
            (f, grow(f.box, 0.02, width, height))
            for f in in_front(detections, frame)
            if stands_in_front(
                f.box, vehicle.mask, slack, reach, [d.box for d in living if d is not f]
            )
        ]  # a figure's region lies in its box: a box without a vehicle pixel cannot take one
        standing = [(f, b) for f, b in standing if vehicle.mask[b.y0 : b.y1, b.x0 : b.x1].any()]
        looked = looked_at([f for f, _ in standing])  # chosen among those over the vehicle
        for found, box in standing:
            salient = pedal and self.config.detector.salient_animals
            both = not pedal and self.config.detector.animal_union and found in looked
            region = figure_region(photo.pixels, found.label, box, salient, both)
            if (region & vehicle.mask).any():
                people.append(Person(box, region, f"detected {found.label}", found.score))
        if not people:
            return vehicle.mask, []
        hidden = _union([p.region for p in people], vehicle.mask.shape)
        if pedal:  # a frame's open outline cannot be continued behind a figure: only cut it out
            return keep_touching(vehicle.mask & ~hidden, frame), people  # no slivers left
        bound = photo.hint or self._bound(subject, photo)
        return behind_occluders(vehicle.mask, hidden, bound), people

    def _people(
        self, photo: Photo, vehicle: VehicleMask, timings: dict[str, float]
    ) -> tuple[Mask, list[Person]]:
        """The people in front of the vehicle, and its mask continued behind them (the mask
        itself when there is nothing to look for: no legs cut and no hint box, a cut-out's
        alpha, masking or people removal switched off)."""
        seen = vehicle.source.startswith("saliency")
        if not (self.config.vehicle_mask.remove_people and seen):
            return vehicle.mask, []
        if not (vehicle.occluders or photo.hint):
            return vehicle.mask, []
        with _timed(timings, "people"):
            people = find_people(photo.pixels, vehicle.mask, vehicle.occluders, photo.hint)
            hidden = _union([p.region for p in people], vehicle.mask.shape)
            return behind_occluders(vehicle.mask, hidden, photo.hint), people

    def _paint(
        self, rgb: RGBImage, regions: list[Region], hidden: Mask, vehicle: Mask
    ) -> tuple[RGBImage, Mask]:
        """``rgb`` with the text regions (dilated) inpainted and the ``hidden`` vehicle pixels
        (behind people) painted from the rest of ``vehicle``; and every pixel changed."""
        text = _union([r.pixels for r in regions], vehicle.shape)
        text = dilate(text, self.config.inpaint.dilation)
        pixels = inpaint(rgb, text, self.config.inpaint) if text.any() else rgb
        if hidden.any():
            pixels = fill_rows(pixels, hidden, vehicle & ~hidden)
        return pixels, text | hidden

    def _find_text(self, rgb: RGBImage, vehicle: Mask) -> tuple[list[Region], int]:
        """Removal regions for the text on the vehicle, and how many boxes were detected."""
        settings = self.config.text_removal
        height, width = vehicle.shape
        area = search_area(vehicle)
        if area is None:
            return [], 0
        factor = settings.detect_long_side / max(height, width)
        crop = rgb[area.y0 : area.y1, area.x0 : area.x1]
        if abs(factor - 1.0) > 1e-6:
            size = (max(1, round(crop.shape[1] * factor)), max(1, round(crop.shape[0] * factor)))
            method = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
            crop = np.asarray(cv2.resize(crop, size, interpolation=method), np.uint8)
        detector = TextDetector.shared()
        detected = detector.detect(np.ascontiguousarray(crop), settings.min_score, recognize=False)
        boxes = [b.mapped(factor, area.x0, area.y0, (width, height)) for b in detected]
        boxes = detector.recognize(rgb, on_vehicle(boxes, vehicle))
        boxes = lettering(boxes, vehicle)
        return removal_regions(rgb, boxes, settings.padding), len(detected)


def _union(masks: list[Mask], shape: tuple[int, ...]) -> Mask:
    """bool (H, W): the pixels of every mask."""
    union = np.zeros(shape[:2], bool)
    for mask in masks:
        union |= mask
    return union


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = round(time.perf_counter() - start, 4)
