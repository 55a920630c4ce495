"""Fixtures of the training tests: tiny SDXL + ControlNets + depth model (built once), ten drawn
input → target pairs at ~96 px, and a pipeline config that keeps everything small and fast.

The tiny models are the GPU tests' builders (``tests.gpu.tiny_models``); torch runs on one thread
here, which on a shared 2-core machine is several times faster than oversubscribing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from tests.conftest import draw_car

NEEDS_TRAIN = "training needs torch, diffusers, transformers and peft (the 'train' extra)"
BACKGROUND = ((222, 228, 232), (170, 170, 160))


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdxl/, controlnet-depth/, controlnet-canny/, depth/ of tiny random models."""
    import torch

    from tests.gpu import tiny_models

    root = tmp_path_factory.mktemp("training-models")
    models = root / "models"
    with torch.random.fork_rng(devices=[]):  # the same tiny models every time
        torch.manual_seed(1)
        tiny_models.sdxl(models / "sdxl", root / "scratch")
        tiny_models.controlnet(models / "controlnet-depth", seed=1)
        tiny_models.controlnet(models / "controlnet-canny", seed=2)
        tiny_models.depth(models / "depth")
    return models


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def drawn_pair(index: int, width: int = 96, height: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(photo, illustration), RGB uint8 (height, width, 3): a car photo with a colour of its own,
    and a flat version on white with dark outlines."""
    photo = draw_car(width, height, plate_text=None, seed=index)
    rotation = [0, 1, 2][index % 3]
    body = np.all(np.abs(photo.astype(int) - (200, 30, 40)) < 25, axis=-1)
    photo[body] = np.roll(np.array((200, 30, 40), np.uint8), rotation)
    if index % 2:
        photo = np.ascontiguousarray(photo[:, ::-1])
    background = np.zeros(photo.shape[:2], bool)
    for color in BACKGROUND:
        background |= np.all(np.abs(photo.astype(int) - color) < 20, axis=-1)
    flat = (photo // 64 * 64 + 32).astype(np.uint8)
    flat[background] = 255
    edges = cv2.Canny(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), 60, 120) > 0
    flat[edges] = (30, 30, 30)
    return photo, flat


def write_pairs(folder: Path, count: int = 10, target_suffix: str = ".png") -> Path:
    """``folder/inputs/car<i>.png`` and ``folder/targets/car<i><target_suffix>``."""
    (folder / "inputs").mkdir(parents=True)
    (folder / "targets").mkdir(parents=True)
    for index in range(count):
        photo, flat = drawn_pair(index)
        cv2.imwrite(str(folder / "inputs" / f"car{index}.png"), photo[..., ::-1])
        cv2.imwrite(str(folder / "targets" / f"car{index}{target_suffix}"), flat[..., ::-1])
    return folder


@pytest.fixture(scope="session")
def pairs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pairs(tmp_path_factory.mktemp("pairs"))


def fast_config(models_dir: Path, **overrides: Any) -> Any:
    """The pipeline config training reads: phase I (classical, its slow ONNX steps off), the
    SDXL phase II settings at 64 px, the tiny model directory."""
    from v2v.config import Config, load_config

    data = load_config().model_dump()
    data["phase2"] = {
        "backend": "sdxl-controlnet",
        "resolution": 64,
        "steps": 2,
        "guidance_scale": 5.0,
        "guard": {"enabled": False},
    }
    values: dict[str, Any] = {
        "input.work_long_side": 128,
        "phase1.vehicle_mask.enabled": False,
        "phase1.text_removal.enabled": False,
        "models.dir": str(models_dir),
        **overrides,
    }
    return Config.model_validate(data).with_overrides(values)


#: a short run that still learns something on the tiny models (8 train pairs: 2 steps an epoch)
QUICK: dict[str, Any] = {
    "name": "tiny style",
    "epochs": 4,
    "batch_size": 4,
    "learning_rate": 1e-2,
    "rank": 16,
    "alpha": 8,
    "validation_split": 0.2,
    "save_every": 2,
    "patience": 0,
}
