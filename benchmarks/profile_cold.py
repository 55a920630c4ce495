"""Where a cold ``v2v process`` spends its time: each step once, in this fresh interpreter.

    python -m benchmarks.profile_cold [PHOTO]

Steps, one after another (no background preload, so that each is timed alone): importing the
command line, loading the config (which imports the stages' modules), building each model
(object detector, saliency model, text detector: rapidocr's import and set-up), each model's
first and second run on the photo, then the photo through the pipeline twice: the first run's
extra is what a cold process pays beyond the models. Wall and CPU seconds per step, and the
load average: on a shared machine the wall figures are noisy, the CPU ones less so.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PHOTO = ROOT.parent / "shared" / "samples" / "composite_fire_truck_on_route66.jpg"


class Steps:
    """Prints each step's wall and CPU seconds as it ends."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.started = self.wall

    def step(self, name: str, work: Callable[[], Any]) -> Any:
        result = work()
        wall, cpu = time.perf_counter(), time.process_time()
        print(
            f"  {name:<44} {wall - self.wall:6.2f} s wall {cpu - self.cpu:6.2f} s cpu"
            f"   (since start {wall - self.started:6.2f} s)",
            flush=True,
        )
        self.wall, self.cpu = wall, cpu
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photo", nargs="?", type=Path, default=DEFAULT_PHOTO)
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    steps = Steps()
    steps.step("import v2v.cli (typer, the commands)", lambda: __import__("v2v.cli"))
    from v2v.config import load_config

    config = steps.step("load_config (imports the stages)", load_config)
    from v2v.pipeline import Pipeline

    pipeline = steps.step("Pipeline(config)", lambda: Pipeline(config))
    from v2v.imaging import decode

    photo = steps.step("decode the photo", lambda: decode(args.photo, config.input))
    from v2v.stages.sanitize.detector import ObjectDetector
    from v2v.stages.sanitize.saliency import SaliencyModel
    from v2v.stages.sanitize.text import TextDetector

    detector = steps.step("build the object detector", ObjectDetector.shared)
    saliency = steps.step("build the saliency model (cached copy)", SaliencyModel.shared)
    text = steps.step("build the text detector (rapidocr)", TextDetector.shared)
    for run in ("first", "second"):
        steps.step(f"detector, {run} run", lambda: detector.detect(photo.pixels))
        steps.step(f"saliency (224 px), {run} run", lambda: saliency.probability(photo.pixels, 224))
        steps.step(f"text detect + read, {run} run", lambda: text.detect(photo.pixels))
    for run in ("first", "second"):
        result = steps.step(
            f"the photo through the pipeline, {run} run", lambda: pipeline.run(args.photo)
        )
        phases = ", ".join(f"{k} {v:.2f}" for k, v in result.report["timings"].items())
        print(f"    {phases}")
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
