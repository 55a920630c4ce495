"""Real server processes: start, convert, download; kill mid-job, restart, nothing lost."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from tests.service.conftest import FAST, photo_bytes

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, command: list[str], env: dict[str, str], port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited: {self.process.stderr.read()!r}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the server did not answer /health within 60 s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(30)


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop(signal.SIGKILL)


def _poll(url: str, until: set[str], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = httpx.get(url, timeout=5).json()
        if body["status"] in until or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def test_killed_mid_job_then_restarted_the_job_finishes(
    servers: list[Server], tmp_path: Path
) -> None:
    port = _free_port()
    env = {
        "PORT": str(port),
        "DATA_DIR": str(tmp_path / "data"),
        "WORKER_MODE": "thread",
        "JOB_STALE_SECONDS": "1",
        "LOG_LEVEL": "warning",
        "MIN_FREE_DISK_MB": "0",
    }
    command = [sys.executable, "-m", "tests.service.serve_fake", "tests.service.fakes:medium"]
    servers.append(Server(command, env, port))
    url = servers[-1].url
    created = httpx.post(f"{url}/api/v1/jobs", files={"file": ("car.png", photo_bytes())})
    assert created.status_code == 202, created.text
    status_url = url + created.headers["location"]
    assert _poll(status_url, {"running"})["status"] == "running"
    servers[-1].stop(signal.SIGKILL)  # no clean shutdown: the job stays "running" in the store
    servers.append(Server(command, env, port))
    done = _poll(status_url, {"succeeded", "failed", "cancelled"})
    assert done["status"] == "succeeded" and done["attempts"] == 2, done
    svg = httpx.get(url + done["urls"]["svg"])
    assert etree.fromstring(svg.content).tag.endswith("svg")


def test_a_clean_shutdown_puts_the_running_job_back_without_using_an_attempt(
    servers: list[Server], tmp_path: Path
) -> None:
    port = _free_port()
    env = {
        "PORT": str(port),
        "DATA_DIR": str(tmp_path / "data"),
        "WORKER_MODE": "thread",
        "LOG_LEVEL": "warning",
        "MIN_FREE_DISK_MB": "0",
    }
    command = [sys.executable, "-m", "tests.service.serve_fake", "tests.service.fakes:slow"]
    servers.append(Server(command, env, port))
    url = servers[-1].url
    created = httpx.post(f"{url}/api/v1/jobs", files={"file": ("car.png", photo_bytes())})
    status_url = url + created.headers["location"]
    assert _poll(status_url, {"running"})["status"] == "running"
    servers[-1].stop(signal.SIGTERM)  # uvicorn shuts down, then re-raises the signal
    with sqlite3.connect(tmp_path / "data" / "jobs.db") as db:
        row = db.execute("SELECT status, attempts, message FROM jobs").fetchone()
    assert row == ("queued", 0, "re-queued: the service was shut down")
    servers.append(Server(command, env, port))
    done = _poll(status_url, {"succeeded", "failed", "cancelled"})
    assert done["status"] == "succeeded" and done["attempts"] == 1, done


def test_run_py_serves_a_real_conversion(servers: list[Server], tmp_path: Path) -> None:
    port = _free_port()
    env = {
        "PORT": str(port),
        "DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "warning",
        "MIN_FREE_DISK_MB": "0",
        "WARM_WORKERS": "false",  # ready at once (test_warmup.py tests the warm-up)
    }
    servers.append(Server([sys.executable, "run.py"], env, port))
    url = servers[-1].url
    assert httpx.get(f"{url}/ready", timeout=10).json()["status"] == "ready"
    overrides = json.dumps(FAST)
    created = httpx.post(
        f"{url}/api/v1/jobs",
        files={"file": ("car.jpg", photo_bytes(fmt="JPEG"))},
        data={"overrides": overrides},
    )
    assert created.status_code == 202, created.text
    done = _poll(url + created.headers["location"], {"succeeded", "failed", "cancelled"}, 120)
    assert done["status"] == "succeeded", done["error"]
    svg = etree.fromstring(httpx.get(url + done["urls"]["svg"]).content)
    assert svg.tag.endswith("svg") and len(svg.findall(".//{*}path")) > 0
    synchronous = httpx.post(
        f"{url}/api/v1/process",
        files={"file": ("car.png", photo_bytes())},
        data={"overrides": overrides, "palette": "primary-15"},
        timeout=120,
    )
    assert synchronous.status_code == 200, synchronous.text
    assert synchronous.json()["qa"]["palette_compliance"] == 1.0
    metrics = httpx.get(f"{url}/metrics").text
    assert 'v2v_jobs{status="succeeded"} 2.0' in metrics
