"""Fixtures for the browser tests: a real server on a loopback port, and Debian's Chromium driven
by Playwright (headless, no sandbox, fresh profile, no network besides the loopback server).

The browser tests are skipped, with the install lines, when ``/usr/bin/chromium`` or the
``playwright`` package is missing. Screenshots go to the test's ``tmp_path`` and, when
``V2V_UI_SHOTS`` names a folder, are copied there too
(``V2V_UI_SHOTS=/tmp/ui-shots pytest tests/ui``).
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

pytest.importorskip("fastapi", reason="the web UI needs the 'server' extra")

from tests.conftest import draw_car
from v2v.service import create_app, load_settings

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = (
    "apt-get install -y chromium chromium-driver && pip install playwright "
    "(Playwright's own browser download is not used)"
)

#: pipeline overrides that keep real runs small and fast in the browser tests
FAST = {"input.work_long_side": 256, "qa.check_text": False, "output.preview_long_side": 256}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """uvicorn serving ``create_app(settings)`` in a background thread."""

    def __init__(self, data_dir: Path, runner: str | None = None, **settings: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        values: dict[str, Any] = {
            "data_dir": data_dir,
            "worker_mode": "thread",
            "log_level": "warning",
            "api_rate_limit": "",
            "min_free_disk_mb": 0,
            "cancel_grace_seconds": 2,
            "csrf_secret_key": "ui-test-secret-0123456789abcdef",
            "warm_workers": False,
            "_env_file": None,
            **settings,
        }
        app = create_app(load_settings(**values), runner=runner)
        self.services = app.state.services
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("the test server did not answer /health within 30 s")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(20)


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real pipeline."""
    server = LiveServer(tmp_path_factory.mktemp("ui-data"))
    yield server
    server.stop()


@pytest.fixture(scope="package")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Jobs that take a minute unless cancelled (for cancel and list tests)."""
    server = LiveServer(tmp_path_factory.mktemp("ui-slow"), runner="tests.ui.fakes:slow")
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser_context() -> Iterator[Any]:
    """Debian's Chromium, headless, with a fresh profile (skips when it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip(f"the browser tests need {CHROMIUM}: {INSTALL}")
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason=f"needs playwright: {INSTALL}"
    )
    profile = tempfile.mkdtemp(prefix="v2v-chromium-")
    with playwright_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1360, "height": 900},
            accept_downloads=True,
        )
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    """A fresh tab; fails the test on any JavaScript error (thrown or logged to the console) or
    request off the loopback."""
    tab = browser_context.new_page()
    errors: list[str] = []
    offsite: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    # console errors too, but not the browser's own line for an HTTP error status that the page
    # handles (a 401 that asks for a key, a 409 for a job that has just ended)
    tab.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text}")
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    tab.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(("http://127.0.0.1", "blob:", "data:"))
            else offsite.append(request.url)
        ),
    )
    tab.set_default_timeout(15000)
    yield tab
    tab.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not offsite, f"the UI asked for something off this server: {offsite}"


@pytest.fixture
def shoot(tmp_path: Path) -> Callable[[Any, str], Path]:
    """Save a full-page screenshot under tmp_path (and V2V_UI_SHOTS, when set)."""
    copy_to = os.environ.get("V2V_UI_SHOTS")

    def take(tab: Any, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        tab.evaluate("window.scrollTo(0, 0)")  # sticky bars sit where a person first sees them
        tab.screenshot(path=str(path), full_page=True)
        if copy_to:
            Path(copy_to).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(copy_to) / path.name)
        return path

    return take


@pytest.fixture(scope="session")
def car_photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The drawn test car as a PNG file (no plate: quick and deterministic)."""
    path = tmp_path_factory.mktemp("photos") / "red-car.png"
    buffer = io.BytesIO()
    Image.fromarray(draw_car(320, 200, plate_text=None)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path
