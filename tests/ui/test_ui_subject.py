"""The job page shows the vehicles phase I detected over the photo; clicking another one draws
that vehicle instead (a new job with ``subject``), in a real browser on a real photo."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES
from tests.ui.conftest import LiveServer
from tests.ui.helpers import Shoot, add_photo, fast_options, until

LONDON_BUS = SAMPLES / "deb-opencvdoc_london_double_decker_bus.jpg"


@pytest.mark.skipif(not LONDON_BUS.is_file(), reason="shared samples not available")
def test_click_a_detected_vehicle_to_draw_it_instead(
    live_server: LiveServer, page: Any, shoot: Shoot, tmp_path: Path
) -> None:
    photo = tmp_path / "bus.jpg"
    shutil.copy(LONDON_BUS, photo)
    page.goto(f"{live_server.url}/ui")
    page.wait_for_selector(".palette-card")
    add_photo(page, photo)
    fast_options(page)
    page.click("#convert-button")
    page.wait_for_url(re.compile(r"/ui/jobs/[0-9a-f]{32}$"))
    first = page.url.rsplit("/", 1)[1]
    page.wait_for_selector(".subject-card .subject-box", timeout=90_000)
    chosen = page.locator(".subject-box.chosen")
    assert chosen.count() == 1 and chosen.get_attribute("data-rank") == "1"
    assert "bus" in page.inner_text(".subject-card")
    assert page.locator(".subject-box").count() >= 2
    shoot(page, "subject-01-detected")

    page.click('.subject-list button[data-pick="2"]')  # the same as clicking box 2 on the photo
    until(
        page, f"location.pathname.startsWith('/ui/jobs/') && !location.pathname.endsWith('{first}')"
    )
    second = page.url.rsplit("/", 1)[1]
    sent = live_server.services.store.get(second)
    assert sent is not None and sent.params["overrides"]["phase1.detector.subject"] == 2
    page.wait_for_selector('.subject-box.chosen[data-rank="2"]', timeout=90_000)
    assert "2." in page.inner_text(".subject-list strong")
    shoot(page, "subject-02-second-vehicle")
