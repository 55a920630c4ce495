"""Warm-up: a worker converts one small drawn photo before it takes its first job.

A fresh worker has imported nothing and loaded no model: its first conversion pays for the
pipeline's imports, the ONNX sessions (saliency, text detection, the vehicle detector) and
their first runs, seconds more than every later job. With ``WARM_WORKERS=true`` (the default)
each worker runs its runner once on a drawn car, in its own temporary folder, right after it
starts (and after every restart); the runner's per-thread pipeline cache and the process's
model caches then hold what the jobs use. Until that run has ended the worker counts as
*warming*: its dispatcher claims no job (jobs wait queued, so the first job's time is a warm
job's time) and ``/ready`` answers 503 with ``"status": "warming"``. A warm-up that fails is
logged and the worker goes on cold; a warm-up that takes longer than ``WARM_UP_TIMEOUT``
seconds no longer holds jobs back.
"""

from __future__ import annotations

import io
import multiprocessing
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from v2v.service.logs import get_logger

log = get_logger("v2v.service.warmup")
WARM_UP_ID = "warm-up"
WARM_UP_TIMEOUT = 300.0  # s after which a dispatcher stops waiting for its worker's warm-up


def drawn_car(width: int = 480) -> bytes:
    """A flat-coloured side-view car on a light ground (PNG bytes): enough of a vehicle for
    every phase to run, so every model the pipeline uses is loaded."""
    import numpy as np
    from PIL import Image, ImageDraw

    height = int(width * 0.62)
    image = Image.fromarray(np.full((height, width, 3), (222, 228, 232), np.uint8))
    draw, s = ImageDraw.Draw(image), width / 640
    body = [(60, 250), (90, 190), (200, 180), (260, 120), (430, 120), (500, 180), (590, 195)]
    draw.polygon([(x * s, y * s) for x, y in [*body, (600, 260), (60, 270)]], fill=(200, 30, 40))
    draw.polygon(
        [(285 * s, 135 * s), (420 * s, 135 * s), (470 * s, 180 * s), (250 * s, 180 * s)],
        fill=(120, 160, 190),
    )
    for cx in (160, 490):
        r = 42 * s
        draw.ellipse((cx * s - r, 265 * s - r, cx * s + r, 265 * s + r), fill=(25, 25, 28))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass(frozen=True)
class WarmUp:
    """What a worker needs to warm itself: the jobs' pipeline config and the flag it sets when
    done (a ``threading.Event`` for a thread worker, a ``multiprocessing`` one for a process)."""

    pipeline_config: str | None
    done: Any

    @classmethod
    def for_worker(cls, mode: str, pipeline_config: str | None) -> WarmUp:
        done = multiprocessing.get_context("spawn").Event() if mode == "process" else None
        return cls(pipeline_config, done if done is not None else threading.Event())

    def is_done(self) -> bool:
        return bool(self.done.is_set())

    def run(self, runner: Callable[[Any, Any], Any]) -> None:
        """Run ``runner`` once on the drawn car (in the calling thread: the one that runs the
        jobs, whose pipeline cache it fills); never raises; sets ``done`` at the end."""
        from v2v import RunContext
        from v2v.service.jobs.messages import Task

        started = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix="v2v-warm-up-") as folder:
                photo = Path(folder) / "warm-up.png"
                photo.write_bytes(drawn_car())
                params: dict[str, Any] = {
                    "palette": None,
                    "overrides": {},
                    "hint": None,
                    "name": "warm-up",
                }
                task = Task(
                    WARM_UP_ID,
                    "convert",
                    str(photo),
                    str(Path(folder) / "out"),
                    params,
                    WARM_UP_ID,
                    self.pipeline_config,
                )
                runner(task, RunContext())
        except Exception as exc:  # noqa: BLE001 - a failed warm-up only means a cold first job
            log.warning("warm_up_failed", error=f"{type(exc).__name__}: {exc}"[:300])
        else:
            log.info("warm_up_done", seconds=round(time.perf_counter() - started, 2))
        finally:
            self.done.set()
