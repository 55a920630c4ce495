"""A model directory of random-weight models in the layout `v2v models verify` expects, at full
size (benchmarks/architectures.py) or tiny (tests/gpu/tiny_models.py); nothing is downloaded.

Full size writes about 14 GB (fp16 safetensors) and is meant for a GPU machine: the models are
initialised on the GPU when there is one. Tokenizers are small vocabularies (the prompt words)
in front of full-size embedding tables; LaMa and BiRefNet are stand-ins with their file formats
and contracts (no installable architecture), so their time and memory are not the real ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks import architectures as arch
from tests.gpu import tiny_models


def build(root: Path, scratch: Path, full: bool, device: str = "cpu") -> Path:
    """Every folder of the layout under ``root``; returns ``root``."""
    if not full:
        return tiny_models.build_all(root, scratch)
    import torch

    with torch.device(device):
        _grounding_dino(root / "grounding-dino")
        _sam(root / "sam")
        _depth(root / "depth")
        _sdxl(root / "sdxl", scratch)
        for name in ("controlnet-depth", "controlnet-canny"):
            arch.sdxl_controlnet().half().save_pretrained(root / name)
    tiny_models.lama_torchscript(root / "lama")
    tiny_models.birefnet_onnx(root / "birefnet")
    state = tiny_models.rrdbnet_state(feat=64, grow=32, blocks=6)
    (root / "realesrgan").mkdir(parents=True)
    torch.save({"params_ema": state}, str(root / "realesrgan" / "RealESRGAN_x4plus_anime_6B.pth"))
    return root


def _grounding_dino(folder: Path) -> None:
    from transformers import BertTokenizer, GroundingDinoProcessor
    from transformers.models.grounding_dino.image_processing_pil_grounding_dino import (
        GroundingDinoImageProcessorPil,
    )

    arch.grounding_dino().save_pretrained(folder)
    tokenizer = BertTokenizer(str(tiny_models._bert_vocab(folder)))
    images = GroundingDinoImageProcessorPil()  # shortest edge 800, longest 1333
    GroundingDinoProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(folder)


def _sam(folder: Path) -> None:
    from transformers import SamProcessor
    from transformers.models.sam.image_processing_pil_sam import SamImageProcessorPil

    arch.sam().save_pretrained(folder)
    SamProcessor(image_processor=SamImageProcessorPil()).save_pretrained(folder)  # 1024 px


def _depth(folder: Path) -> None:
    from transformers.models.dpt.image_processing_pil_dpt import DPTImageProcessorPil

    arch.depth_anything_small().save_pretrained(folder)
    DPTImageProcessorPil(
        size={"height": 518, "width": 518}, keep_aspect_ratio=True, ensure_multiple_of=14
    ).save_pretrained(folder)


def _sdxl(folder: Path, scratch: Path) -> None:
    from diffusers import EulerDiscreteScheduler, StableDiffusionXLPipeline

    tokenizer: Any = tiny_models._clip_tokenizer(scratch / "clip-tokenizer")
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        steps_offset=1,
        beta_schedule="scaled_linear",
        timestep_spacing="leading",
    )
    StableDiffusionXLPipeline(
        vae=arch.sdxl_vae(),
        text_encoder=arch.clip_l(),
        text_encoder_2=arch.clip_bigg(),
        tokenizer=tokenizer,
        tokenizer_2=tokenizer,
        unet=arch.sdxl_unet(),
        scheduler=scheduler,
    ).to(dtype=__import__("torch").float16).save_pretrained(folder)
