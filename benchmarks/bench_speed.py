"""Speed figures of issue 17, all in one run on the same photos, with the quality beside them.

    python -m benchmarks.bench_speed [FOLDER ...] [--cold 3] [--service 10] [--batch 12]

Prints, for the photos of the folders (default ``../shared/samples`` and ``../shared/devset``):

- warm: one Pipeline, every photo once after one untimed warm-up run: median seconds per photo,
  plain vtracer (its defaults) on the same photos, and the ratio (v2v / vtracer);
- quality: median and lowest IoU against the ground-truth masks, lowest palette and stroke
  compliance, median shapes, photos with text left (compare these before and after a change);
- cold: ``python -m v2v process`` as one command per photo (imports, models, run), median wall
  seconds and peak RSS;
- service: the first conversion job of a freshly started service (process workers, as
  deployed) against the median of the next ones; the seconds each job ran and the seconds
  from submission to its end;
- batch: ``v2v batch --workers 1`` and ``--workers 2`` throughput on the same photos,
  interleaved rounds, with the breakdown of ``benchmarks.bench_batch``;
- memory: peak RSS of one ``v2v process`` per photo size (long side in px).

The machine's load average is printed at the start and the end: figures taken while other
work runs are noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDERS = (ROOT.parent / "shared" / "samples", ROOT.parent / "shared" / "devset")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


#: runs ``python -m v2v ARGS`` and writes the process's own peak RSS (VmHWM, kB) to the file
#: named by V2V_BENCH_PEAK when it exits. VmHWM starts afresh at exec; ``ru_maxrss`` of a
#: child does not (it keeps the RSS of the forked parent, this benchmark, with its pipeline)
_PEAK_WRAPPER = """
import atexit, os, runpy, sys
def _peak():
    with open("/proc/self/status") as status:
        peak = [line.split()[1] for line in status if line.startswith("VmHWM")][0]
    with open(os.environ["V2V_BENCH_PEAK"], "w") as out:
        out.write(peak)
atexit.register(_peak)
sys.argv = ["v2v", *sys.argv[1:]]
runpy.run_module("v2v", run_name="__main__", alter_sys=True)
"""


def run_measured(
    command: list[str], env: dict[str, str] | None = None
) -> tuple[float, int, int, float]:
    """(wall seconds, peak RSS in MB, exit code, CPU seconds) of one child process (its CPU
    seconds, user + system, count those of its own children too: a batch's workers); a
    ``python -m v2v`` command reports its own peak (see _PEAK_WRAPPER), others ``ru_maxrss``.
    CPU seconds are the steadier figure on a busy machine: other work stretches the wall time
    far more than the work a command does."""
    peak_file = Path(tempfile.mkstemp(prefix="v2v-peak-")[1])
    if command[1:3] == ["-m", "v2v"]:
        command = [command[0], "-c", _PEAK_WRAPPER, *command[3:]]
        env = {**(env or os.environ), "V2V_BENCH_PEAK": str(peak_file)}
    started = time.perf_counter()
    child = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    reported = peak_file.read_text().strip() if peak_file.is_file() else ""
    peak_file.unlink(missing_ok=True)
    peak_mb = int(reported) // 1024 if reported else usage.ru_maxrss // 1024
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0 and child.stderr is not None:
        sys.stderr.write(child.stderr.read().decode(errors="replace")[-800:])
    if child.stderr is not None:
        child.stderr.close()
    return seconds, peak_mb, child.returncode, usage.ru_utime + usage.ru_stime


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    env.update(extra)
    return env


def warm(photos: list[Path]) -> dict[str, Any]:
    from v2v.bench import bench_one
    from v2v.pipeline import Pipeline

    pipeline = Pipeline()
    pipeline.run(photos[0])  # models loaded, caches filled: the warm path starts here
    rows = [bench_one(pipeline, path, None) for path in photos]
    v2v_median = statistics.median(r["seconds"] for r in rows)
    vtracer_median = statistics.median(r["vtracer_seconds"] for r in rows)
    truth = [r["iou"] for r in rows if r["iou_against"] == "truth"]
    return {
        "rows": rows,
        "photos": len(rows),
        "v2v_warm_median_s": round(v2v_median, 3),
        "vtracer_defaults_median_s": round(vtracer_median, 3),
        "ratio_v2v_to_vtracer": round(v2v_median / max(vtracer_median, 1e-6), 2),
        "iou_truth_median": round(statistics.median(truth), 4) if truth else None,
        "iou_truth_min": round(min(truth), 4) if truth else None,
        "palette_compliance_min": min(r["palette"] or 0 for r in rows),
        "stroke_compliance_min": min(r["stroke"] or 0 for r in rows),
        "shapes_median": statistics.median(r["paths"] for r in rows),
        "shapes_total": sum(r["paths"] for r in rows),
        "photos_with_text_left": sum(1 for r in rows if r["text_left"]),
    }


def cold(photos: list[Path], count: int, scratch: Path) -> dict[str, Any]:
    seconds, cpu, peaks = [], [], []
    for index, path in enumerate(photos[:count]):
        command = [sys.executable, "-m", "v2v", "process", str(path), str(scratch / f"{index}.svg")]
        wall, rss, code, used = run_measured(command, child_env())
        if code == 0:
            seconds.append(wall)
            cpu.append(used)
            peaks.append(rss)
    help_s, _, _, _ = run_measured([sys.executable, "-m", "v2v", "--help"], child_env())
    palettes_s, _, _, _ = run_measured([sys.executable, "-m", "v2v", "palettes"], child_env())
    return {
        "photos": len(seconds),
        "cold_process_median_s": round(statistics.median(seconds), 2) if seconds else None,
        "cold_process_cpu_median_s": round(statistics.median(cpu), 2) if cpu else None,
        "cold_process_peak_rss_mb_max": max(peaks) if peaks else None,
        "help_s": round(help_s, 2),
        "palettes_s": round(palettes_s, 2),
    }


def services(photos: list[Path], jobs: int, repeat: int, scratch: Path) -> dict[str, Any]:
    """Fresh services' first job against the next ones (benchmarks.bench_service)."""
    from benchmarks.bench_service import services as measure

    return measure(photos, jobs, repeat, scratch)


def batch(photos: list[Path], count: int, repeat: int, scratch: Path) -> dict[str, Any]:
    """``v2v batch --workers 1`` and ``--workers 2``, interleaved (benchmarks.bench_batch)."""
    from benchmarks.bench_batch import measure

    (scratch / "batch").mkdir()
    return measure(photos[:count], [1, 2], repeat, scratch / "batch")


def memory(photo: Path, sides: list[int], scratch: Path) -> dict[str, Any]:
    import cv2

    image = cv2.imread(str(photo), cv2.IMREAD_COLOR)
    peaks: dict[str, Any] = {}
    for side in sides:
        scale = side / max(image.shape[:2])
        resized = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        path = scratch / f"size-{side}.jpg"
        cv2.imwrite(str(path), resized, [cv2.IMWRITE_JPEG_QUALITY, 92])
        command = [sys.executable, "-m", "v2v", "process", str(path), str(scratch / "m.svg")]
        wall, rss, code, _ = run_measured(command, child_env())
        megapixels = resized.shape[0] * resized.shape[1] / 1e6
        key = f"{resized.shape[1]}x{resized.shape[0]} ({megapixels:.1f} MP)"
        peaks[key] = f"{rss} MB, {wall:.1f} s" if code == 0 else f"exit {code}"
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=list(DEFAULT_FOLDERS))
    parser.add_argument("--limit", type=int, default=0, help="at most this many photos (0: all)")
    parser.add_argument("--cold", type=int, default=3, help="photos run as one command each")
    parser.add_argument("--service", type=int, default=10, help="service jobs (first + rest)")
    parser.add_argument("--service-repeat", type=int, default=1, help="fresh services, one by one")
    parser.add_argument("--batch", type=int, default=12, help="photos in the batch runs")
    parser.add_argument("--batch-repeat", type=int, default=2, help="batch rounds, interleaved")
    parser.add_argument("--sides", type=int, nargs="*", default=[640, 1024, 2048, 6000])
    parser.add_argument("--skip", nargs="*", default=[], help="warm cold service batch memory")
    parser.add_argument("--rows", action="store_true", help="print every photo's row")
    args = parser.parse_args()
    from v2v.imaging import list_images

    photos = [p for folder in args.folders for p in list_images(folder)]
    photos = [p for p in photos if not p.name.endswith(".mask.png")]
    if args.limit:
        photos = photos[: args.limit]
    if not photos:
        raise SystemExit(f"no photos in {', '.join(map(str, args.folders))}")
    print(f"photos: {len(photos)} from {', '.join(str(f) for f in args.folders)}")
    print(f"load average at start: {load_average()}")
    with tempfile.TemporaryDirectory(prefix="v2v-bench-speed-") as tmp:
        scratch = Path(tmp)
        sections = {
            "cold": lambda: cold(photos, args.cold, scratch),
            "warm": lambda: warm(photos),
            "service": lambda: services(photos, args.service, args.service_repeat, scratch),
            "batch": lambda: batch(photos, args.batch, args.batch_repeat, scratch),
            "memory": lambda: memory(photos[0], args.sides, scratch),
        }
        for name, measure in sections.items():
            if name in args.skip:
                continue
            figures = measure()
            print(f"\n[{name}]  (load average {load_average()})")
            rows = figures.pop("rows", [])
            if args.rows:
                for row in rows:
                    print(
                        f"  {row['photo'][:46]:<46} {row['seconds']:>5.2f} s  "
                        f"vtracer {row['vtracer_seconds']:>5.2f} s  IoU {row['iou']:.4f}  "
                        f"shapes {row['paths']:>4}  text {row['text_left']}"
                    )
            for key, value in figures.items():
                print(f"  {key}: {value}")
    print(f"\nload average at end: {load_average()}")


if __name__ == "__main__":
    main()
