"""The web UI in a real browser (headless Chromium) against a real server.

What a person does: drop a photo, convert it, watch it finish, compare, download the SVG; type a
bad hex colour; cancel a running job; find it in the jobs list; give an API key once.
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.ui.conftest import LiveServer

SVG_NS = "{http://www.w3.org/2000/svg}"
DEFAULT_COLORS = {
    "#15181C", "#3B4149", "#6E7681", "#A9B0B8", "#DDE1E5", "#FFFFFF", "#C8202F", "#7C1824",
    "#EE7F22", "#F3C623", "#2F7D3B", "#1F4E9C", "#7FB2E0", "#12264A", "#8A5A3B",
}  # fmt: skip
Shoot = Callable[[Any, str], Path]


def _job_posts(tab: Any) -> list[Any]:
    """Collects the POST /api/v1/jobs requests the page sends."""
    posts: list[Any] = []
    tab.on(
        "request",
        lambda r: (
            posts.append(r) if r.method == "POST" and r.url.endswith("/api/v1/jobs") else None
        ),
    )
    return posts


def _until(tab: Any, script: str, timeout: float = 15.0) -> None:
    """Poll a JavaScript condition from Python (the page's CSP forbids in-page string eval)."""
    deadline = time.monotonic() + timeout
    while not tab.evaluate(script):
        assert time.monotonic() < deadline, f"never true: {script}"
        tab.wait_for_timeout(100)


UNLABELLED = """[...document.querySelectorAll('input, select, textarea, button')]
  .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length)
    && !e.getAttribute('aria-label') && !(e.tagName === 'BUTTON' && e.textContent.trim()))
  .map(e => e.id || e.outerHTML.slice(0, 80))"""


def _add_photo(tab: Any, photo: Path) -> None:
    tab.set_input_files("#photos", str(photo))
    tab.wait_for_selector(".photo-grid .photo img")


def _fast_options(tab: Any) -> None:
    """Open Advanced options and make the run small: 256 px, no text check on the output."""
    tab.click("details.advanced summary")
    tab.fill("#opt-input-work_long_side", "256")
    tab.uncheck("#opt-qa-check_text")


def test_convert_watch_compare_download(
    live_server: LiveServer, page: Any, car_photo: Path, shoot: Shoot, tmp_path: Path
) -> None:
    posts = _job_posts(page)
    page.goto(f"{live_server.url}/ui")
    page.wait_for_selector(".palette-card")
    shoot(page, "01-convert-empty")
    _add_photo(page, car_photo)
    _fast_options(page)
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
    _until(
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
    _until(page, f"document.querySelector('.layer-svg').src !== '{shown}'")
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
    posts = _job_posts(page)
    page.goto(f"{live_server.url}/ui")
    _add_photo(page, car_photo)
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


def test_cancel_a_running_job_and_find_it_in_the_jobs_list(
    slow_server: LiveServer, page: Any, car_photo: Path, shoot: Shoot
) -> None:
    page.goto(f"{slow_server.url}/ui")
    _add_photo(page, car_photo)
    page.click("#convert-button")
    page.wait_for_url(re.compile(r"/ui/jobs/[0-9a-f]{32}$"))
    job_id = page.url.rsplit("/", 1)[1]
    page.wait_for_selector("h1 .pill-running")
    _until(page, "document.querySelector('#elapsed').textContent.includes('elapsed')")
    shoot(page, "08-running")
    page.click("#cancel-job")
    page.wait_for_selector("h1 .pill-cancelled", timeout=20_000)
    assert "cancelled" in page.inner_text("#job-error").lower()
    assert page.locator("#delete-job").is_visible()
    shoot(page, "09-cancelled")

    page.click("a.back")
    row = page.locator(f'tr[data-job="{job_id}"]')
    row.wait_for()
    assert "Cancelled" in (row.text_content() or "")
    page.click(".segmented button:has-text('Cancelled')")
    page.wait_for_url(re.compile(r"status=cancelled"))
    row.wait_for()
    assert "1 of" in page.inner_text(".pager") or "of 1" in page.inner_text(".pager")
    shoot(page, "10-jobs-cancelled")
    page.click(".segmented button:has-text('Done')")
    page.wait_for_selector(".empty")
    page.click(".segmented button:has-text('All')")
    row.wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button:has-text('Delete')").click()
    row.wait_for(state="detached")


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


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    server = LiveServer(
        tmp_path_factory.mktemp("ui-keyed"),
        runner="tests.ui.fakes:slow",
        api_keys="ui-test-key-0123456789",
    )
    yield server
    server.stop()


def test_api_key_is_asked_once_and_sent_with_every_request(
    keyed_server: LiveServer, page: Any, car_photo: Path, shoot: Shoot
) -> None:
    refused: list[str] = []
    page.on(
        "response",
        lambda r: refused.append(f"{r.status} {r.url}") if r.status in (401, 403) else None,
    )
    page.goto(f"{keyed_server.url}/ui")
    dialog = page.locator("#key-dialog")
    dialog.wait_for()
    shoot(page, "13-api-key")
    page.fill("#key-input", "ui-test-key-0123456789")
    page.click("#key-dialog button[value=save]")
    page.wait_for_selector(".palette-card")
    refused.clear()  # the one 401 that made the page ask
    _add_photo(page, car_photo)
    page.click("#convert-button")
    page.wait_for_url(re.compile(r"/ui/jobs/[0-9a-f]{32}$"))
    page.wait_for_selector("h1 .pill-running")
    page.wait_for_timeout(2500)  # several polls
    page.click("#cancel-job")
    page.wait_for_selector("h1 .pill-cancelled", timeout=20_000)
    page.click("a.back")
    page.wait_for_selector("tr[data-job]")
    assert refused == []
    assert page.evaluate("sessionStorage.getItem('v2v.apiKey')") == "ui-test-key-0123456789"
    assert dialog.is_hidden()


def test_many_photos_become_a_batch_that_can_be_cancelled(
    slow_server: LiveServer, page: Any, car_photo: Path, tmp_path: Path, shoot: Shoot
) -> None:
    second = tmp_path / "blue-car.png"
    second.write_bytes(car_photo.read_bytes())
    page.goto(f"{slow_server.url}/ui")
    page.set_input_files("#photos", [str(car_photo), str(second)])
    page.wait_for_selector(".photo-grid .photo >> nth=1")
    assert page.inner_text("#convert-button") == "Convert 2 photos"
    assert "select" in page.inner_text(".hint-box")  # a box needs a single photo
    page.click("#convert-button")
    page.wait_for_url(re.compile(r"/ui/batch\?jobs=[0-9a-f]{32},[0-9a-f]{32}$"))
    page.wait_for_selector(".batch-card >> nth=1")
    assert "0 of 2 done" in page.inner_text(".batch-summary")
    assert page.is_disabled("#download-all")  # nothing finished yet
    shoot(page, "14-batch-running")
    page.click("button:has-text('Cancel the rest')")
    _until(page, "document.querySelectorAll('.batch-card .pill-cancelled').length === 2", 20)
    assert "2 cancelled" in page.inner_text(".batch-summary")


@pytest.fixture(scope="module")
def failing_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    server = LiveServer(tmp_path_factory.mktemp("ui-fail"), runner="tests.service.fakes:bad_input")
    yield server
    server.stop()


def test_a_failed_job_says_why_in_plain_words(
    failing_server: LiveServer, page: Any, car_photo: Path, shoot: Shoot
) -> None:
    page.goto(f"{failing_server.url}/ui")
    _add_photo(page, car_photo)
    page.click("#convert-button")
    page.wait_for_selector("h1 .pill-failed", timeout=20_000)
    error = page.inner_text("#job-error")
    assert "The photo could not be used" in error
    assert "shows no vehicle" in error  # the library's own message, not a stack trace
    shoot(page, "15-failed")
