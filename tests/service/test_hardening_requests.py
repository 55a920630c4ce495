"""Issue 13, what a request may ask for: per-request config keys (allow-list with bounds), LoRA
ownership, queue and disk caps, and inputs that used to answer 500 or leave files behind."""

from __future__ import annotations

import errno
import io
import json
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.service.conftest import upload, wait_until_finished
from v2v.service.db import JobRow
from v2v.service.lora_owners import record_owner
from v2v.service.security.apikeys import hash_key

Client = Callable[..., TestClient]
KEY_A, KEY_B, KEY_ADMIN = (
    "tenant-a-key-0123456789",
    "tenant-b-key-0123456789",
    "admin-key-0123456789",
)
KEYS = f"{KEY_A},{KEY_B},{KEY_ADMIN}"


def _owner(key: str) -> str:
    return f"static:{hash_key(key)[:12]}"


def _post(client: TestClient, png: bytes, key: str | None = None, **data: Any) -> Any:
    headers = {"X-API-Key": key} if key else None
    return client.post("/api/v1/jobs", files=upload(png), data=data, headers=headers)


# -- 1. overrides: an allow-list with bounds; paths and model choices from the server only ------


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"models.dir": "/tmp"}, "models.dir"),
        ({"models": {"device": "cuda"}}, "models.device"),
        ({"phase1.backend": "grounded-sam-lama"}, "phase1.backend"),
        ({"phase1.inpaint.file": "../../uploads/evil.pt"}, "phase1.inpaint.file"),
        ({"phase3.upscale.method": "realesrgan"}, "phase3.upscale.method"),
        ({"input.work_long_side": 4096}, "input.work_long_side"),
        ({"output.preview_long_side": 8192}, "output.preview_long_side"),
        ({"qa.max_retries": 5}, "qa.max_retries"),
    ],
)
def test_keys_a_client_may_not_set_or_values_above_the_server_config_are_refused(
    make_client: Client, car_png: bytes, overrides: dict[str, Any], named: str
) -> None:
    client = make_client()
    response = _post(client, car_png, overrides=json.dumps(overrides))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(named)
    assert client.get("/api/v1/jobs").json()["total"] == 0


def test_allowed_keys_within_their_bounds_still_reach_the_pipeline(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client()
    overrides = {"input.work_long_side": 512, "phase4.strategy": "B", "qa.max_retries": 1}
    response = _post(client, car_png, overrides=json.dumps(overrides))
    assert response.status_code == 202, response.text
    done = wait_until_finished(client, response.json()["job_id"])
    assert done["qa"]["params"]["overrides"] == overrides


@pytest.mark.parametrize("path", ["/etc/passwd", "/nonexistent/file", "../jobs/x/input.png"])
def test_a_lora_is_chosen_by_id_and_a_path_reveals_nothing(
    make_client: Client, car_png: bytes, path: str
) -> None:
    response = _post(make_client(), car_png, overrides=json.dumps({"phase2.lora.path": path}))
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "phase2.lora.path: give a LoRA id from GET /api/v1/loras (a path is not accepted)"
    )


# -- 2. LoRAs are owned like jobs; an admin scope for the shared ones ---------------------------


def _lora(models: Path, lora_id: str, card: dict[str, Any] | None = None) -> None:
    folder = models / "loras"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{lora_id}.safetensors").write_bytes(b"weights of " + lora_id.encode())
    if card is not None:
        (folder / f"{lora_id}.json").write_text(json.dumps(card), encoding="utf-8")


CARD = {
    "id": "x",
    "base_model": {"folder": "/srv/v2v/models/sdxl", "name": "sdxl"},
    "data": {"pairs": 2, "train": ["acme-client-car-1"], "validation": ["acme-client-car-2"]},
}


@pytest.fixture
def tenants(make_client: Client, tmp_path: Path) -> tuple[TestClient, Path]:
    models = tmp_path / "models"
    client = make_client(api_keys=KEYS, model_volume_path=models, admin_key_ids=_owner(KEY_ADMIN))
    _lora(models, "mine-0001", {**CARD, "id": "mine-0001"})
    _lora(models, "theirs-0002", {**CARD, "id": "theirs-0002"})
    _lora(models, "shared-0003", {**CARD, "id": "shared-0003"})
    services = client.app.state.services  # type: ignore[attr-defined]
    record_owner(services, "mine-0001", _owner(KEY_A), "a" * 32)
    record_owner(services, "theirs-0002", _owner(KEY_B), "b" * 32)
    return client, models


def test_a_key_sees_its_own_loras_and_the_shared_ones_only(tenants: Any) -> None:
    client, _ = tenants
    listed = client.get("/api/v1/loras", headers={"X-API-Key": KEY_A}).json()["items"]
    assert sorted(item["id"] for item in listed) == ["mine-0001", "shared-0003"]
    for path in ("", "/file"):
        response = client.get(f"/api/v1/loras/theirs-0002{path}", headers={"X-API-Key": KEY_A})
        assert response.status_code == 404
    refused = client.delete("/api/v1/loras/theirs-0002", headers={"X-API-Key": KEY_A})
    assert refused.status_code == 404
    assert client.get("/api/v1/loras/theirs-0002", headers={"X-API-Key": KEY_B}).status_code == 200


def test_capabilities_offer_a_key_its_own_and_the_shared_loras_and_the_client_ranges(
    tenants: Any,
) -> None:
    client, _ = tenants
    body = client.get("/api/v1/capabilities", headers={"X-API-Key": KEY_A}).json()
    assert body["models"]["loras"] == ["mine-0001", "shared-0003"]
    assert body["options"]["input.work_long_side"]["maximum"] == 1024  # the server's value


def test_cards_show_training_file_names_to_the_owner_only_and_no_server_folder(
    tenants: Any,
) -> None:
    client, _ = tenants
    own = client.get("/api/v1/loras/mine-0001", headers={"X-API-Key": KEY_A}).json()["card"]
    assert own["data"]["train"] == ["acme-client-car-1"]
    shared = client.get("/api/v1/loras/shared-0003", headers={"X-API-Key": KEY_B}).json()["card"]
    assert "train" not in shared["data"] and "validation" not in shared["data"]
    assert shared["data"]["pairs"] == 2
    text = client.get("/api/v1/loras", headers={"X-API-Key": KEY_ADMIN}).text
    assert "/srv/v2v" not in text and "acme-client-car" not in text


def test_shared_loras_are_deleted_by_the_admin_scope_only(tenants: Any) -> None:
    client, models = tenants
    refused = client.delete("/api/v1/loras/shared-0003", headers={"X-API-Key": KEY_A})
    assert refused.status_code == 403 and refused.json()["code"] == "admin_scope_required"
    assert (models / "loras" / "shared-0003.safetensors").exists()
    assert client.delete("/api/v1/loras/mine-0001", headers={"X-API-Key": KEY_A}).status_code == 204
    admin = {"X-API-Key": KEY_ADMIN}
    assert client.delete("/api/v1/loras/theirs-0002", headers=admin).status_code == 204
    assert client.delete("/api/v1/loras/shared-0003", headers=admin).status_code == 204
    assert not list((models / "loras").iterdir())


def test_another_keys_lora_cannot_be_used_in_a_job(tenants: Any, car_png: bytes) -> None:
    client, _ = tenants
    choose = json.dumps({"phase2.lora.path": "theirs-0002"})
    response = _post(client, car_png, KEY_A, overrides=choose)
    assert response.status_code == 422
    assert "no LoRA 'theirs-0002' for this API key" in response.json()["detail"]


# -- 3. queue caps (429 + Retry-After) and the free-disk floor (507) ----------------------------


def test_one_key_cannot_fill_the_queue(make_client: Client, car_png: bytes) -> None:
    client = make_client(runner="tests.service.fakes:slow", api_keys=KEYS, max_queued_per_key=2)
    assert [_post(client, car_png, KEY_A).status_code for _ in range(2)] == [202, 202]
    refused = _post(client, car_png, KEY_A)
    assert refused.status_code == 429 and refused.json()["code"] == "queue_full"
    assert int(refused.headers["Retry-After"]) > 0
    assert _post(client, car_png, KEY_B).status_code == 202  # another key still gets in


def test_the_whole_queue_has_a_cap(make_client: Client, car_png: bytes) -> None:
    client = make_client(runner="tests.service.fakes:slow", max_queued_jobs=1, job_workers=1)
    statuses = [_post(client, car_png).status_code for _ in range(4)]
    assert statuses[-1] == 429 and statuses.count(202) <= 3, statuses


def test_simultaneous_requests_of_one_key_cannot_pass_its_cap(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client(runner="tests.service.fakes:slow", api_keys=KEYS, max_queued_per_key=3)
    start = threading.Barrier(10)
    statuses: list[int] = []

    def post() -> None:
        start.wait()
        statuses.append(_post(client, car_png, KEY_A).status_code)

    threads = [threading.Thread(target=post) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [202] * 3 + [429] * 7, statuses
    assert client.get("/api/v1/jobs", headers={"X-API-Key": KEY_A}).json()["total"] == 3
    tmp = client.app.state.services.files.tmp  # type: ignore[attr-defined]
    assert list(tmp.iterdir()) == []  # the refused uploads left nothing behind


def test_work_is_refused_with_507_below_the_free_disk_floor(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client(min_free_disk_mb=10**9)
    response = _post(client, car_png)
    assert response.status_code == 507 and "Retry-After" in response.headers
    assert client.get("/api/v1/jobs").json()["total"] == 0
    tmp = client.app.state.services.files.tmp  # type: ignore[attr-defined]
    assert list(tmp.iterdir()) == []


def test_training_uploads_are_bounded_in_count(make_client: Client, car_png: bytes) -> None:
    client = make_client(max_training_files=2)
    files = [("inputs", (f"{i}.png", car_png, "image/png")) for i in range(2)]
    files += [("targets", (f"{i}.png", car_png, "image/png")) for i in range(2)]
    response = client.post("/api/v1/training-jobs", files=files)
    assert response.status_code == 413 and "MAX_TRAINING_FILES" in response.json()["detail"]


# -- 11. inputs that answered 500, a full disk, archive entry names -----------------------------


@pytest.mark.parametrize("hint", ["inf,0,1,1", "0,0,1e400,1", "nan,0,1,1", "-inf,0,5,5"])
def test_a_hint_that_is_not_finite_is_a_422(make_client: Client, car_png: bytes, hint: str) -> None:
    response = _post(make_client(), car_png, hint=hint)
    assert response.status_code == 422 and response.json()["detail"].startswith("hint:")


@pytest.mark.parametrize("depth", [20, 900, 5000])
def test_deeply_nested_overrides_are_a_422(make_client: Client, car_png: bytes, depth: int) -> None:
    nested = '{"phase3": ' * depth + "1" + "}" * depth
    response = _post(make_client(max_overrides_bytes=64 * 1024), car_png, overrides=nested)
    assert response.status_code == 422, response.text


def test_a_full_disk_leaves_no_partial_upload(
    make_client: Client, car_png: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client()
    tmp: Path = client.app.state.services.files.tmp  # type: ignore[attr-defined]
    real_open = Path.open

    class FullDisk(io.FileIO):
        def write(self, data: Any) -> int:
            super().write(bytes(data)[:100])  # part of it lands, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")

    def open_on_full_disk(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if self.parent == tmp and "w" in mode:
            return FullDisk(str(self), "w")
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_on_full_disk)
    response = _post(client, car_png)
    assert response.status_code == 507, response.text
    assert "/" not in response.json()["detail"].split("(")[0]
    assert list(tmp.iterdir()) == []
    assert client.get("/api/v1/jobs").json()["total"] == 0


def test_a_job_name_with_dot_dot_stays_inside_its_archive_folder(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client()
    job_id = _post(client, car_png).json()["job_id"]
    wait_until_finished(client, job_id)
    services = client.app.state.services  # type: ignore[attr-defined]
    with services.db.session() as session:  # a training job's name is the client's text
        params = {"name": "../../../etc/cron.d/evil", "training": {}}
        session.execute(update(JobRow).where(JobRow.id == job_id).values(params=params))
    response = client.get("/api/v1/archive", params={"jobs": job_id})
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert all(".." not in n and not n.startswith("/") for n in names), names
    assert any(n.startswith("etc_cron.d_evil-") or n.startswith("etc_cron_d_evil-") for n in names)


@pytest.mark.parametrize("path", ["/api/v1/jobs", "/api/v1/training-jobs"])
def test_an_offset_past_what_the_database_holds_is_a_422(make_client: Client, path: str) -> None:
    """Found by the fuzzing run (make chaos): 13929727989586923094016 answered 500."""
    response = make_client().get(path, params={"offset": 13929727989586923094016})
    assert response.status_code == 422
