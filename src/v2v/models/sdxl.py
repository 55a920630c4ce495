"""SDXL + two ControlNets (depth, Canny) through diffusers, loaded once from ``sdxl/``,
``controlnet-depth/`` and ``controlnet-canny/`` and kept in the model cache.

The cached ``SdxlControlNet`` owns the diffusers pipeline; scheduler and LoRA are switched on it
per call (under a lock) instead of reloading, which the original did on every request.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from v2v.errors import BackendUnavailable, ConfigError, StageFailed, WeightsMissing
from v2v.models.layout import require, resolve_lora_dir
from v2v.models.runtime import CACHE, Runtime, cache_key, require_modules
from v2v.models.tokens import caption, check_trigger_fits, install_in_pipeline, read_trigger

BACKEND = "sdxl-controlnet"
ADAPTER = "style"


@dataclass(frozen=True)
class Generation:
    """One SDXL call. Control images are uint8 (h, w) at the generation size (multiples of 8)."""

    prompt: str
    negative_prompt: str
    depth: NDArray[np.uint8]
    canny: NDArray[np.uint8]
    depth_weight: float
    canny_weight: float
    canny_end: float
    steps: int
    guidance_scale: float
    seed: int


def weight_variant(folder: Path) -> str | None:
    """'fp16' when the folder holds only the fp16 weight files (as `v2v models download` does)."""
    full = list(folder.rglob("diffusion_pytorch_model.safetensors"))
    half = list(folder.rglob("diffusion_pytorch_model.fp16.safetensors"))
    return "fp16" if half and not full else None


def scheduler_class(name: str) -> Any:
    """The diffusers scheduler class called ``name``; ConfigError naming a few when unknown."""
    (diffusers,) = require_modules(BACKEND, "diffusers")
    cls = getattr(diffusers, name, None)
    if not (isinstance(cls, type) and issubclass(cls, diffusers.SchedulerMixin)):
        known = "UniPCMultistepScheduler, EulerDiscreteScheduler, DPMSolverMultistepScheduler"
        raise ConfigError(f"phase2.scheduler: {name!r} is not a diffusers scheduler; e.g. {known}")
    return cls


class SdxlControlNet:
    """A loaded SDXL ControlNet pipeline with its current scheduler and LoRA."""

    def __init__(self, pipe: Any, runtime: Runtime, offload: bool = False) -> None:
        self.pipe = pipe
        self.runtime = runtime
        self.offload = offload
        self.lora: str | None = None
        self.trigger: str | None = None  # the trigger token of a LoRA trained by v2v.training
        self.scheduler = type(pipe.scheduler).__name__
        self.lock = threading.Lock()

    def use_scheduler(self, name: str) -> None:
        if name != self.scheduler:
            self.pipe.scheduler = scheduler_class(name).from_config(self.pipe.scheduler.config)
            self.scheduler = name

    def use_lora(self, path: Path | None, scale: float) -> None:
        """Load (or unload) the style LoRA; its scale is applied on every call."""
        wanted = str(path) if path is not None else None
        if wanted != self.lora:
            if self.lora is not None:
                self.pipe.unload_lora_weights()
                self.lora = self.trigger = None
            if path is not None:
                _load_lora(self.pipe, path)
                self.lora, self.trigger = wanted, _install_trigger(self.pipe, path)
        if self.lora is not None:
            self.pipe.set_adapters([ADAPTER], adapter_weights=[scale])

    def generate(self, job: Generation) -> NDArray[np.uint8]:
        """RGB uint8 (h, w, 3) image at the control images' size."""
        import torch
        from PIL import Image

        height, width = job.depth.shape
        controls = [Image.fromarray(np.dstack([c] * 3)) for c in (job.depth, job.canny)]
        generator = torch.Generator("cpu").manual_seed(job.seed)
        prompt = job.prompt
        if self.trigger:
            prompt = caption(job.prompt, self.trigger)
            check_trigger_fits((self.pipe.tokenizer, self.pipe.tokenizer_2), prompt, self.trigger)
        result = self.pipe(
            prompt=prompt,
            negative_prompt=job.negative_prompt,
            image=controls,
            controlnet_conditioning_scale=[job.depth_weight, job.canny_weight],
            control_guidance_start=[0.0, 0.0],
            control_guidance_end=[1.0, job.canny_end],
            num_inference_steps=job.steps,
            guidance_scale=job.guidance_scale,
            height=height,
            width=width,
            generator=generator,
            output_type="np",
            callback_on_step_end=self._offload_controlnets_callback(),
        )
        image = np.asarray(result.images[0], dtype=np.float32)
        if not np.isfinite(image).all():
            raise StageFailed(
                "SDXL returned NaN pixels (fp16 overflow?); set models.precision: bf16 or fp32"
            )
        return np.clip(image * 255.0, 0, 255).round().astype(np.uint8)

    def _offload_controlnets_callback(self) -> Any:
        """With model CPU offload, a step callback that sends the ControlNets back to the CPU
        after the last step. diffusers leaves them out of the offload chain (they alternate with
        the UNet every step) and only frees them after the VAE decode, so 2 × 2.5 GB (fp16)
        would sit on the GPU beside the fp32 VAE decode; None without offload."""
        if not self.offload:
            return None
        import torch

        def callback(pipe: Any, step: int, timestep: Any, tensors: dict[str, Any]) -> Any:
            if step == pipe.num_timesteps - 1:
                pipe.controlnet.to("cpu")
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
            return tensors

        return callback


def _load_lora(pipe: Any, path: Path) -> None:
    try:
        if path.is_file():
            pipe.load_lora_weights(str(path.parent), weight_name=path.name, adapter_name=ADAPTER)
        else:
            pipe.load_lora_weights(str(path), adapter_name=ADAPTER)
    except (OSError, ValueError, KeyError) as exc:
        raise WeightsMissing(
            f"phase2.lora.path: cannot load the LoRA {path} ({exc}); it must "
            "be a diffusers/kohya SDXL LoRA (.safetensors)"
        ) from None


def _install_trigger(pipe: Any, path: Path) -> str | None:
    """Add the trigger token of a LoRA trained here (its card beside the file) to the pipeline's
    tokenizers and text encoders, exactly as training did; None for other LoRAs."""
    found = read_trigger(path) if path.is_file() else None
    if found is not None:
        install_in_pipeline(pipe, *found)
    return found[0] if found else None


def resolve_lora(path: str, model_dir: Path) -> Path | None:
    """'' → None; an existing path; else a name under ``loras/`` (with or without .safetensors)."""
    if not path:
        return None
    direct = Path(path).expanduser()
    folder = resolve_lora_dir(model_dir)
    for candidate in (direct, folder / path, folder / f"{path}.safetensors"):
        if candidate.exists():
            return candidate
    raise WeightsMissing(
        f"phase2.lora.path: LoRA {path!r} not found as a path nor in {folder}; "
        "copy the .safetensors file there or give its full path"
    )


def env_flag(name: str) -> bool:
    """An environment variable read as a boolean: 1/true/yes/on are true, anything else
    (unset, 0, false, no, off) false."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _attention(pipe: Any, attention: str) -> str:
    if attention != "xformers":
        return "sdpa"
    if env_flag("DISABLE_XFORMERS"):  # "0", "false", "no", "off" and "" mean not disabled
        return "sdpa (xformers disabled by DISABLE_XFORMERS)"
    require_modules(BACKEND, "xformers")
    pipe.enable_xformers_memory_efficient_attention()
    return "xformers"


def load(
    runtime: Runtime, attention: str, cpu_offload: bool, vae_tile: int = 512
) -> tuple[SdxlControlNet, str]:
    """The cached pipeline for this runtime, and the attention implementation it uses.

    ``vae_tile`` > 0 decodes the latents in tiles of that many px (overlapping by a quarter,
    blended): the fp32 decode of a 1024² image then needs about a quarter of the memory.
    """
    base = require("sdxl", runtime.model_dir)
    depth_dir = require("controlnet-depth", runtime.model_dir)
    canny_dir = require("controlnet-canny", runtime.model_dir)
    offload = cpu_offload and runtime.device == "cuda"
    key = cache_key("sdxl", base, runtime, attention, f"offload={offload}", f"tile={vae_tile}")

    def build() -> tuple[SdxlControlNet, str]:
        diffusers, _ = require_modules(BACKEND, "diffusers", "transformers")
        from diffusers.models.controlnets import MultiControlNetModel

        try:
            nets = [
                diffusers.ControlNetModel.from_pretrained(
                    d, dtype=runtime.dtype, variant=weight_variant(d), local_files_only=True
                )
                for d in (depth_dir, canny_dir)
            ]
            pipe = diffusers.StableDiffusionXLControlNetPipeline.from_pretrained(
                base,
                controlnet=MultiControlNetModel(nets),
                dtype=runtime.dtype,
                variant=weight_variant(base),
                local_files_only=True,
            )
        except (OSError, ValueError) as exc:
            raise WeightsMissing(
                f"cannot load SDXL/ControlNet weights from {runtime.model_dir} "
                f"({exc}); run `v2v models verify`"
            ) from None
        if offload:
            pipe.enable_model_cpu_offload()
        else:
            pipe.to(runtime.device)
        pipe.set_progress_bar_config(disable=True)
        use_vae_tiles(pipe.vae, vae_tile)
        return SdxlControlNet(pipe, runtime, offload), _attention(pipe, attention)

    try:
        return CACHE.get(key, build)
    except ImportError as exc:
        raise BackendUnavailable(f"{BACKEND}: {exc}") from None


def use_vae_tiles(vae: Any, tile: int) -> None:
    """Tiled VAE decoding with ``tile``-px tiles (0: off). diffusers' own threshold is the VAE's
    ``sample_size`` (1024 for SDXL), so a 1024² image would never be tiled without this."""
    if tile <= 0:
        vae.disable_tiling()
        return
    vae.enable_tiling()
    factor = 2 ** (len(vae.config.block_out_channels) - 1)
    vae.tile_sample_min_size = tile
    vae.tile_latent_min_size = tile // factor
