"""The first job on a fresh Celery worker against the same photo again, warm-up off and on.

Starts a throwaway Redis, an API (EXECUTOR=celery, SQLite) and one real ``v2v worker`` process
with the library's runner, waits until ``/ready`` answers 200, then converts the first sample
photo twice and the second once, timing each from submission until the API reports it ended.
Run: ``python -m benchmarks.bench_celery_warmup`` (needs redis-server; about 2 minutes).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from tests.distributed.cluster import (
    close_cluster,
    cluster_environment,
    open_cluster,
    start_worker,
)
from tests.distributed.servers import redis_server
from tests.service.conftest import upload
from v2v.service.jobs import celery_executor
from v2v.service.jobs.executor import DEFAULT_RUNNER

SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "samples"


def trial(redis_url: str, warm: bool, photos: list[Path]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="v2v-bench-warm-"))
    environment = cluster_environment(redis_url, f"sqlite:///{folder / 'jobs.db'}", folder / "s")
    environment |= {"JOB_TIMEOUT": "600", "WARM_WORKERS": "true" if warm else "false"}
    cluster = open_cluster(environment, folder / "api", [])
    try:
        worker = start_worker("bench", environment, folder / "w", folder, DEFAULT_RUNNER)
        cluster.workers["bench"] = worker
        started = time.monotonic()
        while cluster.client.get("/ready").status_code != 200:
            time.sleep(0.2)
        ready = time.monotonic() - started
        seconds = []
        for photo in (*[photos[0]] * 4, photos[1]):
            began = time.monotonic()
            answer = cluster.client.post(
                "/api/v1/jobs", files=upload(photo.read_bytes(), photo.name)
            )
            job = cluster.wait(answer.json()["id"], {"succeeded", "failed"}, timeout=600)
            assert job["status"] == "succeeded", job
            seconds.append(time.monotonic() - began)
        again = statistics.median(seconds[1:4])
        print(
            f"WARM_WORKERS={str(warm).lower():5}  /ready 200 after {ready:5.1f} s   "
            f"first {seconds[0]:5.2f} s, same photo again (median of 3) {again:5.2f} s "
            f"(ratio {seconds[0] / again:.2f}), another photo {seconds[4]:5.2f} s",
            flush=True,
        )
    finally:
        close_cluster(cluster)


def main() -> None:
    celery_executor._PING_SECONDS = 0.3  # /ready notices the worker sooner
    photos = sorted(SAMPLES.resolve().glob("*.jpg"))[:2]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {photos[0].name}")
    with redis_server() as url:
        base = url.rsplit("/", 1)[0]
        trial(f"{base}/3", False, photos)
        trial(f"{base}/4", True, photos)


if __name__ == "__main__":
    main()
