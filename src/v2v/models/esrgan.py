"""ESRGAN-family upscalers from a state-dict file (.pth/.safetensors), e.g. Real-ESRGAN.

The maintained loader spandrel (many architectures) is used when it imports; it needs
torchvision. Without it the two Real-ESRGAN architectures (RRDBNet: x4plus, x4plus_anime_6B;
SRVGGNetCompact: animevideov3) are built here from the state dict's shapes, with the original
parameter names, so the same files load either way.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from v2v.errors import WeightsMissing
from v2v.models.runtime import import_torch

BACKEND = "realesrgan"


def read_state_dict(path: Path) -> dict[str, Any]:
    """Tensors of a .pth/.safetensors file (unwrapping 'params_ema'/'params' like BasicSR)."""
    torch = import_torch(BACKEND)
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, ValueError) as exc:
        raise WeightsMissing(f"{path} cannot be read as a state dict ({exc})") from None
    for wrapper in ("params_ema", "params"):
        inner = state.get(wrapper)
        if isinstance(inner, dict):
            return dict(inner)
    return dict(state)


def build(state: dict[str, Any], path: Path) -> tuple[Any, int]:
    """(torch module in eval mode with the weights loaded, its scale) from a state dict."""
    torch = import_torch(BACKEND)
    nn = torch.nn
    if "conv_first.weight" in state:
        model, scale = _rrdbnet(nn, state)
    elif "body.0.weight" in state:
        model, scale = _compact(nn, state)
    else:
        raise WeightsMissing(
            f"{path}: not an RRDBNet or SRVGGNetCompact state dict; install "
            "spandrel (and torchvision) for other ESRGAN-family architectures"
        )
    model.load_state_dict(state, strict=True)
    return model.eval(), scale


def _rrdbnet(nn: Any, state: dict[str, Any]) -> tuple[Any, int]:
    torch = import_torch(BACKEND)
    functional = torch.nn.functional
    feat, in_channels = state["conv_first.weight"].shape[:2]
    grow = state["body.0.rdb1.conv1.weight"].shape[0]
    blocks = len({k.split(".")[1] for k in state if re.match(r"body\.\d+\.rdb1\.conv1\.weight", k)})
    unshuffle = {3: 1, 12: 2, 48: 4}[int(in_channels)]
    scale = 4 // unshuffle
    conv = lambda i, o: nn.Conv2d(i, o, 3, 1, 1)  # noqa: E731

    class Dense(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            for i in range(5):
                setattr(self, f"conv{i + 1}", conv(feat + i * grow, grow if i < 4 else feat))

        def forward(self, x: Any) -> Any:
            feats = [x]
            for i in range(4):
                feats.append(
                    functional.leaky_relu(getattr(self, f"conv{i + 1}")(torch.cat(feats, 1)), 0.2)
                )
            return self.conv5(torch.cat(feats, 1)) * 0.2 + x

    class RRDB(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rdb1, self.rdb2, self.rdb3 = Dense(), Dense(), Dense()

        def forward(self, x: Any) -> Any:
            return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x

    class RRDBNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv_first = conv(in_channels, feat)
            self.body = nn.Sequential(*[RRDB() for _ in range(blocks)])
            self.conv_body, self.conv_up1, self.conv_up2, self.conv_hr = (
                conv(feat, feat) for _ in range(4)
            )
            self.conv_last = conv(feat, state["conv_last.weight"].shape[0])

        def forward(self, x: Any) -> Any:
            if unshuffle > 1:
                x = functional.pixel_unshuffle(x, unshuffle)
            out = self.conv_first(x)
            out = out + self.conv_body(self.body(out))
            for up in (self.conv_up1, self.conv_up2):
                out = functional.leaky_relu(
                    up(functional.interpolate(out, scale_factor=2, mode="nearest")), 0.2
                )
            return self.conv_last(functional.leaky_relu(self.conv_hr(out), 0.2))

    return RRDBNet(), scale


def _compact(nn: Any, state: dict[str, Any]) -> tuple[Any, int]:
    torch = import_torch(BACKEND)
    indices = sorted(int(k.split(".")[1]) for k in state if re.match(r"body\.\d+\.weight$", k))
    convs = [i for i in indices if state[f"body.{i}.weight"].ndim == 4]
    feat, in_channels = state["body.0.weight"].shape[:2]
    last_out = state[f"body.{convs[-1]}.weight"].shape[0]
    scale = math.isqrt(last_out // in_channels)
    layers: list[Any] = []
    for position in range(convs[-1] + 1):
        if position in convs:
            weight = state[f"body.{position}.weight"]
            layers.append(nn.Conv2d(weight.shape[1], weight.shape[0], 3, 1, 1))
        elif f"body.{position}.weight" in state:
            layers.append(nn.PReLU(num_parameters=feat))
        else:
            layers.append(nn.LeakyReLU(0.1))

    class Compact(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(*layers)
            self.upsampler = nn.PixelShuffle(scale)

        def forward(self, x: Any) -> Any:
            base = torch.nn.functional.interpolate(x, scale_factor=scale, mode="nearest")
            return self.upsampler(self.body(x)) + base

    return Compact(), scale


def load(path: Path, device: str) -> tuple[Any, int, str]:
    """(callable module on ``device``, scale, loader name) for an upscaler file."""
    try:
        import spandrel
    except ImportError:  # spandrel needs torchvision; the built-in architectures do not
        model, scale = build(read_state_dict(path), path)
        return model.to(device), scale, "built-in"
    try:
        descriptor = spandrel.ModelLoader(device=device).load_from_file(str(path))
    except (OSError, ValueError, RuntimeError) as exc:
        raise WeightsMissing(f"{path}: spandrel cannot load it ({exc})") from None
    descriptor.model.eval()
    return descriptor.model, int(descriptor.scale), "spandrel"
