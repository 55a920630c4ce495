"""Frozen artefacts handed from stage to stage.

Photo → CleanImage → StyledImage → PalettedImage → VectorArt.

Conventions (every stage keeps them):
- pixels are RGB ``uint8`` arrays of shape (H, W, 3), in R, G, B order (never BGR);
- masks are ``bool`` arrays of shape (H, W), True = vehicle / selected;
- all artefacts of one run share the working size (H, W) unless a field says otherwise;
- ``notes`` hold JSON-serialisable facts for the run report (numbers, strings, lists, dicts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from v2v.color.palette import Palette

RGBImage = NDArray[np.uint8]
Mask = NDArray[np.bool_]


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in pixel coordinates of the working image: x0, y0 inclusive; x1, y1
    exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    def scaled(self, factor: float) -> Box:
        return Box(
            round(self.x0 * factor),
            round(self.y0 * factor),
            round(self.x1 * factor),
            round(self.y1 * factor),
        )

    def as_list(self) -> list[int]:
        return [self.x0, self.y0, self.x1, self.y1]

    @property
    def area(self) -> int:
        return (self.x1 - self.x0) * (self.y1 - self.y0)

    def overlap(self, other: Box) -> int:
        """Pixels the two boxes share (0 when apart)."""
        wide = max(0, min(self.x1, other.x1) - max(self.x0, other.x0))
        tall = max(0, min(self.y1, other.y1) - max(self.y0, other.y0))
        return wide * tall


@dataclass(frozen=True)
class Photo:
    """A decoded, EXIF-oriented photo resized to the working size.

    pixels: RGB uint8 (H, W, 3). alpha: bool (H, W) when the input had transparency (True =
    opaque), else None. original_size: (width, height) after EXIF orientation, before resizing.
    hint: optional user box around the vehicle, in working-size pixels.
    """

    pixels: RGBImage
    original_size: tuple[int, int]
    name: str = "image"
    alpha: Mask | None = None
    hint: Box | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the working image."""
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])

    def alpha_or_all(self) -> Mask:
        """The vehicle when nothing looked for it: the input's alpha, else the whole image
        (bool (H, W)); the one rule for phase I switched off and single phases on uploads."""
        if self.alpha is not None:
            return self.alpha
        return np.ones(self.pixels.shape[:2], dtype=bool)


@dataclass(frozen=True)
class Removal:
    """One prohibited part that phase I removed: kind ('text', 'licence_plate', ...), box, score."""

    kind: str
    box: Box
    score: float
    text: str = ""


@dataclass(frozen=True)
class CleanImage:
    """Phase I output.

    pixels: RGB uint8 (H, W, 3) with prohibited parts inpainted. vehicle_mask: bool (H, W).
    removed_mask: bool (H, W), the pixels that were inpainted. removals: what was removed.
    limitations: plain sentences stating what this backend could not remove.
    detail_loss: 0..1, 1 - SSIM of the vehicle region before/after the destructive steps.
    """

    pixels: RGBImage
    vehicle_mask: Mask
    removed_mask: Mask
    removals: tuple[Removal, ...] = ()
    limitations: tuple[str, ...] = ()
    detail_loss: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def as_given(
        cls,
        photo: Photo,
        notes: dict[str, Any] | None = None,
        limitations: tuple[str, ...] = (),
    ) -> CleanImage:
        """``photo`` taken as phase I's output when nothing looked at it (phase I switched off,
        a later phase run alone on an image): its pixels unchanged, its alpha (else the whole
        image, :meth:`Photo.alpha_or_all`) as the vehicle, nothing removed."""
        vehicle = photo.alpha_or_all()
        return cls(
            photo.pixels,
            vehicle,
            np.zeros_like(vehicle),
            limitations=limitations,
            notes=dict(notes or {}),
        )

    def to_rgba(self) -> NDArray[np.uint8]:
        """RGBA uint8 (H, W, 4): the cleaned pixels, alpha 255 on the vehicle, else 0."""
        return with_alpha(self.pixels, self.vehicle_mask)


@dataclass(frozen=True)
class StyledImage:
    """Phase II output.

    pixels: RGB uint8 (H, W, 3), flat vector-style regions (background pixels are undefined).
    mask: bool (H, W), the vehicle (everything else is transparent background).
    edges: uint8 (H, W), 0 or 255, Canny edges of the de-shined image (for strategy B).
    """

    pixels: RGBImage
    mask: Mask
    edges: NDArray[np.uint8]
    notes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def as_given(
        cls,
        clean: CleanImage,
        edges: NDArray[np.uint8] | None = None,
        notes: dict[str, Any] | None = None,
    ) -> StyledImage:
        """``clean`` taken as phase II's output when nothing stylized it (phase II switched
        off, a later phase run alone on an image): same pixels and vehicle; ``edges`` uint8
        (H, W) 0/255, else none."""
        if edges is None:
            edges = np.zeros(clean.pixels.shape[:2], np.uint8)
        return cls(clean.pixels, clean.vehicle_mask, edges, notes=dict(notes or {}))

    def to_rgba(self) -> NDArray[np.uint8]:
        """RGBA uint8 (H, W, 4): the styled pixels, alpha 255 on the vehicle, else 0."""
        return with_alpha(self.pixels, self.mask)


@dataclass(frozen=True)
class PalettedImage:
    """Phase III output.

    labels: int16 (H, W); a palette index, or -1 for transparent background. The size may be
    larger than the working size when phase III upscaled (``scale`` says by how much).
    """

    labels: NDArray[np.int16]
    palette: Palette
    scale: float = 1.0
    notes: dict[str, Any] = field(default_factory=dict)

    def to_rgba(self) -> NDArray[np.uint8]:
        """RGBA uint8 (H, W, 4): palette colours, alpha 0 on background."""
        h, w = self.labels.shape
        out = np.zeros((h, w, 4), dtype=np.uint8)
        inside = self.labels >= 0
        out[inside, :3] = self.palette.rgb[self.labels[inside]]
        out[inside, 3] = 255
        return out


@dataclass(frozen=True)
class Layer:
    """One colour layer of the SVG: the palette colour and its number of paths."""

    color: str
    path_count: int
    area_fraction: float


@dataclass(frozen=True)
class VectorArt:
    """Phase IV output: a complete SVG document (UTF-8 text), its size and its layers."""

    svg: str
    width: int
    height: int
    layers: tuple[Layer, ...] = ()
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def path_count(self) -> int:
        return sum(layer.path_count for layer in self.layers)


def with_alpha(pixels: RGBImage, mask: Mask) -> NDArray[np.uint8]:
    """RGBA uint8 (H, W, 4) from RGB uint8 (H, W, 3) ``pixels``: alpha 255 where ``mask``."""
    return np.dstack([pixels, mask.astype(np.uint8) * 255])
