"""The picture-quality gate's figures, per photo and per vehicle; raises the floors on request.

    .venv/bin/python -m benchmarks.quality_floors            # print the figures
    .venv/bin/python -m benchmarks.quality_floors --write    # and raise tests/quality/floors.json

A photo's floor is its measured silhouette IoU against the true mask less ``MARGIN``, rounded
down to 0.01. ``--write`` only ever raises a floor (and adds floors for new photos). Lowering
one is a decision: edit ``floors.json`` by hand and say why in its ``notes``.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections import defaultdict

from tests.quality.gate import FLOORS, MARGIN, photos, read_floors, score


def vehicle(stem: str) -> str:
    return stem.removeprefix("composite_").split("_on_")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="raise the floors in floors.json")
    args = parser.parse_args()
    paths = photos()
    started = time.perf_counter()
    scored = score(paths)
    seconds = time.perf_counter() - started
    floors = read_floors() if FLOORS.is_file() else {}
    print(f"{'photo':<56} {'IoU':>6} {'floor':>6} {'pal':>5} {'strk':>5} {'QA':>4}")
    for s in scored.values():
        floor = floors.get(s.photo)
        mark = "" if floor is None or s.iou >= floor else "  BELOW FLOOR"
        print(
            f"{s.photo:<56} {s.iou:6.3f} {floor if floor is not None else '-':>6} "
            f"{s.palette:5.0%} {s.stroke:5.0%} {'ok' if s.qa_passed else 'fail':>4}{mark}"
        )
    by_vehicle: dict[str, list[float]] = defaultdict(list)
    for s in scored.values():
        by_vehicle[vehicle(s.photo)].append(s.iou)
    print("\nper vehicle: median (min) over its backgrounds")
    for name, values in sorted(by_vehicle.items()):
        print(f"  {name:<28} {statistics.median(values):.3f} ({min(values):.3f}) n={len(values)}")
    for folder in ("samples", "devset"):
        values = [scored[p.stem].iou for p in paths if p.parent.name == folder]
        if values:
            print(f"{folder}: median {statistics.median(values):.3f}, min {min(values):.3f}")
    print(f"{len(scored)} photos in {seconds:.0f} s")
    if args.write:
        data = json.loads(FLOORS.read_text()) if FLOORS.is_file() else {"notes": [], "floors": {}}
        for s in scored.values():
            new = math.floor((s.iou - MARGIN) * 100) / 100
            data["floors"][s.photo] = max(new, float(data["floors"].get(s.photo, 0.0)))
        data["floors"] = dict(sorted(data["floors"].items()))
        FLOORS.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"floors written to {FLOORS}")


if __name__ == "__main__":
    main()
