"""Weights and inference memory of every GPU model at full size, computed on any machine.

    python -m benchmarks.model_sizes [--only unet,vae] [--json out.json]

Each model of benchmarks/architectures.py is built at its published size with empty weights
and given fake storage under PyTorch's ``FakeTensorMode`` (shapes and dtypes, no memory: the
2.6 B-parameter UNet costs nothing), then run on the pipeline's real input shapes (a 1024 × 640
photo). ``LiveBytes`` adds up the bytes of every live tensor: parameter count, weight bytes and
the peak of weights + activations in the dtype the GPU path uses. A second pass under
``FlopCounterMode`` counts the floating-point operations (matrix products, convolutions,
attention), from which seconds on a given GPU can be estimated. Attention goes through SDPA's
fused kernels (no full attention matrix), as on a GPU. What this cannot give: measured seconds
(nothing is computed), the CUDA context (~0.5 GiB per process), allocator fragmentation, cuDNN
workspaces, ONNX Runtime's arena; docs/models.md adds a margin for those.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

from benchmarks import architectures as arch
from benchmarks.live_bytes import LiveBytes

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


def _vae_decode(model: Any, torch: Any) -> Any:
    from v2v.models.sdxl import use_vae_tiles

    use_vae_tiles(model, 0)  # the whole 1024 × 640 image at once
    return model.decode(torch.randn(1, 4, 80, 128).float()).sample


def _vae_tile(model: Any, torch: Any) -> Any:
    # tiled decoding runs the decoder on one 512-px tile (64 latent px) at a time and keeps only
    # the decoded tiles (a few MiB); MemTracker cannot follow the repeated calls, so one tile is
    # traced. Six overlapping tiles cover 1024 × 640: about 2.4 × the whole image's operations.
    model.disable_tiling()
    return model.decode(torch.randn(1, 4, 64, 64).float()).sample


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
    "vae": (arch.sdxl_vae, _vae_decode, "float32", "SDXL VAE, whole-image decode (upcast)"),
    "vae_tiled": (arch.sdxl_vae, _vae_tile, "float32", "SDXL VAE, one 512-px tile"),
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


REAL_LIMIT = 1500  # MiB of fp32 weights: a model this small may really be built on the CPU


def measure_on_cpu(name: str) -> dict[str, Any]:
    """For a model whose forward needs real values (GroundingDINO's text masks): build it for
    real in fp32 with random weights, run it once on the CPU under ``LiveBytes``. Activations in
    fp16 on a GPU are about half the fp32 ones; ``peak_mib`` is given for fp16 that way."""
    import torch

    build, forward, _, _ = MODELS[name]
    torch.manual_seed(0)
    model = build().float().eval()
    weights = sum(t.untyped_storage().nbytes() for t in model.state_dict().values())
    tracker = LiveBytes(model.state_dict().values())
    with tracker, torch.inference_mode():
        started = time.perf_counter()
        forward(model, torch)
        seconds = time.perf_counter() - started
    return {
        "peak_mib": round((weights + tracker.peak) / 2 / MIB),
        "activations_mib": round(tracker.peak / 2 / MIB),
        "activations_fp32_mib": round(tracker.peak / MIB),
        "measured_on": "cpu, fp32, real random weights",
        "cpu_fp32_s": round(seconds, 1),
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
    from torch.utils.flop_counter import FlopCounterMode

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
        model.requires_grad_(False)
        with FakeTensorMode(allow_non_fake_inputs=True):
            model = model.to_empty(device="cpu")
            weights = sum(t.untyped_storage().nbytes() for t in model.state_dict().values())
            tracker = LiveBytes(model.state_dict().values())
            flops = FlopCounterMode(display=False)
            with tracker, torch.no_grad():
                forward(model, torch)
            with flops, torch.no_grad():  # a second pass: the counter must not skew the memory
                forward(model, torch)
        row |= {
            "peak_mib": round((weights + tracker.peak) / MIB),
            "activations_mib": round(tracker.peak / MIB),
            "gflop": round(flops.get_total_flops() / 1e9),
        }
    except Exception as exc:  # noqa: BLE001 - a model that cannot be traced is reported, not fatal
        row |= {"peak_mib": None, "activations_mib": None, "not_traced": repr(exc)[:200]}
        if "DataDependent" in type(exc).__name__ and row.get("weights_fp32_mib", 1e9) < REAL_LIMIT:
            torch.set_default_dtype(previous)
            row |= measure_on_cpu(name)
    finally:
        torch.set_default_dtype(previous)
    row["traced_in_s"] = round(time.perf_counter() - started, 1)
    return row


def cpu_seconds(name: str, row: dict[str, Any], limit_mib: int) -> float | None:
    """Seconds of one real fp32 forward on this machine's CPU with random weights, for a model
    whose traced fp32 peak (``row``, from ``measure``) is under ``limit_mib``; None otherwise (it
    is not built)."""
    import torch

    build, forward, dtype, _ = MODELS[name]
    peak = row.get("peak_mib") or 0
    fp32_peak = peak if dtype == "float32" else 2 * peak
    if not peak or fp32_peak > limit_mib:
        return None
    torch.manual_seed(0)
    model = build().float().eval()
    with torch.inference_mode():
        started = time.perf_counter()
        forward(model, torch)
        return round(time.perf_counter() - started, 2)


def phase_estimates(rows: dict[str, dict[str, Any]], steps: int = 30) -> dict[str, Any]:
    """Peak GPU memory (MiB) per phase from the traced rows: the resident models' weights plus
    the largest activation peak of one call. BiRefNet counts its backbone only and LaMa (a
    ~0.2 GB fp32 ONNX file) not at all, so phase I is a lower bound. Also the operations of one
    SDXL generation (``steps`` steps with both ControlNets, then the VAE decode), in TFLOP."""
    if any(row.get("peak_mib") is None for row in rows.values()):
        return {"incomplete": [n for n, r in rows.items() if r.get("peak_mib") is None]}

    def weights(*names: str) -> int:
        return sum(rows[n]["peak_mib"] - rows[n]["activations_mib"] for n in names)

    def act(name: str) -> int:
        return int(rows[name]["activations_mib"])

    out: dict[str, Any] = {}
    one = ("grounding_dino", "sam", "birefnet_backbone")
    two = ("unet", "controlnet", "controlnet", "text_encoder", "text_encoder_2", "depth")
    if all(n in rows for n in one):
        out["phase1_weights_mib"] = weights(*one)
        out["phase1_peak_mib"] = weights(*one) + max(act(n) for n in one)
    if all(n in rows for n in (*two, "vae", "vae_tiled", "birefnet_backbone")):
        vae16 = weights("vae") // 2  # stored fp16, upcast to fp32 for the decode
        resident = weights(*two, "birefnet_backbone") + vae16
        out["phase2_weights_mib"] = resident
        # a step runs both ControlNets, then the UNet with their residuals (smaller than one
        # ControlNet's activation peak): an upper bound
        out["phase2_denoise_peak_mib"] = resident + act("unet") + act("controlnet")
        out["phase2_decode_whole_peak_mib"] = resident + vae16 + act("vae")
        out["phase2_decode_tiled_peak_mib"] = resident + vae16 + act("vae_tiled")
        out["phase2_peak_mib"] = max(
            out["phase2_denoise_peak_mib"], out["phase2_decode_tiled_peak_mib"]
        )
        # model CPU offload: the UNet and both ControlNets share the GPU while denoising
        out["phase2_offload_peak_mib"] = (
            weights("unet", "controlnet", "controlnet") + act("unet") + act("controlnet")
        )
        step = rows["unet"]["gflop"] + 2 * rows["controlnet"]["gflop"]
        out["phase2_tflop_per_generation"] = round((steps * step + rows["vae"]["gflop"]) / 1000)
        if "phase1_weights_mib" in out:  # keep_loaded: true, phase I's models stay on the GPU
            shared = weights("birefnet_backbone")
            out["both_phases_resident_peak_mib"] = (
                out["phase1_weights_mib"] - shared + out["phase2_peak_mib"]
            )
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated names, e.g. unet,vae")
    parser.add_argument("--json", default="", help="also write the summary to this file")
    parser.add_argument(
        "--cpu-seconds",
        type=int,
        default=0,
        metavar="MIB",
        help="also run, for real on the CPU in fp32, every model whose traced fp32 peak is under "
        "MIB, and time it",
    )
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or list(MODELS)
    rows: dict[str, dict[str, Any]] = {}
    for name in names:
        rows[name] = row = measure(name)
        if args.cpu_seconds:
            row["cpu_fp32_s"] = cpu_seconds(name, row, args.cpu_seconds)
        print(json.dumps(row), flush=True)
    summary = {"models": rows, "estimates": phase_estimates(rows)}
    print(json.dumps(summary["estimates"]))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=2)
    return summary


if __name__ == "__main__":
    main()
