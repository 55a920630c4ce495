"""The API side of EXECUTOR=celery when the broker is away: requests still queue, /ready says why,
and the queued jobs are announced once the broker is back."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.distributed.servers import Postgres, find_binary, free_port, redis_server
from tests.service.conftest import FAST, LOCAL, photo_bytes, upload
from v2v.service import create_app, load_settings
from v2v.service.jobs import celery_executor
from v2v.service.jobs.celery_app import redacted


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
    with TestClient(create_app(settings), client=LOCAL) as client:
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
