"""Helpers shared by the browser tests (page actions and checks)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SVG_NS = "{http://www.w3.org/2000/svg}"
DEFAULT_COLORS = {  # the style guide's 15 (palette "default")
    "#000000", "#FFFFFF", "#FF0000", "#00FF00", "#0000FF", "#FFFF00", "#FF00FF", "#00FFFF",
    "#808080", "#FFA500", "#800080", "#FFC0CB", "#A52A2A", "#008080", "#FFD700",
}  # fmt: skip
Shoot = Callable[[Any, str], Path]


def job_posts(tab: Any) -> list[Any]:
    """Collects the POST /api/v1/jobs requests the page sends."""
    posts: list[Any] = []
    tab.on(
        "request",
        lambda r: (
            posts.append(r) if r.method == "POST" and r.url.endswith("/api/v1/jobs") else None
        ),
    )
    return posts


def until(tab: Any, script: str, timeout: float = 15.0) -> None:
    """Poll a JavaScript condition from Python (the page's CSP forbids in-page string eval)."""
    deadline = time.monotonic() + timeout
    while not tab.evaluate(script):
        assert time.monotonic() < deadline, f"never true: {script}"
        tab.wait_for_timeout(100)


UNLABELLED = """[...document.querySelectorAll('input, select, textarea, button')]
  .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length)
    && !e.getAttribute('aria-label') && !(e.tagName === 'BUTTON' && e.textContent.trim()))
  .map(e => e.id || e.outerHTML.slice(0, 80))"""


def add_photo(tab: Any, photo: Path) -> None:
    tab.set_input_files("#photos", str(photo))
    tab.wait_for_selector(".hint-stage img")  # one photo is shown once: in the box editor


def fast_options(tab: Any) -> None:
    """Open Advanced options and make the run small: 256 px, no text check on the output."""
    tab.click("details.advanced summary")
    tab.fill("#opt-input-work_long_side", "256")
    tab.uncheck("#opt-qa-check_text")


_HERE = Path(__file__).resolve().parent
#: [descriptions] of what sticks out of the viewport sideways (empty when nothing does)
TOO_WIDE = (_HERE / "too_wide.js").read_text(encoding="utf-8")
#: [descriptions] of visible text under WCAG AA contrast (empty when all passes)
LOW_CONTRAST = (_HERE / "low_contrast.js").read_text(encoding="utf-8")

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def try_sample(tab: Any) -> None:
    """The Convert page's "Try a sample photo" (the photo the UI ships)."""
    tab.click("#try-sample")
    tab.wait_for_selector(".hint-stage img")
