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

``--profile`` adds a thread profile that does not depend on the machine's load: one process
per thread count a worker gets (2 for one worker, 1 for each of two, as ``v2v.cpu`` gives them
on 2 cores) converts the photos as a batch worker does (one untimed photo first) and reads each
thread's CPU seconds (``/proc/self/task/*/schedstat``). On an idle machine a photo's wall time
is about its main thread's CPU time (onnxruntime's second thread runs beside it), so
``cores_used_by_one_worker`` = all threads / main thread, and an endless batch of two workers
can gain at most ``2 × main thread (2 threads) / all threads (1 thread)`` over one worker
(``steady_bound_from_cpu``), before start-up, tail and the two cores slowing each other.
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
    import subprocess
    import time

    empty = scratch / "empty"
    empty.mkdir(exist_ok=True)
    command = [sys.executable, "-m", "v2v", "batch", str(empty), str(scratch / "none")]
    started = time.perf_counter()
    subprocess.run(command, env=child_env(), capture_output=True, check=False, cwd=ROOT)
    return time.perf_counter() - started


def _thread_seconds() -> dict[int, float]:
    """CPU seconds of each thread of this process so far (Linux)."""
    seconds = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            seconds[int(task.name)] = int((task / "schedstat").read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            continue  # a thread that has just ended
    return seconds


def as_worker(threads: int, photos: list[Path]) -> None:
    """Child mode: convert ``photos`` as a batch worker with ``threads`` threads does (SVG and
    preview), after one untimed photo; print its main thread's and other threads' CPU seconds
    as JSON."""
    import threading

    from v2v.cpu import keep_freed_memory, limit_threads
    from v2v.pipeline import Pipeline

    limit_threads(threads)
    keep_freed_memory()  # as a batch worker does
    pipeline = Pipeline()
    _ = pipeline.run(photos[0]).preview_png
    before = _thread_seconds()
    for path in photos:
        _ = pipeline.run(path).preview_png
    after = _thread_seconds()
    used = {tid: after[tid] - before.get(tid, 0.0) for tid in after}
    main = used.pop(threading.get_native_id())
    print(json.dumps({"main": main, "others": sum(used.values()), "photos": len(photos)}))


def thread_profile(photos: list[Path]) -> dict[str, Any]:
    """The load-independent figures of ``--profile`` (see the module's notes)."""
    import subprocess

    runs = {}
    for threads in (2, 1):
        command = [sys.executable, "-m", "benchmarks.bench_batch", "--as-worker", str(threads)]
        done = subprocess.run(
            [*command, *map(str, photos)], env=child_env(), capture_output=True, text=True, cwd=ROOT
        )
        if done.returncode != 0:
            raise SystemExit(f"the thread profile failed: {done.stderr[-800:]}")
        runs[threads] = json.loads(done.stdout.strip().splitlines()[-1])
    two, one = runs[2], runs[1]
    n = len(photos)
    return {
        "threads_2_main_cpu_per_photo_s": round(two["main"] / n, 3),
        "threads_2_all_cpu_per_photo_s": round((two["main"] + two["others"]) / n, 3),
        "threads_1_all_cpu_per_photo_s": round((one["main"] + one["others"]) / n, 3),
        "cores_used_by_one_worker": round((two["main"] + two["others"]) / two["main"], 2),
        "steady_bound_from_cpu": round(2 * two["main"] / (one["main"] + one["others"]), 2),
    }


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
    parser.add_argument("--profile", action="store_true", help="add the thread profile")
    parser.add_argument("--as-worker", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if args.as_worker:
        return as_worker(args.as_worker, args.folders)
    from v2v.imaging import list_images

    photos = [p for folder in args.folders for p in list_images(folder)]
    photos = [p for p in photos if not p.name.endswith(".mask.png")][: args.photos]
    if not photos:
        raise SystemExit(f"no photos in {', '.join(map(str, args.folders))}")
    print(f"batch: {len(photos)} photos, load average at start {load_average()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="v2v-bench-batch-") as tmp:
        figures = measure(photos, args.workers, args.repeat, Path(tmp)) if args.repeat else {}
    if args.profile:
        figures.update(thread_profile(photos))
    for key, value in figures.items():
        print(f"  {key}: {value}")
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
