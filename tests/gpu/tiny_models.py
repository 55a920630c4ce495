"""Tiny random models of the real architectures, written in the model-directory layout.

The transformers and diffusers ones are the real classes with small configs (their own testing
approach); LaMa and BiRefNet have no architecture in an installable package, so they are tiny
conv nets with the same file format and input/output contract (TorchScript / ONNX).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

PROMPT_WORDS = [
    "side",
    "view",
    "mirror",
    "car",
    "logo",
    "brand",
    "badge",
    "licence",
    "plate",
    "text",
    "sticker",
]


def _bert_vocab(folder: Path) -> Path:
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", *sorted(set(PROMPT_WORDS))]
    vocab += list("abcdefghijklmnopqrstuvwxyz")
    path = folder / "vocab.txt"
    path.write_text("\n".join(vocab) + "\n")
    return path


def grounding_dino(folder: Path) -> None:
    from transformers import (
        BertTokenizer,
        GroundingDinoConfig,
        GroundingDinoForObjectDetection,
        GroundingDinoProcessor,
        SwinConfig,
    )
    from transformers.models.grounding_dino.image_processing_pil_grounding_dino import (
        GroundingDinoImageProcessorPil,
    )

    folder.mkdir(parents=True)
    tokenizer = BertTokenizer(str(_bert_vocab(folder)))
    swin = SwinConfig(
        window_size=7,
        embed_dim=8,
        depths=[1, 1, 1, 1],
        num_heads=[1, 1, 1, 1],
        image_size=224,
        out_indices=[2, 3, 4],
    )
    text = {
        "hidden_size": 8,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 8,
        "max_position_embeddings": 64,
        "model_type": "bert",
        "vocab_size": tokenizer.vocab_size,
    }
    config = GroundingDinoConfig(
        d_model=32,
        encoder_layers=1,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=8,
        decoder_ffn_dim=8,
        num_queries=6,
        encoder_n_points=2,
        decoder_n_points=2,
        use_timm_backbone=False,
        backbone_config=swin,
        max_text_len=32,
        text_config=text,
    )
    GroundingDinoForObjectDetection(config).save_pretrained(folder)
    images = GroundingDinoImageProcessorPil(size={"shortest_edge": 96, "longest_edge": 128})
    GroundingDinoProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(folder)


def sam(folder: Path) -> None:
    from transformers import SamConfig, SamModel, SamProcessor
    from transformers.models.sam.image_processing_pil_sam import SamImageProcessorPil

    config = SamConfig(
        vision_config=dict(
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=16,
            image_size=64,
            patch_size=8,
            output_channels=16,
            global_attn_indexes=[0],
            window_size=4,
            mlp_dim=16,
            num_pos_feats=8,
        ),
        prompt_encoder_config=dict(
            hidden_size=16, image_size=64, patch_size=8, mask_input_channels=4
        ),
        mask_decoder_config=dict(
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            mlp_dim=16,
            iou_head_hidden_dim=8,
            num_multimask_outputs=3,
        ),
    )
    SamModel(config).save_pretrained(folder)
    images = SamImageProcessorPil(
        size={"longest_edge": 64},
        pad_size={"height": 64, "width": 64},
        mask_size={"longest_edge": 16},
        mask_pad_size={"height": 16, "width": 16},
    )
    SamProcessor(image_processor=images).save_pretrained(folder)


class TinyInpainter(torch.nn.Module):
    """big-lama's contract: (image RGB 0..1 (1, 3, H, W), mask 0/1 (1, 1, H, W)) → RGB 0..1."""

    def __init__(self) -> None:
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Conv2d(4, 8, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv2d(8, 3, 3, padding=1),
            torch.nn.Sigmoid(),
        )

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([image * (1 - mask), mask], dim=1))


def lama_torchscript(folder: Path) -> None:
    folder.mkdir(parents=True)
    torch.jit.script(TinyInpainter().eval()).save(str(folder / "big-lama.pt"))


class TinySegmenter(torch.nn.Module):
    """BiRefNet's contract: normalised RGB (1, 3, R, R) → logits (1, 1, R, R)."""

    def __init__(self, bias: float) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 1, 3, padding=1)
        with torch.no_grad():
            self.conv.bias.fill_(bias)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.conv(image)


def birefnet_onnx(folder: Path, bias: float = 6.0) -> None:
    """bias > 0: (almost) everything is foreground; bias < 0: nothing is."""
    folder.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        TinySegmenter(bias).eval(),
        (torch.zeros(1, 3, 64, 64),),
        str(folder / "model.onnx"),
        input_names=["input_image"],
        output_names=["output_image"],
        dynamic_axes={"input_image": {2: "h", 3: "w"}},
        dynamo=False,
    )


def depth(folder: Path) -> None:
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config
    from transformers.models.dpt.image_processing_pil_dpt import DPTImageProcessorPil

    backbone = Dinov2Config(
        image_size=28,
        patch_size=14,
        hidden_size=16,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=16,
        out_features=["stage1", "stage2", "stage3", "stage4"],
        reshape_hidden_states=False,
    )
    config = DepthAnythingConfig(
        backbone_config=backbone,
        reassemble_hidden_size=16,
        patch_size=14,
        neck_hidden_sizes=[8, 8, 16, 16],
        fusion_hidden_size=8,
        head_hidden_size=8,
    )
    DepthAnythingForDepthEstimation(config).save_pretrained(folder)
    DPTImageProcessorPil(
        size={"height": 42, "width": 42}, keep_aspect_ratio=True, ensure_multiple_of=14
    ).save_pretrained(folder)


_UNET = dict(
    block_out_channels=(16, 32),
    layers_per_block=1,
    in_channels=4,
    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
    attention_head_dim=(2, 4),
    use_linear_projection=True,
    addition_embed_type="text_time",
    addition_time_embed_dim=8,
    transformer_layers_per_block=(1, 1),
    projection_class_embeddings_input_dim=6 * 8 + 16,
    cross_attention_dim=32,
    norm_num_groups=8,
)


def _clip_tokenizer(folder: Path) -> Any:
    from transformers import CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "!": 1, "<|endoftext|>": 2}
    for char in "abcdefghijklmnopqrstuvwxyz,.":
        vocab.setdefault(char, len(vocab))
        vocab.setdefault(char + "</w>", len(vocab))
    folder.mkdir(parents=True)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return CLIPTokenizer(
        str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=77
    )


def sdxl(folder: Path, scratch: Path) -> None:
    from diffusers import (
        AutoencoderKL,
        EulerDiscreteScheduler,
        StableDiffusionXLPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    unet = UNet2DConditionModel(
        sample_size=16, out_channels=4, up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), **_UNET
    )
    vae = AutoencoderKL(
        block_out_channels=[8, 16],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D"] * 2,
        up_block_types=["UpDecoderBlock2D"] * 2,
        latent_channels=4,
        norm_num_groups=8,
        sample_size=32,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        steps_offset=1,
        beta_schedule="scaled_linear",
        timestep_spacing="leading",
    )
    text = CLIPTextConfig(
        bos_token_id=0,
        eos_token_id=2,
        pad_token_id=1,
        hidden_size=16,
        intermediate_size=16,
        num_attention_heads=2,
        num_hidden_layers=1,
        vocab_size=100,
        projection_dim=16,
        max_position_embeddings=77,
    )
    tokenizer = _clip_tokenizer(scratch / "clip-tokenizer")
    StableDiffusionXLPipeline(
        vae=vae,
        text_encoder=CLIPTextModel(text),
        text_encoder_2=CLIPTextModelWithProjection(text),
        tokenizer=tokenizer,
        tokenizer_2=tokenizer,
        unet=unet,
        scheduler=scheduler,
    ).save_pretrained(folder)


def controlnet(folder: Path, seed: int = 0) -> None:
    """A ControlNet whose zero-initialised output convolutions are made random, so the control
    image really steers the tiny UNet (as diffusers' own tests do)."""
    from diffusers import ControlNetModel

    net = ControlNetModel(conditioning_embedding_out_channels=(8, 16), **_UNET)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in net.named_parameters():
            if name.startswith(("controlnet_down_blocks", "controlnet_mid_block")):
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
    net.save_pretrained(folder)


def sdxl_lora(unet_folder: Path, target: Path, seed: int = 0) -> Path:
    """A random (non-zero) LoRA for the tiny UNet, saved as diffusers writes it."""
    from diffusers import StableDiffusionXLPipeline, UNet2DConditionModel
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    unet = UNet2DConditionModel.from_pretrained(unet_folder)
    unet.add_adapter(
        LoraConfig(r=4, lora_alpha=4, target_modules=["to_q", "to_k", "to_v", "to_out.0"])
    )
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in unet.named_parameters():
            if "lora_" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
    target.mkdir(parents=True, exist_ok=True)
    StableDiffusionXLPipeline.save_lora_weights(
        target,
        unet_lora_layers=get_peft_model_state_dict(unet),
        weight_name="tiny-style.safetensors",
    )
    return target / "tiny-style.safetensors"


def rrdbnet_state(feat: int = 8, grow: int = 4, blocks: int = 1, seed: int = 0) -> dict:
    """A random Real-ESRGAN RRDBNet x4 state dict with the original parameter names."""
    generator = torch.Generator().manual_seed(seed)

    def conv(i: int, o: int, prefix: str) -> dict:
        return {
            f"{prefix}.weight": torch.randn(o, i, 3, 3, generator=generator) * 0.05,
            f"{prefix}.bias": torch.zeros(o),
        }

    state = conv(3, feat, "conv_first")
    for b in range(blocks):
        for r in (1, 2, 3):
            for c in range(5):
                state |= conv(
                    feat + c * grow, grow if c < 4 else feat, f"body.{b}.rdb{r}.conv{c + 1}"
                )
    for name in ("conv_body", "conv_up1", "conv_up2", "conv_hr"):
        state |= conv(feat, feat, name)
    return state | conv(feat, 3, "conv_last")


def realesrgan(folder: Path) -> Path:
    folder.mkdir(parents=True)
    path = folder / "RealESRGAN_x4plus_anime_tiny.pth"
    torch.save({"params_ema": rrdbnet_state()}, str(path))
    return path


def build_all(root: Path, scratch: Path, birefnet_bias: float = 6.0, seed: int = 0) -> Path:
    """Every folder of the layout, tiny; returns ``root``. The weights come from ``seed``: the
    same models on every machine and in every run, so a test that needs them finite (no NaN
    from a random SDXL or LaMa) does not pass or fail by the draw."""
    torch.manual_seed(seed)
    grounding_dino(root / "grounding-dino")
    sam(root / "sam")
    lama_torchscript(root / "lama")
    birefnet_onnx(root / "birefnet", birefnet_bias)
    depth(root / "depth")
    sdxl(root / "sdxl", scratch)
    controlnet(root / "controlnet-depth", seed=1)
    controlnet(root / "controlnet-canny", seed=2)
    realesrgan(root / "realesrgan")
    return root
