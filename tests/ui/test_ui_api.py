"""The endpoints the web UI relies on besides the job API: capabilities, the batch archive, and
the page itself (served offline, with a strict content security policy). No browser needed."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web UI needs the 'server' extra")

from fastapi.testclient import TestClient
from PIL import Image

from v2v.config import CONFIG_DIR
from v2v.service import create_app, load_settings
from v2v.service.ui import STATIC_DIR

LOCAL = ("127.0.0.1", 50000)
LOCAL_URL = "http://localhost"  # a Host header the default ALLOWED_HOSTS serves
KEY_A, KEY_B = "ui-key-a-0123456789", "ui-key-b-0123456789"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings(
        data_dir=tmp_path / "data",
        worker_mode="thread",
        log_level="warning",
        api_rate_limit="",
        min_free_disk_mb=0,
        api_keys=f"{KEY_A},{KEY_B}",
        _env_file=None,
    )
    with TestClient(
        create_app(settings, runner="tests.service.fakes:quick"), client=LOCAL, base_url=LOCAL_URL
    ) as c:
        yield c


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def _finished_job(client: TestClient, key: str, name: str) -> str:
    headers = {"X-API-Key": key}
    files = {"file": (f"{name}.png", _photo(), "image/png")}
    job_id: str = client.post("/api/v1/jobs", files=files, headers=headers).json()["id"]
    deadline = time.monotonic() + 20
    while client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()["status"] != "succeeded":
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.05)
    return job_id


def test_capabilities_name_each_option_its_value_and_range(client: TestClient) -> None:
    body: dict[str, Any] = client.get("/api/v1/capabilities", headers={"X-API-Key": KEY_A}).json()
    options = body["options"]
    assert options["phase3.min_area_percent"]["minimum"] == 0.0
    assert options["phase3.min_area_percent"]["maximum"] == 10.0
    assert options["phase4.strategy"] == {"value": "A", "choices": ["A", "B"]}
    assert options["phase1.text_removal.enabled"]["value"] is True
    assert "phase2.prompt" not in options  # the CPU stylizer has no prompt
    assert body["gpu_options"]["available"] is False
    assert "sdxl-controlnet" in body["gpu_options"]["reason"]
    assert body["features"]["training"]["available"] is False
    selected = {b["phase"]: b["name"] for b in body["backends"] if b["selected"]}
    assert selected == {
        "phase1": "classical",
        "phase2": "classical",
        "phase3": "ciede2000",
        "phase4": "vtracer",
    }
    gpu = [b for b in body["backends"] if b["needs_gpu"]]
    assert gpu and all(b["reason"] for b in gpu if not b["available"])
    assert body["keys_required"] is True and body["palette"] == "default"


def test_capabilities_need_the_api_key(client: TestClient) -> None:
    response = client.get("/api/v1/capabilities")
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_required"


def test_archive_packs_the_callers_finished_jobs(client: TestClient) -> None:
    first, second = _finished_job(client, KEY_A, "red car"), _finished_job(client, KEY_A, "bus")
    response = client.get(f"/api/v1/archive?jobs={first},{second}", headers={"X-API-Key": KEY_A})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert f"red_car-{first[:8]}/result.svg" in names and f"bus-{second[:8]}/report.json" in names
    manifest = json.loads(archive.read("manifest.json"))
    assert [job["id"] for job in manifest["jobs"]] == [first, second]
    assert archive.read(f"bus-{second[:8]}/result.svg").startswith(b"<svg")


def test_archive_refuses_other_keys_jobs_and_bad_ids(client: TestClient) -> None:
    mine = _finished_job(client, KEY_A, "mine")
    other = client.get(f"/api/v1/archive?jobs={mine}", headers={"X-API-Key": KEY_B})
    assert other.status_code == 404 and mine in other.json()["detail"]
    bad = client.get("/api/v1/archive?jobs=../../etc", headers={"X-API-Key": KEY_A})
    assert bad.status_code == 422 and "not job ids" in bad.json()["detail"]
    empty = client.get("/api/v1/archive?jobs=,", headers={"X-API-Key": KEY_A})
    assert empty.status_code == 422


def test_ui_pages_are_served_for_deep_links_with_a_strict_policy(client: TestClient) -> None:
    for path in ("/ui", "/ui/jobs", "/ui/jobs/0123456789abcdef0123456789abcdef", "/ui/train"):
        page = client.get(path)
        assert page.status_code == 200 and '<main id="main"' in page.text
        policy = page.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    script = client.get("/ui/static/js/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert client.get("/ui/static/js/missing.js").status_code == 404


def test_ui_files_load_nothing_from_the_network() -> None:
    """No CDN, font service or other origin: every URL in the UI is local."""
    allowed = {"http://www.w3.org/2000/svg"}
    for path in STATIC_DIR.rglob("*"):
        if path.suffix in {".js", ".css", ".html", ".svg"}:
            text = path.read_text(encoding="utf-8")
            urls = set(re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[a-z]{2,}[^\s\"')]*", text))
            assert urls <= allowed, f"{path.name} refers to {urls - allowed}"
            assert "@import" not in text and "<script>" not in text


GPU_MODULES = ("torch", "diffusers", "transformers")


@pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in GPU_MODULES),
    reason="needs the gpu extra installed (the GPU backends check their packages)",
)
def test_gpu_options_are_offered_when_the_gpu_stylizer_can_run(tmp_path: Path) -> None:
    models = tmp_path / "models"
    for folder, marker in (
        ("birefnet", "model.onnx"),
        ("depth", "config.json"),
        ("sdxl", "model_index.json"),
        ("controlnet-depth", "config.json"),
        ("controlnet-canny", "config.json"),
        ("loras", "house-style.safetensors"),
    ):
        (models / folder).mkdir(parents=True)
        (models / folder / marker).write_text("{}", encoding="utf-8")
    settings = load_settings(
        data_dir=tmp_path / "data",
        worker_mode="thread",
        log_level="warning",
        min_free_disk_mb=0,
        pipeline_config=CONFIG_DIR / "gpu.yaml",
        model_volume_path=models,
        _env_file=None,
    )
    with TestClient(
        create_app(settings, runner="tests.service.fakes:quick"), client=LOCAL, base_url=LOCAL_URL
    ) as c:
        body: dict[str, Any] = c.get("/api/v1/capabilities").json()
    assert body["gpu_options"] == {"available": True, "reason": ""}
    assert (
        "phase2.prompt" in body["options"] and "phase2.controlnet.depth_weight" in body["options"]
    )
    assert "phase1.text_removal.enabled" not in body["options"]  # not a GPU sanitizer switch
    assert body["models"]["loras"] == ["house-style"]
    stylizer = next(b for b in body["backends"] if b["name"] == "sdxl-controlnet")
    assert stylizer["selected"] and stylizer["available"]
