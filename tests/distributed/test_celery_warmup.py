"""A Celery worker warms its pool before its first job; the API's ``/ready`` says "warming" until
then (issue 17: the first job as fast as the next, on the Celery path too)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.distributed.cluster import (
    close_cluster,
    cluster_environment,
    open_cluster,
    start_worker,
)
from v2v.service.jobs import celery_executor
from v2v.service.jobs.celery_warmup import warming_of


def _wait(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_ready_says_warming_and_no_job_runs_until_the_celery_worker_is_warm(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    base = redis_url.rsplit("/", 1)[0]
    redis.Redis.from_url(f"{base}/7").flushdb()
    environment = cluster_environment(f"{base}/7", f"sqlite:///{tmp_path / 'jobs.db'}", tmp_path)
    gate = tmp_path / "gate"
    environment["V2V_TEST_WARM_GATE"] = str(gate)
    monkeypatch.setattr(celery_executor, "_PING_SECONDS", 0.3)
    cluster = open_cluster(environment, tmp_path / "c", [])
    try:
        worker = start_worker(
            "warm",
            environment,
            tmp_path / "w",
            tmp_path,
            "tests.distributed.runners:gated_warm_up",
            "--warm-up",
        )
        cluster.workers["warm"] = worker

        def warming() -> bool:
            body = cluster.client.get("/ready").json()
            return bool(body["status"] == "warming")

        _wait(warming)
        answer = cluster.client.get("/ready")
        body = answer.json()
        assert answer.status_code == 503 and body["failing"] == []
        detail = body["checks"]["workers"]["detail"]
        assert "1 pool process(es) warming up (warm@v2v-test)" in detail

        job_id = cluster.submit("quick-while-warming")
        time.sleep(2.0)  # a worker that took it would have finished it by now
        assert cluster.job(job_id)["status"] == "queued"

        gate.touch()
        done = cluster.wait(job_id, {"succeeded", "failed", "cancelled"}, timeout=60)
        assert done["status"] == "succeeded"
        _wait(lambda: cluster.client.get("/ready").status_code == 200, timeout=10)
        assert cluster.client.get("/ready").json()["status"] == "ready"
        warmed = worker.events("warm_up_done")
        assert warmed, worker.log.read_text()[-2000:]
    finally:
        close_cluster(cluster)


def test_a_worker_that_does_not_know_the_warm_up_command_counts_as_warm() -> None:
    assert warming_of({"error": "KeyError('v2v_warm_up')"}) == 0
    assert warming_of({"warming": 2, "pool": 2}) == 2
    assert warming_of(None) == 0


def test_ready_stays_ready_while_some_pool_process_is_warm() -> None:
    from v2v.service.jobs.celery_warmup import cluster_warming

    nodes = ["a@h", "b@h"]
    # a node joining (b warming its 2) while a's 2 are warm: the API stays ready
    assert cluster_warming(nodes, {"a@h": 0, "b@h": 2}, {"a@h": 2, "b@h": 2}) == 0
    # every process of every answering node warming: "warming"
    assert cluster_warming(nodes, {"a@h": 2, "b@h": 2}, {"a@h": 2, "b@h": 2}) == 4
    # a node that did not say its pool counts as one warm process
    assert cluster_warming(nodes, {"a@h": 2}, {"a@h": 2}) == 0
    assert cluster_warming([], {}, {}) == 0


def test_a_process_killed_while_warming_stops_counting_at_once() -> None:
    import multiprocessing
    import os
    import signal

    from v2v.service.jobs.celery_warmup import WarmState

    state = WarmState(2)
    assert state.warming() == 2  # before any process started, the whole pool is warming
    context = multiprocessing.get_context("fork")
    began = context.Event()

    def warm_forever() -> None:
        state.begin()
        began.set()
        time.sleep(60)

    child = context.Process(target=warm_forever)
    child.start()
    try:
        assert began.wait(10)
        assert state.warming() == 1
        state.begin()  # this process warms too, then ends
        assert state.warming() == 2
        state.end()
        assert state.warming() == 1
    finally:
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
    assert state.warming() == 0  # killed while warming: nothing stuck for WARM_UP_TIMEOUT
