"""Running workers as an operator does: `v2v worker` twice on one host with default names, the
documented `--ping` health check, and the log format (one JSON object per line, each record once).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.distributed.cluster import ROOT
from v2v.service.db import Database
from v2v.service.jobs.celery_app import QUEUE, TASK_NAME, make_celery
from v2v.service.jobs.celery_warmup import WARM_UP_COMMAND
from v2v.service.jobs.store import JobStore
from v2v.service.settings import load_settings


@pytest.fixture(scope="module")
def environment(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("ops")
    base = redis_url.rsplit("/", 1)[0]
    return {
        "EXECUTOR": "celery",
        "CELERY_BROKER_URL": f"{base}/5",  # a database of its own: no other test's workers
        "DATABASE_URL": f"sqlite:///{folder / 'jobs.db'}",
        "DATA_DIR": str(folder / "data"),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "info",
    }


def _run(
    environment: dict[str, str], *args: str, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def workers(
    environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[tuple[subprocess.Popen[bytes], Path]]]:
    """Two `v2v worker --device cpu` processes started exactly alike (no --name)."""
    logs = tmp_path_factory.mktemp("ops-logs")
    started = []
    for index in range(2):
        log = logs / f"worker-{index}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "v2v.cli", "worker", "--device", "cpu"],
                cwd=ROOT,
                env={**os.environ, **environment},
                stdout=subprocess.DEVNULL,  # Celery's shutdown notice goes to stdout
                stderr=sink,
                start_new_session=True,
            )
        started.append((process, log))
    settings = load_settings(**{k.lower(): v for k, v in environment.items()}, _env_file=None)
    control = make_celery(settings).control
    deadline = time.monotonic() + 60
    while len([n for r in control.ping(timeout=1.0) or [] for n in r]) < 2:
        assert time.monotonic() < deadline, [log.read_text()[-2000:] for _, log in started]
    # WARM_WORKERS (the default): each pool process converts the drawn car with the real
    # pipeline before it takes a job, and says so when asked
    deadline = time.monotonic() + 240
    while not _all_warm(control):
        assert time.monotonic() < deadline, [log.read_text()[-2000:] for _, log in started]
        time.sleep(0.5)
    yield started
    for process, _ in started:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)


def _all_warm(control: Any) -> bool:
    replies = control.broadcast(WARM_UP_COMMAND, reply=True, timeout=1.0) or []
    answers = [answer for reply in replies for answer in reply.values()]
    return len(answers) == 2 and all(answer == {"warming": 0, "pool": 1} for answer in answers)


def _names(environment: dict[str, str]) -> list[str]:
    settings = load_settings(**{k.lower(): v for k, v in environment.items()}, _env_file=None)
    return sorted(n for r in make_celery(settings).control.ping(timeout=1.0) or [] for n in r)


def test_two_workers_started_alike_get_different_default_names(
    environment: dict[str, str], workers: list[tuple[subprocess.Popen[bytes], Path]]
) -> None:
    names = _names(environment)
    host = re.escape(socket.gethostname())
    assert len(set(names)) == 2, names
    assert all(re.fullmatch(rf"v2v-cpu-\d+@{host}", name) for name in names), names


def test_the_ping_health_check_answers_for_any_name_and_says_why_it_fails(
    environment: dict[str, str], workers: list[tuple[subprocess.Popen[bytes], Path]]
) -> None:
    module = ["-m", "v2v.service.jobs.celery_worker", "--ping"]
    for name in _names(environment):
        assert _run(environment, *module, "--name", name).returncode == 0
    assert _run(environment, *module).returncode == 0  # any worker on this host
    started = time.monotonic()
    missing = _run(environment, *module, "--name", "w1@localhost", "--timeout", "1")
    assert missing.returncode == 1 and "no answer from w1@localhost" in missing.stderr
    assert time.monotonic() - started < 15


def test_worker_logs_are_one_json_object_per_line_each_record_once(
    environment: dict[str, str], workers: list[tuple[subprocess.Popen[bytes], Path]]
) -> None:
    settings = load_settings(**{k.lower(): v for k, v in environment.items()}, _env_file=None)
    database = Database(settings.resolved_database_url)
    store = JobStore(database)
    job = store.create("convert", "owner", "cid-logs", {})  # no upload: it ends input_missing
    make_celery(settings).send_task(TASK_NAME, args=[job.id], queue=QUEUE)
    deadline = time.monotonic() + 30
    while not (current := store.get(job.id)) or not current.finished:
        assert time.monotonic() < deadline, "no worker ran the job"
        time.sleep(0.1)
    database.dispose()
    time.sleep(0.5)
    records = []
    for _, log in workers:
        for line in log.read_text().splitlines():
            if line.strip():
                records.append(json.loads(line))  # every line is one JSON object
    assert any(r.get("event") == "worker_starting" for r in records)
    assert len([r for r in records if r.get("event") == "warm_up_done"]) == 2, records
    ended = [r for r in records if r.get("event") == "job_ended" and r.get("job_id") == job.id]
    assert len(ended) == 1 and ended[0]["code"] == "input_missing"
    assert all("event" in r and "level" in r and "timestamp" in r for r in records)


def test_ready_answers_from_the_first_ping_right_after_the_api_starts(
    environment: dict[str, str],
    workers: list[tuple[subprocess.Popen[bytes], Path]],
    tmp_path: Path,
) -> None:
    from fastapi.testclient import TestClient

    from tests.service.conftest import LOCAL, LOCAL_URL
    from v2v.service import create_app

    values = {k.lower(): v for k, v in environment.items()}
    values.update(data_dir=tmp_path / "api", log_level="warning", min_free_disk_mb=0)
    app = create_app(load_settings(**values, _env_file=None))
    with TestClient(app, client=LOCAL, base_url=LOCAL_URL) as client:
        response = client.get("/ready")  # the first request after start-up: no "no ping yet"
        assert response.status_code == 200, response.json()
        assert "2 Celery worker(s) answer" in response.json()["checks"]["workers"]["detail"]
