"""The web UI in a real browser against a server whose jobs run for a minute (or fail): cancel a
job and find it in the jobs list, cancel a batch, read a failure in plain words, give an API key
once and see no request refused afterwards.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import LiveServer
from tests.ui.helpers import LOW_CONTRAST, TOO_WIDE, Shoot, add_photo, until


def test_cancel_a_running_job_and_find_it_in_the_jobs_list(
    slow_server: LiveServer, page: Any, car_photo: Path, shoot: Shoot
) -> None:
    page.goto(f"{slow_server.url}/ui")
    add_photo(page, car_photo)
    page.click("#convert-button")
    page.wait_for_url(re.compile(r"/ui/jobs/[0-9a-f]{32}$"))
    job_id = page.url.rsplit("/", 1)[1]
    page.wait_for_selector("h1 .pill-running")
    until(page, "document.querySelector('#elapsed').textContent.includes('elapsed')")
    said = set()
    for _ in range(12):  # the progress line names the step, never a bare "started"
        said.add(page.inner_text("#job-message"))
        page.wait_for_timeout(150)
    assert said and not said & {"starting", "started", "done", ""}
    assert all(s.startswith(("Load photo", "I · Sanitize", "Starting")) for s in said), said
    shoot(page, "08-running")
    page.click("#cancel-job")
    page.wait_for_selector("h1 .pill-cancelled", timeout=20_000)
    assert "Cancelling" not in page.inner_text("#toasts")  # the page says how it ended instead
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
    page.wait_for_selector("#dashboard .dash-card")  # the dashboard cards above the list
    cards = page.inner_text("#dashboard")
    assert "Success rate" in cards and "Average time" in cards and "Server" in cards
    assert "CPU" in cards and "disk" in cards
    shoot(page, "10-jobs-cancelled")
    page.click(".segmented button:has-text('Done')")
    page.wait_for_selector(".empty")
    page.click(".segmented button:has-text('All')")
    row.wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button:has-text('Delete')").click()
    row.wait_for(state="detached")


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
    add_photo(page, car_photo)
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
    until(page, "document.querySelectorAll('.batch-card .pill-cancelled').length === 2", 20)
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
    add_photo(page, car_photo)
    page.click("#convert-button")
    page.wait_for_selector("h1 .pill-failed", timeout=20_000)
    error = page.inner_text("#job-error")
    assert "The photo could not be used" in error
    assert "shows no vehicle" in error  # the library's own message, not a stack trace
    shoot(page, "15-failed")


def test_cancelling_a_job_that_has_just_ended_is_not_an_error(
    slow_server: LiveServer, page: Any, car_photo: Path
) -> None:
    from v2v.service.submission import request_cancel

    page.goto(f"{slow_server.url}/ui")
    add_photo(page, car_photo)
    page.click("#convert-button")
    page.wait_for_url(re.compile(r"/ui/jobs/[0-9a-f]{32}$"))
    job_id = page.url.rsplit("/", 1)[1]
    page.wait_for_selector("#cancel-job")
    store = slow_server.services.store

    def end_first(route: Any) -> None:
        """The job ends (here: cancelled elsewhere) after the page last looked, before the click
        reaches the server; the server then answers its real 409 job_finished."""
        request_cancel(slow_server.services, store.get(job_id))
        deadline = time.monotonic() + 20
        while store.get(job_id).status == "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        route.continue_()

    page.route(f"**/api/v1/jobs/{job_id}/cancel", end_first)
    page.click("#cancel-job")
    page.wait_for_selector("h1 .pill-cancelled", timeout=20_000)
    assert "already finished" in page.inner_text("#toasts")
    assert page.locator(".toast-error").count() == 0


@pytest.mark.parametrize("width", [390, 360])
def test_every_page_fits_a_phone_without_sideways_scrolling(
    slow_server: LiveServer, page: Any, car_photo: Path, shoot: Shoot, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{slow_server.url}/ui")
    page.wait_for_selector(".palette-card")
    nav = page.locator(".topbar").bounding_box()
    assert nav is not None and nav["height"] < 120  # the menu on two lines at most, not three
    checked = {"convert-empty": page.evaluate(TOO_WIDE)}
    shoot(page, f"phone{width}-01-convert-empty")
    add_photo(page, car_photo)
    page.click('[data-palette="custom"]')
    page.click("details.advanced summary")
    checked["convert-photo"] = page.evaluate(TOO_WIDE)
    shoot(page, f"phone{width}-02-convert-photo")
    page.click("#convert-button")
    page.wait_for_selector("h1 .pill-running")
    checked["job-running"] = page.evaluate(TOO_WIDE)
    shoot(page, f"phone{width}-03-progress")
    job_id = page.url.rsplit("/", 1)[1]
    page.click("#cancel-job")
    page.wait_for_selector("h1 .pill-cancelled", timeout=20_000)
    for path in ("jobs", f"batch?jobs={job_id}", "system", "train"):
        page.goto(f"{slow_server.url}/ui/{path}")
        page.wait_for_selector("main h1")
        page.wait_for_load_state("networkidle")
        checked[path] = page.evaluate(TOO_WIDE)
    assert checked == {name: [] for name in checked}
    assert page.evaluate(LOW_CONTRAST) == []
