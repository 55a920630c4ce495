"""A backend added by one class (docs/backends.md): once registered, a toy phase IV backend is an
accepted ``phase4.backend``, the pipeline builds and runs it, ``v2v backends`` lists it, and the
API's catalog and capabilities offer it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
from fastapi.testclient import TestClient
from numpy.typing import NDArray
from pydantic import Field
from typer.testing import CliRunner

from v2v.artefacts import StyledImage, VectorArt
from v2v.cli import app
from v2v.color.ciede2000 import map_pixels_to_palette
from v2v.color.palette import Palette
from v2v.config import ModelsConfig, VectorizerParams, load_config
from v2v.context import RunContext
from v2v.errors import ConfigError
from v2v.pipeline import Pipeline
from v2v.stages import VECTORIZERS, Vectorizer

NAME = "toy-box"


class ToyBoxParams(VectorizerParams):
    backend: Literal["toy-box"] = "toy-box"
    corner_radius: float = Field(0.0, ge=0.0, le=50.0, description="rounded corners, px")


class ToyBoxVectorizer(Vectorizer):
    """CPU: the vehicle's bounding box as one rectangle in its most common palette colour."""

    name = NAME
    params = ToyBoxParams

    def __init__(self, params: ToyBoxParams, models: ModelsConfig | None = None) -> None:
        self.config = params

    def run(
        self,
        rgba: NDArray[np.uint8],
        palette: Palette,
        edges: NDArray[np.uint8],
        ctx: RunContext,
        scale: float = 1.0,
    ) -> VectorArt:
        height, width = edges.shape
        rows, cols = np.nonzero(rgba[..., 3])
        indices, _ = map_pixels_to_palette(rgba[rows, cols, :3], palette)
        fill = palette.colors[int(np.bincount(indices).argmax())]
        x0, y0 = cols.min() / scale, rows.min() / scale
        box_w, box_h = (cols.max() + 1) / scale - x0, (rows.max() + 1) / scale - y0
        stroke = self.config.stroke
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><rect x="{x0:g}" y="{y0:g}" width="{box_w:g}" '
            f'height="{box_h:g}" rx="{self.config.corner_radius:g}" fill="{fill}" '
            f'stroke="{stroke.color_in(palette)}" stroke-width="{stroke.width:g}" '
            'vector-effect="non-scaling-stroke"/></svg>'
        )
        return VectorArt(svg, width, height, notes={"backend": NAME})


@pytest.fixture
def toy() -> Iterator[None]:
    """The toy registered for one test: the one line a built-in backend adds to BUILT_IN."""
    VECTORIZERS.register(ToyBoxVectorizer)
    yield
    VECTORIZERS.unregister(NAME)


def test_the_config_accepts_a_backend_only_once_it_is_registered(toy: None) -> None:
    config = load_config(overrides=["phase4.backend=toy-box", "phase4.corner_radius=3"])
    assert isinstance(config.phase4, ToyBoxParams) and config.phase4.corner_radius == 3.0
    assert config.with_overrides({"phase4.stroke.width": 3}).phase4 == ToyBoxParams(
        corner_radius=3.0, stroke={"width": 3.0}
    )
    with pytest.raises(ConfigError, match=r"phase4.corner_radius: Input should be less"):
        load_config(overrides={"phase4.backend": "toy-box", "phase4.corner_radius": 99})
    VECTORIZERS.unregister(NAME)
    try:
        with pytest.raises(
            ConfigError, match=r"phase4\.backend: unknown backend; allowed: vtracer"
        ):
            load_config(overrides=["phase4.backend=toy-box"])
    finally:
        VECTORIZERS.register(ToyBoxVectorizer)


def test_the_pipeline_builds_and_runs_the_registered_backend(toy: None) -> None:
    config = load_config(overrides=["phase4.backend=toy-box", "phase4.corner_radius=2"])
    pipeline = Pipeline(config, palette=["#15181C", "#C8202F", "#FFFFFF"])
    pixels = np.zeros((40, 60, 3), np.uint8)
    mask = np.zeros((40, 60), bool)
    pixels[10:30, 5:50], mask[10:30, 5:50] = (200, 30, 45), True
    art = pipeline.vectorize(StyledImage(pixels, mask, np.zeros((40, 60), np.uint8)), None)
    assert art is not None and art.notes == {"backend": NAME}
    assert 'x="5" y="10" width="45" height="20" rx="2" fill="#C8202F"' in art.svg
    assert 'stroke="#15181C"' in art.svg


def test_v2v_backends_lists_the_registered_backend(toy: None) -> None:
    result = CliRunner().invoke(app, ["backends"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(f"phase4  {NAME} "))
    assert "bounding box as one rectangle" in lines[index]
    assert lines[index + 1].strip() == "→ available"


def test_the_api_catalog_and_capabilities_offer_the_registered_backend(
    toy: None, make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text("phase4:\n  backend: toy-box\n  corner_radius: 4\n", encoding="utf-8")
    client = make_client(pipeline_config=pipeline)
    listed = {(b["phase"], b["name"]): b["selected"] for b in client.get("/api/v1/backends").json()}
    assert listed[("phase4", NAME)] is True and listed[("phase4", "vtracer")] is False
    capabilities = client.get("/api/v1/capabilities").json()
    toy_entry = next(b for b in capabilities["backends"] if b["name"] == NAME)
    assert toy_entry["available"] and not toy_entry["needs_gpu"] and toy_entry["selected"]
