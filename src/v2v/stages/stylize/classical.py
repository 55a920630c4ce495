"""Phase II, CPU backend: de-shine + Canny edge map, and edge-preserving flattening.

1. de-shine: in CIELAB, a bilateral filter then CLAHE on the lightness only, so glare and
   reflections are tamed before edge detection (``phase2.deshine``);
2. edges: Canny on the de-shined lightness, kept inside the vehicle mask (``phase2.edges``);
   strategy B draws them as centerlines;
3. flatten: the vehicle becomes few, large, flat regions (``phase2.flatten``, see
   :mod:`v2v.stages.stylize.flatten`).

The background is not stylized: phase IV makes it transparent through ``StyledImage.mask``.
"""

from __future__ import annotations

import time
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import CleanImage, StyledImage
from v2v.color.ciede2000 import pack_rgb
from v2v.config import DeshineConfig, EdgesConfig, ModelsConfig, Phase2Config
from v2v.context import RunContext
from v2v.errors import InputError
from v2v.stages import STYLIZERS, Stylizer
from v2v.stages.stylize.flatten import flatten, vehicle_box

PHASE = "phase2"
#: subjects whose wheels sit in their body: never drawn as free-standing spoked wheels (a car
#: wheel under a sill at axle height looks free-standing to ``spokes``)
BODY_WHEELS = frozenset({"car", "bus", "truck"})


def _subject_class(clean: CleanImage) -> str | None:
    """The class phase I's detector gave the subject (None when unknown: phase II alone)."""
    subject = clean.notes.get("subject")
    label = subject.get("class") if isinstance(subject, dict) else None
    return label if isinstance(label, str) else None


def deshine(pixels: NDArray[np.uint8], config: DeshineConfig) -> NDArray[np.uint8]:
    """De-shined lightness uint8 (H, W) of RGB uint8 (H, W, 3): bilateral filter, then CLAHE."""
    lightness = np.ascontiguousarray(cv2.cvtColor(pixels, cv2.COLOR_RGB2LAB)[..., 0])
    filtered = cv2.bilateralFilter(
        lightness, config.bilateral_diameter, config.sigma_color, config.sigma_space
    )
    tiles = (config.clahe_tiles, config.clahe_tiles)
    return np.asarray(cv2.createCLAHE(config.clahe_clip, tiles).apply(filtered), np.uint8)


def edge_map(
    lightness: NDArray[np.uint8], mask: NDArray[np.bool_], config: EdgesConfig
) -> NDArray[np.uint8]:
    """Canny edges uint8 (H, W), 0 or 255, of ``lightness`` uint8 (H, W), only inside ``mask``."""
    edges = np.asarray(cv2.Canny(lightness, config.low, config.high), np.uint8)
    edges[~mask] = 0
    return edges


def _check(clean: CleanImage) -> None:
    pixels, mask = clean.pixels, clean.vehicle_mask
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
        raise InputError(
            f"phase II needs RGB uint8 pixels (H, W, 3), got {pixels.dtype} {pixels.shape}; "
            "decode the photo with v2v.imaging.decode"
        )
    if mask.shape != pixels.shape[:2] or mask.dtype != np.bool_:
        raise InputError(
            f"phase II needs a bool vehicle mask of shape {pixels.shape[:2]}, got "
            f"{mask.dtype} {mask.shape}; phase I must return a mask of the photo's size"
        )


@STYLIZERS.register
class ClassicalStylizer(Stylizer):
    """CPU: de-shine + Canny edges, mean-shift/superpixel flattening with glare removal."""

    name = "classical"
    params = Phase2Config

    def __init__(self, config: Phase2Config, models: ModelsConfig | None = None) -> None:
        self.config = config

    def run(self, clean: CleanImage, ctx: RunContext) -> StyledImage:
        """CleanImage → StyledImage: flat RGB uint8 (H, W, 3) regions, the vehicle mask, and
        Canny edges uint8 (H, W) of the de-shined image (all zero when edges are disabled)."""
        _check(clean)
        pixels, mask = clean.pixels, clean.vehicle_mask
        seconds: dict[str, float] = {}
        notes: dict[str, Any] = {"seconds": seconds}
        edges = np.zeros(mask.shape, dtype=np.uint8)
        if not mask.any():
            notes.update(regions=0, empty_mask=True)
            return StyledImage(pixels, mask, edges, notes=notes)
        if self.config.edges.enabled:
            ctx.report(PHASE, 0.05, "de-shining and detecting edges")
            started = time.perf_counter()
            rows, cols = vehicle_box(mask)
            lightness = deshine(pixels[rows, cols], self.config.deshine)
            edges[rows, cols] = edge_map(lightness, mask[rows, cols], self.config.edges)
            seconds["deshine_and_edges"] = round(time.perf_counter() - started, 4)
            notes["edge_pixels"] = int(np.count_nonzero(edges))
            ctx.check_cancelled()
        styled = pixels
        if self.config.flatten.enabled:
            ctx.report(PHASE, 0.2, "flattening the vehicle into regions")
            flatten_config = self.config.flatten
            if flatten_config.spoked_wheels and _subject_class(clean) in BODY_WHEELS:
                flatten_config = flatten_config.model_copy(update={"spoked_wheels": False})
            flat = flatten(pixels, mask, flatten_config)
            styled = flat.pixels
            seconds.update({f"flatten.{k}": v for k, v in flat.seconds.items()})
            notes.update(
                regions=flat.regions,
                superpixels=flat.superpixels,
                wheels=flat.wheels,
                merges=flat.merges,
            )
        notes["distinct_colors"] = int(np.unique(pack_rgb(styled[mask])).size)
        return StyledImage(styled, mask, edges, notes=notes)
