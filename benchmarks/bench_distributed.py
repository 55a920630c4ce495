"""Scale-out benchmark on loopback: jobs per minute with 1, 2 and 4 Celery worker processes, and
the overhead per job of the Celery path against the local worker pool.

Starts a throwaway Redis and PostgreSQL (``apt-get install redis-server postgresql``), an API
(EXECUTOR=celery) in this process and N worker processes (``--concurrency 1`` each)::

    python benchmarks/bench_distributed.py --jobs 12 --workers 1 2 4 --size 320

- throughput: ``--jobs`` real conversions of a drawn car (``--size`` px wide, work size 256)
  submitted at once; jobs/min from the first submission to the last result (the first job of each
  worker process includes loading its models);
- overhead: ``--overhead-jobs`` jobs that do no work, one after the other, submit → finished, on
  the local pool (``WORKER_MODE=process``) and on one Celery worker.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from tests.distributed.cluster import (  # noqa: E402
    FINAL,
    RUNNER,
    Cluster,
    api_settings,
    close_cluster,
    cluster_environment,
    open_cluster,
)
from tests.distributed.servers import postgres_server, redis_server  # noqa: E402
from tests.service.conftest import FAST, LOCAL, photo_bytes, upload  # noqa: E402
from v2v.service import create_app  # noqa: E402


def _wait_all(cluster: Cluster, ids: list[str], timeout: float) -> list[str]:
    pending, statuses = set(ids), []
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(pending)} jobs unfinished after {timeout} s")
        for job_id in list(pending):
            status = cluster.job(job_id)["status"]
            if status in FINAL:
                pending.discard(job_id)
                statuses.append(status)
        time.sleep(0.1)
    return statuses


def throughput(environment: dict[str, str], folder: Path, workers: int, jobs: int) -> dict:
    names = [f"w{i}" for i in range(workers)]
    cluster = open_cluster(environment, folder, names)
    try:
        cluster.wait_ready(workers=workers, timeout=120)
        started = time.monotonic()
        ids = [cluster.submit(f"car-{i}", FAST) for i in range(jobs)]
        statuses = _wait_all(cluster, ids, timeout=60 * jobs)
        seconds = time.monotonic() - started
    finally:
        close_cluster(cluster)
    return {
        "workers": workers,
        "jobs": jobs,
        "seconds": round(seconds, 1),
        "jobs_per_minute": round(60 * jobs / seconds, 1),
        "succeeded": statuses.count("succeeded"),
    }


def _sequential(client: TestClient, jobs: int) -> list[float]:
    photo, times = photo_bytes(64, 40), []
    for index in range(jobs + 1):
        started = time.perf_counter()
        job = client.post("/api/v1/jobs", files=upload(photo, f"quick-{index}.png")).json()
        while client.get(f"/api/v1/jobs/{job['id']}").json()["status"] not in FINAL:
            time.sleep(0.005)
        if index:  # the first one warms up the worker
            times.append(time.perf_counter() - started)
    return times


def overhead(environment: dict[str, str], folder: Path, jobs: int) -> dict:
    local = api_settings({"DATABASE_URL": environment["DATABASE_URL"]}, folder / "local")
    local = local.model_copy(update={"worker_mode": "process", "executor": "local"})
    with TestClient(create_app(local, runner=RUNNER), client=LOCAL) as client:
        local_times = _sequential(client, jobs)
    cluster = open_cluster(environment, folder / "celery", ["solo"])
    try:
        cluster.wait_ready(workers=1, timeout=120)
        celery_times = _sequential(cluster.client, jobs)
    finally:
        close_cluster(cluster)
    local_ms = statistics.median(local_times) * 1000
    celery_ms = statistics.median(celery_times) * 1000
    return {
        "jobs": jobs,
        "local_median_ms": round(local_ms, 1),
        "celery_median_ms": round(celery_ms, 1),
        "celery_extra_ms": round(celery_ms - local_ms, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--overhead-jobs", type=int, default=20)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="v2v-bench-") as temp,
        redis_server() as redis_url,
        postgres_server() as postgres,
    ):
        folder = Path(temp)
        for count in args.workers:
            database = postgres.create_database(f"w{count}")
            environment = cluster_environment(redis_url, database, folder / f"s{count}")
            run = throughput(environment, folder / f"run{count}", count, args.jobs)
            print(json.dumps(run), flush=True)
        database = postgres.create_database("overhead")
        environment = cluster_environment(redis_url, database, folder / "shared-o")
        result = overhead(environment, folder / "overhead", args.overhead_jobs)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
