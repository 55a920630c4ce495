"""Training as a client of the original system knows it (``../shared/REFERENCE.md`` §2.2, §6,
§8, §9), written from that document: the browser form ``POST /ui/training`` with
``input_files[]``/``target_files[]`` and the separate hyperparameters, a 303 to the job's page,
the dashboard's ``training-progress`` polled until ``completed``, the preprocessing gallery,
and the LoRA written under ``TRAIN_OUTPUT_ROOT``; the server's pair folders under
``TRAIN_DATA_ROOT``. Tiny models, as in test_training_service."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.training.conftest import NEEDS_TRAIN, fast_config, write_pairs
from tests.training.test_training_service import LOCAL, LOCAL_URL, pair_files

pytest.importorskip("fastapi", reason="the service needs the 'server' extra")
pytest.importorskip("peft", reason=NEEDS_TRAIN)
pytestmark = pytest.mark.usefixtures("one_torch_thread")

from fastapi.testclient import TestClient  # noqa: E402

from tests.gpu.conftest import linked_copy  # noqa: E402
from v2v.service import create_app, load_settings  # noqa: E402

ENDED = {"completed", "failed", "cancelled"}


@pytest.fixture(scope="module")
def roots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("original-roots")
    return {"TRAIN_DATA_ROOT": base / "training_data", "TRAIN_OUTPUT_ROOT": base / "training"}


@pytest.fixture(scope="module")
def client(
    tiny_models_dir: Path, tmp_path_factory: pytest.TempPathFactory, roots: dict[str, Path]
) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("original-service")
    models = linked_copy(tiny_models_dir, folder / "models")
    config_file = folder / "pipeline.yaml"
    config_file.write_text(yaml.safe_dump(fast_config(models).model_dump(mode="json")))
    write_pairs(roots["TRAIN_DATA_ROOT"] / "studio")  # an earlier run's inputs/ + targets/
    with pytest.MonkeyPatch.context() as patch:
        for name, path in roots.items():  # as the original's deployment set them
            patch.setenv(name, str(path))
        patch.setenv("STATUS_NAMES", "original")
        settings = load_settings(
            _env_file=None,
            data_dir=folder / "data",
            worker_mode="thread",
            log_level="warning",
            api_rate_limit="",
            min_free_disk_mb=0,
            pipeline_config=config_file,
        )
        with TestClient(create_app(settings), client=LOCAL, base_url=LOCAL_URL) as test_client:
            yield test_client


def progress_until_ended(client: TestClient, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen = set()
    while True:
        body: dict[str, Any] = client.get(f"/api/v1/dashboard/training-progress/{job_id}").json()
        seen.add(body["status"])
        assert body["status"] in {"pending", "processing", *ENDED}, body
        if body["status"] in ENDED:
            return body | {"seen": seen}
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def test_the_original_training_form_runs_to_completed(
    client: TestClient, roots: dict[str, Path]
) -> None:
    files = [("input_files[]" if k == "inputs" else "target_files[]", f) for k, f in pair_files()]
    form = {
        "learning_rate": "0.01",
        "batch_size": "4",
        "num_epochs": "2",
        "rank": "4",
        "alpha": "4",
        "validation_split": "0.2",
        "seed": "42",
    }
    response = client.post("/ui/training", files=files, data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    page = response.headers["location"]
    assert page.startswith("/ui/training/jobs/")
    job_id = page.rsplit("/", 1)[1]
    assert client.get(page).status_code == 200  # the job's page (today's, after a redirect)

    body = progress_until_ended(client, job_id)
    assert body["status"] == "completed", body
    assert body["progress"] == 100 and body["current_epoch"] == body["total_epochs"] == 2
    assert isinstance(body["train_loss"], float) and isinstance(body["val_loss"], float)
    assert len(body["metrics_history"]["train_loss_history"]) == 2
    assert body["logs"] and body["phase_status"]["phase1_status"] == "completed"
    weights = client.get(body["artifacts"]["weights"])
    assert weights.status_code == 200
    written = list(roots["TRAIN_OUTPUT_ROOT"].glob("*.safetensors"))
    assert [p.name for p in written] == [f"{body['artifacts']['lora_id']}.safetensors"]
    assert written[0].read_bytes() == weights.content  # the LoRA is where TRAIN_OUTPUT_ROOT says
    history = client.get(f"/api/v1/dashboard/job-metrics-history/{job_id}").json()
    assert [e["value"] for e in history["val_loss_history"]][-1] == body["val_loss"]
    listed = client.get("/api/v1/dashboard/job-list-data").json()
    assert {"job_id": job_id, "type": "training", "status": "completed"}.items() <= listed[
        0
    ].items()
    job = client.get(f"/api/v1/training-jobs/{job_id}").json()
    assert job["job_id"] == job_id and job["status"] == "completed"

    gallery = client.get(f"/api/training/jobs/{job_id}/preprocessing-gallery").json()
    assert set(gallery) == {
        "raw_inputs",
        "phase1_outputs",
        "phase2_depth",
        "phase2_edge",
        "targets",
    }
    assert [item["name"] for item in gallery["phase1_outputs"]] == [f"car{i}" for i in range(10)]
    image = client.get(gallery["phase1_outputs"][0]["url"])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    bad = client.get(f"/api/training/jobs/{job_id}/images/thumbnail/car0")
    assert bad.status_code == 400 and "raw" in bad.json()["detail"]


def test_the_pair_folders_are_under_train_data_root(client: TestClient) -> None:
    assert "studio" in client.get("/api/v1/training").json()["folders"]


def test_the_form_says_what_is_wrong_before_anything_is_queued(client: TestClient) -> None:
    files = [("input_files[]" if k == "inputs" else "target_files[]", f) for k, f in pair_files()]
    few = client.post("/ui/training", files=files[:6], follow_redirects=False)
    assert few.status_code == 422 and "at least 10" in few.json()["detail"]
    typo = client.post("/ui/training", files=files, data={"epochs_num": "3"})
    assert typo.status_code == 422 and "'epochs_num'" in typo.json()["detail"]
