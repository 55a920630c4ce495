"""The web UI in a real browser (headless Chromium) against a real server: convert a photo, watch
it finish, compare, download the SVG and the batch archive; a bad hex colour or vehicle box blocks
submit; the Backends and Train pages say what is available.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from tests.ui.conftest import LiveServer
from tests.ui.helpers import (
    DEFAULT_COLORS,
    SVG_NS,
    UNLABELLED,
    Shoot,
    add_photo,
    fast_options,
    job_posts,
    until,
)


def test_convert_watch_compare_download(
    live_server: LiveServer, page: Any, car_photo: Path, shoot: Shoot, tmp_path: Path
) -> None:
    posts = job_posts(page)
    page.goto(f"{live_server.url}/ui")
    page.wait_for_selector(".palette-card")
    shoot(page, "01-convert-empty")
    add_photo(page, car_photo)
    fast_options(page)
    page.uncheck("#opt-phase4-stroke-enabled")  # a sub-step switch: no outlines this time
    page.fill("#hint", "4,4,316,196")  # the vehicle box, typed (dragging fills the same field)
    assert page.locator(".hint-rect").is_visible()
    assert "3 options changed" in page.inner_text(".submit-summary")
    shoot(page, "02-convert-ready")
    page.click("#convert-button")

    page.wait_for_url(re.compile(r"/ui/jobs/[0-9a-f]{32}$"))
    job_id = page.url.rsplit("/", 1)[1]
    shoot(page, "03-watch")
    assert posts[0].headers.get("x-csrf-token")
    sent = live_server.services.store.get(job_id)
    assert sent is not None and sent.params["palette"] == "default"
    assert sent.params["overrides"] == {
        "input.work_long_side": 256,
        "qa.check_text": False,
        "phase4.stroke.enabled": False,
    }
    assert sent.params["hint"] == [4, 4, 316, 196]

    page.wait_for_selector(".compare .layer-svg", timeout=60_000)
    until(
        page,
        "[...document.querySelectorAll('.layer-svg')].every(i => i.complete && i.naturalWidth > 0)",
    )
    assert page.text_content("h1 .pill") == "Done"
    layers = page.locator(".layers .layer-row")
    assert layers.count() >= 2
    assert re.search(r"\d+ paths?", layers.first.inner_text())
    badges = page.inner_text(".badges")
    assert "Palette compliance" in badges and "Silhouette IoU" in badges
    shoot(page, "04-compare")
    zoom = page.inner_text(".zoom-label")
    page.click("button[aria-label='Zoom in']")
    assert page.inner_text(".zoom-label") != zoom
    shown = page.get_attribute(".layer-svg", "src")
    page.click(".layers input[type=checkbox] >> nth=0")  # hide the largest colour layer
    until(page, f"document.querySelector('.layer-svg').src !== '{shown}'")
    assert page.evaluate(UNLABELLED) == []
    page.click(".segmented button:has-text('Side by side')")
    assert page.locator(".viewer.mode-side .pane").count() == 2
    shoot(page, "05-compare-side-by-side")

    with page.expect_download() as download:
        page.click('[data-file="result.svg"]')
    saved = tmp_path / "result.svg"
    download.value.save_as(saved)
    root = etree.fromstring(saved.read_bytes())
    assert root.tag == f"{SVG_NS}svg"
    fills = {e.get("fill").upper() for e in root.iter() if e.get("fill") not in (None, "none")}
    assert fills and fills <= DEFAULT_COLORS
    assert not [e for e in root.iter() if e.get("stroke") not in (None, "none")], "outlines off"

    page.goto(f"{live_server.url}/ui/batch?jobs={job_id}")
    page.wait_for_selector(".batch-card img")
    shoot(page, "06-batch")
    with page.expect_download() as download:
        page.click("#download-all")
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    names = archive.namelist()
    assert any(n.endswith("/result.svg") for n in names) and "manifest.json" in names
    assert json.loads(archive.read("manifest.json"))["jobs"][0]["id"] == job_id


def test_bad_hex_shows_an_inline_error_and_blocks_submit(
    live_server: LiveServer, page: Any, car_photo: Path, shoot: Shoot
) -> None:
    posts = job_posts(page)
    page.goto(f"{live_server.url}/ui")
    add_photo(page, car_photo)
    page.click('[data-palette="custom"]')
    page.click("details.advanced summary")
    assert page.evaluate(UNLABELLED) == []  # every control has a name a screen reader can say
    page.fill("#hex-0", "#12345G")
    error = page.locator("#hex-0-error")
    assert error.is_visible() and "not a hex colour" in error.inner_text()
    assert page.get_attribute("#hex-0", "aria-invalid") == "true"
    assert "1 colour needs fixing" in page.inner_text("#palette-error")
    assert page.is_disabled("#convert-button")
    assert "Fix the palette" in page.inner_text("#submit-problems")
    shoot(page, "07-bad-hex")
    page.press("#hex-0", "Enter")  # the keyboard cannot submit it either
    page.fill("#hex-1", "#15181c")
    page.fill("#hex-0", "#15181C")
    assert "already colour" in page.inner_text("#hex-1-error")
    assert page.is_disabled("#convert-button")
    page.fill("#hex-1", "#FFEE00")
    assert page.is_enabled("#convert-button")
    assert page.locator("#palette-error").is_hidden()
    page.fill("#hint", "300,10,20,50")
    assert "x0 < x1" in page.inner_text("#hint-error")
    assert "vehicle box" in page.inner_text("#submit-problems")
    page.fill("#hint", "")
    assert page.is_enabled("#convert-button")
    assert posts == []


def test_backends_and_train_pages_say_what_is_available(
    live_server: LiveServer, page: Any, shoot: Shoot
) -> None:
    page.goto(f"{live_server.url}/ui")
    page.click("details.advanced summary")
    assert page.is_disabled("#opt-phase2-prompt")
    assert "sdxl-controlnet" in page.inner_text("#gpu-reason")
    page.click("nav >> text=Backends")
    page.wait_for_selector('[data-backend="classical"]')
    in_use = page.locator('[data-backend="classical"]').first.inner_text()
    assert "IN USE" in in_use.upper() and "AVAILABLE" in in_use.upper()
    shoot(page, "11-backends")
    page.click("nav >> text=Train")
    notice = page.locator("#training-unavailable")
    notice.wait_for()
    assert "needs the GPU backend" in notice.inner_text()
    shoot(page, "12-train")
    page.reload()
    page.keyboard.press("Tab")  # the skip link comes first, then the navigation
    assert page.evaluate("document.activeElement.className") == "skip-link"
