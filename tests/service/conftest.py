"""Fixtures for the service tests: settings on a temporary data directory, apps, clients, photos."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

pytest.importorskip("fastapi", reason="the service needs the 'server' extra")

from fastapi.testclient import TestClient

from tests.conftest import draw_car
from v2v.service import Settings, create_app, load_settings

#: figures of the fuzzing and fault-injection runs, printed at the end of the session
FIGURES: list[str] = []
LOCAL = ("127.0.0.1", 50000)
LOCAL_URL = "http://localhost"  # a Host header the default ALLOWED_HOSTS serves
#: pipeline overrides that keep real runs fast where the test is not about quality
FAST = {
    "input.work_long_side": 256,
    "phase1.text_removal.detect_long_side": 256,
    "qa.check_text": False,
    "output.preview_long_side": 256,
}


def photo_bytes(width: int = 320, height: int = 200, fmt: str = "PNG") -> bytes:
    """The drawn test car, encoded as PNG, JPEG or WEBP."""
    buffer = io.BytesIO()
    Image.fromarray(draw_car(width, height, plate_text=None)).save(buffer, format=fmt)
    return buffer.getvalue()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("fuzzing and fault injection (issue 13)")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def car_png() -> bytes:
    return photo_bytes()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a test: temp data dir, thread workers, quiet logs, no rate limit."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "worker_mode": "thread",
            "log_level": "warning",
            "api_rate_limit": "",
            "job_stale_seconds": 30,
            "cancel_grace_seconds": 2,
            "min_free_disk_mb": 0,
            "warm_workers": False,  # test_warmup.py tests the warm-up
            "_env_file": None,
        }
        values.update(overrides)
        return load_settings(**values)

    return build


@pytest.fixture
def make_client(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., TestClient]]:
    """Build an app (started, with its workers) and a client that looks local; closed after."""
    opened: list[TestClient] = []

    def build(
        runner: str | None = "tests.service.fakes:quick",
        client: tuple[str, int] = LOCAL,
        settings: Settings | None = None,
        **overrides: Any,
    ) -> TestClient:
        app = create_app(settings or make_settings(**overrides), runner=runner)
        test_client = TestClient(app, client=client, base_url=LOCAL_URL)
        test_client.__enter__()
        opened.append(test_client)
        return test_client

    yield build
    for test_client in reversed(opened):
        test_client.__exit__(None, None, None)


def upload(content: bytes, name: str = "car.png", kind: str = "image/png") -> dict[str, Any]:
    return {"file": (name, content, kind)}


def wait_until_finished(
    client: TestClient, job_id: str, timeout: float = 30.0, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """Poll the job's status URL until it has ended; returns the last status document."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if body["status"] in {"succeeded", "failed", "cancelled"}:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {body['status']} after {timeout} s: {body}")
        time.sleep(0.05)


def wait_for_status(
    client: TestClient, job_id: str, status: str, timeout: float = 20.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
        if body["status"] == status:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} never became {status}: {body}")
        time.sleep(0.05)
