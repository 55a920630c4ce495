"""Weights and inference memory of every GPU model at full size, computed on any machine.

    python -m benchmarks.model_sizes [--only unet,vae] [--json out.json]

Each model of benchmarks/architectures.py is built at its published size under PyTorch's
``FakeTensorMode`` (tensors with shapes and dtypes but no storage: the 2.6 B-parameter UNet takes
no memory), then run once on the pipeline's real input shapes (a 1024 × 640 photo) under
``MemTracker``, which adds up the bytes of every live tensor: parameter count, weight bytes and
the peak of weights + activations in the dtype the GPU path uses. Attention goes through SDPA's
fused kernels (no full attention matrix), as on a GPU. What this cannot give: seconds (nothing is
computed), the CUDA context (~0.5 GiB per process), allocator fragmentation and cuDNN workspaces,
ONNX Runtime's arena; docs/models.md adds a margin for those.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

from benchmarks import architectures as arch

MIB = 2**20
PHOTO = (640, 1024)  # (height, width) of the check photo, as gpu_check.py draws it


def _sdxl_step(model: Any, torch: Any) -> Any:
    # classifier-free guidance: batch 2 at 1024 × 640 → latents 128 × 80
    latents, text = torch.randn(2, 4, 80, 128), torch.randn(2, 77, 2048)
    extra = {"text_embeds": torch.randn(2, 1280), "time_ids": torch.randn(2, 6)}
    return model(latents, torch.tensor([500, 500]), text, added_cond_kwargs=extra)


def _controlnet_step(model: Any, torch: Any) -> Any:
    latents, text = torch.randn(2, 4, 80, 128), torch.randn(2, 77, 2048)
    extra = {"text_embeds": torch.randn(2, 1280), "time_ids": torch.randn(2, 6)}
    control = torch.randn(2, 3, 640, 1024)
    return model(latents, torch.tensor([500, 500]), text, control, added_cond_kwargs=extra)


def _vae_decode(tile: int) -> Callable[[Any, Any], Any]:
    def run(model: Any, torch: Any) -> Any:
        from v2v.models.sdxl import use_vae_tiles

        use_vae_tiles(model, tile)
        return model.decode(torch.randn(1, 4, 80, 128).float()).sample

    return run


def _text(model: Any, torch: Any) -> Any:
    return model(torch.randint(0, 49000, (1, 77)))


def _grounding(model: Any, torch: Any) -> Any:
    # the processor resizes 1024 × 640 to 1280 × 800 (shortest edge 800); six prompts ≈ 20 tokens
    ids = torch.randint(1000, 2000, (1, 20))
    return model(torch.randn(1, 3, 800, 1280), ids, attention_mask=torch.ones_like(ids))


def _sam(model: Any, torch: Any) -> Any:
    return model(torch.randn(1, 3, 1024, 1024), input_boxes=torch.rand(1, 6, 4) * 600)


def _depth(model: Any, torch: Any) -> Any:
    return model(torch.randn(1, 3, 518, 826))  # short side 518, multiples of 14


def _birefnet(model: Any, torch: Any) -> Any:
    return model(torch.randn(1, 3, 1024, 1024))


def _esrgan(model: Any, torch: Any) -> Any:
    return model(torch.randn(1, 3, 288, 288))  # a 256-px tile with 16 px of context


#: name → (builder, forward on pipeline shapes, dtype of the GPU path, what it is)
MODELS: dict[str, tuple[Callable[[], Any], Callable[[Any, Any], Any], str, str]] = {
    "unet": (arch.sdxl_unet, _sdxl_step, "float16", "SDXL UNet, one CFG step"),
    "controlnet": (arch.sdxl_controlnet, _controlnet_step, "float16", "one SDXL ControlNet"),
    "text_encoder": (arch.clip_l, _text, "float16", "CLIP ViT-L text encoder"),
    "text_encoder_2": (arch.clip_bigg, _text, "float16", "OpenCLIP bigG text encoder"),
    "vae": (arch.sdxl_vae, _vae_decode(0), "float32", "SDXL VAE, whole-image decode (upcast)"),
    "vae_tiled": (arch.sdxl_vae, _vae_decode(512), "float32", "SDXL VAE, 512-px tiles"),
    "grounding_dino": (arch.grounding_dino, _grounding, "float16", "GroundingDINO base"),
    "sam": (arch.sam, _sam, "float16", "SAM ViT-H"),
    "depth": (arch.depth_anything_small, _depth, "float16", "Depth Anything V2 Small"),
    "birefnet_backbone": (
        arch.birefnet_backbone,
        _birefnet,
        "float32",
        "BiRefNet's Swin-L backbone only (ONNX runs fp32)",
    ),
    "realesrgan": (arch.realesrgan_anime_6b, _esrgan, "float16", "Real-ESRGAN anime_6B tile"),
}


def measure(name: str) -> dict[str, Any]:
    """Parameters, weight MiB (fp16 and fp32) and the traced peak MiB of one model.

    The model is built with empty (meta) weights, then given fake storage with ``to_empty`` inside
    ``FakeTensorMode``; a forward that needs real values (data-dependent shapes) is reported as
    not traced, with the reason.
    """
    import torch
    from accelerate import init_empty_weights
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.distributed._tools.mem_tracker import MemTracker

    build, forward, dtype, what = MODELS[name]
    started = time.perf_counter()
    previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, dtype))
    row: dict[str, Any] = {"model": name, "what": what, "dtype": dtype}
    try:
        with init_empty_weights(include_buffers=False):
            model = build().eval()
        params = sum(p.numel() for p in model.parameters())
        row |= {
            "params_m": round(params / 1e6, 1),
            "weights_fp16_mib": round(params * 2 / MIB),
            "weights_fp32_mib": round(params * 4 / MIB),
        }
        with FakeTensorMode(allow_non_fake_inputs=True):
            model = model.to_empty(device="cpu")
            tracker = MemTracker()
            tracker.track_external(model)
            with tracker, torch.no_grad():
                forward(model, torch)
            peak = next(iter(tracker.get_tracker_snapshot("peak").values()))
        weights = peak.get("Parameter", 0) + peak.get("Buffer", 0)
        row |= {
            "peak_mib": round(peak["Total"] / MIB),
            "activations_mib": round((peak["Total"] - weights) / MIB),
        }
    except Exception as exc:  # noqa: BLE001 - a model that cannot be traced is reported, not fatal
        row |= {"peak_mib": None, "activations_mib": None, "not_traced": repr(exc)[:200]}
    finally:
        torch.set_default_dtype(previous)
    row["traced_in_s"] = round(time.perf_counter() - started, 1)
    return row


def phase_estimates(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Peak GPU memory per phase with every model resident (keep_loaded: true): the weights of
    the phase's models plus the largest activation peak of one of its calls, in MiB. BiRefNet
    counts its backbone only, LaMa (~0.2 GiB as fp32 ONNX) not at all."""

    def weights(*names: str) -> int:
        return sum(rows[n]["peak_mib"] - rows[n]["activations_mib"] for n in names if n in rows)

    def activations(*names: str) -> int:
        return max((rows[n]["activations_mib"] for n in names if n in rows), default=0)

    out: dict[str, Any] = {}
    phase1 = ("grounding_dino", "sam", "birefnet_backbone")
    if all(n in rows for n in phase1):
        out["phase1_mib"] = weights(*phase1) + activations(*phase1)
    phase2 = ("unet", "controlnet", "text_encoder", "text_encoder_2", "vae", "depth")
    if all(n in rows for n in phase2):
        resident = weights(*phase2) + weights("controlnet") + weights("birefnet_backbone")
        # a step runs both ControlNets, then the UNet with their residuals (which are smaller
        # than one ControlNet's activation peak): an upper bound
        step = rows["unet"]["activations_mib"] + rows["controlnet"]["activations_mib"]
        vae_fp16 = round(rows["vae"]["peak_mib"] - rows["vae"]["activations_mib"]) // 2
        out["phase2_weights_mib"] = resident - vae_fp16  # the VAE is stored in fp16
        out["phase2_denoise_mib"] = resident - vae_fp16 + step
        for key, vae in (("whole", "vae"), ("tiled_512", "vae_tiled")):
            if vae in rows:  # decode: the fp32 copy of the VAE replaces its fp16 weights
                out[f"phase2_decode_{key}_mib"] = resident + rows[vae]["activations_mib"]
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated names, e.g. unet,vae")
    parser.add_argument("--json", default="", help="also write the summary to this file")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or list(MODELS)
    rows: dict[str, dict[str, Any]] = {}
    for name in names:
        rows[name] = measure(name)
        row = rows[name]
        print(json.dumps(row), flush=True)
    summary = {"models": rows, "estimates": phase_estimates(rows)}
    print(json.dumps(summary["estimates"]))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=2)
    return summary


if __name__ == "__main__":
    main()
