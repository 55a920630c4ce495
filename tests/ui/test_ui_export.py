"""The download card's export row in a real browser: a PDF at 100 mm, cut out, downloads; a
size the server refuses is said in a toast."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.exports.readback import pdf_facts
from tests.ui.conftest import LiveServer


@pytest.fixture(scope="module")
def traced_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Jobs finish at once with a real traced SVG (tests/service/test_service_exports.py)."""
    server = LiveServer(
        tmp_path_factory.mktemp("ui-export"), runner="tests.service.test_service_exports:traced"
    )
    yield server
    server.stop()


def _finished_job(server: LiveServer, photo: Path) -> str:
    files = {"file": ("car.png", photo.read_bytes(), "image/png")}
    job = httpx.post(f"{server.url}/api/v1/jobs", files=files, timeout=10).json()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = httpx.get(f"{server.url}/api/v1/jobs/{job['id']}", timeout=5).json()["status"]
        if status == "succeeded":
            return str(job["id"])
        time.sleep(0.1)
    raise AssertionError(f"job {job['id']} did not finish")


def test_export_a_cut_out_pdf_from_the_download_card(
    traced_server: LiveServer, page: Any, car_photo: Path, tmp_path: Path
) -> None:
    job_id = _finished_job(traced_server, car_photo)
    page.goto(f"{traced_server.url}/ui/jobs/{job_id}")
    page.wait_for_selector("#export-format", timeout=30_000)
    page.select_option("#export-format", "pdf")
    page.fill("#export-size", "100mm")
    page.select_option("#export-stacking", "cutout")
    with page.expect_download() as download:
        page.click("#export-button")
    assert download.value.suggested_filename.endswith("-cutout.pdf")
    saved = tmp_path / "car.pdf"
    download.value.save_as(saved)
    facts = pdf_facts(saved.read_bytes())
    assert facts.size[0] == pytest.approx(100 / 25.4 * 72, abs=0.01) and facts.images == 0

    page.fill("#export-size", "100 furlongs")
    page.click("#export-button")
    page.wait_for_selector(".toast:has-text('is not understood')", timeout=10_000)
