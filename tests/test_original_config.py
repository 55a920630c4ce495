"""An original-format YAML config (``configs/default_config.yaml`` as ``shared/REFERENCE.md``
§3.1 describes it) loads, translated key by key onto today's GPU config."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from v2v.config import load_config
from v2v.errors import ConfigError

# Written from REFERENCE.md §3.1's table (its defaults), not from today's code.
ORIGINAL = """
pipeline:
  version: "3.0.0"
  name: "Gemini 3 Pro Vehicle-to-Vector"
  random_seed: 7
hardware:
  device: cuda
  precision: float16
  max_vram_gb: 24
  enable_xformers: true
  enable_attention_slicing: true
serverless:
  model_volume_path: /models
  enable_load_run_flush: true
  cold_start_timeout: 10
  max_execution_time: 300
phase1:
  enabled: true
  grounding_dino:
    model_id: IDEA-Research/grounding-dino-base
    box_threshold: 0.4
    text_threshold: 0.3
    prompts: [side view mirror, car logo, brand badge, license plate, text, sticker]
  sam: {model: vit_h, checkpoint: sam_vit_h_4b8939.pth, dilation_kernel: 7}
  lama: {model: big-lama}
  quality_threshold: 0.97
phase2:
  enabled: true
  iou_retry: {max_retries: 3, iou_threshold: 0.9, allow_skip_on_failure: false}
  sdxl:
    base_model: stabilityai/stable-diffusion-xl-base-1.0
    num_inference_steps: 25
    guidance_scale: 6.5
    scheduler: UniPCMultistepScheduler
    negative_prompt: "blurry, distorted, text, watermark, logo"
  controlnet:
    depth_model: diffusers/controlnet-depth-sdxl-1.0
    canny_model: diffusers/controlnet-canny-sdxl-1.0
    depth_weight: 0.7
    canny_weight: 0.3
    canny_step_off: 0.75
  lora: {path: vector_style_v1.safetensors, scale: 0.8}
  background_removal: {enabled: true, model: birefnet}
  depth_estimation: {enabled: true, model: zoedepth}
  edge_detection: {enabled: true}
training:
  phase1_retry: {max_retries: 3, retry_on_no_change: true, skip_on_failure: false}
phase3:
  enabled: true
  upscaler: {enabled: true, model: RealESRGAN_x4plus_anime, scale: 4}
  quantization: {enabled: true, method: auto, palette_colors: 15}
  noise_removal: {enabled: true, min_area_percent: 0.001}
phase4:
  enabled: true
  centerline: {enabled: true}
  vtracer: {mode: stacked, filter_speckle: 6, corner_threshold: 50, segment_length: 5,
            timeout_seconds: 300}
  svg: {stroke_width: 3, stroke_color: black, strategy: B}
output: {formats: [svg, png], svg_resolution: 4096, png_preview_resolution: 1536}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "default_config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_original_config_loads_with_every_value_it_set(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="v2v.original_config"):
        config = load_config(write(tmp_path, ORIGINAL), environ={})
    assert config.seed == 7
    assert (config.models.device, config.models.precision, config.models.dir) == (
        "cuda",
        "fp16",
        "/models",
    )
    p1, p2 = config.phase1, config.phase2
    assert p1.backend == "grounded-sam-lama" and p2.backend == "sdxl-controlnet"
    assert (p1.detection.box_threshold, p1.detection.text_threshold) == (0.4, 0.3)
    assert p1.segmentation.dilation == 7
    assert (p2.steps, p2.guidance_scale, p2.attention) == (25, 6.5, "xformers")
    assert (p2.controlnet.depth_weight, p2.controlnet.canny_weight) == (0.7, 0.3)
    assert (p2.guard.max_retries, p2.guard.min_iou, p2.guard.policy) == (3, 0.9, "fail")
    assert p2.lora.path == "vector_style_v1.safetensors"
    assert (config.phase3.upscale.enabled, config.phase3.upscale.factor) == (True, 4)
    v = config.phase4.vtracer
    assert (v.filter_speckle, v.corner_threshold, v.length_threshold) == (6, 50, 5.0)
    stroke = config.phase4.stroke
    assert (stroke.width, stroke.color, config.phase4.strategy) == (3.0, "#000000", "B")
    assert config.output.preview_long_side == 1536
    said = caplog.text
    # Each renamed key is named once, with today's name; each left-out key with its reason.
    assert said.count("phase2.sdxl.num_inference_steps → phase2.steps") == 1
    assert "hardware.max_vram_gb: set MAX_VRAM_GB" in said
    assert "phase3.noise_removal.min_area_percent: the rule differs" in said


def test_an_unknown_original_key_is_named_not_ignored(tmp_path: Path) -> None:
    text = ORIGINAL.replace("  random_seed: 7", "  random_seed: 7\n  random_sed: 8")
    with pytest.raises(ConfigError, match=r"not understood: pipeline\.random_sed"):
        load_config(write(tmp_path, text), environ={})


def test_a_bad_original_value_is_refused_naming_todays_key(tmp_path: Path) -> None:
    text = ORIGINAL.replace("precision: float16", "precision: float8")
    with pytest.raises(ConfigError, match=r"models\.precision"):
        load_config(write(tmp_path, text), environ={})


def test_the_environment_still_wins_over_an_original_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ORIGINAL), environ={"DEVICE": "cpu"})
    assert config.models.device == "cpu"
