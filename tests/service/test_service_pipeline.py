"""End to end with the real pipeline (small drawn photos, fast settings): sync, job, phases."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from lxml import etree
from PIL import Image

from tests.conftest import CAR_BODY
from tests.service.conftest import FAST, LOCAL, LOCAL_URL, photo_bytes, upload, wait_until_finished
from v2v import Palette
from v2v.service import create_app, load_settings

OVERRIDES = json.dumps(FAST)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module: its worker keeps the loaded pipeline between tests."""
    settings = load_settings(
        _env_file=None,
        data_dir=tmp_path_factory.mktemp("data"),
        worker_mode="thread",
        log_level="warning",
        api_rate_limit="",
        min_free_disk_mb=0,
        warm_workers=False,  # these jobs use their own overrides; test_warmup.py warms
    )
    with TestClient(create_app(settings), client=LOCAL, base_url=LOCAL_URL) as test_client:
        yield test_client


def _fills(svg: bytes) -> set[str]:
    root = etree.fromstring(svg)
    colours = set()
    for element in root.iter():
        for attribute in ("fill", "stroke"):
            value = element.get(attribute)
            if value and value.startswith("#"):
                colours.add(value.upper())
        for match in re.findall(
            r"(?:fill|stroke)\s*:\s*(#[0-9A-Fa-f]{6})", element.get("style", "")
        ):
            colours.add(match.upper())
    return colours


def test_process_converts_a_photo_into_a_palette_locked_svg(client: TestClient) -> None:
    response = client.post(
        "/api/v1/process",
        files=upload(photo_bytes(fmt="JPEG"), "car.jpg"),
        data={"overrides": OVERRIDES, "palette": "primary-15"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert {"phase1", "phase2", "phase3", "phase4"} <= set(body["timings"])
    qa = body["qa"]
    assert qa["palette_compliance"] == 1.0 and qa["stroke_compliance"] == 1.0
    assert qa["silhouette_iou"] >= 0.85
    assert qa["subject_found"] is True and qa["inside_subject"] >= 0.97  # the detector saw it
    assert qa["passed"] is True and qa["failures"] == []
    svg = client.get(body["urls"]["svg"]).content
    colours = _fills(svg)
    assert colours and colours <= set(Palette.load("primary-15").colors)
    preview = Image.open(io.BytesIO(client.get(body["urls"]["png"]).content))
    assert max(preview.size) == 256
    report = client.get(body["urls"]["report"]).json()
    assert report["palette"]["name"] == "primary-15"


def test_a_job_keeps_intermediates_when_asked(client: TestClient) -> None:
    job = client.post(
        "/api/v1/jobs",
        files=upload(photo_bytes()),
        data={"overrides": OVERRIDES, "intermediates": "true"},
    ).json()
    done = wait_until_finished(client, job["id"], timeout=60)
    assert done["status"] == "succeeded", done["error"]
    files = done["urls"]["files"]
    assert "intermediate_phase1_clean.png" in files and "intermediate_phase3_paletted.png" in files
    mask = Image.open(io.BytesIO(client.get(files["intermediate_phase1_vehicle_mask.png"]).content))
    drawn = np.zeros((200, 320), np.uint8)  # photo_bytes() draws the car at 320 × 200
    cv2.fillPoly(drawn, [(CAR_BODY * 0.5).astype(np.int32)], 1)
    got = np.asarray(mask.resize((320, 200), Image.NEAREST)) > 0
    iou = (got & (drawn > 0)).sum() / (got | (drawn > 0)).sum()
    assert iou > 0.85, f"the kept vehicle mask is not the drawn car (IoU {iou:.2f})"


def test_phase_switches_really_change_the_run(client: TestClient) -> None:
    response = client.post(
        "/api/v1/process",
        files=upload(photo_bytes()),
        data={"overrides": OVERRIDES, "phase4": "false"},
    )
    assert response.status_code == 200, response.text
    urls = response.json()["urls"]
    assert urls["svg"] is None and urls["png"] is not None  # no SVG without phase IV
    reports = {}
    for switch in ("phase1", "phase2", "phase3", "none"):
        response = client.post(
            "/api/v1/process",
            files=upload(photo_bytes()),
            data={"overrides": OVERRIDES, **({switch: "false"} if switch != "none" else {})},
        )
        assert response.status_code == 200, response.text
        reports[switch] = client.get(response.json()["urls"]["report"]).json()
        if switch != "none":
            assert reports[switch]["phases"][switch].get("skipped") is True
    # phase I off: no mask, the whole frame is drawn
    assert reports["phase1"]["phases"]["phase1"].get("vehicle_mask") is None
    # phase II off: no flattening, so more specks for phase IV to merge than with every phase
    # on (at 256 px the one extra path they made along the edge is inside the outline's band)
    phase4 = {switch: report["phases"]["phase4"] for switch, report in reports.items()}
    merged = {switch: notes["small_regions_merged"] for switch, notes in phase4.items()}
    assert merged["phase2"] > merged["none"], merged
    assert phase4["phase2"]["paths"] >= phase4["none"]["paths"]


def test_single_phases_on_an_uploaded_image(client: TestClient) -> None:
    photo = photo_bytes(256, 160)
    first = client.post("/api/v1/phase1", files=upload(photo))
    assert first.status_code == 200, first.text
    assert set(first.json()["urls"]["files"]) >= {"phase1_clean.png", "phase1_vehicle_mask.png"}
    third = client.post("/api/v1/phase3", files=upload(photo), data={"palette": "primary-15"})
    assert third.status_code == 200, third.text
    paletted = client.get(third.json()["urls"]["files"]["phase3_paletted.png"]).content
    rgba = np.asarray(Image.open(io.BytesIO(paletted)).convert("RGBA"))
    used = {"#{:02X}{:02X}{:02X}".format(*p) for p in rgba[rgba[..., 3] > 0][:, :3]}
    assert used <= set(Palette.load("primary-15").colors)
    fourth = client.post("/api/v1/phase4", files=upload(paletted))
    assert fourth.status_code == 200, fourth.text
    svg = client.get(fourth.json()["urls"]["svg"]).content
    assert etree.fromstring(svg).tag.endswith("svg") and _fills(svg)
