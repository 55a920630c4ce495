"""Phase I benchmark: vehicle-mask IoU against ground truth, and phase I seconds.

    .venv/bin/python benchmarks/bench_mask.py [--samples DIR] [--devset DIR] [--hint]

For every ``composite_*.jpg`` of the samples and the devset with a ``*.mask.png`` beside it
(255 = vehicle) the photo is decoded as the pipeline does (working size ``--long-side``), phase
I's vehicle mask is made with the default settings and with the detector off and scored by IoU
against the truth shrunk to the working size (as ``v2v.bench`` scores the SVG). ``--hint`` also
passes the truth's bounding box (grown by 2 %) as the user hint. Seconds: wall and CPU time of
the mask alone and of the whole phase I (mask, text detection, inpainting), after one warm-up
run that loads the models. Then the real photos (no truth) are timed too.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from v2v.artefacts import Box, Photo
from v2v.config import InputConfig, Phase1Config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


def iou(mask: np.ndarray, truth: np.ndarray) -> float:
    """IoU of a working-size mask against the truth (both bool), at the working size: the truth
    is shrunk to the mask's size by area (≥ half covered = vehicle), as ``v2v.bench`` scores the
    SVG. Shrinking the mask to the truth's size instead with INTER_NEAREST picks source pixels
    half a pixel off and scored the trains' masks about 0.01 too low."""
    size = (mask.shape[1], mask.shape[0])
    grey = truth.astype(np.uint8) * np.uint8(255)
    working = cv2.resize(grey, size, interpolation=cv2.INTER_AREA) >= 128
    return float((mask & working).sum() / max(1, (mask | working).sum()))


def read_truth(path: Path) -> np.ndarray:
    """bool (H, W), True where the ground-truth mask is 255."""
    grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if grey is None:
        raise SystemExit(f"cannot read {path}")
    return np.asarray(grey > 127)


def truth_hint(truth: np.ndarray, photo: Photo) -> Box:
    """The truth's bounding box grown by 2 %, in the photo's working pixels."""
    ys, xs = np.nonzero(truth)
    scale = photo.size[0] / truth.shape[1]
    grow = 0.02 * max(truth.shape)
    box = (
        max(0, xs.min() - grow),
        max(0, ys.min() - grow),
        min(truth.shape[1], xs.max() + 1 + grow),
        min(truth.shape[0], ys.max() + 1 + grow),
    )
    x0, y0, x1, y1 = (round(float(v) * scale) for v in box)
    return Box(x0, y0, min(photo.size[0], x1), min(photo.size[1], y1))


DETECT_SECONDS: list[float] = []


def timed_phase1(sanitizer: ClassicalSanitizer, photo: Photo) -> tuple[float, float]:
    """Wall and CPU seconds of phase I; the detector's own seconds go to DETECT_SECONDS."""
    wall, cpu = time.perf_counter(), time.process_time()
    clean = sanitizer.run(photo, RunContext())
    if "detect" in clean.notes["timings"]:  # the detector alone (the coarse saliency look it
        # ranks with is reused by the mask, and was there before the detector)
        DETECT_SECONDS.append(float(clean.notes["timings"]["detect"]))
    return time.perf_counter() - wall, time.process_time() - cpu


def score_composites(
    composites: list[Path], input_config: InputConfig, sanitizer: ClassicalSanitizer, hint: bool
) -> None:
    """Print phase I's mask IoU (default, and with the detector off: saliency alone), the
    mask's and the whole phase I's seconds per composite."""
    alone = ClassicalSanitizer(
        Phase1Config(detector={"enabled": False}, text_removal={"enabled": False})
    )
    print(f"{'photo':<44} {'IoU':>6} {'no-det':>6} {'mask s':>7} {'phase I s':>9} {'CPU s':>6}")
    scores, plain, seconds = [], [], []
    for path in composites:
        truth = read_truth(path.with_suffix(".mask.png"))
        photo = decode(path, input_config)
        box = truth_hint(truth, photo) if hint else None
        given = Photo(photo.pixels, photo.original_size, hint=box)
        wall, cpu = time.perf_counter(), time.process_time()
        clean = sanitizer.run(given, RunContext())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if "detect" in clean.notes["timings"]:
            DETECT_SECONDS.append(float(clean.notes["timings"]["detect"]))
        scores.append(iou(clean.vehicle_mask, truth))
        plain.append(iou(alone.run(given, RunContext()).vehicle_mask, truth))
        seconds.append(wall)
        mask_seconds = float(clean.notes["timings"].get("vehicle_mask", 0.0))
        print(
            f"{path.stem:<44} {scores[-1]:6.3f} {plain[-1]:6.3f} {mask_seconds:7.2f} "
            f"{wall:9.2f} {cpu:6.2f}"
        )
    print(
        f"{'median':<44} {statistics.median(scores):6.3f} {statistics.median(plain):6.3f} "
        f"{'':7} {statistics.median(seconds):9.2f}"
    )
    print(f"{'minimum':<44} {min(scores):6.3f} {min(plain):6.3f}")
    print("IoU = phase I's mask (detector + saliency); no-det = the detector off (saliency alone)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    parser.add_argument("--devset", type=Path, default=SAMPLES.parent / "devset")
    parser.add_argument("--hint", action="store_true", help="use the truth's box as the hint")
    parser.add_argument("--long-side", type=int, default=1024)
    args = parser.parse_args()
    composites = sorted(args.samples.glob("composite_*.jpg"))
    if args.devset.is_dir():
        composites += sorted(args.devset.glob("composite_*.jpg"))
    if not composites:
        raise SystemExit(f"no composite_*.jpg in {args.samples}")
    input_config = InputConfig(work_long_side=args.long_side)
    sanitizer = ClassicalSanitizer(Phase1Config())
    sanitizer.run(decode(composites[0], input_config), RunContext())  # warm-up: load models
    score_composites(composites, input_config, sanitizer, args.hint)
    others = sorted(
        p
        for p in args.samples.iterdir()
        if p.suffix.lower() in {".jpg", ".png", ".gif"}
        and not p.name.startswith("composite_")
        and not p.name.endswith(".mask.png")
    )
    for path in others:
        wall, cpu = timed_phase1(sanitizer, decode(path, input_config))
        print(f"{path.stem:<44} {'':6} {'':6} {'':7} {wall:9.2f} {cpu:6.2f}")
    if DETECT_SECONDS:
        print(
            f"detector (NanoDet, decoding and NMS): median "
            f"{1000 * statistics.median(DETECT_SECONDS):.0f} ms, max "
            f"{1000 * max(DETECT_SECONDS):.0f} ms over {len(DETECT_SECONDS)} photos"
        )


if __name__ == "__main__":
    main()
