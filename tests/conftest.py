"""Shared fixtures: images drawn in the test (no downloads, no sample files needed)."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

#: The drawn car's body outline (x, y) on a 640 px wide canvas.
CAR_BODY = np.array(
    [
        [60, 250],
        [90, 190],
        [200, 180],
        [260, 120],
        [430, 120],
        [500, 180],
        [590, 195],
        [600, 260],
        [60, 270],
    ],
    np.int32,
)
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


def draw_car(
    width: int = 640, height: int = 400, plate_text: str | None = "AB12 CDE", seed: int = 0
) -> np.ndarray:
    """A side-view car on a light, slightly textured background. RGB uint8 (H, W, 3)."""
    rng = np.random.default_rng(seed)
    image = np.full((height, width, 3), (222, 228, 232), np.uint8)
    image[int(height * 0.8) :] = (170, 170, 160)  # road
    s = width / 640
    cv2.fillPoly(image, [(CAR_BODY * s).astype(np.int32)], (200, 30, 40))
    window = np.array([[275, 132], [420, 132], [470, 180], [230, 180]], np.int32)
    cv2.fillPoly(image, [(window * s).astype(np.int32)], (50, 60, 75))
    for cx in (160, 490):
        cv2.circle(image, (int(cx * s), int(265 * s)), int(42 * s), (25, 25, 28), -1)
        cv2.circle(image, (int(cx * s), int(265 * s)), int(18 * s), (170, 175, 180), -1)
    if plate_text:
        x0, y0 = int(255 * s), int(200 * s)
        cv2.rectangle(image, (x0, y0), (x0 + int(150 * s), y0 + int(40 * s)), (245, 245, 245), -1)
        cv2.putText(
            image,
            plate_text,
            (x0 + int(8 * s), y0 + int(30 * s)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.9 * s,
            (10, 10, 10),
            max(1, int(2 * s)),
            cv2.LINE_AA,
        )
    noise = rng.normal(0, 4, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


@pytest.fixture
def car_image() -> np.ndarray:
    return draw_car()


@pytest.fixture
def car_path(tmp_path: Path) -> Path:
    path = tmp_path / "car.png"
    cv2.imwrite(str(path), cv2.cvtColor(draw_car(), cv2.COLOR_RGB2BGR))
    return path


@pytest.fixture(autouse=True, scope="session")
def _own_model_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Derived models (v2v.stages.sanitize.model_cache) go to a folder of the test run, not the
    user's ~/.cache/v2v; subprocesses started by tests inherit it."""
    os.environ["V2V_CACHE_DIR"] = str(tmp_path_factory.mktemp("v2v-cache"))
