"""The GPU pipeline's models at their published sizes, built from their architecture configs with
random weights (nothing is downloaded).

The configs are those of the checkpoints `v2v models download` fetches (docs/models.md):
stabilityai/stable-diffusion-xl-base-1.0 (UNet, VAE, both CLIP text encoders),
diffusers/controlnet-{depth,canny}-sdxl-1.0, IDEA-Research/grounding-dino-base,
facebook/sam-vit-huge, depth-anything/Depth-Anything-V2-Small-hf and Real-ESRGAN's
x4plus_anime_6B. BiRefNet and big-lama have no architecture in an installable package: BiRefNet is
represented by its Swin-L backbone (a lower bound), LaMa is not built.

Every builder returns a torch module; call it under ``FakeTensorMode`` (benchmarks/model_sizes.py)
to count and trace without memory, or under ``torch.device('cuda')`` to build it for real.
"""

from __future__ import annotations

from typing import Any

SDXL_UNET: dict[str, Any] = dict(
    act_fn="silu",
    addition_embed_type="text_time",
    addition_embed_type_num_heads=64,
    addition_time_embed_dim=256,
    attention_head_dim=[5, 10, 20],
    block_out_channels=[320, 640, 1280],
    cross_attention_dim=2048,
    down_block_types=["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
    in_channels=4,
    layers_per_block=2,
    norm_num_groups=32,
    projection_class_embeddings_input_dim=2816,
    transformer_layers_per_block=[1, 2, 10],
    use_linear_projection=True,
)
SDXL_VAE: dict[str, Any] = dict(
    act_fn="silu",
    block_out_channels=[128, 256, 512, 512],
    down_block_types=["DownEncoderBlock2D"] * 4,
    up_block_types=["UpDecoderBlock2D"] * 4,
    in_channels=3,
    out_channels=3,
    latent_channels=4,
    layers_per_block=2,
    norm_num_groups=32,
    sample_size=1024,
    scaling_factor=0.13025,
    force_upcast=True,
)
CLIP_L: dict[str, Any] = dict(
    vocab_size=49408,
    hidden_size=768,
    intermediate_size=3072,
    num_attention_heads=12,
    num_hidden_layers=12,
    max_position_embeddings=77,
    hidden_act="quick_gelu",
    projection_dim=768,
    bos_token_id=0,
    eos_token_id=2,
    pad_token_id=1,
)
CLIP_BIGG: dict[str, Any] = {
    **CLIP_L,
    "hidden_size": 1280,
    "intermediate_size": 5120,
    "num_attention_heads": 20,
    "num_hidden_layers": 32,
    "hidden_act": "gelu",
    "projection_dim": 1280,
}


def sdxl_unet() -> Any:
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=128,
        out_channels=4,
        up_block_types=["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
        **SDXL_UNET,
    )


def sdxl_controlnet() -> Any:
    from diffusers import ControlNetModel

    return ControlNetModel(conditioning_embedding_out_channels=(16, 32, 96, 256), **SDXL_UNET)


def sdxl_vae() -> Any:
    from diffusers import AutoencoderKL

    return AutoencoderKL(**SDXL_VAE)


def clip_l() -> Any:
    from transformers import CLIPTextConfig, CLIPTextModel

    return CLIPTextModel(CLIPTextConfig(**CLIP_L))


def clip_bigg() -> Any:
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection

    return CLIPTextModelWithProjection(CLIPTextConfig(**CLIP_BIGG))


def grounding_dino_config() -> Any:
    from transformers import GroundingDinoConfig, SwinConfig

    swin = SwinConfig(
        embed_dim=128,
        depths=[2, 2, 18, 2],
        num_heads=[4, 8, 16, 32],
        window_size=12,
        image_size=384,
        out_indices=[2, 3, 4],
    )
    text = {"model_type": "bert", "vocab_size": 30522, "hidden_size": 768}
    return GroundingDinoConfig(
        backbone_config=swin,
        text_config=text,
        use_timm_backbone=False,
        num_queries=900,
        max_text_len=256,
        encoder_layers=6,
        decoder_layers=6,
        d_model=256,
    )


def grounding_dino() -> Any:
    from transformers import GroundingDinoForObjectDetection

    return GroundingDinoForObjectDetection(grounding_dino_config())


def sam_config() -> Any:
    from transformers import SamConfig

    vision = dict(
        hidden_size=1280,
        num_hidden_layers=32,
        num_attention_heads=16,
        mlp_dim=5120,
        global_attn_indexes=[7, 15, 23, 31],
        image_size=1024,
        patch_size=16,
        window_size=14,
        output_channels=256,
    )
    return SamConfig(vision_config=vision)


def sam() -> Any:
    from transformers import SamModel

    return SamModel(sam_config())


def depth_config() -> Any:
    from transformers import DepthAnythingConfig, Dinov2Config

    backbone = Dinov2Config(
        image_size=518,
        patch_size=14,
        hidden_size=384,
        num_hidden_layers=12,
        num_attention_heads=6,
        out_features=["stage9", "stage10", "stage11", "stage12"],
        reshape_hidden_states=False,
    )
    return DepthAnythingConfig(
        backbone_config=backbone,
        reassemble_hidden_size=384,
        patch_size=14,
        neck_hidden_sizes=[48, 96, 192, 384],
        fusion_hidden_size=64,
        head_hidden_size=32,
    )


def depth_anything_small() -> Any:
    from transformers import DepthAnythingForDepthEstimation

    return DepthAnythingForDepthEstimation(depth_config())


def birefnet_backbone() -> Any:
    """BiRefNet's Swin-L backbone only (its decoder is remote code): a lower bound."""
    from transformers import SwinConfig, SwinModel

    config = SwinConfig(
        embed_dim=192,
        depths=[2, 2, 18, 2],
        num_heads=[6, 12, 24, 48],
        window_size=12,
        image_size=384,
    )
    return SwinModel(config, add_pooling_layer=False)


def realesrgan_anime_6b() -> Any:
    """Real-ESRGAN x4plus_anime_6B (RRDBNet, 64 features, 6 blocks), random weights, through the
    library's own builder."""
    from pathlib import Path

    from tests.gpu.tiny_models import rrdbnet_state
    from v2v.models import esrgan

    model, _ = esrgan.build(rrdbnet_state(feat=64, grow=32, blocks=6), Path("x4plus_anime_6B"))
    return model
