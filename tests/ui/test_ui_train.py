"""The Train page in a real browser against a server that can train (tiny SDXL + ControlNets on the
CPU): ten drawn pairs uploaded through the page, tiny hyperparameters, the job watched to the end
with its loss curve, the LoRA downloaded, listed, and offered on the Convert page; mismatched
pairs and out-of-range settings are named inline and block submit.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.training.conftest import NEEDS_TRAIN, fast_config, write_pairs
from tests.ui.conftest import LiveServer
from tests.ui.helpers import UNLABELLED, Shoot, until

pytest.importorskip("torch", reason=NEEDS_TRAIN)
pytest.importorskip("peft", reason=NEEDS_TRAIN)

#: 8 training pairs at batch 4: 2 steps an epoch, 3 epochs for a curve with three points
EPOCHS, STEPS = 3, 6


@pytest.fixture(scope="module")
def train_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose model directory holds tiny SDXL, ControlNet, depth and BiRefNet models and
    whose pipeline config selects the SDXL stylizer at 64 px (training and the GPU options on)."""
    import torch

    from tests.gpu import tiny_models

    root = tmp_path_factory.mktemp("ui-train")
    models = root / "models"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the server runs in this process; 1 thread is fastest on 2 cores
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        tiny_models.sdxl(models / "sdxl", root / "scratch")
        tiny_models.controlnet(models / "controlnet-depth", seed=1)
        tiny_models.controlnet(models / "controlnet-canny", seed=2)
        tiny_models.depth(models / "depth")
        tiny_models.birefnet_onnx(models / "birefnet")
    config = root / "pipeline.yaml"
    config.write_text(yaml.safe_dump(fast_config(models).model_dump(mode="json")))
    server = LiveServer(root / "data", pipeline_config=config)
    yield server
    server.stop()
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """inputs/car0..9.png and targets/car0..9.png (drawn cars and their flat versions)."""
    return write_pairs(tmp_path_factory.mktemp("ui-pairs") / "pairs")


def files(folder: Path) -> list[str]:
    return [str(p) for p in sorted(folder.iterdir())]


def training_posts(tab: Any) -> list[Any]:
    posts: list[Any] = []
    tab.on(
        "request",
        lambda r: posts.append(r) if r.method == "POST" and "/training-jobs" in r.url else None,
    )
    return posts


def test_mismatched_pairs_and_bad_settings_are_named_and_block_submit(
    train_server: LiveServer, page: Any, pairs: Path, shoot: Shoot, tmp_path: Path
) -> None:
    posts = training_posts(page)
    renamed = tmp_path / "truck9.png"
    shutil.copy(pairs / "targets" / "car9.png", renamed)
    page.goto(f"{train_server.url}/ui/train")
    page.wait_for_selector("#train-inputs", state="attached")
    page.set_input_files("#train-inputs", files(pairs / "inputs"))
    page.set_input_files("#train-targets", [*files(pairs / "targets")[:9], str(renamed)])
    until(page, "document.querySelectorAll('.pair-grid .pair').length === 11")
    bad = page.locator(".pair.bad").all_inner_texts()
    assert len(bad) == 2
    assert any("car9.png: no target named car9.*" in text for text in bad), bad
    assert any("truck9.png: no input named truck9.*" in text for text in bad), bad
    assert "9 pairs matched by file stem" in page.inner_text(".pair-counts")
    problems = page.inner_text("#train-problems")
    assert "inputs/car9.png: no target named car9.*" in problems
    assert "only 9 pair(s); at least 10" in problems
    assert page.is_disabled("#train-button")

    page.fill("#param-epochs", "0")
    assert page.inner_text("#param-epochs-error") == "At least 1"
    page.fill("#param-resolution", "100")
    assert "multiple of 8" in page.inner_text("#param-resolution-error")
    page.fill("#param-learning_rate", "0.5")
    assert page.inner_text("#param-learning_rate-error") == "At most 0.01"
    assert "Range 1e-6 – 0.01" in page.inner_text('[data-param="learning_rate"] .help')
    assert "Fix Epochs: At least 1." in page.inner_text("#train-problems")
    shoot(page, "train-mismatch")
    page.press("#param-name", "Enter")  # the keyboard cannot submit it either

    page.click("button[aria-label='Remove targets/truck9.png']")
    page.set_input_files("#train-targets", str(pairs / "targets" / "car9.png"))
    until(page, "document.querySelectorAll('.pair-grid .pair').length === 10")
    assert page.locator(".pair.bad").count() == 0
    assert page.is_disabled("#train-button")  # the settings are still out of range
    page.fill("#param-epochs", "2")
    page.fill("#param-resolution", "64")
    page.fill("#param-learning_rate", "0.001")
    assert page.is_enabled("#train-button")
    assert page.evaluate(UNLABELLED) == []
    assert posts == []


def test_train_from_uploaded_pairs_and_pick_the_lora_on_convert(
    train_server: LiveServer, page: Any, pairs: Path, shoot: Shoot, tmp_path: Path
) -> None:
    page.goto(f"{train_server.url}/ui/train")
    page.wait_for_selector("#train-inputs", state="attached")
    assert page.is_disabled("#train-button")
    # the list loads after the page: wait for it (read at once, it raced under load)
    page.wait_for_selector("#loras-title + p + .table-wrap >> text=No LoRA yet")
    page.set_input_files("#train-inputs", files(pairs / "inputs"))
    page.set_input_files("#train-targets", files(pairs / "targets"))
    until(page, "document.querySelectorAll('.pair-grid .pair:not(.bad)').length === 10")
    assert "10 pairs matched by file stem" in page.inner_text(".pair-counts")
    for name, value in (
        ("name", "ui style"),
        ("epochs", str(EPOCHS)),
        ("batch_size", "4"),
        ("learning_rate", "0.01"),
        ("resolution", "64"),
        ("rank", "8"),
        ("alpha", "8"),
    ):
        page.fill(f"#param-{name}", value)
    page.click(".more-settings summary")
    page.fill("#param-patience", "0")
    assert "8 settings changed" in page.inner_text(".submit-summary")
    shoot(page, "train-ready")
    page.click("#train-button")

    page.wait_for_url(re.compile(r"/ui/train/[0-9a-f]{32}$"))
    job_id = page.url.rsplit("/", 1)[1]
    sent = train_server.services.store.get(job_id)
    assert sent is not None and sent.kind == "train"
    assert sent.params["training"]["epochs"] == EPOCHS
    assert sent.params["training"]["resolution"] == 64 and sent.params["training"]["rank"] == 8
    page.wait_for_selector(".train-stages li.current, #lora-id", timeout=60_000)
    shoot(page, "train-running")

    page.wait_for_selector("#lora-id", timeout=90_000)
    lora_id = page.inner_text("#lora-id")
    assert lora_id.startswith("ui-style-")
    assert page.text_content("h1 .pill") == "Done"
    assert page.inner_text('[data-fact="Step"]') == f"{STEPS} of {STEPS}"
    assert page.inner_text('[data-fact="Epoch"]') == f"{EPOCHS} of {EPOCHS}"
    assert page.locator(".loss-chart .series-train circle").count() == EPOCHS
    assert page.locator(".loss-chart .series-val circle").count() == EPOCHS
    path = page.get_attribute(".loss-chart .series-train path", "d")
    assert path is not None and path.count("L") == EPOCHS - 1
    assert "validation loss" in page.inner_text("#train-log")
    # the preprocessing gallery: each pair's photo, phase I output, depth, edges and target
    until(page, "document.querySelectorAll('.gallery-card .gallery-row').length === 10")
    until(page, "document.querySelectorAll('.gallery-card img').length === 50")
    until(page, "[...document.querySelectorAll('.gallery-card img')].every(i => i.naturalWidth)")
    assert "Prepared pairs (10)" in page.inner_text("#gallery-title")
    shoot(page, "train-gallery")
    with page.expect_download() as download_info:
        page.click("#download-lora")
    downloaded = Path(download_info.value.path())
    header_size = struct.unpack("<Q", downloaded.read_bytes()[:8])[0]
    header = json.loads(downloaded.read_bytes()[8 : 8 + header_size])
    assert any(key.startswith("unet.") for key in header), list(header)[:5]
    shoot(page, "train-done")

    page.click("nav >> text=Train")
    page.wait_for_selector(f'[data-lora="{lora_id}"]')
    assert "Done" in page.text_content(f'[data-training-job="{job_id}"] .pill')
    shoot(page, "train-page-with-lora")

    page.click(f'[data-lora="{lora_id}"] >> text=Use')  # the Convert page, this LoRA picked
    page.click("details.advanced summary")
    lora_select = page.locator("#opt-phase2-lora-path")
    assert lora_select.is_enabled() and lora_select.input_value() == lora_id
    offered = lora_select.locator("option").all_inner_texts()
    assert offered.count(lora_id) == 1, offered  # not twice (the .safetensors and its card)
    assert "1 option changed" in page.inner_text(".submit-summary")
    shoot(page, "train-lora-on-convert")


def test_train_from_a_server_folder_and_cancel(
    train_server: LiveServer, page: Any, pairs: Path, shoot: Shoot
) -> None:
    shutil.copytree(pairs, train_server.services.files.root / "pairs" / "studio")
    page.goto(f"{train_server.url}/ui/train")
    page.click("button[data-source='folder']")
    assert "Choose a pair folder." in page.inner_text("#train-problems")
    assert page.is_disabled("#train-button")
    page.select_option("#train-folder", "studio")
    for name, value in (("epochs", "100"), ("batch_size", "4"), ("resolution", "64")):
        page.fill(f"#param-{name}", value)
    assert "folder studio · 100 epochs" in page.inner_text(".submit-summary")
    page.click("#train-button")

    page.wait_for_url(re.compile(r"/ui/train/[0-9a-f]{32}$"))
    job_id = page.url.rsplit("/", 1)[1]
    until(
        page,
        "/^[1-9]\\d* of 200$/.test(document.querySelector('[data-fact=\"Step\"]')?.textContent)",
        timeout=60,
    )
    assert "pairs from folder studio" in page.inner_text(".job-head")
    page.click("#cancel-training")
    page.wait_for_selector("h1 .pill-cancelled", timeout=30_000)
    assert "The job was cancelled" in page.inner_text(".error-box")
    assert page.locator("#cancel-training").count() == 0
    record = train_server.services.store.get(job_id)
    assert record is not None and record.status == "cancelled"
    shoot(page, "train-cancelled")

    page.goto(f"{train_server.url}/ui/jobs")  # training jobs are jobs too: linked to their page
    page.click(f'a[href="/ui/train/{job_id}"]')
    page.wait_for_selector("h1 .pill-cancelled")
    page.goto(f"{train_server.url}/ui/jobs/{job_id}")  # the conversion page hands over
    page.wait_for_url(f"**/ui/train/{job_id}")
    page.wait_for_selector("h1 .pill-cancelled")
