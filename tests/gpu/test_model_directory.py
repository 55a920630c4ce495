"""The model directory: layout, `models list/verify`, WeightsMissing messages (no torch needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from v2v.errors import InputError, WeightsMissing
from v2v.models import SPECS, list_models, require, resolve_model_dir, verify


def test_verify_on_an_empty_directory_names_every_missing_folder(tmp_path: Path) -> None:
    statuses = verify(tmp_path)
    assert [s.name for s in statuses] == list(SPECS)
    assert not any(s.ok for s in statuses)
    for status in statuses:
        assert str(tmp_path / status.name) in status.problem


def test_missing_weights_name_the_folder_the_backend_and_the_fill_command(tmp_path: Path) -> None:
    with pytest.raises(WeightsMissing) as caught:
        require("sam", tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "sam") in message
    assert "grounded-sam-lama" in message
    assert "v2v models download sam" in message


def test_a_folder_without_weights_is_not_present_enough(tmp_path: Path) -> None:
    (tmp_path / "lama").mkdir()
    (tmp_path / "lama" / "README.txt").write_text("put big-lama.pt here")
    with pytest.raises(WeightsMissing, match=r"has no \*\.pt or \*\.jit or \*\.onnx"):
        require("lama", tmp_path)
    (tmp_path / "lama" / "big-lama.pt").write_bytes(b"x")
    assert require("lama", tmp_path) == tmp_path / "lama"


def test_verify_finds_broken_json_empty_weights_and_missing_sdxl_components(tmp_path: Path) -> None:
    (tmp_path / "sam").mkdir()
    (tmp_path / "sam" / "config.json").write_text("{not json")
    (tmp_path / "sam" / "model.safetensors").write_bytes(b"weights")
    (tmp_path / "depth").mkdir()
    (tmp_path / "depth" / "config.json").write_text("{}")
    (tmp_path / "depth" / "model.safetensors").write_bytes(b"")
    sdxl = tmp_path / "sdxl"
    (sdxl / "unet").mkdir(parents=True)
    (sdxl / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"w")
    (sdxl / "model_index.json").write_text(
        json.dumps(
            {
                "_class_name": "StableDiffusionXLPipeline",
                "unet": ["diffusers", "UNet2DConditionModel"],
                "vae": ["diffusers", "AutoencoderKL"],
            }
        )
    )
    found = {s.name: s for s in verify(tmp_path, ["sam", "depth", "sdxl"])}
    assert "not valid JSON" in found["sam"].problem
    assert "is empty" in found["depth"].problem
    assert str(sdxl / "vae") in found["sdxl"].problem
    # list_models only looks at presence: all three folders count as present there
    listed = {s.name: s for s in list_models(tmp_path)}
    assert listed["sam"].ok and listed["depth"].ok and listed["sdxl"].ok


def test_verify_rejects_unknown_names(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown model folder"):
        verify(tmp_path, ["sam", "stable-cascade"])


def test_model_directory_precedence_config_then_environment_then_default(tmp_path: Path) -> None:
    env = {"MODEL_VOLUME_PATH": str(tmp_path / "volume")}
    assert resolve_model_dir(str(tmp_path / "cfg"), env) == tmp_path / "cfg"
    assert resolve_model_dir(None, env) == tmp_path / "volume"
    assert resolve_model_dir(None, {}) == Path("~/.cache/v2v/models").expanduser()


def test_every_backend_folder_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "models.md").read_text()
    for name in SPECS:
        assert f"`{name}/`" in doc


def test_registering_the_gpu_backends_does_not_import_torch() -> None:
    code = (
        "import sys, v2v; from v2v.stages import SANITIZERS, STYLIZERS, load_backends; "
        "load_backends(); import v2v.models, v2v.stages.palette.realesrgan; "
        "assert 'grounded-sam-lama' in SANITIZERS.names(), SANITIZERS.names(); "
        "assert 'sdxl-controlnet' in STYLIZERS.names(); "
        "assert 'torch' not in sys.modules and 'diffusers' not in sys.modules"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
