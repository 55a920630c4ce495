"""Phase I variants against the truth, interleaved: does a cut that changes the mask keep it?

    python -m benchmarks.phase1_variants [--only WORDS] VARIANT...

A VARIANT is ``name=module.CONSTANT:value[,module.CONSTANT:value...]`` (modules under
``v2v.stages.sanitize``; the value is a Python literal), e.g. ``gc480=grabcut.GRABCUT_SIDE:480``;
``base`` (the defaults) is always run first. A constant another module imported by value
(``long_vehicle.GRABCUT_SIDE``) is set there separately. For every composite with a true mask
(samples and devset, ``--only``: stems holding one of the comma-separated words) phase I runs once
per variant, the variants in a rotating order so that a busy machine's load falls on all of them,
and its vehicle mask is scored against the truth in the working frame (``bench_mask.iou``).

Printed: each photo's IoU and phase I seconds per variant; per vehicle (the stem before
``_on_``) the median and minimum IoU; per variant the median phase I wall and CPU seconds and
the keep rule: no vehicle's median IoU lower by more than 0.002 and no photo's by more than
0.01 than the defaults'.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks.bench_mask import SAMPLES, iou, read_truth
from v2v.config import InputConfig, Phase1Config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer

TYPE_DROP = 0.002  # a vehicle's median IoU may drop by at most this
PHOTO_DROP = 0.01  # a photo's IoU may drop by at most this

Setting = tuple[Any, str, Any]  # module, constant, value


def parse_variant(text: str) -> tuple[str, list[Setting]]:
    """``name=module.CONSTANT:value,...`` → (name, [(module, constant, value)]). Raises
    SystemExit for a module or constant that does not exist."""
    name, _, body = text.partition("=")
    settings: list[Setting] = []
    for part in filter(None, body.split(",")):
        target, _, literal = part.partition(":")
        module_name, _, constant = target.rpartition(".")
        module = importlib.import_module(f"v2v.stages.sanitize.{module_name}")
        if not hasattr(module, constant):
            raise SystemExit(f"{module.__name__} has no {constant}")
        settings.append((module, constant, ast.literal_eval(literal)))
    return name, settings


def applier(variants: dict[str, list[Setting]]) -> Callable[[str], None]:
    """A function that sets one variant's constants, every other variant's back to default."""
    defaults = {(m.__name__, c): (m, c, getattr(m, c)) for s in variants.values() for m, c, _ in s}

    def apply(name: str) -> None:
        for module, constant, value in defaults.values():
            setattr(module, constant, value)
        for module, constant, value in variants[name]:
            setattr(module, constant, value)

    return apply


def vehicle(stem: str) -> str:
    return stem.removeprefix("composite_").split("_on_")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("variants", nargs="+", help="name=module.CONSTANT:value[,...]")
    parser.add_argument("--only", default="", help="comma-separated words a stem must hold")
    parser.add_argument("--long-side", type=int, default=1024)
    args = parser.parse_args()
    variants = dict([("base", [])] + [parse_variant(text) for text in args.variants])
    apply, names = applier(variants), list(variants)
    photos = [
        path
        for folder in (SAMPLES, SAMPLES.parent / "devset")
        for path in sorted(folder.glob("composite_*.jpg"))
        if path.with_suffix(".mask.png").is_file()
        and (not args.only or any(w in path.stem for w in args.only.split(",")))
    ]
    if not photos:
        raise SystemExit("no composite with a true mask")
    input_config = InputConfig(work_long_side=args.long_side)
    sanitizer = ClassicalSanitizer(Phase1Config())
    sanitizer.run(decode(photos[0], input_config), RunContext())  # warm-up: load models
    scores: dict[str, dict[str, float]] = {name: {} for name in names}
    walls: dict[str, list[float]] = {name: [] for name in names}
    cpus: dict[str, list[float]] = {name: [] for name in names}
    for index, path in enumerate(photos):
        truth, photo = read_truth(path.with_suffix(".mask.png")), decode(path, input_config)
        turn = index % len(names)
        for name in names[turn:] + names[:turn]:
            apply(name)
            wall, cpu = time.perf_counter(), time.process_time()
            clean = sanitizer.run(photo, RunContext())
            walls[name].append(time.perf_counter() - wall)
            cpus[name].append(time.process_time() - cpu)
            scores[name][path.stem] = iou(clean.vehicle_mask, truth)
        cells = " ".join(f"{name} {scores[name][path.stem]:.4f}" for name in names)
        print(f"{path.stem[10:50]:<40} {cells}", flush=True)
    apply("base")
    report(scores, walls, cpus)


def report(
    scores: dict[str, dict[str, float]],
    walls: dict[str, list[float]],
    cpus: dict[str, list[float]],
) -> None:
    """Per vehicle medians and minima, per variant seconds and the keep rule's verdict."""
    base = scores["base"]
    kinds = sorted({vehicle(stem) for stem in base})
    for kind in kinds:
        stems = [stem for stem in base if vehicle(stem) == kind]
        cells = " ".join(
            f"{name} {statistics.median(s[x] for x in stems):.4f}/{min(s[x] for x in stems):.4f}"
            for name, s in scores.items()
        )
        print(f"{kind:<24} n={len(stems):<3} median/min: {cells}")
    for name, s in scores.items():
        worst_photo = min((s[x] - base[x], x) for x in base)
        worst_type = min(
            (
                statistics.median(s[x] for x in base if vehicle(x) == kind)
                - statistics.median(base[x] for x in base if vehicle(x) == kind),
                kind,
            )
            for kind in kinds
        )
        keep = worst_photo[0] >= -PHOTO_DROP and worst_type[0] >= -TYPE_DROP
        print(
            f"{name}: IoU median {statistics.median(s.values()):.4f} min {min(s.values()):.4f}; "
            f"phase I median {statistics.median(walls[name]):.2f} s wall, "
            f"{statistics.median(cpus[name]):.2f} s CPU; worst photo {worst_photo[0]:+.4f} "
            f"({worst_photo[1][10:]}), worst vehicle {worst_type[0]:+.4f} ({worst_type[1]}): "
            f"{'keeps' if keep else 'fails'} the rule"
        )


if __name__ == "__main__":
    main()
