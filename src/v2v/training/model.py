"""The SDXL parts a LoRA run needs, loaded from the model directory for training.

- UNet: frozen base weights in the autocast dtype (fp32 on CPU), a peft LoRA on its attention
  projections (``to_q``, ``to_k``, ``to_v``, ``to_out.0``) whose weights stay fp32 (no fp16 master
  weights), gradient checkpointing when asked;
- VAE: fp32 always (SDXL's VAE overflows in fp16), encoder only used, inputs in [-1, 1];
- depth and Canny ControlNets: frozen, in the autocast dtype;
- text encoders: loaded once to install the trigger token and encode the caption (the caption is
  the same for every sample), then dropped;
- noise scheduler: DDPM with the base model's scheduler config (betas, prediction type).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from v2v.errors import BackendUnavailable, ConfigError, WeightsMissing
from v2v.models.layout import require
from v2v.models.runtime import Runtime, require_modules
from v2v.models.sdxl import weight_variant
from v2v.models.tokens import install_trigger
from v2v.training.params import TrainingParams

BACKEND = "training"
LORA_TARGETS = ["to_k", "to_q", "to_v", "to_out.0"]
TRAIN_MODULES = ("torch", "diffusers", "transformers", "peft")


@dataclass
class Components:
    """Loaded models and the encoded caption. ``autocast`` is None when running in fp32."""

    unet: Any
    vae: Any
    controlnets: list[Any]
    scheduler: Any
    prompt_embeds: Any  # float32 (1, 77, 2048 for SDXL)
    pooled_embeds: Any  # float32 (1, 1280 for SDXL)
    device: str
    weight_dtype: Any
    autocast: Any
    base: Path

    def trainable(self) -> list[Any]:
        return [p for p in self.unet.parameters() if p.requires_grad]


def precision_dtypes(torch: Any, device: str, precision: str) -> tuple[Any, Any]:
    """(frozen weight dtype, autocast dtype or None) for ``TrainingParams.precision``."""
    if device != "cuda" or precision == "fp32":
        return torch.float32, None
    if precision == "bf16" or (precision == "auto" and torch.cuda.is_bf16_supported()):
        if not torch.cuda.is_bf16_supported():
            raise BackendUnavailable("precision bf16: this GPU has no bfloat16; use fp16 or auto")
        return torch.bfloat16, torch.bfloat16
    return torch.float16, torch.float16


def load_components(runtime: Runtime, params: TrainingParams, caption: str) -> Components:
    """Load everything from ``sdxl/``, ``controlnet-depth/`` and ``controlnet-canny/``."""
    torch, diffusers, _, _ = require_modules(BACKEND, *TRAIN_MODULES)
    base = require("sdxl", runtime.model_dir)
    nets = [require(name, runtime.model_dir) for name in ("controlnet-depth", "controlnet-canny")]
    weight_dtype, autocast = precision_dtypes(torch, runtime.device, params.precision)
    try:
        prompt, pooled = _encode_caption(base, params, caption)
        unet = _lora_unet(diffusers, base, params, weight_dtype, runtime.device)
        vae = _frozen(
            diffusers.AutoencoderKL,
            base / "vae",
            torch.float32,
            runtime.device,
            weight_variant(base),
        )
        controlnets = [
            _frozen(
                diffusers.ControlNetModel, net, weight_dtype, runtime.device, weight_variant(net)
            )
            for net in nets
        ]
        scheduler = diffusers.DDPMScheduler.from_pretrained(base / "scheduler")
    except (OSError, ValueError) as exc:
        raise WeightsMissing(
            f"cannot load the SDXL/ControlNet weights for training from {runtime.model_dir} "
            f"({exc}); run `v2v models verify`"
        ) from None
    device = runtime.device
    return Components(
        unet,
        vae,
        controlnets,
        scheduler,
        prompt.to(device),
        pooled.to(device),
        device,
        weight_dtype,
        autocast,
        base,
    )


def _frozen(cls: Any, folder: Path, dtype: Any, device: str, variant: str | None) -> Any:
    model = cls.from_pretrained(folder, dtype=dtype, variant=variant)
    model.requires_grad_(False)
    return model.to(device).eval()


def _lora_unet(diffusers: Any, base: Path, params: TrainingParams, dtype: Any, device: str) -> Any:
    import torch
    from peft import LoraConfig

    unet = diffusers.UNet2DConditionModel.from_pretrained(
        base / "unet", dtype=dtype, variant=weight_variant(base)
    )
    unet.requires_grad_(False)
    with torch.random.fork_rng(devices=[]):  # the LoRA's random init follows the run's seed
        torch.manual_seed(params.seed)
        unet.add_adapter(
            LoraConfig(
                r=params.rank,
                lora_alpha=params.alpha,
                init_lora_weights="gaussian",
                target_modules=LORA_TARGETS,
            )
        )
    for parameter in unet.parameters():
        if parameter.requires_grad:
            parameter.data = parameter.data.to(torch.float32)
    if params.gradient_checkpointing:
        unet.enable_gradient_checkpointing()
    return unet.to(device).train()


def _encode_caption(base: Path, params: TrainingParams, caption: str) -> tuple[Any, Any]:
    """(prompt_embeds, pooled) of the caption, fp32 on CPU, with the trigger installed in both
    tokenizers. Uses the SDXL pipeline's own ``encode_prompt`` so inference encodes the same way."""
    import torch
    from diffusers import StableDiffusionXLPipeline
    from transformers import AutoTokenizer, CLIPTextModel, CLIPTextModelWithProjection

    tokenizers = [AutoTokenizer.from_pretrained(base / n) for n in ("tokenizer", "tokenizer_2")]
    variant = weight_variant(base)
    encoders = [
        CLIPTextModel.from_pretrained(base / "text_encoder", variant=variant),
        CLIPTextModelWithProjection.from_pretrained(base / "text_encoder_2", variant=variant),
    ]
    for tokenizer, encoder in zip(tokenizers, encoders, strict=True):
        install_trigger(tokenizer, encoder.float(), params.trigger, params.trigger_init)
        length, limit = len(tokenizer(caption).input_ids), tokenizer.model_max_length
        if length > limit:
            raise ConfigError(
                f"the caption {caption!r} is {length} tokens; CLIP reads {limit}, so the trigger "
                "would be cut off: shorten style_prompt"
            )
    pipe: Any = StableDiffusionXLPipeline(
        vae=None,
        text_encoder=encoders[0],
        text_encoder_2=encoders[1],
        tokenizer=tokenizers[0],
        tokenizer_2=tokenizers[1],
        unet=None,
        scheduler=None,
    )
    with torch.no_grad():
        prompt, _, pooled, _ = pipe.encode_prompt(
            caption, device="cpu", num_images_per_prompt=1, do_classifier_free_guidance=False
        )
    return prompt.float(), pooled.float()
