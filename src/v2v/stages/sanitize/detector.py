"""COCO object detection on CPU: NanoDet-g-416, shipped inside the package as ONNX.

The model file (``v2v/models/data/nanodet-g-416.onnx``, provenance in the NOTICE beside it,
made by ``tools/convert_nanodet.py``) is checked against ``MODEL_SHA256`` before it is loaded.

Pre-processing as upstream NanoDet trained it: the photo stretched (bilinear) to 416 × 416,
BGR, ``(x − mean) / std``. The network has three levels (strides 8, 16, 32: 52², 26², 13²
cells, row-major); each cell has 80 sigmoid class scores and, for each side of its box
(left, top, right, bottom), a distribution over 11 distance bins. A side's distance is the
softmax-weighted bin index times the level's stride (generalised focal loss), measured from
the cell's centre. Boxes of each class then go through non-maximum suppression.

Class labels of vehicles are often wrong while the box is right (a race car read as an
airplane, a tank as a truck), so callers treat every class in ``VEHICLES`` alike.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Box, RGBImage
from v2v.errors import StageFailed, WeightsMissing
from v2v.stages.sanitize.runtime import SharedModel, onnx_session

MODEL_NAME = "nanodet-g-416.onnx"
MODEL_SHA256 = "c92176086621a3474c6e7285983c60eac99e9491519bbb276074165e8e2eb784"
INPUT_SIDE = 416
STRIDES = (8, 16, 32)
BINS = 11  # distance bins per box side (reg_max 10)
MEAN_BGR = np.array([103.53, 116.28, 123.675], np.float32)
STD_BGR = np.array([57.375, 57.12, 58.395], np.float32)
NMS_IOU = 0.5
CANDIDATES = 200  # best-scoring cells kept per class before NMS

COCO_CLASSES = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich",
    "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote",
    "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book",
    "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
)  # fmt: skip
VEHICLES = frozenset({"car", "truck", "bus", "motorcycle", "bicycle", "train", "airplane", "boat"})
PEDAL = frozenset({"bicycle"})  # ranked after motor vehicles
LIVING = frozenset(
    {"person", "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra",
     "giraffe"}
)  # fmt: skip
_FIX = "reinstall vehicle-to-vector (pip install --force-reinstall vehicle-to-vector)"


@dataclass(frozen=True)
class Detection:
    """One detected object: COCO ``label``, ``score`` 0..1, ``box`` in the image's pixels."""

    label: str
    score: float
    box: Box

    @property
    def is_vehicle(self) -> bool:
        return self.label in VEHICLES

    @property
    def is_living(self) -> bool:
        return self.label in LIVING

    def as_dict(self) -> dict[str, Any]:
        return {"class": self.label, "score": round(self.score, 3), "box": self.box.as_list()}


def model_path() -> Path:
    """The packaged ONNX file; raises WeightsMissing when the installation lacks it."""
    path = Path(str(resources.files("v2v") / "models" / "data" / MODEL_NAME))
    if not path.is_file():
        raise WeightsMissing(
            f"the object detector {MODEL_NAME} is missing from {path.parent}: {_FIX}"
        )
    return path


def verified_bytes(path: Path, expected: str = MODEL_SHA256) -> bytes:
    """The file's bytes, after checking their sha256 against ``expected``."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected:
        raise WeightsMissing(
            f"the object detector {path} is damaged or was replaced (sha256 {digest[:16]}…, "
            f"expected {expected[:16]}…): {_FIX}"
        )
    return data


class ObjectDetector(SharedModel):
    """NanoDet-g-416 on onnxruntime (CPU). One per process via ``shared()``; thread-safe."""

    def __init__(self, path: Path | None = None, sha256: str = MODEL_SHA256) -> None:
        data = verified_bytes(path or model_path(), sha256)
        self._session: Any = onnx_session(data, "the object detector", _FIX)
        self._input = self._session.get_inputs()[0].name
        self._layout = _layout(self._session.get_outputs())

    def detect(
        self, rgb: RGBImage, min_score: float = 0.3, weak_score: float | None = None
    ) -> list[Detection]:
        """Vehicles, people and animals in ``rgb`` (uint8 (H, W, 3), RGB) scoring at least
        ``min_score``, best first; boxes in ``rgb``'s pixels. With ``weak_score``, when no
        vehicle reaches ``min_score`` the vehicles scoring at least ``weak_score`` are
        returned instead (people and animals still need ``min_score``): an odd vehicle
        (three hopper wagons) scores about 0.3, above or below the bar by the resampling of
        one working size or another. ``weak_needed`` decides whether they count."""
        height, width = rgb.shape[:2]
        small = cv2.resize(rgb, (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_LINEAR)
        x = (small[..., ::-1].astype(np.float32) - MEAN_BGR) / STD_BGR
        batch = np.ascontiguousarray(x.transpose(2, 0, 1)[None], np.float32)
        try:
            outputs = self._session.run(None, {self._input: batch})
        except Exception as exc:
            raise StageFailed(f"the object detector failed: {exc}") from exc
        scores, boxes = [], []
        for stride, (cls_index, reg_index) in zip(STRIDES, self._layout, strict=True):
            level_scores = np.asarray(outputs[cls_index], np.float32).reshape(-1, 80)
            level_dist = np.asarray(outputs[reg_index], np.float32).reshape(-1, 4 * BINS)
            scores.append(level_scores)
            boxes.append(decode_boxes(level_dist, stride))
        all_scores, all_boxes = np.concatenate(scores), np.concatenate(boxes)
        scale = (width / INPUT_SIDE, height / INPUT_SIDE)
        floor = min(min_score, weak_score) if weak_score is not None else min_score
        found = _vehicles(all_scores, all_boxes, floor, scale, (width, height))
        # people and animals: what phase I removes in front of the vehicle; other classes unused
        others = [i for i, name in enumerate(COCO_CLASSES) if name in LIVING]
        living = _select(all_scores, all_boxes, others, min_score, scale, (width, height))
        if any(d.score >= min_score for d in found):
            found = [d for d in found if d.score >= min_score]
        else:  # weak vehicles: a "car" boxed on a surer horse is the horse
            found = [d for d in found if not any(_same_box(d, f) for f in living)]
        return sorted(found + living, key=lambda d: -d.score)


FIGURE_SALIENT = 0.5  # weak vehicles count when this share of the salient pixels is figures'
WEAK_OUTSIDE = 0.5  # ... and each only when this share of its box lies outside every figure's


def weak_needed(
    found: list[Detection], salient: NDArray[np.float32], min_score: float
) -> list[Detection]:
    """``found`` without its weak vehicles (scoring under ``min_score``) unless the salient
    object (``salient``: float32 (H, W) probability, ≥ 0.5) is a person or animal: at least
    FIGURE_SALIENT of its pixels lie in their boxes. Saliency alone then draws the figure (the
    horse in front of the hay-field train, whose wagons score 0.28 at 768 px); otherwise it
    finds the vehicle itself, and a loose weak box spoils it (a rocket's 0.29 "boat" box took
    in the launch pad's floodlights). Even then a weak vehicle counts only when WEAK_OUTSIDE
    of its box lies outside every figure's box: a photo with no vehicle gets weak boxes on
    the figure itself (a 0.25 "bicycle" on an astronaut's hands, 0.04-0.09 outside her box;
    the hay-field wagons are 0.51-1.0 outside the horse's), and it keeps its warning."""
    weak = [d for d in found if d.is_vehicle and d.score < min_score]
    if not weak:
        return found
    seen = salient >= 0.5
    figures = np.zeros(seen.shape, bool)
    for d in found:
        if d.is_living:
            figures[d.box.y0 : d.box.y1, d.box.x0 : d.box.x1] = True
    if seen.any() and (seen & figures).sum() >= FIGURE_SALIENT * seen.sum():
        return [d for d in found if d not in weak or _outside(d, figures) >= WEAK_OUTSIDE]
    return [d for d in found if d not in weak]


def _outside(vehicle: Detection, figures: NDArray[np.bool_]) -> float:
    """The share of ``vehicle``'s box outside ``figures`` (bool (H, W): the figures' boxes)."""
    box = vehicle.box
    inside = figures[box.y0 : box.y1, box.x0 : box.x1]
    return 1.0 - float(inside.mean()) if inside.size else 0.0


def _same_box(vehicle: Detection, figure: Detection) -> bool:
    """``figure`` scores more than ``vehicle`` and their boxes overlap as NMS would merge them
    (intersection over union above NMS_IOU)."""
    shared = vehicle.box.overlap(figure.box)
    union = vehicle.box.area + figure.box.area - shared
    return figure.score > vehicle.score and shared > NMS_IOU * union


def _layout(outputs: list[Any]) -> list[tuple[int, int]]:
    """For each stride, the indices of its (class scores, box distribution) outputs, found by
    their shapes (cells × 80 and cells × 44)."""
    found: dict[tuple[int, int], int] = {}
    for index, output in enumerate(outputs):
        dims = [d for d in output.shape if isinstance(d, int)]
        found[(int(np.prod(dims[:-1])), int(dims[-1]))] = index
    try:
        return [
            (found[((INPUT_SIDE // s) ** 2, 80)], found[((INPUT_SIDE // s) ** 2, 4 * BINS)])
            for s in STRIDES
        ]
    except KeyError as exc:
        raise WeightsMissing(f"the object detector's outputs are not NanoDet's: {_FIX}") from exc


def decode_boxes(distribution: NDArray[np.float32], stride: int) -> NDArray[np.float32]:
    """Boxes (x0, y0, x1, y1) in network pixels, float32 (N, 4), from one level's
    distributions float32 (N, 44) over row-major cells of a ``416 / stride`` grid."""
    side = INPUT_SIDE // stride
    logits = distribution.reshape(-1, 4, BINS)
    logits = logits - logits.max(axis=2, keepdims=True)
    weights = np.exp(logits)
    weights /= weights.sum(axis=2, keepdims=True)
    distance = (weights * np.arange(BINS, dtype=np.float32)).sum(axis=2) * stride
    ys, xs = np.divmod(np.arange(side * side), side)
    cx = (xs.astype(np.float32) + CENTRE_OFFSET) * stride
    cy = (ys.astype(np.float32) + CENTRE_OFFSET) * stride
    return np.stack(
        [cx - distance[:, 0], cy - distance[:, 1], cx + distance[:, 2], cy + distance[:, 3]],
        axis=1,
    ).astype(np.float32)


CENTRE_OFFSET = 0.5  # distances are measured from the cell's centre ((x + ½)·s, (y + ½)·s):
# on the composites with true masks, the median IoU of the best box with the truth's box is
# 0.87 this way and 0.75 from the cell's corner (boxes shifted up and left by half a cell)


def _vehicles(
    scores: NDArray[np.float32],
    boxes: NDArray[np.float32],
    min_score: float,
    scale: tuple[float, float],
    size: tuple[int, int],
) -> list[Detection]:
    """Vehicles as one class: a cell's score is the sum of its vehicle classes' scores (at
    most 1), its label the best of them. An odd vehicle (a tank, a freight train) spreads its
    score over truck, car, train and airplane, none of which reaches ``min_score`` alone."""
    columns = [COCO_CLASSES.index(name) for name in sorted(VEHICLES)]
    total = scores[:, columns].sum(axis=1)  # NMS orders by the sum itself: capped, the surest
    best = np.asarray(columns)[np.argmax(scores[:, columns], axis=1)]  # cells tie at 1
    return [
        Detection(COCO_CLASSES[int(best[i])], min(1.0, float(total[i])), box)
        for i, box in _suppressed(total, boxes, min_score, scale, size)
    ]


def _select(
    scores: NDArray[np.float32],
    boxes: NDArray[np.float32],
    classes: list[int],
    min_score: float,
    scale: tuple[float, float],
    size: tuple[int, int],
) -> list[Detection]:
    """Per-class NMS of the ``classes`` (indices) over all cells."""
    found: list[Detection] = []
    for label_index in classes:
        column = scores[:, label_index]
        found += [
            Detection(COCO_CLASSES[label_index], float(column[i]), box)
            for i, box in _suppressed(column, boxes, min_score, scale, size)
        ]
    return found


def _suppressed(
    column: NDArray[np.float32],
    boxes: NDArray[np.float32],
    min_score: float,
    scale: tuple[float, float],
    size: tuple[int, int],
) -> list[tuple[int, Box]]:
    """(cell index, box in image pixels) of the cells left by non-maximum suppression."""
    keep = np.nonzero(column >= min_score)[0]
    if keep.size == 0:
        return []
    keep = keep[np.argsort(-column[keep], kind="stable")][:CANDIDATES]
    rects = [
        [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])] for b in boxes[keep]
    ]
    chosen = cv2.dnn.NMSBoxes(rects, column[keep].tolist(), min_score, NMS_IOU)
    out = []
    for i in np.asarray(chosen, int).reshape(-1):
        x0, y0, x1, y1 = boxes[keep[i]]
        box = Box(
            max(0, round(float(x0) * scale[0])),
            max(0, round(float(y0) * scale[1])),
            min(size[0], round(float(x1) * scale[0])),
            min(size[1], round(float(y1) * scale[1])),
        )
        if box.x1 > box.x0 and box.y1 > box.y0:
            out.append((int(keep[i]), box))
    return out
