"""Text detection and recognition with the PP-OCR ONNX models that ship inside ``rapidocr``.

Used by phase I (what to remove) and by the pipeline's QA (is any readable text left in the
rendered SVG?). Nothing is downloaded: only the wheel's default detection and recognition
models are used. One engine per process (:meth:`TextDetector.shared`), safe to call from
several threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Box
from v2v.errors import BackendUnavailable, InputError, StageFailed
from v2v.stages.sanitize.runtime import SharedModel, cpu_threads

_ENGINE_PARAMS = {
    "Global.log_level": "error",
    "Global.use_cls": False,
    "Global.text_score": 0.0,
    # the caller chooses the detection size; the detector must not resize on its own
    "Det.limit_type": "max",
    "Det.limit_side_len": 4096,
    # see runtime.py: a fixed, small thread count (the default pins one per core; the count,
    # cpu_threads(), is added when the engine is made), and no memory arena: an arena keeps
    # its largest run's buffers for good (measured: no slower without it, ~170 MB less peak)
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    "EngineConfig.onnxruntime.enable_cpu_mem_arena": False,
}


@dataclass(frozen=True)
class TextBox:
    """One detected line of text.

    box: axis-aligned bounds in the input image's pixels. score: detection confidence 0..1.
    text: recognised characters ('' when recognition was not asked for or read nothing).
    polygon: float32 (4, 2), the rotated quadrilateral's corners as (x, y) pixels.
    text_score: recognition confidence 0..1 (0 without recognition).
    """

    box: Box
    score: float
    text: str
    polygon: NDArray[np.float32]
    text_score: float = 0.0

    @property
    def height(self) -> float:
        """Text line height in pixels (the quadrilateral's shorter side)."""
        sides = np.linalg.norm(np.roll(self.polygon, -1, axis=0) - self.polygon, axis=1)
        return float(min(sides[0] + sides[2], sides[1] + sides[3]) / 2)

    def mapped(self, factor: float, dx: int, dy: int, size: tuple[int, int]) -> TextBox:
        """The box in another image: coordinates divided by ``factor``, then shifted by
        (dx, dy) and clipped to ``size`` = (width, height)."""
        polygon = (self.polygon / factor + np.array([dx, dy], np.float32)).astype(np.float32)
        moved = _to_textbox(polygon, self.score, (size[1], size[0]))
        return TextBox(moved.box, self.score, self.text, polygon, self.text_score)

    @property
    def readable(self) -> bool:
        """True when a reader would see text here: two or more letters or digits read with
        confidence ≥ 0.7, not only rings (rows of wheels and hubs read as 'O', 'o' or '0')."""
        characters = {ch for ch in self.text if ch.isalnum()}
        if self.text_score < 0.7 or sum(ch.isalnum() for ch in self.text) < 2:
            return False
        return not characters <= set("0Oo")


class TextDetector(SharedModel):
    """PP-OCR text detector (DB) plus recogniser (CRNN), CPU, weights from the rapidocr wheel.
    One per process via ``shared()``."""

    def __init__(self) -> None:
        try:
            with _model_list_read_once():
                from rapidocr import RapidOCR
            from rapidocr.inference_engine.onnxruntime.main import ONNXRuntimeError
            from rapidocr.main import RapidOCRError
        except ImportError as exc:
            raise BackendUnavailable(
                "text detection needs the 'rapidocr' and 'onnxruntime' packages: "
                "pip install rapidocr==3.10.0 onnxruntime"
            ) from exc
        threads = {"EngineConfig.onnxruntime.intra_op_num_threads": cpu_threads()}
        _sleeping_threads()
        self._engine: Any = RapidOCR(params={**_ENGINE_PARAMS, **threads})
        self._errors: tuple[type[Exception], ...] = (
            RuntimeError,
            ValueError,
            cv2.error,
            ONNXRuntimeError,
            RapidOCRError,
        )
        # rapidocr switches det/rec on and off through instance state: one call at a time
        self._lock = threading.Lock()
        # rapidocr makes its two sessions on first use, in the thread that first detects. Made
        # here instead (in the preload's thread), a cold `v2v process` peaked 40-50 MB higher
        # (measured: 509-521 MB against 458-462 MB) for no wall time that could be shown.

    def detect(
        self, rgb: NDArray[np.uint8], min_score: float = 0.5, recognize: bool = True
    ) -> list[TextBox]:
        """Text lines in ``rgb`` (uint8 (H, W, 3), RGB) whose detection score ≥ ``min_score``.

        The image is analysed at its own size (resize it first to trade recall for speed).
        With ``recognize`` each box also carries the text read from it.
        """
        _check_image(rgb)
        bgr = np.ascontiguousarray(rgb[..., ::-1])
        with self._lock:
            output = self._run(bgr, use_det=True, use_rec=False)
        if output.boxes is None or len(output.boxes) == 0:
            return []
        boxes = [
            _to_textbox(np.asarray(polygon, np.float32), float(score), rgb.shape[:2])
            for polygon, score in zip(output.boxes, output.scores, strict=True)
            if score >= min_score
        ]
        boxes = [b for b in boxes if b.box.x1 > b.box.x0 and b.box.y1 > b.box.y0]
        return self.recognize(rgb, boxes) if recognize else boxes

    def recognize(self, rgb: NDArray[np.uint8], boxes: list[TextBox]) -> list[TextBox]:
        """The same boxes with ``text`` and ``text_score`` read from ``rgb`` (RGB uint8).

        All lines are read in one call (the recogniser batches them), not one call a line.
        """
        _check_image(rgb)
        bgr = np.ascontiguousarray(rgb[..., ::-1])
        crops = {i: _rectified_crop(bgr, found.polygon) for i, found in enumerate(boxes)}
        readable = [i for i, crop in crops.items() if crop is not None]
        read: dict[int, tuple[str, float]] = {}
        if readable:
            with self._lock:
                output = self._read_lines([crops[i] for i in readable])
            for i, text, score in zip(readable, output.txts, output.scores, strict=True):
                read[i] = (str(text).strip(), float(score))
        result = []
        for i, found in enumerate(boxes):
            text, text_score = read.get(i, ("", 0.0))
            result.append(TextBox(found.box, found.score, text, found.polygon, text_score))
        return result

    def _read_lines(self, crops: list[Any]) -> Any:
        try:
            return self._engine.recognize_txt(crops)
        except self._errors as exc:
            raise StageFailed(f"the text recogniser failed on {len(crops)} line(s): {exc}") from exc

    def _run(self, bgr: NDArray[np.uint8], use_det: bool, use_rec: bool) -> Any:
        try:
            return self._engine(bgr, use_det=use_det, use_cls=False, use_rec=use_rec)
        except self._errors as exc:
            raise StageFailed(f"the text detector failed on a {bgr.shape} image: {exc}") from exc


def _sleeping_threads() -> None:
    """rapidocr's onnxruntime sessions get threads that sleep when idle, as phase I's own do
    (``runtime.session_options``).

    rapidocr's engine config has no key for it, and onnxruntime's default keeps each worker
    thread spinning after every run: CPU the other stages of a 2-core machine then lack.
    Measured on the 50 shared photos (``benchmarks.svg_hashes``, both trees at once): every
    SVG the same, 7.6 % less CPU per warm photo (median 2.39 -> 2.15 s). rapidocr makes its
    sessions on first use, so its options builder (``OrtInferSession._init_sess_opts``,
    rapidocr 3.x) is wrapped, once per process; a rapidocr without it is left as it is."""
    try:
        from rapidocr.inference_engine.onnxruntime.main import OrtInferSession
    except ImportError:
        return
    build = getattr(OrtInferSession, "_init_sess_opts", None)
    if build is None or getattr(build, "_v2v_sleeping", False):
        return

    def options(cfg: Any) -> Any:
        made = build(cfg)
        made.add_session_config_entry("session.intra_op.allow_spinning", "0")
        made.add_session_config_entry("session.inter_op.allow_spinning", "0")
        return made

    options._v2v_sleeping = True  # type: ignore[attr-defined]
    OrtInferSession._init_sess_opts = staticmethod(options)  # type: ignore[method-assign]


@contextmanager
def _model_list_read_once() -> Iterator[None]:
    """While rapidocr is imported, its model list is read once, not twice.

    rapidocr 3.x loads the list of every model it knows (``default_models.yaml``, 1,600 lines)
    into OmegaConf twice while its modules are imported (``utils.model_resolver`` and
    ``inference_engine.base``): 0.1-0.3 s each of pure Python in every cold process. Both only
    read it, so the second load is given the first one's result. Any other file is loaded as
    usual, and OmegaConf is as it was once the import is done."""
    try:
        from omegaconf import OmegaConf
    except ImportError:  # rapidocr's own import will say what is missing
        yield
        return
    load = OmegaConf.load
    loaded: dict[str, Any] = {}

    def load_once(file_: Any, **options: Any) -> Any:
        if not isinstance(file_, (str, Path)) or Path(file_).name != "default_models.yaml":
            return load(file_, **options)
        key = str(Path(file_).resolve())
        if key not in loaded:
            loaded[key] = load(file_, **options)
        return loaded[key]

    OmegaConf.load = load_once  # type: ignore[method-assign]
    try:
        yield
    finally:
        OmegaConf.load = load  # type: ignore[method-assign]


def _check_image(rgb: NDArray[np.uint8]) -> None:
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise InputError(
            f"text detection needs an RGB uint8 image of shape (H, W, 3); got {rgb.dtype} "
            f"{rgb.shape}"
        )


def _to_textbox(polygon: NDArray[np.float32], score: float, shape: tuple[int, ...]) -> TextBox:
    height, width = shape[:2]
    x0, y0 = np.floor(polygon.min(axis=0)).astype(int)
    x1, y1 = np.ceil(polygon.max(axis=0)).astype(int)
    box = Box(max(0, int(x0)), max(0, int(y0)), min(width, int(x1)), min(height, int(y1)))
    return TextBox(box=box, score=score, text="", polygon=polygon)


def _rectified_crop(
    bgr: NDArray[np.uint8], polygon: NDArray[np.float32]
) -> NDArray[np.uint8] | None:
    """The quadrilateral warped upright (uint8 (h, w, 3)); None when it is degenerate."""
    top, bottom = np.linalg.norm(polygon[0] - polygon[1]), np.linalg.norm(polygon[2] - polygon[3])
    left, right = np.linalg.norm(polygon[0] - polygon[3]), np.linalg.norm(polygon[1] - polygon[2])
    width, height = round(float(max(top, bottom))), round(float(max(left, right)))
    if width < 2 or height < 2:
        return None
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(polygon.astype(np.float32), target)
    crop = cv2.warpPerspective(
        bgr, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    if height > 1.5 * width:
        # vertical text reads better turned upright (the PP-OCR recogniser expects lines)
        crop = cv2.rotate(crop, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return np.asarray(crop, np.uint8)
