"""Bounded load test of the REST service on loopback.

Starts ``run.py`` for each worker count, submits jobs while a prober calls ``/health`` every
50 ms, and prints p50/p95 latency of ``/health`` and of job submission while pipelines run, and
jobs per minute::

    python benchmarks/service_load.py --jobs 8 --workers 1 2 4 --size 512

Everything runs on 127.0.0.1 with a temporary data directory; nothing is left behind.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import httpx
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def drawn_car(width: int) -> bytes:
    """A flat-coloured side-view car on a light background, as JPEG bytes."""
    height = int(width * 0.6)
    image = np.full((height, width, 3), (222, 228, 232), np.uint8)
    s = width / 640
    body = (
        np.array(
            [
                [60, 250],
                [90, 190],
                [200, 180],
                [260, 120],
                [430, 120],
                [500, 180],
                [590, 195],
                [600, 260],
                [60, 270],
            ]
        )
        * s
    ).astype(np.int32)
    cv2.fillPoly(image, [body], (200, 30, 40))
    for cx in (160, 490):
        cv2.circle(image, (int(cx * s), int(265 * s)), int(42 * s), (25, 25, 28), -1)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def start_server(workers: int, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "PORT": str(port),
        "DATA_DIR": str(data_dir),
        "JOB_WORKERS": str(workers),
        "LOG_LEVEL": "warning",
        "API_RATE_LIMIT": "off",
        "MIN_FREE_DISK_MB": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "run.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not become ready within 60 s")


def probe(url: str, stop: threading.Event, latencies: list[float]) -> None:
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            began = time.perf_counter()
            client.get(f"{url}/health")
            latencies.append((time.perf_counter() - began) * 1000)
            stop.wait(0.05)


def run_once(workers: int, jobs: int, photo: bytes, overrides: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_server(workers, Path(folder))
        try:
            return measure(url, jobs, photo, overrides)
        finally:
            process.terminate()
            process.wait(30)


def measure(url: str, jobs: int, photo: bytes, overrides: str) -> dict[str, float]:
    health: list[float] = []
    submit: list[float] = []
    stop = threading.Event()
    prober = threading.Thread(target=probe, args=(url, stop, health), daemon=True)
    prober.start()
    started = time.perf_counter()
    ids = []
    with httpx.Client(timeout=60) as client:
        for _ in range(jobs):
            began = time.perf_counter()
            response = client.post(
                f"{url}/api/v1/jobs",
                files={"file": ("car.jpg", photo)},
                data={"overrides": overrides},
            )
            submit.append((time.perf_counter() - began) * 1000)
            response.raise_for_status()
            ids.append(response.json()["id"])
        statuses = wait_all(client, url, ids)
        elapsed = time.perf_counter() - started
        lag = loop_lag_max(client.get(f"{url}/metrics").text)
    stop.set()
    prober.join()
    return {
        "jobs_per_minute": len(ids) / elapsed * 60,
        "succeeded": statuses.count("succeeded"),
        "health_p50_ms": percentile(health, 50),
        "health_p95_ms": percentile(health, 95),
        "health_max_ms": max(health),
        "submit_p50_ms": percentile(submit, 50),
        "submit_p95_ms": percentile(submit, 95),
        "health_samples": len(health),
        "loop_lag_max_ms": lag * 1000,
    }


def loop_lag_max(metrics: str) -> float:
    for line in metrics.splitlines():
        if line.startswith("v2v_event_loop_lag_max_seconds "):
            return float(line.split()[1])
    return float("nan")


def wait_all(client: httpx.Client, url: str, ids: list[str]) -> list[str]:
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        statuses = [client.get(f"{url}/api/v1/jobs/{i}").json()["status"] for i in ids]
        if all(s in {"succeeded", "failed", "cancelled"} for s in statuses):
            return statuses
        time.sleep(0.5)
    raise SystemExit("jobs did not finish within 30 minutes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--size", type=int, default=512, help="photo width, px")
    parser.add_argument("--work-long-side", type=int, default=512)
    args = parser.parse_args()
    photo = drawn_car(args.size)
    overrides = json.dumps({"input.work_long_side": args.work_long_side, "qa.check_text": False})
    print(f"{os.cpu_count()} CPUs; {args.jobs} jobs per run; photo {args.size} px wide")
    header = (
        "workers",
        "jobs/min",
        "ok",
        "health p50",
        "p95",
        "max",
        "submit p50",
        "p95",
        "loop lag max",
    )
    print("{:>7} {:>9} {:>4} {:>11} {:>7} {:>7} {:>11} {:>7} {:>13}".format(*header))
    for workers in args.workers:
        r = run_once(workers, args.jobs, photo, overrides)
        print(
            f"{workers:>7} {r['jobs_per_minute']:>9.1f} {r['succeeded']:>4.0f} "
            f"{r['health_p50_ms']:>9.1f}ms {r['health_p95_ms']:>5.1f}ms "
            f"{r['health_max_ms']:>5.1f}ms {r['submit_p50_ms']:>9.1f}ms "
            f"{r['submit_p95_ms']:>5.1f}ms {r['loop_lag_max_ms']:>11.1f}ms"
        )


if __name__ == "__main__":
    main()
