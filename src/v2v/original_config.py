"""The original system's YAML config (``configs/default_config.yaml``, see
``shared/REFERENCE.md`` §3.1) read in today's words.

A file with the original's sections (``hardware``, ``serverless``, ``pipeline``) is translated
onto ``configs/gpu.yaml`` (the original was a GPU system): each original key either becomes
today's key (``RENAMED``, values converted where the words differ), or is one the original did
not use or that today's product decides elsewhere (``NOT_TRANSLATED``, each with its reason).
Both are logged once per load, so a deployment moving over reads what happened to every key
it set. A key in neither table is an error naming it: nothing is ignored without a word.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from v2v.errors import ConfigError

log = logging.getLogger(__name__)

#: sections only the original's config has (today's has none of them)
ORIGINAL_SECTIONS = frozenset({"hardware", "serverless", "pipeline"})

_COLOURS = {"black": "#000000", "white": "#ffffff", "gray": "#808080", "grey": "#808080"}


def _precision(value: Any) -> Any:
    text = str(value).strip().lower()
    return {"float16": "fp16", "float32": "fp32", "bfloat16": "bf16"}.get(text, text)


def _device(value: Any) -> Any:
    text = str(value).strip().lower()
    return "cuda" if text.startswith("cuda:") else text


def _attention(value: Any) -> Any:
    return "xformers" if value is True else "sdpa" if value is False else value


def _guard_policy(value: Any) -> Any:
    """``allow_skip_on_failure``: true = keep the best attempt (warn), false = stop (fail)."""
    return "warn" if value is True else "fail" if value is False else value


def _colour(value: Any) -> Any:
    return _COLOURS.get(str(value).strip().lower(), value)


def _same(value: Any) -> Any:
    return value


#: original dotted key → (today's dotted key, value converter)
RENAMED: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "pipeline.random_seed": ("seed", _same),
    "hardware.device": ("models.device", _device),
    "hardware.precision": ("models.precision", _precision),
    "hardware.enable_xformers": ("phase2.attention", _attention),
    "hardware.enable_model_cpu_offload": ("phase2.cpu_offload", _same),
    "serverless.model_volume_path": ("models.dir", _same),
    "phase1.enabled": ("phase1.enabled", _same),
    "phase1.grounding_dino.box_threshold": ("phase1.detection.box_threshold", _same),
    "phase1.grounding_dino.text_threshold": ("phase1.detection.text_threshold", _same),
    "phase1.grounding_dino.prompts": ("phase1.detection.prompts", _same),
    "phase1.sam.dilation_kernel": ("phase1.segmentation.dilation", _same),
    "phase2.enabled": ("phase2.enabled", _same),
    "phase2.iou_retry.max_retries": ("phase2.guard.max_retries", _same),
    "phase2.iou_retry.iou_threshold": ("phase2.guard.min_iou", _same),
    "phase2.iou_retry.allow_skip_on_failure": ("phase2.guard.policy", _guard_policy),
    "phase2.sdxl.num_inference_steps": ("phase2.steps", _same),
    "phase2.sdxl.guidance_scale": ("phase2.guidance_scale", _same),
    "phase2.sdxl.scheduler": ("phase2.scheduler", _same),
    "phase2.sdxl.negative_prompt": ("phase2.negative_prompt", _same),
    "phase2.controlnet.depth_weight": ("phase2.controlnet.depth_weight", _same),
    "phase2.controlnet.canny_weight": ("phase2.controlnet.canny_weight", _same),
    "phase2.controlnet.canny_step_off": ("phase2.controlnet.canny_end", _same),
    "phase2.lora.path": ("phase2.lora.path", _same),
    "phase2.lora.scale": ("phase2.lora.scale", _same),
    "phase3.enabled": ("phase3.enabled", _same),
    "phase3.upscaler.enabled": ("phase3.upscale.enabled", _same),
    "phase3.upscaler.scale": ("phase3.upscale.factor", _same),
    "phase3.noise_removal.enabled": ("phase3.remove_specks", _same),
    "phase4.enabled": ("phase4.enabled", _same),
    "phase4.vtracer.filter_speckle": ("phase4.vtracer.filter_speckle", _same),
    "phase4.vtracer.corner_threshold": ("phase4.vtracer.corner_threshold", _same),
    "phase4.vtracer.segment_length": ("phase4.vtracer.length_threshold", _same),
    "phase4.svg.stroke_width": ("phase4.stroke.width", _same),
    "phase4.svg.stroke_color": ("phase4.stroke.color", _colour),
    "phase4.svg.strategy": ("phase4.strategy", _same),
    "output.png_preview_resolution": ("output.preview_long_side", _same),
}

_UNUSED = "the original did not use it either"
_MODEL_DIR = "models are the files in the model directory (docs/models.md), not ids"
#: original dotted key (or section prefix ending in ".") → why it is not translated
NOT_TRANSLATED: dict[str, str] = {
    "pipeline.version": "the version is the installed package's (v2v --version)",
    "pipeline.name": _UNUSED,
    "hardware.max_vram_gb": "set MAX_VRAM_GB in the environment, as the original read it",
    "hardware.enable_attention_slicing": "attention is phase2.attention (sdpa or xformers)",
    "serverless.enable_load_run_flush": _UNUSED + "; today's switch is models.keep_loaded",
    "serverless.cold_start_timeout": _UNUSED,
    "serverless.max_execution_time": _UNUSED,
    "phase1.grounding_dino.model_id": _MODEL_DIR,
    "phase1.sam.model": _MODEL_DIR,
    "phase1.sam.checkpoint": _MODEL_DIR,
    "phase1.lama.model": _MODEL_DIR,
    "phase1.quality_threshold": "the original only logged it; QA's qa.min_silhouette_iou decides",
    "phase2.sdxl.base_model": _MODEL_DIR,
    "phase2.controlnet.depth_model": _MODEL_DIR,
    "phase2.controlnet.canny_model": _MODEL_DIR,
    "phase2.background_removal.": _MODEL_DIR + " (BiRefNet)",
    "phase2.depth_estimation.": _MODEL_DIR + " (depth/)",
    "phase2.edge_detection.enabled": _UNUSED + "; Canny always feeds its ControlNet",
    "phase3.upscaler.model": _MODEL_DIR + " (realesrgan/)",
    "phase3.quantization.": "palette mapping is always CIEDE2000 to the chosen palette",
    "phase3.noise_removal.min_area_percent": (
        "the rule differs: today's phase3.min_area_percent is a share of the vehicle's area "
        "(docs/compatibility.md says why); its default is kept"
    ),
    "phase4.centerline.enabled": _UNUSED + "; centerlines are phase4.strategy B",
    "phase4.vtracer.mode": "shapes are always stacked, one layer per palette colour",
    "phase4.vtracer.timeout_seconds": "a job's time limit is the service's JOB_TIMEOUT",
    "output.formats": "the SVG and its PNG preview are always written",
    "output.svg_resolution": "the SVG's size is the photo's working size (input.work_long_side)",
    "training.": "training settings are each training job's params (docs/training.md)",
    "logging.": "logging is set by LOG_LEVEL / LOG_FORMAT in the environment",
}


@dataclass
class Translation:
    """Today's overrides for an original config, and what happened to each original key."""

    overrides: dict[str, Any] = field(default_factory=dict)
    renamed: list[str] = field(default_factory=list)
    not_translated: list[str] = field(default_factory=list)


def is_original(data: Mapping[str, Any]) -> bool:
    """True when ``data`` (a parsed YAML mapping) is in the original system's format."""
    return bool(ORIGINAL_SECTIONS & set(data))


def translate(data: Mapping[str, Any], source: str) -> Translation:
    """Today's dotted overrides for the original config ``data``; ConfigError naming every key
    that is neither renamed nor known to be left out."""
    out = Translation()
    unknown: list[str] = []
    for dotted, value in _leaves(data):
        if dotted in RENAMED:
            today, convert = RENAMED[dotted]
            out.overrides[today] = convert(value)
            out.renamed.append(f"{dotted} → {today}")
        elif reason := _reason(dotted):
            out.not_translated.append(f"{dotted}: {reason}")
        else:
            unknown.append(dotted)
    if unknown:
        raise ConfigError(
            f"{source}: original-format config key(s) not understood: {', '.join(unknown)}. "
            "docs/compatibility.md lists every original key and today's name for it"
        )
    for line in out.renamed:
        log.warning("%s (original format): %s", source, line)
    for line in out.not_translated:
        log.warning("%s (original format): not used: %s", source, line)
    return out


def _reason(dotted: str) -> str | None:
    if dotted in NOT_TRANSLATED:
        return NOT_TRANSLATED[dotted]
    for prefix, reason in NOT_TRANSLATED.items():
        if prefix.endswith(".") and dotted.startswith(prefix):
            return reason
    return None


def _leaves(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) of every leaf; a mapping under a renamed key is a leaf too."""
    found: list[tuple[str, Any]] = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and dotted not in RENAMED:
            found.extend(_leaves(value, dotted + "."))
        else:
            found.append((dotted, value))
    return found
