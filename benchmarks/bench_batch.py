"""``v2v batch --workers 2`` against ``--workers 1`` on the same photos, and where the time goes.

    python -m benchmarks.bench_batch [FOLDER ...] [--photos 12] [--repeat 3] [--workers 1 2]

Copies the first ``--photos`` photos of the folders (default ``../shared/samples`` and
``../shared/devset``) into a scratch folder and runs ``python -m v2v batch`` on them with each
``--workers`` count in turn, ``--repeat`` rounds, interleaved (1, 2, 1, 2…: load that comes and
goes on a shared machine then hits both alike). Prints per run the wall and CPU seconds, the
cores it kept busy and the load average, then per worker count the medians and the speed-up
over one worker (each round's ratio and their median), and the breakdown that says where a
speed-up stops:

- ``serial_start_s``: the command before any worker (its imports, the config checked once);
- ``photo_median_s``: the median seconds of one photo inside a worker (``batch-summary.json``:
  the worker's own clock, its first photo including its imports and model builds);
- ``photo_slowdown``: per photo, its seconds with N workers over its seconds with one, median
  over the photos (a photo with one thread beside a busy neighbour against the same photo with
  the whole machine); ``steady_bound`` = N / ``photo_slowdown``: the speed-up an endless batch
  could reach, before any start-up or tail;
- ``overhead_s``: wall seconds less the photos' seconds shared over the workers (serial start,
  spawning, the last photos running while a worker waits).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.bench_speed import DEFAULT_FOLDERS, ROOT, child_env, load_average, run_measured


def _one_run(folder: Path, out: Path, workers: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "v2v", "batch", str(folder), str(out)]
    wall, _, code, cpu = run_measured([*command, "--workers", str(workers)], child_env())
    if code != 0:
        raise SystemExit(f"v2v batch --workers {workers} ended with exit code {code}")
    summary = json.loads((out / "batch-summary.json").read_text())
    shutil.rmtree(out)
    return {
        "wall": wall,
        "cpu": cpu,
        "load": os.getloadavg()[0],
        "photos": {Path(item["file"]).name: float(item["seconds"]) for item in summary},
    }


def serial_start(scratch: Path) -> float:
    """Seconds of ``v2v batch`` on an empty folder: it ends with "no images" (exit 3) after its
    imports and the config check, before any worker starts."""
    empty = scratch / "empty"
    empty.mkdir(exist_ok=True)
    command = [sys.executable, "-m", "v2v", "batch", str(empty), str(scratch / "none")]
    wall, _, _, _ = run_measured(command, child_env())
    return wall


def measure(photos: list[Path], counts: list[int], repeat: int, scratch: Path) -> dict[str, Any]:
    folder = scratch / "in"
    folder.mkdir()
    for path in photos:
        shutil.copy(path, folder / path.name)
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in counts}
    for round_ in range(repeat):
        for n in counts:
            run = _one_run(folder, scratch / f"out-{round_}-{n}", n)
            runs[n].append(run)
            print(
                f"  round {round_ + 1} workers {n}: {run['wall']:.2f} s wall, "
                f"{run['cpu']:.2f} s CPU, {run['cpu'] / run['wall']:.2f} cores, "
                f"load {run['load']:.2f}",
                flush=True,
            )
    figures: dict[str, Any] = {"photos": len(photos), "rounds": repeat}
    base = counts[0]
    for n in counts:
        wall = statistics.median(r["wall"] for r in runs[n])
        figures[f"workers_{n}_wall_median_s"] = round(wall, 2)
        figures[f"workers_{n}_photos_per_min"] = round(60 * len(photos) / wall, 1)
        cpu = statistics.median(r["cpu"] for r in runs[n])
        figures[f"workers_{n}_cpu_median_s"] = round(cpu, 2)
        figures[f"workers_{n}_cores_used"] = round(
            statistics.median(r["cpu"] / r["wall"] for r in runs[n]), 2
        )
        seconds = [s for r in runs[n] for s in r["photos"].values()]
        figures[f"workers_{n}_photo_median_s"] = round(statistics.median(seconds), 2)
        figures[f"workers_{n}_overhead_median_s"] = round(
            statistics.median(r["wall"] - sum(r["photos"].values()) / n for r in runs[n]), 2
        )
        if n == base:
            continue
        ratios = [a["wall"] / b["wall"] for a, b in zip(runs[base], runs[n], strict=True)]
        figures[f"speed_up_{n}_over_{base}_rounds"] = [round(r, 2) for r in ratios]
        figures[f"speed_up_{n}_over_{base}"] = round(statistics.median(ratios), 2)
        slowdowns = [
            statistics.median(b["photos"][k] / a["photos"][k] for k in a["photos"])
            for a, b in zip(runs[base], runs[n], strict=True)
        ]
        slowdown = statistics.median(slowdowns)
        figures[f"photo_slowdown_{n}_over_{base}"] = round(slowdown, 2)
        figures[f"steady_bound_{n}_over_{base}"] = round(n / base / slowdown, 2)
    figures["serial_start_s"] = round(serial_start(scratch), 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=list(DEFAULT_FOLDERS))
    parser.add_argument("--photos", type=int, default=12, help="photos in each batch")
    parser.add_argument("--repeat", type=int, default=3, help="rounds, interleaved")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from v2v.imaging import list_images

    photos = [p for folder in args.folders for p in list_images(folder)]
    photos = [p for p in photos if not p.name.endswith(".mask.png")][: args.photos]
    if not photos:
        raise SystemExit(f"no photos in {', '.join(map(str, args.folders))}")
    print(f"batch: {len(photos)} photos, load average at start {load_average()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="v2v-bench-batch-") as tmp:
        figures = measure(photos, args.workers, args.repeat, Path(tmp))
    for key, value in figures.items():
        print(f"  {key}: {value}")
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
