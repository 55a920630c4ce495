"""The service runs a training job to the end (tiny models, ten uploaded pairs), names pair
problems before queuing, cancels a running job, and lists, serves and deletes the LoRA."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import pytest
import yaml

from tests.training.conftest import NEEDS_TRAIN, QUICK, drawn_pair, fast_config

pytest.importorskip("fastapi", reason="the service needs the 'server' extra")
pytest.importorskip("peft", reason=NEEDS_TRAIN)
pytestmark = pytest.mark.usefixtures("one_torch_thread")

from fastapi.testclient import TestClient  # noqa: E402

from tests.gpu.conftest import linked_copy  # noqa: E402
from v2v.service import create_app, load_settings  # noqa: E402
from v2v.service.db import LoraOwnerRow  # noqa: E402

LOCAL = ("127.0.0.1", 50000)
LOCAL_URL = "http://localhost"  # a Host header the default ALLOWED_HOSTS serves
FINISHED = {"succeeded", "failed", "cancelled"}


def png(pixels: Any) -> bytes:
    return bytes(cv2.imencode(".png", pixels[..., ::-1])[1])


def pair_files(count: int = 10, skip_input: int | None = None) -> list[tuple[str, Any]]:
    files = []
    for index in range(count):
        photo, flat = drawn_pair(index)
        if index != skip_input:
            files.append(("inputs", (f"car{index}.png", png(photo), "image/png")))
        files.append(("targets", (f"car{index}.png", png(flat), "image/png")))
    return files


@pytest.fixture(scope="module")
def models(tiny_models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return linked_copy(tiny_models_dir, tmp_path_factory.mktemp("service") / "models")


@pytest.fixture(scope="module")
def client(models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("service-config")
    config_file = folder / "pipeline.yaml"
    config_file.write_text(yaml.safe_dump(fast_config(models).model_dump(mode="json")))
    settings = load_settings(
        _env_file=None,
        data_dir=folder / "data",
        worker_mode="thread",
        log_level="warning",
        api_rate_limit="",
        min_free_disk_mb=0,
        pipeline_config=config_file,
        warm_workers=False,  # the jobs here train; tests/service/test_warmup.py warms
    )
    with TestClient(create_app(settings), client=LOCAL, base_url=LOCAL_URL) as test_client:
        yield test_client


def wait(client: TestClient, job_id: str, until: Any, timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/v1/training-jobs/{job_id}").json()
        if until(body):
            return body
        assert time.monotonic() < deadline, f"training job {job_id} stuck: {body}"
        time.sleep(0.1)


def job_folder(client: TestClient, job_id: str) -> Path:
    return client.app.state.services.files.job_dir(job_id)  # type: ignore[attr-defined,no-any-return]


def test_the_server_says_it_can_train_and_with_which_parameters(client: TestClient) -> None:
    body = client.get("/api/v1/training").json()
    assert body["available"] is True, body["reason"]
    assert body["parameters"]["properties"]["rank"]["default"] == 32
    assert (
        "/api/v1/training-jobs"
        in client.get("/api/v1/capabilities").json()["features"]["training"]["endpoints"]
    )


def test_a_training_job_runs_to_the_end_and_its_lora_is_served(
    client: TestClient, models: Path
) -> None:
    response = client.post(
        "/api/v1/training-jobs", files=pair_files(), data={"params": json.dumps(QUICK)}
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert response.headers["Location"] == f"/api/v1/training-jobs/{job_id}"
    running = wait(client, job_id, lambda b: b["status"] in FINISHED or b["step"] > 0)
    body = wait(client, job_id, lambda b: b["status"] in FINISHED)
    assert body["status"] == "succeeded", body
    assert running["total_steps"] == 2 * QUICK["epochs"]
    assert body["progress"] == 1.0 and body["step"] == body["total_steps"] == 8
    assert len(body["train_loss"]) == len(body["val_loss"]) == QUICK["epochs"]
    assert any("validation loss" in line for line in body["log"])
    lora_id = body["lora_id"]
    assert lora_id.startswith("tiny-style-") and body["links"]["lora"] == f"/api/v1/loras/{lora_id}"
    services = client.app.state.services  # type: ignore[attr-defined]
    with services.db.session() as session:  # the id and its owner were recorded when queued
        row = session.get(LoraOwnerRow, lora_id)
        assert row is not None and (row.owner, row.job_id) == ("anonymous", job_id)

    listed = client.get("/api/v1/loras").json()["items"]
    assert [item["id"] for item in listed] == [lora_id]
    assert listed[0]["card"]["trigger"] == "<v2v-style>"
    download = client.get(f"/api/v1/loras/{lora_id}/file")
    assert download.content == (models / "loras" / f"{lora_id}.safetensors").read_bytes()
    card = client.get(f"/api/v1/jobs/{job_id}/files/card.json").json()
    assert card["id"] == lora_id and card["data"]["pairs"] == 10
    left = sorted(p.name for p in job_folder(client, job_id).iterdir())
    assert left == ["out", "training.json"]  # upload, unpacked pairs, checkpoints: gone
    (job_folder(client, job_id) / "training.json").unlink()  # as if the worker ran elsewhere
    from_card = client.get(f"/api/v1/training-jobs/{job_id}").json()
    assert from_card["lora_id"] == lora_id and from_card["val_loss"] == body["val_loss"]

    assert client.delete(f"/api/v1/loras/{lora_id}").status_code == 204
    assert client.get(f"/api/v1/loras/{lora_id}").status_code == 404
    assert not (models / "loras" / f"{lora_id}.json").exists()


def test_pair_problems_and_bad_parameters_are_named_before_anything_is_queued(
    client: TestClient,
) -> None:
    before = client.get("/api/v1/training-jobs").json()["total"]
    response = client.post("/api/v1/training-jobs", files=pair_files(skip_input=9))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "targets/car9.png: no input inputs/car9.*" in detail
    assert "only 9 pair(s) in the upload; at least 10" in detail
    bad = client.post(
        "/api/v1/training-jobs", files=pair_files(), data={"params": '{"rank": 0, "epoch": 3}'}
    )
    assert bad.status_code == 422
    assert "rank: Input should be greater than or equal to 1" in bad.json()["detail"]
    assert "epoch: unknown parameter" in bad.json()["detail"]
    missing = client.post("/api/v1/training-jobs", data={"folder": "studio-set"})
    assert missing.status_code == 422 and "studio-set" in missing.json()["detail"]
    assert client.get("/api/v1/training-jobs").json()["total"] == before


def test_cancel_stops_a_running_training_job_and_cleans_up(client: TestClient) -> None:
    params = json.dumps({**QUICK, "epochs": 100})
    job_id = client.post(
        "/api/v1/training-jobs", files=pair_files(), data={"params": params}
    ).json()["id"]
    started = wait(client, job_id, lambda b: b["step"] >= 2)
    assert client.post(f"/api/v1/training-jobs/{job_id}/cancel").status_code == 202
    body = wait(client, job_id, lambda b: b["status"] in FINISHED, timeout=30)
    assert body["status"] == "cancelled" and body["error"]["code"] == "cancelled"
    assert body["step"] < body["total_steps"] == 200 and body["step"] >= started["step"]
    assert not (job_folder(client, job_id) / "checkpoints").exists()
    assert not list(job_folder(client, job_id).glob("v2v-train-*"))
    assert client.post(f"/api/v1/training-jobs/{job_id}/cancel").status_code == 409


def test_the_original_training_form_is_understood(client: TestClient) -> None:
    """REFERENCE.md §6: input_files[] / target_files[] and separate parameter fields."""
    original = [
        (("input_files[]" if name == "inputs" else "target_files[]"), file)
        for name, file in pair_files()
    ]
    fields = {"num_epochs": "2", "learning_rate": "0.0002", "rank": "4", "alpha": "4"}
    sep = {"epochs", "learning_rate", "rank", "alpha"}  # sent as the original's fields
    response = client.post(
        "/api/v1/training-jobs",
        files=original,
        data={**fields, "params": json.dumps({k: v for k, v in QUICK.items() if k not in sep})},
    )
    assert response.status_code == 202, response.text
    body = wait(client, response.json()["id"], lambda b: b["status"] in FINISHED)
    assert body["status"] == "succeeded", body
    assert body["total_steps"] == 2 * 2  # num_epochs=2 reached the trainer (2 steps an epoch)
    client.delete(f"/api/v1/loras/{body['lora_id']}")
    bad = client.post("/api/v1/training-jobs", files=original, data={"num_epochs": "many"})
    assert bad.status_code == 422 and "epochs" in bad.json()["detail"]
    unknown = client.post("/api/v1/training-jobs", files=original, data={"epochz": "3"})
    assert unknown.status_code == 422 and "'epochz'" in unknown.json()["detail"]


def test_a_refused_training_job_leaves_no_lora_owner_behind(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from v2v.service.jobs.admission import QueueFull

    services = client.app.state.services  # type: ignore[attr-defined]

    def full(*args: Any, **kwargs: Any) -> None:
        raise QueueFull("overall", 1)

    with services.db.session() as session:
        before = {row.lora_id for row in session.query(LoraOwnerRow)}
    monkeypatch.setattr(services.store, "create", full)
    response = client.post(
        "/api/v1/training-jobs", files=pair_files(), data={"params": json.dumps(QUICK)}
    )
    assert response.status_code == 429, response.text
    with services.db.session() as session:
        assert {row.lora_id for row in session.query(LoraOwnerRow)} == before
