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
    DESKTOP,
    SVG_NS,
    UNLABELLED,
    Shoot,
    add_photo,
    fast_options,
    job_posts,
    try_sample,
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
    page.click("details.hint-more summary")
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
    page.click("details.hint-more summary")
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
    from v2v.service.lora_owners import model_dir

    folder = str(model_dir(live_server.services))
    assert folder not in page.inner_text("main")  # a visitor gets the fix, not the server's paths
    shoot(page, "12-train")
    page.reload()
    page.keyboard.press("Tab")  # the skip link comes first, then the navigation
    assert page.evaluate("document.activeElement.className") == "skip-link"


PASTE = """async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 320; canvas.height = 200;
  const g = canvas.getContext('2d');
  g.fillStyle = '#dde4e8'; g.fillRect(0, 0, 320, 200);
  g.fillStyle = '#c8202f'; g.fillRect(40, 80, 240, 70);
  const blob = await new Promise((done) => canvas.toBlob(done, 'image/png'));
  const data = new DataTransfer();
  data.items.add(new File([blob], 'image.png', { type: 'image/png' }));  // what Chromium names it
  document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
}"""


def test_paste_a_photo_or_try_the_sample(live_server: LiveServer, page: Any, shoot: Shoot) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/ui")
    page.wait_for_selector(".palette-card")
    page.evaluate(PASTE)
    page.wait_for_selector(".hint-stage img")
    name = page.inner_text(".photo-grid .photo-name")
    assert name.startswith("pasted-") and name.endswith(".png")
    assert page.is_enabled("#convert-button")
    page.click(".photo .remove")
    try_sample(page)
    assert page.inner_text(".photo-grid .photo-name") == "london-bus.jpg"
    assert "546×413" in page.inner_text(".photo-grid")
    # the photo is shown once (in the box editor), not again as a thumbnail above it
    shown = page.evaluate("[...document.images].filter(i => i.src.startsWith('blob:')).length")
    assert shown == 1
    assert page.locator(".phase-card").first.is_hidden()  # expert options behind "Advanced"
    shoot(page, "convert-02-sample-desktop")


def test_three_digit_hex_is_a_colour_and_the_summary_counts_every_row(
    live_server: LiveServer, page: Any, car_photo: Path
) -> None:
    sent: list[bytes] = []

    def hold(route: Any) -> None:  # keep the job from running: only what the page sends matters
        sent.append(route.request.post_data_buffer or b"")
        route.fulfill(status=503, json={"code": "unavailable", "detail": "held by the test"})

    page.route(
        "**/api/v1/jobs",
        lambda route: hold(route) if route.request.method == "POST" else route.continue_(),
    )
    page.goto(f"{live_server.url}/ui")
    add_photo(page, car_photo)
    page.click('[data-palette="custom"]')
    page.fill("#hex-0", "#c22")
    assert page.locator("#hex-0-error").count() == 0
    assert page.get_attribute("#hex-0", "aria-invalid") == "false"
    page.click("button:has-text('+ Add colour')")  # an empty 16th row: counted, and to be fixed
    assert "custom palette (16 colours)" in page.inner_text(".submit-summary")
    assert page.is_disabled("#convert-button")
    page.fill("#hex-15", "0af")
    assert "custom palette (16 colours)" in page.inner_text(".submit-summary")
    page.click("#convert-button")
    until(
        page, "document.querySelector('#submit-problems').textContent.includes('held by the test')"
    )
    body = sent[0].decode("utf-8", "replace")
    assert "#CC2222," in body and body.count(",#00AAFF") == 1
