"""The job lifecycle through the HTTP API (stand-in runners; the pipeline has its own tests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from lxml import etree

from tests.service.conftest import upload, wait_for_status, wait_until_finished
from tests.service.fakes import STAND_IN_QA

Client = Callable[..., TestClient]


def test_submit_poll_download(make_client: Client, car_png: bytes) -> None:
    client = make_client()
    response = client.post(
        "/api/v1/jobs",
        files=upload(car_png),
        data={
            "palette": "primary-15",
            "phase2": "false",
            "overrides": '{"phase3": {"min_area_percent": 0.1}}',
        },
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert job["status"] in {"queued", "running"}
    done = wait_until_finished(client, job["id"])
    assert done["status"] == "succeeded", done
    assert set(done["progress"]) >= {"phase1", "phase4"} and done["progress"]["phase4"] == 1.0
    params = done["qa"]["params"]  # the stand-in runner echoes what it was given
    assert params["palette"] == "primary-15"
    assert params["overrides"] == {"phase3.min_area_percent": 0.1, "phase2.enabled": False}
    svg = client.get(done["urls"]["svg"])
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert etree.fromstring(svg.content).tag.endswith("svg")
    assert client.get(done["urls"]["png"]).content.startswith(b"\x89PNG")
    report = client.get(done["urls"]["report"]).json()
    assert report["qa"] == STAND_IN_QA  # the runner's own report, as written


def test_the_upload_is_removed_when_the_job_ends(
    make_client: Client, car_png: bytes, tmp_path: Path
) -> None:
    client = make_client()
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    wait_until_finished(client, job["id"])
    folder = tmp_path / "data" / "jobs" / job["id"]
    assert not list(folder.glob("input.*"))
    assert (folder / "out" / "result.svg").is_file()
    assert not [p for p in (tmp_path / "data" / "tmp").rglob("*") if p.is_file()]


def test_list_filters_by_status_and_paginates(make_client: Client, car_png: bytes) -> None:
    client = make_client(runner="tests.service.fakes:bad_input")
    ids = [client.post("/api/v1/jobs", files=upload(car_png)).json()["id"] for _ in range(3)]
    for job_id in ids:
        wait_until_finished(client, job_id)
    page = client.get("/api/v1/jobs", params={"limit": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert [j["id"] for j in page["items"]] == ids[::-1][:2]  # newest first
    assert page["next"] == "/api/v1/jobs?limit=2&offset=2"
    rest = client.get(page["next"]).json()
    assert [j["id"] for j in rest["items"]] == ids[:1] and rest["next"] is None
    assert client.get("/api/v1/jobs", params={"status": "failed"}).json()["total"] == 3
    assert client.get("/api/v1/jobs", params={"status": "succeeded"}).json()["total"] == 0
    assert client.get("/api/v1/jobs", params={"status": "bogus"}).status_code == 422


def test_a_library_error_fails_the_job_with_its_message(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client(runner="tests.service.fakes:bad_input")
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    done = wait_until_finished(client, job["id"])
    assert done["status"] == "failed"
    assert done["error"]["code"] == "input_error" and "no vehicle" in done["error"]["detail"]
    assert done["urls"] is None


def test_an_unexpected_error_does_not_leak_internals(make_client: Client, car_png: bytes) -> None:
    client = make_client(runner="tests.service.fakes:crash")
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    done = wait_until_finished(client, job["id"])
    assert done["error"]["code"] == "internal_error"
    assert "passwd" not in done["error"]["detail"] and "RuntimeError" not in done["error"]["detail"]
    response = client.post("/api/v1/process", files=upload(car_png))
    assert response.status_code == 500 and "passwd" not in response.text


def test_cancel_stops_a_running_job(make_client: Client, car_png: bytes, tmp_path: Path) -> None:
    client = make_client(runner="tests.service.fakes:slow")
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    wait_for_status(client, job["id"], "running")
    started = time.monotonic()
    response = client.post(f"/api/v1/jobs/{job['id']}/cancel")
    assert response.status_code == 202
    done = wait_until_finished(client, job["id"], timeout=5)
    assert done["status"] == "cancelled", done
    assert time.monotonic() - started < 2.5  # the 4 s run stopped at its next stage
    assert not (tmp_path / "data" / "jobs" / job["id"] / "out").exists()
    assert client.post(f"/api/v1/jobs/{job['id']}/cancel").status_code == 409
    # the worker is free again: the next job runs
    second = client.post("/api/v1/jobs", files=upload(car_png)).json()
    wait_for_status(client, second["id"], "running")


def test_a_cancel_during_the_last_stage_still_cancels_the_job(
    make_client: Client, car_png: bytes, tmp_path: Path
) -> None:
    client = make_client(runner="tests.service.fakes:finishing")
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    folder = tmp_path / "data" / "jobs" / job["id"]
    deadline = time.monotonic() + 10
    while not (folder / "rendered").exists():  # the preview is rendered, no stage is left
        assert time.monotonic() < deadline, "the job never reached its preview"
        time.sleep(0.02)
    response = client.post(f"/api/v1/jobs/{job['id']}/cancel")
    (folder / "go").write_text("1", encoding="utf-8")
    assert response.status_code == 202 and response.json()["status"] == "running"
    done = wait_until_finished(client, job["id"], timeout=5)
    assert done["status"] == "cancelled", done  # a cancel answered 202 is never a success
    assert done["urls"] is None and done["error"]["code"] == "cancelled"
    assert not (folder / "out").exists() and not list(folder.glob("input.*"))
    assert client.get(f"/api/v1/jobs/{job['id']}/files/result.svg").status_code == 404


def test_cancel_a_queued_job_never_runs_it(make_client: Client, car_png: bytes) -> None:
    client = make_client(runner="tests.service.fakes:slow")
    first = client.post("/api/v1/jobs", files=upload(car_png)).json()
    queued = client.post("/api/v1/jobs", files=upload(car_png)).json()
    cancelled = client.post(f"/api/v1/jobs/{queued['id']}/cancel").json()
    assert cancelled["status"] == "cancelled" and cancelled["started_at"] is None
    client.post(f"/api/v1/jobs/{first['id']}/cancel")
    wait_until_finished(client, first["id"])
    assert client.get(f"/api/v1/jobs/{queued['id']}").json()["attempts"] == 0


def test_delete_removes_the_job_and_its_files(
    make_client: Client, car_png: bytes, tmp_path: Path
) -> None:
    client = make_client()
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    done = wait_until_finished(client, job["id"])
    folder = tmp_path / "data" / "jobs" / job["id"]
    assert folder.is_dir()
    assert client.delete(f"/api/v1/jobs/{job['id']}").status_code == 204
    assert not folder.exists()
    assert client.get(f"/api/v1/jobs/{job['id']}").status_code == 404
    assert client.get(done["urls"]["svg"]).status_code == 404


def test_delete_refuses_a_running_job(make_client: Client, car_png: bytes) -> None:
    client = make_client(runner="tests.service.fakes:slow")
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    wait_for_status(client, job["id"], "running")
    response = client.delete(f"/api/v1/jobs/{job['id']}")
    assert response.status_code == 409 and "cancel it first" in response.json()["detail"]
    client.post(f"/api/v1/jobs/{job['id']}/cancel")


def test_downloads_only_the_jobs_own_files(make_client: Client, car_png: bytes) -> None:
    client = make_client()
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    wait_until_finished(client, job["id"])
    base = f"/api/v1/jobs/{job['id']}/files/"
    for name in (
        "..%2F..%2Fjobs.db",
        "..%2Finput.png",
        "input.png",
        "result.exe",
        "%2Fetc%2Fpasswd",
        ".hidden.svg",
    ):
        response = client.get(base + name)
        assert response.status_code == 404, name
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/jobs/..%2F..%2Fjobs.db").status_code == 404


def test_process_answers_with_urls_timings_and_qa(make_client: Client, car_png: bytes) -> None:
    client = make_client()
    response = client.post(
        "/api/v1/process", files=upload(car_png), headers={"X-Correlation-ID": "sync-1"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["correlation_id"] == "sync-1" and body["processing_time_ms"] > 0
    assert set(body["timings"]) >= {"phase1", "phase2", "phase3", "phase4"}
    assert body["qa"]["passed"] is False  # relayed from the runner, not made up
    assert body["qa"]["failures"] == STAND_IN_QA["failures"]
    assert client.get(body["urls"]["svg"]).status_code == 200


def test_process_maps_library_errors_to_http_status(make_client: Client, car_png: bytes) -> None:
    client = make_client(runner="tests.service.fakes:bad_input")
    response = client.post("/api/v1/process", files=upload(car_png))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "input_error" and "no vehicle" in body["detail"] and body["job_id"]
