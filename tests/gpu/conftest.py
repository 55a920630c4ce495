"""Fixtures of the GPU-backend tests: a model directory of tiny random models, built once.

Every test module here starts with ``pytest.importorskip("torch", reason=NEEDS_TORCH)``, so
without torch the tests are reported as skipped with that reason; torch is imported lazily here.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

NEEDS_TORCH = (
    "the GPU backends need torch (CPU: pip install torch==2.13.0, then pip install -e '.[gpu]')"
)


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread() -> None:
    """Tiny models on a shared 2-core machine: one thread avoids oversubscription stalls."""
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(1)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete model directory of tiny random models (BiRefNet says: everything is vehicle)."""
    from tests.gpu import tiny_models

    root = tmp_path_factory.mktemp("models")
    return tiny_models.build_all(root / "models", root / "scratch")


def linked_copy(source: Path, target: Path, skip: tuple[str, ...] = ()) -> Path:
    """A model directory whose folders link to ``source``'s, except those in ``skip``."""
    target.mkdir(parents=True)
    for folder in source.iterdir():
        if folder.name not in skip:
            os.symlink(folder, target / folder.name)
    return target


@pytest.fixture
def empty_vehicle_models(model_dir: Path, tmp_path: Path) -> Path:
    """The tiny models, but BiRefNet finds no vehicle in anything (large negative bias)."""
    from tests.gpu import tiny_models

    root = linked_copy(model_dir, tmp_path / "models", skip=("birefnet",))
    tiny_models.birefnet_onnx(root / "birefnet", bias=-6.0)
    return root


@pytest.fixture
def drawn_car() -> np.ndarray:
    """RGB uint8 (96, 144, 3): a red car body with dark wheels on a light background."""
    image = np.full((96, 144, 3), 225, np.uint8)
    image[30:70, 15:130] = (200, 30, 40)
    image[40:52, 60:100] = (245, 245, 245)
    for cx in (40, 105):
        yy, xx = np.ogrid[:96, :144]
        image[(yy - 70) ** 2 + (xx - cx) ** 2 < 14**2] = (25, 25, 28)
    return image


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Each test starts and ends with an empty model cache (loads are counted per test)."""
    from v2v.models.runtime import CACHE

    CACHE.release()
    yield
    CACHE.release()


def remove(path: Path) -> None:
    if path.is_symlink():
        path.unlink()
    else:
        shutil.rmtree(path)
