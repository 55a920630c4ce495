"""The result, first, in a real browser on the photo the UI ships as its sample: a job whose
quality checks failed says so (job page, jobs list, batch), the slider's SVG side shows only the
SVG on the chosen backdrop, "Download SVG" sits beside the result, and the result page fits a
390 px phone with the illustration and the download on its first screen.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from lxml import etree
from PIL import Image

from tests.ui.conftest import LiveServer
from tests.ui.helpers import (
    DESKTOP,
    LOW_CONTRAST,
    PHONE,
    SVG_NS,
    TOO_WIDE,
    Shoot,
    fast_options,
    try_sample,
    until,
)

DARK = (0x23, 0x26, 0x2B)  # the "Dark" backdrop (app.css .backdrop-dark)
LOADED = "[...document.querySelectorAll('.layer-svg')].every(i => i.complete && i.naturalWidth > 0)"


def corner(tab: Any, x: float) -> tuple[int, int, int]:
    """The colour on screen in the compare view at x (0–1 of the picture's width), near the
    picture's top: the bus photo there (Big Ben on the left, sky on the right), or the backdrop
    where the SVG, transparent around the bus, is shown."""
    shot = Image.open(io.BytesIO(tab.screenshot())).convert("RGB")
    box = tab.locator(".viewer .stage").bounding_box()
    return shot.getpixel((int(box["x"] + box["width"] * x), int(box["y"] + box["height"] * 0.15)))  # type: ignore[return-value]


def first_screen(tab: Any, selector: str) -> bool:
    """Whether the element is wholly on the first screen (no scrolling down or sideways)."""
    box = tab.locator(selector).bounding_box()
    size = tab.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


def test_a_result_with_failed_checks_is_shown_first_and_honestly(
    live_server: LiveServer, page: Any, shoot: Shoot, tmp_path: Path
) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/ui")
    page.wait_for_selector(".palette-card")
    assert page.locator(".phase-card").first.is_hidden()  # the expert options wait behind Advanced
    try_sample(page)
    fast_options(page)
    page.fill("#opt-qa-min_silhouette_iou", "0.999")  # a check this drawing cannot pass
    page.click("#convert-button")
    page.wait_for_url(re.compile(r"/ui/jobs/[0-9a-f]{32}$"))
    job_id = page.url.rsplit("/", 1)[1]
    page.wait_for_selector("#download-svg", timeout=90_000)
    until(page, LOADED)

    pill = page.locator("h1 .pill")
    assert pill.inner_text().lower() == "done with warnings"  # not a plain green Done
    assert "pill-warnings" in (pill.get_attribute("class") or "")
    assert "silhouette IoU" in page.inner_text("#job-warning")
    text = page.inner_text("main")
    assert text.count("in total") == 1 and "Timings" not in text  # one total time
    assert first_screen(page, "#download-svg")
    assert page.evaluate(LOW_CONTRAST) == []
    shoot(page, "result-01-warnings-desktop")

    # the first view is zoomed on the drawing; Fit shows the whole picture
    zoomed = float(page.inner_text(".zoom-label").rstrip(" %"))
    page.click(".zoom button:has-text('Fit')")
    assert float(page.inner_text(".zoom-label").rstrip(" %")) < zoomed
    # the slider starts with the SVG alone: the backdrop, not the photo, around the bus
    page.click(".segmented button:has-text('Dark')")
    assert corner(page, 0.1) == DARK and corner(page, 0.9) == DARK
    page.fill("#reveal", "50")  # the photo left of the line, the SVG alone right of it
    assert corner(page, 0.1) != DARK and corner(page, 0.9) == DARK
    page.click(".segmented button:has-text('White')")
    assert corner(page, 0.9) == (255, 255, 255)
    shoot(page, "result-02-slider")

    with page.expect_download() as download:
        page.click("#download-svg")
    saved = tmp_path / "result.svg"
    download.value.save_as(saved)
    assert etree.fromstring(saved.read_bytes()).tag == f"{SVG_NS}svg"
    assert download.value.suggested_filename.endswith("result.svg")

    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("#download-svg", timeout=30_000)
    until(page, LOADED)
    assert page.evaluate(TOO_WIDE) == []
    assert first_screen(page, "#download-svg") and first_screen(page, "h1 .pill")
    box = page.locator(".viewer").bounding_box()
    assert box is not None and box["y"] + box["height"] / 2 < PHONE["height"]  # most of it shows
    shoot(page, "result-03-warnings-phone")

    page.click("a.back")
    row = page.locator(f'tr[data-job="{job_id}"]')
    row.wait_for()
    assert "done with warnings" in row.inner_text().lower() and "silhouette IoU" in row.inner_text()
    assert first_screen(
        page, f'tr[data-job="{job_id}"] button:has-text("Delete")'
    )  # not scrolled off
    assert page.evaluate(TOO_WIDE) == []
    assert page.evaluate(LOW_CONTRAST) == []
    shoot(page, "result-04-jobs-phone")

    page.goto(f"{live_server.url}/ui/batch?jobs={job_id}")
    card = page.locator(".batch-card")
    card.locator(".pill").wait_for()
    assert "done with warnings" in card.inner_text().lower()
    assert "1 with warnings" in page.inner_text(".batch-summary")
    name = card.locator(".batch-name")
    assert name.evaluate("e => e.scrollWidth <= e.clientWidth")  # the whole name shows
    assert page.evaluate(TOO_WIDE) == []
