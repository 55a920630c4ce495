"""Phase I variants against the truth, interleaved: does a cut that changes the mask keep it?

    python -m benchmarks.phase1_variants [--only WORDS] VARIANT...

A VARIANT is ``name=module.CONSTANT:value[,module.CONSTANT:value...]`` (modules under
``v2v.stages.sanitize``; the value is a Python literal), e.g. ``gc480=grabcut.GRABCUT_SIDE:480``;
``base`` (the defaults) is always run first. A constant another module of the package imported
by value (``from ...grabcut import GRABCUT_SIDE`` in long_vehicle and couplings) is set there too;
one read when the modules are imported (a default argument, a class attribute, another module
constant computed from it: ``saliency.INPUT_SIDE`` in ``probability(side=INPUT_SIDE)``) is refused,
as setting it would change nothing. For every composite with a true mask
(samples and devset, ``--only``: stems holding one of the comma-separated words) phase I runs once
per variant, the variants in a rotating order so that a busy machine's load falls on all of them,
and its vehicle mask is scored against the truth in the working frame (``bench_mask.iou``).

Printed: each photo's IoU and phase I seconds per variant; per vehicle (the stem before
``_on_``) the median and minimum IoU; per variant the median phase I wall and CPU seconds and
the keep rule: no vehicle's median IoU lower by more than 0.002 and no photo's by more than
0.01 than the defaults'; a variant whose masks all equal the defaults' is said to be identical.
"""

from __future__ import annotations

import argparse
import ast
import functools
import importlib
import importlib.util
import pkgutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.bench_mask import SAMPLES, iou, read_truth
from v2v.config import InputConfig, Phase1Config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer

TYPE_DROP = 0.002  # a vehicle's median IoU may drop by at most this
PHOTO_DROP = 0.01  # a photo's IoU may drop by at most this

Setting = tuple[Any, str, Any]  # module, constant, value


PACKAGE = "v2v.stages.sanitize"


def parse_variant(text: str) -> tuple[str, list[Setting]]:
    """``name=module.CONSTANT:value,...`` → (name, [(module, constant, value)]), with every
    module of the package that imported the constant by value. Raises SystemExit for a module
    or constant that does not exist, or a constant read when the modules are imported."""
    name, _, body = text.partition("=")
    settings: list[Setting] = []
    for part in filter(None, body.split(",")):
        target, _, literal = part.partition(":")
        module_name, _, constant = target.rpartition(".")
        module = importlib.import_module(f"{PACKAGE}.{module_name}")
        if not hasattr(module, constant):
            raise SystemExit(f"{module.__name__} has no {constant}")
        holders = holding(module.__name__, constant)
        bound = [where for m in _trees() for where in read_on_import(m, constant, holders)]
        if bound:
            raise SystemExit(
                f"{target} is read when the modules are imported ({'; '.join(bound)}): "
                "setting it would change nothing there, so the variant would run the defaults"
            )
        value = ast.literal_eval(literal)
        settings.extend((importlib.import_module(h), constant, value) for h in sorted(holders))
    return name, settings


@functools.cache
def _trees() -> dict[str, ast.Module]:
    """Every module of the package, parsed (not imported)."""
    package = importlib.import_module(PACKAGE)
    trees = {}
    for info in pkgutil.iter_modules(package.__path__):
        spec = importlib.util.find_spec(f"{PACKAGE}.{info.name}")
        if spec is not None and spec.origin is not None:
            trees[spec.name] = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    return trees


def holding(module: str, constant: str) -> set[str]:
    """``module`` and every module of the package whose top level imported ``constant`` from
    it by value (or from a module that did), under the same name."""
    held, grown = {module}, True
    while grown:
        grown = False
        for name, tree in _trees().items():
            for node in tree.body:
                if name in held or not isinstance(node, ast.ImportFrom):
                    continue
                source = f"{PACKAGE}.{node.module}" if node.level else node.module
                if source in held and any(
                    a.name == constant and a.asname in (None, constant) for a in node.names
                ):
                    held.add(name)
                    grown = True
    return held


def read_on_import(module: str, constant: str, holders: set[str]) -> list[str]:
    """Where ``module`` reads ``constant`` (as a bare name if it is one of the ``holders``,
    else as ``holder.CONSTANT``) when it is imported: a default argument, a class attribute,
    a module constant computed from it ('module:line')."""
    short, bare = {h.rpartition(".")[2] for h in holders}, module in holders

    def reads(expr: ast.expr) -> bool:
        return any(
            (bare and isinstance(n, ast.Name) and n.id == constant)
            or (isinstance(n, ast.Attribute) and n.attr == constant and _named(n.value, short))
            for n in ast.walk(expr)
        )

    tree, found = _trees()[module], []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            exprs: list[ast.expr | None] = [*node.args.defaults, *node.args.kw_defaults]
        elif isinstance(node, ast.ClassDef | ast.Module):
            exprs = [
                n.value
                for n in node.body
                if isinstance(n, ast.Assign | ast.AnnAssign) and not _defines(n, constant)
            ]
        else:
            continue
        short_name = module.rpartition(".")[2]
        found += [f"{short_name}:{e.lineno}" for e in exprs if e is not None and reads(e)]
    return found


def _named(expr: ast.AST, names: set[str]) -> bool:
    return isinstance(expr, ast.Name) and expr.id in names


def _defines(node: ast.stmt, constant: str) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return any(isinstance(t, ast.Name) and t.id == constant for t in targets)


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
    identical = dict.fromkeys(names, True)  # every mask the same as the defaults'
    for index, path in enumerate(photos):
        truth, photo = read_truth(path.with_suffix(".mask.png")), decode(path, input_config)
        turn = index % len(names)
        masks = {}
        for name in names[turn:] + names[:turn]:
            apply(name)
            wall, cpu = time.perf_counter(), time.process_time()
            masks[name] = sanitizer.run(photo, RunContext()).vehicle_mask
            walls[name].append(time.perf_counter() - wall)
            cpus[name].append(time.process_time() - cpu)
            scores[name][path.stem] = iou(masks[name], truth)
        for name in names:
            identical[name] &= np.array_equal(masks[name], masks["base"])
        cells = " ".join(f"{name} {scores[name][path.stem]:.4f}" for name in names)
        print(f"{path.stem[10:50]:<40} {cells}", flush=True)
    apply("base")
    report(scores, walls, cpus, identical)


def report(
    scores: dict[str, dict[str, float]],
    walls: dict[str, list[float]],
    cpus: dict[str, list[float]],
    identical: dict[str, bool],
) -> None:
    """Per vehicle medians and minima, per variant seconds and the keep rule's verdict (or
    that its masks are the defaults' on every photo: its constants changed nothing)."""
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
        verdict = "keeps" if keep else "fails"
        if name != "base" and identical[name]:
            verdict = "identical to the defaults on every photo: keeps"
        print(
            f"{name}: IoU median {statistics.median(s.values()):.4f} min {min(s.values()):.4f}; "
            f"phase I median {statistics.median(walls[name]):.2f} s wall, "
            f"{statistics.median(cpus[name]):.2f} s CPU; worst photo {worst_photo[0]:+.4f} "
            f"({worst_photo[1][10:]}), worst vehicle {worst_type[0]:+.4f} ({worst_type[1]}): "
            f"{verdict} the rule"
        )


if __name__ == "__main__":
    main()
