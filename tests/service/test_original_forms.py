"""The original system's browser form posts, single-phase answers and dashboard figures, as a
client that knows only ``../shared/REFERENCE.md`` (§2.1, §2.2, §8) uses them."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from fastapi.testclient import TestClient

from tests.service.conftest import upload
from tests.service.test_original_contract import STYLE_GUIDE

Client = Callable[..., TestClient]
JOB_PAGE = "/ui/inference/jobs/"


def finished(client: TestClient, job_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
        if body["status"] in {"completed", "failed", "cancelled", "succeeded"}:
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


def post_inference(client: TestClient, photo: bytes, **fields: str) -> Any:
    return client.post("/ui/inference", files=upload(photo), data=fields, follow_redirects=False)


def test_the_inference_form_queues_a_job_and_sends_the_browser_to_its_page(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client(status_names="original")  # the stand-in runner echoes its parameters
    checked = {  # what the original's form sends with every box left checked
        "phase1_enabled": "on",
        "phase2_enabled": "on",
        "phase3_noise_removal": "on",
        "palette_hex_list": "",
        "prompt_override": "",
        "depth_weight": "0.6",
        "canny_weight": "0.4",
    }
    response = post_inference(client, car_png, **checked)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(JOB_PAGE)
    job = finished(client, location.removeprefix(JOB_PAGE))
    assert job["status"] == "completed" and job["overrides"] == {}  # all as configured
    page = client.get(location, follow_redirects=True)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]


def test_the_inference_forms_switches_turn_steps_off_or_say_why_not(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client()
    response = post_inference(
        client,
        car_png,
        phase2_enabled="off",
        phase3_noise_removal="false",
        phase4_centerline="off",
        palette_hex_list=STYLE_GUIDE,
    )
    assert response.status_code == 303, response.text
    job = finished(client, response.headers["location"].removeprefix(JOB_PAGE))
    assert job["overrides"] == {
        "phase2.enabled": False,
        "phase3.remove_specks": False,
        "phase4.strategy": "A",
    }
    depth = post_inference(client, car_png, phase2_depth_estimation="off")
    assert depth.status_code == 422 and "no depth step" in depth.json()["detail"]
    quantize = post_inference(client, car_png, phase3_quantization="off")
    assert quantize.status_code == 422 and "phase3_enabled=off" in quantize.json()["detail"]
    weight = post_inference(client, car_png, depth_weight="0.9")  # no ControlNet on the CPU
    assert weight.status_code == 422 and "controlnet" in weight.json()["detail"]
    typo = post_inference(client, car_png, phase5_enabled="on")
    assert typo.status_code == 422 and "'phase5_enabled'" in typo.json()["detail"]
    fourteen = post_inference(client, car_png, palette_hex_list=",".join(["#000000"] * 14))
    assert fourteen.status_code == 400 and "exactly 15" in fourteen.json()["detail"]


def test_a_single_phase_answers_in_the_originals_shape(make_client: Client, car_png: bytes) -> None:
    client = make_client(runner=None, status_names="original")
    response = client.post("/api/v1/phase1", files=upload(car_png))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success" and body["correlation_id"]
    assert body["output_url"].endswith(".png") and client.get(body["output_url"]).status_code == 200
    assert body["metadata"]["phase"] == "phase1" and "phase1" in body["metadata"]["timings"]
    today = make_client(runner=None).post("/api/v1/phase1", files=upload(car_png)).json()
    assert today["status"] == "succeeded" and today["metadata"]["phase"] == "phase1"


def test_system_stats_name_the_gpu_only_when_there_is_one(
    make_client: Client, monkeypatch: Any
) -> None:
    client = make_client()
    cpu = client.get("/api/v1/dashboard/system-stats").json()
    assert cpu["gpu_memory_allocated_gb"] is None and cpu["gpu_memory_total_gb"] is None
    gib = 1024**3
    cuda = SimpleNamespace(  # torch.cuda as a worker thread in this process would have it
        is_available=lambda: True,
        current_device=lambda: 0,
        get_device_name=lambda device: "Test GPU",
        memory_allocated=lambda device: 3 * gib,
        memory_reserved=lambda device: 4 * gib,
        get_device_properties=lambda device: SimpleNamespace(total_memory=80 * gib),
    )
    monkeypatch.setitem(sys.modules, "torch", SimpleNamespace(cuda=cuda))
    gpu = client.get("/api/v1/dashboard/system-stats").json()
    assert gpu["gpu_name"] == "Test GPU"
    assert (gpu["gpu_memory_allocated_gb"], gpu["gpu_memory_reserved_gb"]) == (3.0, 4.0)
    assert gpu["gpu_memory_total_gb"] == 80.0


def test_training_progress_of_an_unknown_job_is_a_404(make_client: Client) -> None:
    client = make_client()
    missing = client.get(f"/api/v1/dashboard/training-progress/{'0' * 32}")
    assert missing.status_code == 404


def test_the_dashboards_lists_and_fragments(make_client: Client, car_png: bytes) -> None:
    client = make_client(status_names="original")
    ids = [client.post("/api/v1/jobs", files=upload(car_png)).json()["job_id"] for _ in range(3)]
    for job_id in ids:
        assert finished(client, job_id)["status"] == "completed"
    newest = client.get("/api/v1/dashboard/job-status-data").json()
    assert [j["job_id"] for j in newest] == ids[::-1]  # newest first
    assert {(j["type"], j["status"], j["progress"]) for j in newest} == {
        ("inference", "completed", 100.0)
    }
    assert client.get(newest[0]["result_url"]).status_code == 200
    assert len(client.get("/api/v1/dashboard/job-list-data").json()) == 3
    for fragment in ("metrics", "job-status", "job-list"):
        html = client.get(f"/api/v1/dashboard/{fragment}")
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "100%" in client.get("/api/v1/dashboard/metrics").text  # the success rate card
    listed = client.get("/api/v1/dashboard/job-list").text
    assert all(f'href="/ui/jobs/{job_id}"' in listed for job_id in ids)
    assert client.get(f"/api/v1/dashboard/job-metrics-history/{ids[0]}").status_code == 404
