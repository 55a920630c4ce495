"""Phases II, III and IV run alone on an image: what ``v2v phase2..4`` and the API's phase jobs
run (phase I alone is :meth:`Pipeline.sanitize` on the photo).

The image stands for the previous phase's output: its pixels as they are, its alpha (else the
whole image) as the vehicle (:meth:`CleanImage.as_given`), no edge map unless one is given. A
phase switched off in the configuration is an :class:`InputError` that names the key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import CleanImage, PalettedImage, Photo, StyledImage, VectorArt
from v2v.context import RunContext
from v2v.errors import InputError

if TYPE_CHECKING:
    from v2v.pipeline import Pipeline


def stylize_alone(pipeline: Pipeline, image: Photo, ctx: RunContext | None = None) -> StyledImage:
    """Phase II on ``image``: flat vector-style regions on its vehicle, and the edge map."""
    return pipeline.stylize(CleanImage.as_given(image), ctx)


def map_palette_alone(
    pipeline: Pipeline, image: Photo, ctx: RunContext | None = None
) -> PalettedImage:
    """Phase III on ``image``: its vehicle mapped to the pipeline's palette (CIEDE2000)."""
    paletted = pipeline.map_palette(StyledImage.as_given(CleanImage.as_given(image)), ctx)
    if paletted is None:
        raise InputError("phase3 is switched off in this configuration (phase3.enabled=false)")
    return paletted


def vectorize_alone(
    pipeline: Pipeline,
    image: Photo,
    ctx: RunContext | None = None,
    edges: NDArray[np.uint8] | None = None,
) -> VectorArt:
    """Phase IV on ``image``: mapped to the palette first when phase III is on (exact for a
    phase III output), then traced into the layered, outlined SVG. ``edges``: uint8 (H, W),
    0/255, the edge map for strategy B, of the image's size."""
    if not pipeline.config.phase4.enabled:
        raise InputError("phase4 is switched off in this configuration (phase4.enabled=false)")
    if edges is not None and edges.shape != image.pixels.shape[:2]:
        raise InputError(
            f"the edge map is {edges.shape[1]}x{edges.shape[0]} px and the image "
            f"{image.size[0]}x{image.size[1]} px; they must be the same size"
        )
    styled = StyledImage.as_given(CleanImage.as_given(image), edges)
    art = pipeline.vectorize(styled, pipeline.map_palette(styled, ctx), ctx)
    assert art is not None  # phase IV is on
    return art
