"""``models.max_vram_gb`` (the original's ``MAX_VRAM_GB``): the GPU memory a config needs,
checked against the limit before any model is loaded.

The figures are the computed peaks of ``docs/models.md`` (*Memory and time at full size*,
``python -m benchmarks.model_sizes``: every model at its published size, fp16, a 1024 × 640
photo), plus the CUDA context of one process. Within the limit nothing changes; above it, the
cheaper ways to run the same config are tried in turn (phase II with model CPU offload, then
phase I released before phase II), and the first that fits is used with a log line saying so;
when none fits, ``ConfigError`` names the setting, the need and the fixes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from v2v.errors import ConfigError

if TYPE_CHECKING:
    from v2v.config import Config

log = logging.getLogger("v2v.vram")

#: GiB, computed peaks of docs/models.md
PHASE1_PEAK = 3.4  # GroundingDINO + SAM + BiRefNet (+ LaMa), the largest call
PHASE2_TILED = 12.8  # SDXL + 2 ControlNets + text encoders + depth + BiRefNet, 512-px VAE tiles
PHASE2_WHOLE = 13.9  # the same with a whole-image fp32 VAE decode (vae_tile: 0)
PHASE2_OFFLOAD = 9.8  # phase II with model CPU offload (UNet + ControlNets on the GPU)
BOTH_RESIDENT = 14.4  # phase I kept loaded while phase II runs (tiled decode)
#: what phase I keeps on the GPU during phase II beyond what phase II shares with it (BiRefNet)
PHASE1_RESIDENT = BOTH_RESIDENT - PHASE2_TILED
CUDA_CONTEXT = 0.5  # per process, not in the figures above


@dataclass(frozen=True)
class VramPlan:
    """How a config runs within the limit: the need (GiB, context included) and the two
    switches that lower it."""

    need_gib: float
    cpu_offload: bool
    keep_loaded: bool


def need_gib(config: Config, cpu_offload: bool, keep_loaded: bool) -> float:
    """Peak GPU memory (GiB) of the config's neural phases with these switches; 0 when no phase
    runs a GPU model (the classical backends run on the CPU)."""
    from v2v.stages.sanitize.grounded_sam_lama import GroundedSamLamaConfig
    from v2v.stages.stylize.sdxl_controlnet import SdxlControlNetConfig

    phase1 = isinstance(config.phase1, GroundedSamLamaConfig) and config.phase1.enabled
    phase2 = isinstance(config.phase2, SdxlControlNetConfig) and config.phase2.enabled
    peaks = [PHASE1_PEAK] if phase1 else []
    if isinstance(config.phase2, SdxlControlNetConfig) and phase2:
        stylize = PHASE2_WHOLE if config.phase2.vae_tile == 0 else PHASE2_TILED
        stylize = PHASE2_OFFLOAD if cpu_offload else stylize
        peaks.append(stylize + (PHASE1_RESIDENT if phase1 and keep_loaded else 0.0))
    return round(max(peaks) + CUDA_CONTEXT, 1) if peaks else 0.0


def plan(config: Config, limit_gib: float) -> VramPlan:
    """The first way to run ``config`` within ``limit_gib``: as configured, then with phase II's
    CPU offload, then also with ``models.keep_loaded: false``. ConfigError when none fits."""
    from v2v.stages.stylize.sdxl_controlnet import SdxlControlNetConfig

    keep = config.models.keep_loaded
    if isinstance(config.phase2, SdxlControlNetConfig):
        tries = [(config.phase2.cpu_offload, keep), (True, keep), (True, False)]
    else:  # phase I alone: releasing it between runs does not lower its peak
        tries = [(False, keep)]
    for cpu_offload, keep_loaded in dict.fromkeys(tries):
        need = need_gib(config, cpu_offload, keep_loaded)
        if need <= limit_gib:
            return VramPlan(need, cpu_offload, keep_loaded)
    least = min(need_gib(config, o, k) for o, k in tries)
    raise ConfigError(
        f"MAX_VRAM_GB (models.max_vram_gb) is {limit_gib:g} GiB but this config needs at least "
        f"{least:g} GiB of GPU memory even with phase2.cpu_offload: true and models.keep_loaded: "
        "false (docs/models.md, memory); raise MAX_VRAM_GB to the GPU's memory, or run phase I "
        "and II on the CPU backends (configs/default.yaml), or set models.device: cpu"
    )


def apply_limit(config: Config) -> dict[str, bool]:
    """The overrides (``phase2.cpu_offload``, ``models.keep_loaded``) that bring ``config``
    within ``models.max_vram_gb``; {} when it fits as it is or no limit is set, or the models run
    on the CPU. Logs what it turns on. Raises ConfigError when nothing fits."""
    limit = config.models.max_vram_gb
    if limit is None or config.models.device == "cpu":
        return {}
    chosen = plan(config, limit)
    changes: dict[str, bool] = {}
    from v2v.stages.stylize.sdxl_controlnet import SdxlControlNetConfig

    stylize = config.phase2
    if isinstance(stylize, SdxlControlNetConfig) and chosen.cpu_offload != stylize.cpu_offload:
        changes["phase2.cpu_offload"] = chosen.cpu_offload
    if chosen.keep_loaded != config.models.keep_loaded:
        changes["models.keep_loaded"] = chosen.keep_loaded
    if changes:
        log.warning(
            "MAX_VRAM_GB=%g: the config as written needs %g GiB of GPU memory; turned on %s "
            "(needs %g GiB; docs/models.md, memory)",
            limit,
            need_gib(
                config,
                bool(getattr(config.phase2, "cpu_offload", False)),
                config.models.keep_loaded,
            ),
            ", ".join(f"{k}: {str(v).lower()}" for k, v in changes.items()),
            chosen.need_gib,
        )
    return changes
