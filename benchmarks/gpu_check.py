"""GPU check: one drawn car through every GPU backend, timed, with one JSON summary.

    python -m benchmarks.gpu_check                          # real weights in $MODEL_VOLUME_PATH
    python -m benchmarks.gpu_check --random-weights         # full-size random models, no download
    python -m benchmarks.gpu_check --random-weights --tiny  # tiny random models (CPU, the tests)

Per precision (fp16 and bf16 on a GPU; fp32 on CPU) and per phase (I, II, upscale x4), cold
(loading included) and warm: seconds, PyTorch's peak GPU memory, the device memory in use (which
counts ONNX Runtime's arena too) and the ONNX providers really used; whether every output was
finite (NaN/inf stop a phase with StageFailed, recorded as ``error``). Then the out-of-memory
retry is exercised: GroundingDINO raises a CUDA out-of-memory once, phase I must still finish
after every cached model was freed and reloaded. With --random-weights the models are built from
their published architecture configs (benchmarks/random_models.py): the pictures are noise, the
seconds and memory are those of the real architectures, except LaMa and BiRefNet (stand-ins);
a random detector sees parts everywhere, so its six best boxes are kept (a photo has a few).
Meant to finish in under five minutes on one GPU.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from v2v.artefacts import Photo
from v2v.config import CONFIG_DIR, load_config
from v2v.context import RunContext
from v2v.errors import StageFailed
from v2v.stages import SANITIZERS, STYLIZERS, load_backends
from v2v.stages.palette.realesrgan import SpandrelUpscaler

#: tiny models: small generation, every random detection kept (so SAM and LaMa run)
TINY = {
    "phase2.resolution": 64,
    "phase2.guard.mask_resolution": 64,
    "phase1.vehicle_mask.resolution": 64,
    "phase1.detection.box_threshold": 0.0,
    "phase1.detection.text_threshold": 0.0,
    "phase1.detection.max_box_fraction": 1.0,
}


def drawn_car(width: int = 1024, height: int = 640) -> np.ndarray:
    """RGB uint8 (height, width, 3): a red car with a white plate reading 'AB12 CDE' on grey."""
    image = np.full((640, 1024, 3), 215, np.uint8)
    body = [[90, 400], [150, 300], [330, 290], [420, 190], [690, 190], [800, 290], [950, 310]]
    cv2.fillPoly(image, [np.array([*body, [960, 420], [90, 430]], np.int32)], (200, 30, 40))
    for cx in (260, 790):
        cv2.circle(image, (cx, 425), 70, (25, 25, 28), -1)
        cv2.circle(image, (cx, 425), 30, (170, 175, 180), -1)
    cv2.rectangle(image, (410, 330), (650, 390), (245, 245, 245), -1)
    cv2.putText(image, "AB12 CDE", (425, 375), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (10, 10, 10), 3)
    if (width, height) != (1024, 640):
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    return np.asarray(image, np.uint8)


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()
    started = time.perf_counter()
    result = call()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return result, round(time.perf_counter() - started, 2)


def _memory(notes: dict[str, Any]) -> dict[str, Any]:
    keys = ("peak_gpu_memory_mb", "device_memory_used_mb", "onnx_providers")
    return {k: notes.get(k) for k in keys}


def run_precision(model_dir: Path | None, precision: str, args: argparse.Namespace) -> dict:
    """Phases I, II and the upscaler, cold then warm, in one precision."""
    import torch

    from v2v.models.runtime import CACHE

    overrides: dict[str, Any] = {
        "models.precision": precision,
        "phase2.steps": args.steps,
        "phase2.resolution": args.resolution,
    }
    if model_dir is not None:
        overrides["models.dir"] = str(model_dir)
    if args.tiny:
        overrides |= TINY
    config = load_config(CONFIG_DIR / "gpu.yaml", overrides=overrides)
    CACHE.release()
    result: dict[str, Any] = {"precision": precision, "phases": {}, "finite": True}
    try:
        sanitizer = SANITIZERS.create(config.phase1, config.models)
        stylizer = STYLIZERS.create(config.phase2, config.models)
        upscaler = SpandrelUpscaler(config.models)
        photo = Photo(drawn_car(args.width, args.width * 5 // 8), (args.width, args.width * 5 // 8))
        for run in ("cold", "warm"):
            clean, seconds = timed(partial(sanitizer.run, photo, RunContext()))
            result["phases"][f"phase1_{run}"] = {"s": seconds, **_memory(clean.notes)}
            styled, seconds = timed(partial(stylizer.run, clean, RunContext()))
            attempts = styled.notes.get("attempts")
            phase2 = {"s": seconds, "attempts": len(attempts or []), **_memory(styled.notes)}
            result["phases"][f"phase2_{run}"] = phase2
            if torch.cuda.is_available():
                torch.cuda.reset_peak_memory_stats()
            factor = config.phase3.upscale.factor
            big, seconds = timed(partial(upscaler.upscale, styled.pixels, factor))
            peak = torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None
            result["phases"][f"upscale_{run}"] = {"s": seconds, "peak_gpu_memory_mb": peak}
        result["removed_parts"] = len(clean.removals)
        result["output_shape"] = list(big.shape)
    except StageFailed as exc:  # NaN/inf from SDXL, LaMa or depth in this precision
        result |= {"finite": False, "error": str(exc)}
    return result


def exercise_oom_retry(model_dir: Path | None, args: argparse.Namespace, precision: str) -> dict:
    """Phase I with GroundingDINO raising a CUDA out-of-memory once: it must finish, after the
    retry freed every cached model and loaded them again."""
    import torch

    from v2v.models import grounding
    from v2v.models.runtime import CACHE

    overrides: dict[str, Any] = {"models.precision": precision}
    if model_dir is not None:
        overrides["models.dir"] = str(model_dir)
    if args.tiny:
        overrides |= TINY
    config = load_config(CONFIG_DIR / "gpu.yaml", overrides=overrides)
    CACHE.release()
    sanitizer = SANITIZERS.create(config.phase1, config.models)
    photo = Photo(drawn_car(args.width, args.width * 5 // 8), (args.width, args.width * 5 // 8))
    sanitizer.run(photo, RunContext())  # everything loaded and cached
    real, raised = grounding.detect, []

    def flaky(*positional: Any, **named: Any) -> Any:
        if not raised:
            raised.append(True)
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (injected by gpu_check)")
        return real(*positional, **named)

    loads = CACHE.loads
    grounding.detect = flaky  # type: ignore[assignment]
    try:
        clean, seconds = timed(lambda: sanitizer.run(photo, RunContext()))
    finally:
        grounding.detect = real  # type: ignore[assignment]
    return {
        "injected_in": "GroundingDINO",
        "recovered": bool(raised) and clean.pixels.shape == photo.pixels.shape,
        "models_reloaded": CACHE.loads - loads,
        "s": seconds,
    }


@contextmanager
def best_boxes(count: int) -> Iterator[None]:
    """Random detectors see parts everywhere (up to 900 boxes); a photo has a few. Inside this
    block GroundingDINO's detections are cut to the ``count`` best, so SAM and LaMa get a
    realistic load."""
    from v2v.models import grounding

    real = grounding.detect

    def fewer(*positional: Any, **named: Any) -> Any:
        return real(*positional, **named)[:count]

    grounding.detect = fewer  # type: ignore[assignment]
    try:
        yield
    finally:
        grounding.detect = real  # type: ignore[assignment]


def _quiet_progress_bars() -> None:
    """One JSON summary on stdout; the libraries' loading bars would drown it on stderr."""
    import diffusers.utils.logging
    import transformers.utils.logging

    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    import torch

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--resolution", type=int, default=1024)
    parser.add_argument("--width", type=int, default=1024, help="photo width (height = 5/8)")
    parser.add_argument("--random-weights", action="store_true", help="build models, no download")
    parser.add_argument("--tiny", action="store_true", help="tiny random models (CPU is enough)")
    parser.add_argument("--keep", default="", help="build the random models in this folder")
    args = parser.parse_args(argv)
    cuda = torch.cuda.is_available()
    if args.tiny:
        args.random_weights = True
        args.steps, args.resolution, args.width = min(args.steps, 2), 64, min(args.width, 256)
    if not cuda and not args.tiny:
        raise SystemExit("gpu_check needs a CUDA GPU (on CPU: --random-weights --tiny)")
    load_backends()
    _quiet_progress_bars()
    precisions = ["fp16", "bf16"] if cuda else ["fp32"]
    summary: dict[str, Any] = {
        "mode": ("tiny" if args.tiny else "full") + ("-random" if args.random_weights else "-real"),
        "device": torch.cuda.get_device_name() if cuda else "cpu",
        "steps": args.steps,
        "resolution": args.resolution,
        "photo": [args.width, args.width * 5 // 8],
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="v2v-gpu-check-") as scratch:
        model_dir = None
        if args.random_weights:
            from benchmarks.random_models import build

            root = Path(args.keep or scratch) / "models"
            _, summary["build_s"] = timed(
                lambda: build(
                    root, Path(scratch) / "scratch", not args.tiny, "cuda" if cuda else "cpu"
                )
            )
            model_dir = root
        with best_boxes(6) if args.random_weights else nullcontext():
            summary["runs"] = [run_precision(model_dir, p, args) for p in precisions]
            summary["oom_retry"] = exercise_oom_retry(model_dir, args, precisions[0])
    summary["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
