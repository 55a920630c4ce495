"""GPU check with the real weights: one drawn car through every GPU backend, timed.

Run on a CUDA machine with the weights in $MODEL_VOLUME_PATH (`v2v models verify` first):

    python benchmarks/gpu_check.py [--steps 30] [--resolution 1024]

Prints seconds and peak GPU memory per phase (cold: includes loading; warm: cached models), then
the geometry guard's attempts. Finishes in well under five minutes on a 24 GB GPU.
"""

from __future__ import annotations

import argparse
import json
import time
from functools import partial
from typing import Any

import cv2
import numpy as np

from v2v.artefacts import Photo
from v2v.config import CONFIG_DIR, load_config
from v2v.context import RunContext
from v2v.stages import SANITIZERS, STYLIZERS, create_backend, load_backends
from v2v.stages.palette.realesrgan import SpandrelUpscaler


def drawn_car(width: int = 1024, height: int = 640) -> np.ndarray:
    """RGB uint8: a red car with a white plate reading 'AB12 CDE' on a grey background."""
    image = np.full((height, width, 3), 215, np.uint8)
    body = np.array(
        [
            [90, 400],
            [150, 300],
            [330, 290],
            [420, 190],
            [690, 190],
            [800, 290],
            [950, 310],
            [960, 420],
            [90, 430],
        ],
        np.int32,
    )
    cv2.fillPoly(image, [body], (200, 30, 40))
    for cx in (260, 790):
        cv2.circle(image, (cx, 425), 70, (25, 25, 28), -1)
        cv2.circle(image, (cx, 425), 30, (170, 175, 180), -1)
    cv2.rectangle(image, (410, 330), (650, 390), (245, 245, 245), -1)
    cv2.putText(image, "AB12 CDE", (425, 375), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (10, 10, 10), 3)
    return image


def timed(label: str, call: Any, notes_of: Any) -> Any:
    """Run ``call()``, print its seconds and the peak GPU memory ``notes_of(result)`` reports."""
    import torch

    torch.cuda.synchronize()
    started = time.perf_counter()
    result = call()
    torch.cuda.synchronize()
    notes = notes_of(result)
    print(
        f"{label:<24} {time.perf_counter() - started:7.2f} s   "
        f"peak {notes.get('peak_gpu_memory_mb')} MiB"
    )
    return result


def _notes(artefact: Any) -> dict[str, Any]:
    return dict(artefact.notes)


def _peak(_: Any) -> dict[str, Any]:
    import torch

    return {"peak_gpu_memory_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1)}


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--resolution", type=int, default=1024)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("gpu_check needs a CUDA GPU")
    config = load_config(
        CONFIG_DIR / "gpu.yaml",
        overrides={"phase2.steps": args.steps, "phase2.resolution": args.resolution},
    )
    load_backends()
    sanitizer = create_backend(SANITIZERS, config.phase1, config.models)
    stylizer = create_backend(STYLIZERS, config.phase2, config.models)
    photo = Photo(drawn_car(), (1024, 640))
    upscaler = SpandrelUpscaler(config.models)
    for run in ("cold", "warm"):
        clean = timed(f"phase I ({run})", partial(sanitizer.run, photo, RunContext()), _notes)
        styled = timed(f"phase II ({run})", partial(stylizer.run, clean, RunContext()), _notes)
        torch.cuda.reset_peak_memory_stats()
        timed(f"upscale x4 ({run})", partial(upscaler.upscale, styled.pixels, 4), _peak)
    print("removed:", [(r.kind, round(r.score, 2)) for r in clean.removals])
    print("guard:", json.dumps(styled.notes["attempts"]))


if __name__ == "__main__":
    main()
