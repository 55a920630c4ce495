"""The HTTP status and problem code the README promises for each kind of failure."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import FAST, upload, wait_until_finished

Client = Callable[..., TestClient]


@pytest.mark.parametrize(
    ("runner", "status", "code"),
    [
        ("stage_failed", 500, "stage_failed"),
        ("backend_unavailable", 503, "backend_unavailable"),
        ("weights_missing", 503, "weights_missing"),
    ],
)
def test_library_errors_map_to_their_http_status(
    make_client: Client, car_png: bytes, runner: str, status: int, code: str
) -> None:
    client = make_client(runner=f"tests.service.fakes:{runner}")
    response = client.post("/api/v1/process", files=upload(car_png))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    done = wait_until_finished(client, job["id"])
    assert done["status"] == "failed" and done["error"]["code"] == code


def test_quality_checks_failing_under_the_fail_policy_answer_422(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client(runner=None)  # the real pipeline
    overrides = {**FAST, "qa.policy": "fail", "qa.min_silhouette_iou": 1.0}
    response = client.post(
        "/api/v1/process", files=upload(car_png), data={"overrides": json.dumps(overrides)}
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "quality_check_failed" and "silhouette IoU" in body["detail"]


def test_overrides_larger_than_the_limit_answer_413(make_client: Client, car_png: bytes) -> None:
    client = make_client(max_overrides_bytes=256)
    big = json.dumps({"phase3.min_area_percent": 0.1, "padding": "x" * 300})
    response = client.post("/api/v1/process", files=upload(car_png), data={"overrides": big})
    assert response.status_code == 413 and response.json()["code"] == "overrides_too_large"
    assert "256 bytes" in response.json()["detail"]
    small = json.dumps({"phase3.min_area_percent": 0.1})
    assert (
        client.post("/api/v1/process", files=upload(car_png), data={"overrides": small}).status_code
        == 200
    )
