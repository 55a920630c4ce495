"""People standing in front of the vehicle, found without a person detector's weights.

The evidence, all of which ships inside opencv-python:

1. Legs: the thin, tall parts that ``occluders.cut_occluders`` cut below the vehicle's ground
   line and that end below everything left of the vehicle (someone standing in front is
   nearer the camera than the wheels, so their feet are lower in the picture). Nothing is
   looked for without them, so vehicles with nothing in front cost nothing and cannot lose a
   part to a false face.
2. A face above the legs: OpenCV's Haar cascades (frontal, then profile both ways), searched
   only above the legs and only at sizes a person in front of this vehicle can have, and kept
   only when the face's middle is mostly skin-coloured (wheels and lamps read as faces too).
   The person is a head box and a body box extrapolated from the face (a body is about three
   face widths wide), widened to take in the legs under it, down to the legs' feet.
3. Legs without a face (someone turned away, cut by the image's edge): a part at least
   LEG_ASPECT times as deep as it is wide is taken for a leg, and the band above it, LEG_WIDEN
   times as wide as the leg and LEG_BODY times as high as the leg is deep, for the body.
   Posts and stands are not as thin, and a face-less person whose legs are not is not found.

Each person comes with a generous region (bool (H, W)): the pixels where they may cover the
vehicle. What happens there (cut or painted over) is decided in ``occluders.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from v2v.artefacts import Box, Mask, RGBImage
from v2v.errors import BackendUnavailable
from v2v.stages.sanitize.runtime import SharedModel

FACE_SIZES = (1 / 25, 1 / 3)  # face height as a share of the vehicle's height: min, max
FACE_MIN_SKIN = 0.3  # share of the face's middle that must be skin-coloured
FACE_DETECT_SIDE = 24  # the smallest face wanted is scaled to about this many px
FACE_STEP = 1.15  # the cascades' scale step
LEG_REACH = 1.6  # a leg belongs to a face whose middle is within this many face widths
LEG_DEPTH = (1.5, 14.0)  # the legs' top lies this many face heights below the face
FEET_BELOW = 0.02  # a leg ends at least this share of the vehicle's height below all of it
LEG_ASPECT = 2.5  # a face-less leg is at least this many times as deep as wide
LEG_BODY = 2.0  # a face-less body rises this many leg depths above the leg
LEG_WIDEN = 2.5  # and is this many times as wide
HALF_BODY = 1.7  # half the body's width, in face widths
CASCADES = ("haarcascade_frontalface_alt2.xml", "haarcascade_profileface.xml")


@dataclass(frozen=True)
class Person:
    """One person in front of the vehicle.

    box: bounds of ``region``. region: bool (H, W), the pixels the person may cover.
    evidence: 'face and legs', 'legs' or 'face' (inside a hint box). score: 0..1, how sure
    (the skin share of the face; 0.5 for legs alone).
    """

    box: Box
    region: Mask
    evidence: str
    score: float


class FaceFinder(SharedModel):
    """OpenCV's Haar face cascades (frontal and profile); one per process via ``shared()``,
    thread-safe."""

    def __init__(self) -> None:
        folder = getattr(getattr(cv2, "data", None), "haarcascades", None)
        self._cascades: list[Any] = []
        for name in CASCADES:
            cascade = cv2.CascadeClassifier(f"{folder}{name}") if folder else None
            if cascade is None or cascade.empty():
                raise BackendUnavailable(
                    f"OpenCV's face cascade {name} is missing (cv2.data.haarcascades); "
                    "reinstall opencv-python-headless, or set "
                    "phase1.vehicle_mask.remove_people=false"
                )
            self._cascades.append(cascade)
        self._lock = threading.Lock()  # a cascade keeps working buffers: one call at a time

    def faces(self, rgb: RGBImage, sizes: tuple[int, int], profile: bool = False) -> list[Box]:
        """Skin-coloured faces in ``rgb`` (uint8 (H, W, 3)) of ``sizes`` (min, max) px tall:
        frontal faces, or with ``profile`` faces seen from the side (facing left or right)."""
        scale = min(1.0, FACE_DETECT_SIDE / max(1, sizes[0]))
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        if scale < 1.0:
            grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        grey = cv2.equalizeHist(grey)
        low, high = (max(20, round(s * scale)) for s in sizes)
        cascade = self._cascades[1 if profile else 0]
        found: list[Box] = []
        for flip in (False, True) if profile else (False,):
            image = np.ascontiguousarray(grey[:, ::-1]) if flip else grey
            with self._lock:
                boxes = cascade.detectMultiScale(image, FACE_STEP, 4, 0, (low, low), (high, high))
            for x, y, w, h in boxes:
                x = image.shape[1] - x - w if flip else x
                box = Box(*(round(v / scale) for v in (x, y, x + w, y + h)))
                if not any(_overlap(box, other) for other in found):
                    found.append(box)
        return [box for box in found if skin_share(rgb, box) >= FACE_MIN_SKIN]


def find_people(
    rgb: RGBImage, vehicle: Mask, legs: Sequence[Box], hint: Box | None = None
) -> list[Person]:
    """The people in front of the vehicle (``vehicle``: bool (H, W)) of ``rgb`` (uint8
    (H, W, 3)), given the ``legs`` cut below its ground line.

    Frontal faces are looked for above all the legs, profiles only above legs that no frontal
    face stands on (the profile cascade is the slower one). Without legs nothing is looked for,
    unless the user drew a ``hint`` box that the vehicle's mask reaches the bottom of: a box
    drawn tight around the vehicle cuts the legs off, so inside it frontal faces on the vehicle
    with room for a body below them count alone.
    """
    ys = np.nonzero(vehicle.any(axis=1))[0]
    if ys.size == 0:
        return []
    top, vehicle_height = int(ys[0]), int(ys[-1]) - int(ys[0]) + 1
    # someone in front stands nearer the camera than the wheels: the feet are lower in the image
    legs = [leg for leg in legs if leg.y1 > ys[-1] + FEET_BELOW * vehicle_height]
    if not (legs or hint):
        return []
    sizes = (round(FACE_SIZES[0] * vehicle_height), round(FACE_SIZES[1] * vehicle_height))
    if not legs and hint is not None:
        clipped = hint.y1 <= vehicle.shape[0] and vehicle[hint.y1 - 1].any()
        return _people_in_hint(rgb, vehicle, hint, int(ys[-1]), sizes) if clipped else []
    faces = _faces_above(rgb, legs, top, vehicle_height, sizes, profile=False)
    owners = {i: _owner(leg, faces) for i, leg in enumerate(legs)}
    alone = [leg for i, leg in enumerate(legs) if owners[i] is None]
    if alone:
        sideways = _faces_above(rgb, alone, top, vehicle_height, sizes, profile=True)
        faces += [face for face in sideways if not any(_overlap(face, f) for f in faces)]
        owners = {i: _owner(leg, faces) for i, leg in enumerate(legs)}
    people = []
    for f, face in enumerate(faces):
        mine = [legs[i] for i, owner in owners.items() if owner == f]
        if mine:
            body = _face_body(face, mine, max(leg.y1 for leg in mine))
            people.append(_person(body, vehicle.shape, "face and legs", skin_share(rgb, face)))
    for i, leg in enumerate(legs):
        if owners[i] is None and leg.y1 - leg.y0 >= LEG_ASPECT * (leg.x1 - leg.x0):
            people.append(_person(_leg_body(leg), vehicle.shape, "legs", 0.5))
    return people


def _people_in_hint(
    rgb: RGBImage, vehicle: Mask, hint: Box, bottom: int, sizes: tuple[int, int]
) -> list[Person]:
    """People inside the ``hint`` box: frontal faces mostly on ``vehicle`` whose body (two
    face heights at least) fits above the vehicle's ``bottom`` row; the body goes down to the
    box's bottom."""
    crop = np.ascontiguousarray(rgb[hint.y0 : hint.y1, hint.x0 : hint.x1])
    if min(crop.shape[:2]) < sizes[0]:
        return []
    people = []
    for found in FaceFinder.shared().faces(crop, sizes):
        face = Box(found.x0 + hint.x0, found.y0 + hint.y0, found.x1 + hint.x0, found.y1 + hint.y0)
        on_vehicle = float(vehicle[face.y0 : face.y1, face.x0 : face.x1].mean())
        if on_vehicle >= 0.5 and face.y1 + 2 * (face.y1 - face.y0) <= bottom:
            body = _face_body(face, [], hint.y1)
            people.append(_person(body, vehicle.shape, "face", skin_share(rgb, face)))
    return people


def _faces_above(
    rgb: RGBImage,
    legs: Sequence[Box],
    top: int,
    vehicle_height: int,
    sizes: tuple[int, int],
    profile: bool,
) -> list[Box]:
    """Faces (in ``rgb``'s pixels) where the owners of ``legs`` can have theirs: above the
    legs, up to a little over the vehicle's ``top``, and a reach to each side."""
    reach = round(0.3 * vehicle_height)
    area = Box(
        max(0, min(leg.x0 for leg in legs) - reach),
        max(0, top - round(0.15 * vehicle_height)),
        min(rgb.shape[1], max(leg.x1 for leg in legs) + reach),
        min(rgb.shape[0], max(leg.y0 for leg in legs)),
    )
    if area.x1 - area.x0 < sizes[0] or area.y1 - area.y0 < sizes[0]:
        return []
    crop = np.ascontiguousarray(rgb[area.y0 : area.y1, area.x0 : area.x1])
    found = FaceFinder.shared().faces(crop, sizes, profile)
    return [Box(b.x0 + area.x0, b.y0 + area.y0, b.x1 + area.x0, b.y1 + area.y0) for b in found]


def skin_share(rgb: RGBImage, face: Box) -> float:
    """Share of the middle three fifths of ``face`` in ``rgb`` that is skin-coloured (YCrCb:
    Cr 133..173, Cb 77..127, which holds for light and dark skin alike); 0..1."""
    w, h = face.x1 - face.x0, face.y1 - face.y0
    middle = rgb[face.y0 + h // 5 : face.y1 - h // 5, face.x0 + w // 5 : face.x1 - w // 5]
    if middle.size == 0:
        return 0.0
    ycrcb = cv2.cvtColor(np.ascontiguousarray(middle), cv2.COLOR_RGB2YCrCb)
    cr, cb = ycrcb[..., 1], ycrcb[..., 2]
    return float(((cr >= 133) & (cr <= 173) & (cb >= 77) & (cb <= 127)).mean())


def _owner(leg: Box, faces: Sequence[Box]) -> int | None:
    """The index of the face whose person stands on ``leg``: the nearest (in face widths) of
    those within reach sideways and at a leg's distance below; None when there is none."""
    best, best_distance = None, LEG_REACH
    for i, face in enumerate(faces):
        width, height = face.x1 - face.x0, face.y1 - face.y0
        drop = (leg.y0 - face.y1) / height
        if not LEG_DEPTH[0] <= drop <= LEG_DEPTH[1]:
            continue
        middle = (face.x0 + face.x1) / 2
        sideways = max(leg.x0 - middle, middle - leg.x1, 0.0) / width
        if sideways <= best_distance:
            best, best_distance = i, sideways
    return best


def _face_body(face: Box, legs: Sequence[Box], feet: int) -> list[Box]:
    """Head and body boxes of the person with ``face`` standing on ``legs`` (maybe none),
    down to the ``feet`` row."""
    width, height = face.x1 - face.x0, face.y1 - face.y0
    middle = (face.x0 + face.x1) / 2
    head = Box(
        round(middle - 0.8 * width),
        round(face.y0 - 0.5 * height),
        round(middle + 0.8 * width),
        round(face.y1 + 0.4 * height),
    )
    body = Box(
        round(min([middle - HALF_BODY * width, *(leg.x0 - 0.2 * width for leg in legs)])),
        round(face.y1 + 0.2 * height),
        round(max([middle + HALF_BODY * width, *(leg.x1 + 0.2 * width for leg in legs)])),
        feet,
    )
    return [head, body]


def _leg_body(leg: Box) -> list[Box]:
    """The leg and the band above it where the rest of a face-less person stands (a body is
    wider than a leg: the band is LEG_WIDEN times as wide)."""
    width, depth = leg.x1 - leg.x0, leg.y1 - leg.y0
    grow = round((LEG_WIDEN - 1) * width / 2)
    return [Box(leg.x0 - grow, round(leg.y0 - LEG_BODY * depth), leg.x1 + grow, leg.y1)]


def _person(boxes: list[Box], shape: tuple[int, ...], evidence: str, score: float) -> Person:
    region = np.zeros(shape[:2], bool)
    for box in boxes:
        region[max(0, box.y0) : max(0, box.y1), max(0, box.x0) : max(0, box.x1)] = True
    ys, xs = np.nonzero(region)
    bounds = Box(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    return Person(bounds, region, evidence, round(score, 3))


def _overlap(a: Box, b: Box) -> bool:
    """True when the two boxes share more than half of the smaller one's area."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    smaller = min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0))
    return w > 0 and h > 0 and w * h > 0.5 * smaller
