"""The picture-quality gate: every composite with a true mask, converted end to end.

Shared by ``tests/quality/test_quality_gate.py`` (which holds each photo above its floor) and
``benchmarks/quality_floors.py`` (which measures the figures and raises the floors).

The photos are ``composite_*.jpg`` in ``../shared/samples`` and ``../shared/devset``, each with
``NAME.mask.png`` (255 = vehicle). Each is converted with the default config and palette, QA's
text check off (one photo keeps it on, see ``TEXT_CHECKED``), and scored by the silhouette IoU
of the SVG against the true mask (``v2v.bench.truth_iou``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from v2v.bench import truth_iou
from v2v.config import load_config
from v2v.pipeline import Pipeline

SHARED = Path(__file__).resolve().parents[3] / "shared"
FOLDERS = (SHARED / "samples", SHARED / "devset")
FLOORS = Path(__file__).with_name("floors.json")
MARGIN = 0.02  # a floor is the measured IoU less this (noise between machines and libraries)
TEXT_CHECKED = "composite_garbage_truck_on_parking-ramp"  # its run keeps the OCR check on
TEXT_PHOTO = SHARED / "samples" / "deb-opencvdoc_london_double_decker_bus.jpg"  # plate, adverts


@dataclass(frozen=True)
class Scored:
    """One photo's figures: silhouette IoU against the truth, palette and stroke compliance,
    text QA still finds, and whether QA passed."""

    photo: str
    iou: float
    palette: float
    stroke: float
    text_left: tuple[str, ...]
    qa_passed: bool
    text_checked: bool = False


def photos() -> list[Path]:
    """The composites with a true mask, sorted by folder then name."""
    found: list[Path] = []
    for folder in FOLDERS:
        found += sorted(
            p for p in folder.glob("composite_*.jpg") if p.with_suffix(".mask.png").is_file()
        )
    return found


def score(paths: list[Path]) -> dict[str, Scored]:
    """Convert each photo (one pipeline per text-check setting, models loaded once)."""
    quick = Pipeline(load_config(overrides=["qa.check_text=false"]))
    checked = Pipeline(load_config())
    out: dict[str, Scored] = {}
    for path in paths:
        pipeline = checked if path.stem == TEXT_CHECKED else quick
        result = pipeline.run(path)
        qa = result.report["qa"]
        iou = truth_iou(result, path)
        assert iou is not None, f"{path} has no true mask"
        out[path.stem] = Scored(
            path.stem,
            round(iou, 4),
            float(qa["palette_compliance"]),
            float(qa["stroke_compliance"]),
            tuple(qa.get("text_remaining", [])),
            bool(qa["passed"]),
            "text_remaining" in qa,
        )
    return out


def text_photo_report() -> dict[str, object]:
    """The run report of ``TEXT_PHOTO`` (a real photo with a licence plate and adverts),
    converted with the default config: text removal and QA's text check on."""
    return Pipeline(load_config()).run(TEXT_PHOTO).report


def read_floors() -> dict[str, float]:
    data = json.loads(FLOORS.read_text(encoding="utf-8"))
    return {str(k): float(v) for k, v in data["floors"].items()}
