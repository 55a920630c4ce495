"""The API with two Celery worker processes on real Redis and PostgreSQL (loopback).

The tests share one cluster and run in file order: cancels first, then a batch, then 20 real
conversions during which one worker is killed (it is not restarted).
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.distributed.cluster import (
    FINAL,
    Cluster,
    close_cluster,
    cluster_environment,
    open_cluster,
)
from tests.distributed.servers import Postgres
from tests.service.conftest import FAST, upload
from v2v.service.jobs import celery_executor
from v2v.service.jobs.fanout import run_batch


@pytest.fixture(scope="module")
def cluster(
    redis_url: str, postgres: Postgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    import redis

    redis.Redis.from_url(redis_url).flushall()
    folder = tmp_path_factory.mktemp("cluster")
    environment = cluster_environment(redis_url, postgres.create_database("cluster"), folder / "s")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(celery_executor, "_PING_SECONDS", 0.5)  # /ready notices workers sooner
        built = open_cluster(environment, folder, ["a", "b"])
        try:
            built.wait_ready(workers=2)
            yield built
        finally:
            close_cluster(built)


def test_ready_reports_both_workers(cluster: Cluster) -> None:
    body = cluster.wait_ready(workers=2)
    assert body["checks"]["workers"]["ok"] and "a@v2v-test" in body["checks"]["workers"]["detail"]
    assert "postgresql" in body["checks"]["database"]["detail"]


def test_a_synchronous_conversion_jumps_the_queue_of_the_workers(cluster: Cluster) -> None:
    # both workers busy for 4 s, 2 waiting: time enough for the request even on a loaded machine
    queued = [cluster.submit(f"slow-{i}") for i in range(4)]
    response = cluster.client.post("/api/v1/process", files=upload(cluster.photo, "quick-sync.png"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "succeeded"
    assert cluster.client.get(body["urls"]["svg"]).status_code == 200
    finished = cluster.store.get(body["job_id"])
    waiting = [cluster.store.get(job_id) for job_id in queued[2:]]
    assert finished is not None and finished.finished_at is not None
    assert all(  # it ran before the jobs queued ahead of it (Redis priority queue)
        job is not None and (job.started_at is None or job.started_at > finished.started_at)  # type: ignore[operator]
        for job in waiting
    )
    for job_id in queued:
        cluster.wait(job_id, FINAL, timeout=30)
    results = _task_results(cluster.settings.celery_result_backend)
    assert {"job_id": body["job_id"], "status": "succeeded"} in results  # CELERY_RESULT_BACKEND


def _task_results(url: str) -> list[dict[str, str]]:
    import redis

    client = redis.Redis.from_url(url)
    found = []
    for key in client.scan_iter("celery-task-meta-*"):
        meta = json.loads(client.get(key) or b"{}")
        if meta.get("status") == "SUCCESS":
            found.append(meta["result"])
    return found


def test_cancel_a_queued_and_a_running_job(cluster: Cluster) -> None:
    first, second = cluster.submit("slow-1"), cluster.submit("slow-2")
    for job_id in (first, second):
        cluster.wait(job_id, {"running"}, timeout=20)
    waiting = cluster.submit("slow-queued")  # both workers are busy: it waits in the queue
    assert cluster.job(waiting)["status"] == "queued"
    assert cluster.client.post(f"/api/v1/jobs/{waiting}/cancel").json()["status"] == "cancelled"

    assert cluster.client.post(f"/api/v1/jobs/{first}/cancel").status_code == 202
    stopped = cluster.wait(first, FINAL, timeout=10)
    assert stopped["status"] == "cancelled" and stopped["error"]["code"] == "cancelled"
    assert cluster.client.get(f"/api/v1/jobs/{first}/files/result.svg").status_code == 404

    assert cluster.wait(second, FINAL, timeout=20)["status"] == "succeeded"
    # the cancelled job's message reaches a free worker, which skips it: wait for that to happen
    deadline = time.monotonic() + 20
    while not any(
        record.get("job_id") == waiting
        for worker in cluster.workers.values()
        for record in worker.events("job_skipped")
    ):
        assert time.monotonic() < deadline, "no worker took the cancelled job's message"
        time.sleep(0.1)
    skipped = cluster.job(waiting)
    assert skipped["status"] == "cancelled" and skipped["attempts"] == 0


def test_a_stage_that_ignores_cancel_loses_its_process_and_the_worker_goes_on(
    cluster: Cluster,
) -> None:
    job_id = cluster.submit("stubborn")
    cluster.wait(job_id, {"running"}, timeout=20)
    pid = int(str(cluster.store.get(job_id).worker).rsplit(":", 1)[1])  # type: ignore[union-attr]
    owner = next(w for w in cluster.workers.values() if pid in w.children())
    assert cluster.client.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 202
    ended = cluster.wait(job_id, FINAL, timeout=15)  # grace 2 s; the stage would sleep 60 s
    assert ended["status"] == "cancelled" and ended["attempts"] == 1
    replacement = owner.wait_for_new_child(pid)  # the stuck process was killed and replaced
    assert pid not in owner.children() and owner.process.poll() is None
    after = [cluster.submit(f"medium-{i}") for i in range(2)]  # 1 s each: one per worker
    for job_id in after:
        assert cluster.wait(job_id, FINAL, timeout=30)["status"] == "succeeded"
    ran_on = {str(cluster.store.get(j).worker) for j in after}  # type: ignore[union-attr]
    assert any(name.endswith(f":{replacement}") for name in ran_on), ran_on


def _requeued(cluster: Cluster, job_id: str, timeout: float = 30.0) -> float:
    """Seconds until the job is no longer on its first attempt's process (re-queued or re-run)."""
    started = time.monotonic()
    while True:
        job = cluster.store.get(job_id)
        assert job is not None
        if job.status != "running" or job.attempts > 1:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, f"job {job_id} was never re-queued"
        time.sleep(0.02)


def test_a_job_whose_pool_process_dies_is_rerun_at_once_before_the_waiting_jobs(
    cluster: Cluster,
) -> None:
    first, second = cluster.submit("slow-lost"), cluster.submit("slow-other")
    for job_id in (first, second):
        cluster.wait(job_id, {"running"}, timeout=20)
    waiting = [cluster.submit(f"medium-wait-{i}") for i in range(3)]  # both workers are busy
    pid = int(str(cluster.store.get(first).worker).rsplit(":", 1)[1])  # type: ignore[union-attr]
    os.kill(pid, signal.SIGKILL)
    seconds = _requeued(cluster, first)
    assert seconds < 3.0
    ended = {job_id: cluster.wait(job_id, FINAL, timeout=60) for job_id in [first, *waiting]}
    assert {body["status"] for body in ended.values()} == {"succeeded"}
    rerun = cluster.store.get(first)
    assert rerun is not None and rerun.attempts == 2 and rerun.started_at is not None
    others = [cluster.store.get(job_id) for job_id in waiting]
    # at the back of the queue it would start after all three; at the front, only a job the other
    # worker took while the killed worker's new process was starting may start before it
    before = [
        o for o in others if o is not None and o.started_at and o.started_at < rerun.started_at
    ]
    assert len(before) <= 1, (rerun.started_at, [o.started_at for o in others if o])
    cluster.wait(second, FINAL, timeout=30)


def test_batch_fans_out_over_the_workers(cluster: Cluster, tmp_path: Path) -> None:
    sources = []
    for index in range(3):
        path = tmp_path / f"car{index}.png"
        path.write_bytes(cluster.photo)
        sources.append(path)
    (tmp_path / "broken.png").write_bytes(b"not an image")
    sources.append(tmp_path / "broken.png")
    cli_style = [f"{key}={str(value).lower()}" for key, value in FAST.items()]  # v2v batch --set
    items = run_batch(sources, tmp_path / "out", cluster.settings, overrides=cli_style, timeout=90)
    assert [item.ok for item in items] == [True, True, True, False], [i.error for i in items]
    assert "not a JPEG, PNG or WebP" in str(items[3].error) and items[3].job_id is None
    for index in range(3):
        assert "</svg>" in (tmp_path / "out" / f"car{index}.svg").read_text()
        assert (tmp_path / "out" / f"car{index}.png").stat().st_size > 0
    assert cluster.client.get(f"/api/v1/jobs/{items[0].job_id}").status_code == 404  # cleaned


def _early_on(cluster: Cluster, name: str, ids: list[str]) -> str | None:
    """A job that worker ``name`` runs and has not reached phase III (far from finishing)."""
    children = cluster.workers[name].children()
    for job_id in ids:
        job = cluster.store.get(job_id)
        if job is None or job.status != "running" or not job.worker:
            continue
        early = job.phase in (None, "load", "phase1", "phase2")
        if early and int(job.worker.rsplit(":", 1)[1]) in children:
            return job_id
    return None


def test_twenty_jobs_survive_a_killed_worker_each_with_exactly_one_result(
    cluster: Cluster,
) -> None:
    ids = [cluster.submit(f"car-{index:02d}") for index in range(20)]
    deadline = time.monotonic() + 60
    while (victim := _early_on(cluster, "a", ids)) is None:
        assert time.monotonic() < deadline, "worker a never ran a job"
        time.sleep(0.05)
    cluster.workers["a"].kill()
    seconds = _requeued(cluster, victim)
    assert seconds < 10.0

    ended = {job_id: cluster.wait(job_id, FINAL, timeout=150) for job_id in ids}
    assert {body["status"] for body in ended.values()} == {"succeeded"}, ended
    assert ended[victim]["attempts"] == 2  # killed once, run again on worker b
    for job_id, body in ended.items():
        assert body["urls"]["svg"] and body["error"] is None
        svg = cluster.client.get(body["urls"]["svg"])
        assert svg.status_code == 200 and "</svg>" in svg.text, job_id
    completions = Counter(
        record["job_id"]
        for worker in cluster.workers.values()
        for record in worker.events("job_succeeded")
        if record.get("job_id") in ended
    )
    assert completions == Counter(set(ids)), "a job completed twice or never"
