"""The API side of EXECUTOR=celery: when the broker is away, requests still queue, /ready says why,
and the queued jobs are announced once the broker is back; jobs the workers finish reach
/metrics."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.distributed.servers import Postgres, find_binary, free_port, redis_server
from tests.service import fakes
from tests.service.conftest import FAST, LOCAL, LOCAL_URL, photo_bytes, upload
from v2v.service import create_app, load_settings
from v2v.service.db import Database, JobRow, utcnow
from v2v.service.jobs import celery_executor
from v2v.service.jobs.celery_app import redacted
from v2v.service.jobs.finished_feed import FinishedFeed
from v2v.service.jobs.remote_run import JobRun, RunOptions
from v2v.service.jobs.store import JobStore


def _queued_messages(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    return sum(int(client.llen(key)) for key in client.keys("v2v*") if client.type(key) == b"list")


def test_jobs_queue_while_the_broker_is_down_and_are_sent_when_it_returns(
    postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if find_binary("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    monkeypatch.setattr(celery_executor, "_PING_SECONDS", 0.5)
    monkeypatch.setattr(celery_executor, "_RETRY_SECONDS", 0.5)
    port = free_port()
    settings = load_settings(
        executor="celery",
        celery_broker_url=f"redis://127.0.0.1:{port}/0",
        database_url=postgres.create_database("down"),
        data_dir=tmp_path,
        log_level="warning",
        api_rate_limit="",
        min_free_disk_mb=0,
        _env_file=None,
    )
    with TestClient(create_app(settings), client=LOCAL, base_url=LOCAL_URL) as client:
        response = client.post(
            "/api/v1/jobs",
            files=upload(photo_bytes(), "car.png"),
            data={"overrides": json.dumps(FAST)},
        )
        assert response.status_code == 202 and response.json()["status"] == "queued"
        deadline = time.monotonic() + 20
        while (
            (ready := client.get("/ready"))
            .json()["checks"]["workers"]["detail"]
            .endswith("no ping yet")
        ):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert ready.status_code == 503 and "workers" in ready.json()["failing"]
        assert "unreachable" in ready.json()["checks"]["workers"]["detail"]
        with redis_server(port) as url:
            deadline = time.monotonic() + 30
            while _queued_messages(url) < 1:
                assert time.monotonic() < deadline, "the queued job was never announced"
                time.sleep(0.2)
        assert client.get(response.headers["Location"]).json()["status"] == "queued"


def test_broker_passwords_never_reach_logs_or_health() -> None:
    assert redacted("redis://:pw@host:6379/0") == "redis://***@host:6379/0"
    assert redacted("redis://user:pw@host/1") == "redis://user:***@host/1"
    assert redacted("redis://host:6379/0") == "redis://host:6379/0"


def _metric(text: str, line_start: str) -> float:
    """The value of the first sample line of /metrics starting with ``line_start`` (0 if none)."""
    found = [line for line in text.splitlines() if line.startswith(line_start)]
    return float(found[0].rsplit(" ", 1)[1]) if found else 0.0


def test_jobs_that_remote_workers_finish_reach_the_metrics_once(
    postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(celery_executor, "_FINISHED_SECONDS", 0.1, raising=False)
    settings = load_settings(
        executor="celery",
        celery_broker_url=f"redis://127.0.0.1:{free_port()}/0",  # no broker: workers are faked
        database_url=postgres.create_database("metrics"),
        data_dir=tmp_path,
        log_level="warning",
        api_rate_limit="",
        min_free_disk_mb=0,
        _env_file=None,
    )
    app = create_app(settings)
    services = app.state.services
    with TestClient(app, client=LOCAL, base_url=LOCAL_URL) as client:
        ids = [client.post("/api/v1/jobs", files=upload(photo_bytes())).json()["id"] for _ in "ab"]
        for job_id, runner in zip(ids, (fakes.quick, fakes.bad_input), strict=True):
            # what a `v2v worker` does with the message: the job ends in the store, not in the API
            JobRun(services.store, services.files, RunOptions(), runner, lambda: None)(job_id)
        deadline = time.monotonic() + 10
        while 'v2v_jobs_finished_total{status="failed"}' not in (
            text := client.get("/metrics").text
        ):
            assert time.monotonic() < deadline, "jobs the workers finished never reached /metrics"
            time.sleep(0.1)
        time.sleep(0.5)  # several more looks at the store: still counted once
        text = client.get("/metrics").text
    assert _metric(text, 'v2v_jobs_finished_total{status="succeeded"}') == 1
    assert _metric(text, 'v2v_jobs_finished_total{status="failed"}') == 1
    assert _metric(text, 'v2v_errors_total{type="input_error"}') == 1
    assert _metric(text, 'v2v_pipeline_phase_duration_seconds_count{phase="phase4"}') == 1


def test_the_feed_counts_late_records_once_and_nothing_from_before_it_started(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'jobs.db'}")
    database.create_tables()
    store, handed = JobStore(database), list[tuple[object, ...]]()
    start = utcnow()
    feed = FinishedFeed(store, lambda *job: handed.append(job), 30, since=start)

    def ended_at(moment: datetime) -> str:
        job = store.create("convert", "a", "c", {})
        store.claim_next("w:0")
        store.fail(job.id, "input_error", "no vehicle")
        with database.session() as session:
            session.execute(update(JobRow).where(JobRow.id == job.id).values(finished_at=moment))
        return job.id

    ended_at(start - timedelta(seconds=5))  # before the API started: counted by the old process
    assert feed.poll() == 0
    # recorded after that look, stamped before it (a worker whose clock is behind the API's)
    late = ended_at(start)
    assert feed.last_look > start
    assert feed.poll() == 1 and feed.poll() == 0
    assert handed == [(late, "failed", {}, "input_error", None)]
    database.dispose()
