"""Quality checks of the style guide: silhouette IoU, palette and stroke audit, text left over.

Pure functions; the pipeline decides what a failure means (policy warn / retry / fail).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import CleanImage, VectorArt
from v2v.color.palette import Palette
from v2v.config import Config
from v2v.geometry import silhouette_iou
from v2v.qa_audit import audit_svg
from v2v.qa_result import QAResult, SubjectFit
from v2v.stages.sanitize.beside import Beside
from v2v.svg.render import render_rgba


def on_white_crop(rgba: NDArray[np.uint8], margin: int = 16) -> NDArray[np.uint8]:
    """The drawn part of an RGBA rendering, composited on white (what a reader would see).

    The bounds are found first and only the crop is composited (the same pixels as compositing
    the whole rendering, a fraction of the work)."""
    drawn = rgba[..., 3] > 0
    rows, cols = np.flatnonzero(drawn.any(axis=1)), np.flatnonzero(drawn.any(axis=0))
    if rows.size:
        height, width = drawn.shape
        y0, y1 = max(0, rows[0] - margin), min(height, rows[-1] + margin + 1)
        x0, x1 = max(0, cols[0] - margin), min(width, cols[-1] + margin + 1)
        rgba = rgba[y0:y1, x0:x1]
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = (rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    return np.ascontiguousarray(rgb)


def text_left(rendered: NDArray[np.uint8], drawing_span: float | None = None) -> list[str]:
    """Text a reader could still read in an RGBA rendering of the SVG: confident readings only
    (the detector alone fires on flat shapes: a wheel's hub reads as an 'O'). With
    ``drawing_span`` (``qa.glyph_line_span``) a line whose box spans that share of both the
    drawing's height and width is the drawing read as glyphs (a lowrider's two wheels and
    frame read as "OVO"), not lettering: it does not count."""
    from v2v.stages.sanitize.text import TextDetector

    detected = TextDetector.shared().detect(on_white_crop(rendered), min_score=0.6)
    rows, cols = (np.flatnonzero((rendered[..., 3] > 0).any(axis=a)) for a in (1, 0))
    tall = wide = np.inf  # a box at least this tall and this wide is the whole drawing
    if drawing_span is not None and rows.size:
        tall, wide = (drawing_span * float(ends[-1] - ends[0] + 1) for ends in (rows, cols))
    whole = [d.box.y1 - d.box.y0 >= tall and d.box.x1 - d.box.x0 >= wide for d in detected]
    return [d.text for d, glyphs in zip(detected, whole, strict=True) if d.readable and not glyphs]


def subject_check(config: Config, clean: CleanImage, drawn: NDArray[np.bool_]) -> SubjectFit | None:
    """The drawing is of the chosen vehicle: a vehicle was detected (or the user drew a hint
    box), and at least ``qa.min_inside_subject`` of the drawn pixels (bool (H, W)) lie inside
    its box grown by the detector's margin plus 2 % (the outline's width). None when phase I
    reported no subject (the detector was not used)."""
    subject = clean.notes.get("subject")
    if not isinstance(subject, dict):
        return None
    box = subject.get("box")
    if box is None:
        failure = "no vehicle was detected in the photo: the drawing shows the most salient object"
        return SubjectFit(False, None, (failure,))
    height, width = drawn.shape
    margin = getattr(getattr(config.phase1, "detector", None), "margin", 0.0) + 0.02
    dx, dy = margin * (box[2] - box[0]), margin * (box[3] - box[1])
    x0, y0 = max(0, int(box[0] - dx)), max(0, int(box[1] - dy))
    x1, y1 = min(width, int(np.ceil(box[2] + dx))), min(height, int(np.ceil(box[3] + dy)))
    total = int(drawn.sum())
    inside = int(drawn[y0:y1, x0:x1].sum()) / total if total else 0.0
    least = config.qa.min_inside_subject
    if inside < least:
        failure = f"only {inside:.0%} of the drawing lies inside the subject's box (< {least:.0%})"
        return SubjectFit(True, round(inside, 4), (failure,))
    return SubjectFit(True, round(inside, 4), ())


def run_checks(
    config: Config,
    palette: Palette,
    clean: CleanImage,
    art: VectorArt | None,
    meanwhile: Callable[[], object] | None = None,
) -> QAResult:
    """The style guide's checks of one run's result (``to_dict``: the report's ``qa``).

    ``meanwhile`` (the pipeline's PNG preview) is called once, in the caller's thread, while
    the text check reads the rendering in a thread of its own (``qa.concurrent``): the
    recogniser's ONNX runs leave the GIL free, so on two cores they overlap the preview's
    rendering. Without a text check it is called before returning."""
    qa = config.qa
    if not qa.enabled or art is None:
        if meanwhile is not None:
            meanwhile()
        return _detail_checked(config, clean)
    height, width = clean.vehicle_mask.shape
    rendered = render_rgba(art.svg, width, height)
    reading = None
    if qa.check_text:

        def read() -> list[str]:
            return text_left(rendered, qa.glyph_line_span)

        reading = Beside(read, qa.concurrent and meanwhile is not None, "qa-text")
    try:
        result = _checked(config, palette, clean, art, rendered)
        if meanwhile is not None:
            meanwhile()
    except BaseException:
        if reading is not None:
            reading.settle()  # the caller's error is the one raised; the reading has ended
        raise
    text = tuple(reading.result()) if reading is not None else None
    left = (f"{len(text)} text region(s) still detected in the SVG",) if text else ()
    return replace(result, failures=result.failures + left, text_remaining=text)


def _detail_checked(config: Config, clean: CleanImage) -> QAResult:
    """QA switched off (skipped), else the detail loss checked (all of QA without a drawing)."""
    qa = config.qa
    detail_loss = round(clean.detail_loss, 4)
    if not qa.enabled:
        return QAResult((), detail_loss, skipped=True)
    failures: list[str] = []
    if clean.detail_loss > qa.max_detail_loss:
        failures.append(f"detail loss {clean.detail_loss:.3f} > {qa.max_detail_loss}")
    return QAResult(tuple(failures), detail_loss)


def _checked(
    config: Config, palette: Palette, clean: CleanImage, art: VectorArt, rendered: NDArray[np.uint8]
) -> QAResult:
    """Every check of a drawn result but the text check, on its RGBA ``rendered`` SVG."""
    qa = config.qa
    detail_loss = round(clean.detail_loss, 4)
    failures = list(_detail_checked(config, clean).failures)
    iou = silhouette_iou(clean.vehicle_mask, rendered[..., 3] >= 128)
    too_low = iou < qa.min_silhouette_iou
    if too_low:
        failures.append(f"silhouette IoU {iou:.3f} < {qa.min_silhouette_iou}")
    subject = subject_check(config, clean, rendered[..., 3] >= 128)
    failures.extend(subject.failures if subject is not None else ())
    stroke = config.phase4.stroke
    audit = audit_svg(art.svg, palette, stroke.width if stroke.enabled else None)
    if audit.palette_compliance < 1.0:
        failures.append(f"colours outside the palette: {', '.join(audit.off_palette[:5])}")
    if audit.stroke_compliance < 1.0:
        failures.append(f"{audit.bad_strokes} shapes without the required outline")
    return QAResult(tuple(failures), detail_loss, False, round(iou, 4), too_low, subject, audit)
