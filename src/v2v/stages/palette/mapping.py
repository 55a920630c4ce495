"""Phase III: palette mapping.

1. optional upscale of the styled pixels and the mask (``phase3.upscale``);
2. exact CIEDE2000 nearest-palette mapping of the vehicle pixels (background = -1), then one
   palette colour per material with hue and chroma guards (``phase3.materials``, see
   :mod:`v2v.stages.palette.materials` and ``surfaces``), decided on the flat regions of the
   styled image;
3. optional speck removal on the label map (``phase3.remove_specks``): components under
   ``phase3.min_area_percent`` of the vehicle area take their neighbours' majority colour.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import PalettedImage, StyledImage
from v2v.color.ciede2000 import map_pixels_to_palette
from v2v.color.palette import Palette
from v2v.config import ModelsConfig, Phase3Config
from v2v.context import RunContext
from v2v.errors import InputError
from v2v.stages import PALETTE_MAPPERS, PaletteMapper
from v2v.stages.palette.specks import BACKGROUND, remove_specks
from v2v.stages.palette.surfaces import apply_table, material_table
from v2v.stages.palette.upscale import upscale

PHASE = "phase3"


def speck_min_area(vehicle_pixels: int, min_area_percent: float) -> int:
    """Smallest component kept, in pixels: ``min_area_percent`` % of the vehicle area, rounded
    up (so 0 % keeps everything)."""
    return math.ceil(vehicle_pixels * min_area_percent / 100.0)


def map_vehicle(
    pixels: NDArray[np.uint8], mask: NDArray[np.bool_], palette: Palette
) -> tuple[NDArray[np.int16], int]:
    """Palette indices int16 (H, W) for the vehicle pixels (-1 elsewhere) and the number of
    distinct vehicle colours."""
    labels = np.full(mask.shape, BACKGROUND, dtype=np.int16)
    if not mask.any():
        return labels, 0
    mapped, distinct = map_pixels_to_palette(pixels[mask], palette)
    labels[mask] = mapped
    return labels, distinct


def colors_used(labels: NDArray[np.int16], palette: Palette) -> list[dict[str, Any]]:
    """Palette colours present in ``labels``, largest share of the vehicle first."""
    counts = np.bincount(labels[labels >= 0].ravel(), minlength=len(palette))
    total = int(counts.sum())
    used = [
        {
            "hex": palette.colors[index],
            "name": palette.names[index] if palette.names else palette.colors[index],
            "share": round(int(counts[index]) / total, 4),
        }
        for index in np.argsort(-counts, kind="stable")
        if counts[index] > 0
    ]
    return used


def _check_inputs(styled: StyledImage) -> None:
    pixels, mask = styled.pixels, styled.mask
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
        raise InputError(f"phase III needs RGB uint8 (H, W, 3), got {pixels.dtype} {pixels.shape}")
    if mask.shape != pixels.shape[:2] or mask.dtype != np.bool_:
        raise InputError(
            f"phase III needs a bool mask of shape {pixels.shape[:2]}, "
            f"got {mask.dtype} {mask.shape}"
        )


@contextmanager
def _timed(seconds: dict[str, float], step: str, ctx: RunContext) -> Iterator[None]:
    """Record the step's wall time in ``seconds[step]``, then honour a cancel request."""
    started = time.perf_counter()
    yield
    seconds[step] = round(time.perf_counter() - started, 4)
    ctx.check_cancelled()


def map_to_palette(
    styled: StyledImage,
    palette: Palette,
    config: Phase3Config,
    ctx: RunContext,
    models: ModelsConfig | None = None,
) -> PalettedImage:
    """StyledImage → PalettedImage (labels int16 (H', W'), -1 = background).

    H', W' are the working size times ``config.upscale.factor`` when upscaling is enabled
    (``PalettedImage.scale`` says by how much), else the working size. ``notes`` report the
    distinct input colours, the palette colours used with their share of the vehicle, the
    specks removed and the seconds of each sub-step.
    """
    _check_inputs(styled)
    seconds: dict[str, float] = {}
    pixels, mask, scale = styled.pixels, styled.mask, 1.0
    table = None
    if config.materials.enabled:
        with _timed(seconds, "materials", ctx):
            table = material_table(pixels, mask, palette, config.materials)
    upscaling = config.upscale
    if upscaling.enabled:
        ctx.report(PHASE, 0.05, f"upscaling ×{upscaling.factor} ({upscaling.method})")
        with _timed(seconds, "upscale", ctx):
            pixels, mask = upscale(
                pixels, mask, upscaling.factor, upscaling.method, ctx.device, models
            )
        scale = float(upscaling.factor)
    ctx.report(PHASE, 0.3, "mapping colours to the palette (CIEDE2000)")
    with _timed(seconds, "map", ctx):
        labels, distinct = map_vehicle(pixels, mask, palette)
        if table is not None:
            labels = apply_table(labels, pixels, table)
    min_area = speck_min_area(int(np.count_nonzero(mask)), config.min_area_percent)
    specks = 0
    if config.remove_specks:
        ctx.report(PHASE, 0.7, f"removing specks under {min_area} px")
        with _timed(seconds, "specks", ctx):
            labels, specks = remove_specks(labels, min_area)
    used = colors_used(labels, palette)
    notes: dict[str, Any] = {
        "palette": palette.name,
        "size": [int(labels.shape[1]), int(labels.shape[0])],
        "scale": scale,
        "upscale_method": upscaling.method if upscaling.enabled else None,
        "unique_colors": distinct,
        "materials": None if table is None else len(np.unique(table[1])),
        "colors_used": used,
        "speck_min_area_px": min_area if config.remove_specks else None,
        "specks_removed": specks,
        "seconds": seconds,
    }
    ctx.report(PHASE, 1.0, f"{len(used)} palette colours, {specks} specks removed")
    return PalettedImage(labels=labels, palette=palette, scale=scale, notes=notes)


@PALETTE_MAPPERS.register
class Ciede2000Mapper(PaletteMapper):
    """CPU: exact CIEDE2000 mapping, one palette colour per material, speck removal."""

    name = "ciede2000"
    params = Phase3Config

    def __init__(self, config: Phase3Config, models: ModelsConfig | None = None) -> None:
        self.config = config
        self.models = models

    def run(self, styled: StyledImage, palette: Palette, ctx: RunContext) -> PalettedImage:
        """``map_to_palette`` with this backend's parameters."""
        return map_to_palette(styled, palette, self.config, ctx, models=self.models)
