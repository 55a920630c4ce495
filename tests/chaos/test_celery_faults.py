"""A Celery worker's pool process killed in every stage of a job (``make chaos``): Redis,
PostgreSQL and two workers on loopback, job files in a shared ``STORAGE_URL`` folder."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos.conftest import audit
from tests.chaos.runners import STAGES
from tests.distributed.cluster import (
    FINAL,
    Cluster,
    close_cluster,
    cluster_environment,
    open_cluster,
)
from tests.distributed.servers import Postgres
from v2v.service.jobs import celery_executor
from v2v.service.jobs.files import JobFiles

pytestmark = pytest.mark.chaos


@pytest.fixture(scope="module")
def cluster(
    redis_url: str, postgres: Postgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Cluster, Path]]:
    import redis

    redis.Redis.from_url(redis_url).flushall()
    folder = tmp_path_factory.mktemp("chaos-cluster")
    environment = cluster_environment(redis_url, postgres.create_database("chaos"), folder / "s")
    runs = folder / "runs.log"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(celery_executor, "_PING_SECONDS", 0.5)
        patch.setenv("V2V_CHAOS_RUNS", str(runs))
        patch.setenv("V2V_CHAOS_STEP", "0.5")
        built = open_cluster(environment, folder, ["a", "b"])
        try:
            built.wait_ready(workers=2)
            yield built, folder
        finally:
            close_cluster(built)


def test_a_pool_process_killed_in_every_stage(cluster: tuple[Cluster, Path]) -> None:
    built, folder = cluster
    ids, seconds = [], []
    for stage in STAGES:
        job_id = built.submit(f"staged-{stage}")
        ids.append(job_id)
        deadline = time.monotonic() + 30
        while (job := built.store.get(job_id)) is None or job.phase != stage:
            assert time.monotonic() < deadline, f"never reached {stage}"
            time.sleep(0.02)
        os.kill(int(str(job.worker).rsplit(":", 1)[1]), signal.SIGKILL)
        killed = time.monotonic()
        while (again := built.store.get(job_id)) is not None and again.attempts < 2:
            time.sleep(0.02)
        seconds.append(time.monotonic() - killed)
        done = built.wait(job_id, FINAL, timeout=60)
        assert done["status"] == "succeeded" and done["attempts"] == 2, done
    worst = max(seconds)
    row = audit(
        built.store,
        JobFiles(folder / "s"),
        ids,
        "Celery pool process killed in every stage",
        f"running, then succeeded on attempt 2; kill -> running again <= {worst:.2f} s",
        runs_log=folder / "runs.log",
    )
    assert (row.lost, row.twice, row.left_behind) == (0, 0, 0), row
