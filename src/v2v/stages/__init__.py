"""Pipeline stages. Each phase has a registry of backends; the config names one.

Contracts (see v2v.artefacts for shapes and dtypes):
- phase I  ``Sanitizer(params, models).run(photo: Photo, ctx) -> CleanImage``
- phase II ``Stylizer(params, models).run(clean: CleanImage, ctx) -> StyledImage``
- phase III ``PaletteMapper(params, models).run(styled, palette, ctx) -> PalettedImage``
- phase IV ``Vectorizer(params, models).run(rgba, palette, edges, ctx, scale) -> VectorArt``

Adding a backend is one new file plus one line (docs/backends.md): a ``Backend`` subclass in
its own module, decorated with its phase's ``register``, and the module's name in
``BUILT_IN``.
"""

from __future__ import annotations

import importlib
from abc import abstractmethod
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import CleanImage, PalettedImage, Photo, StyledImage, VectorArt
from v2v.color.palette import Palette
from v2v.config_phase4 import VectorizerParams
from v2v.config_sections import PaletteParams, SanitizerParams, StylizerParams
from v2v.context import RunContext
from v2v.registry import Backend, Registry, Requirements

__all__ = [
    "BUILT_IN",
    "PALETTE_MAPPERS",
    "SANITIZERS",
    "STYLIZERS",
    "VECTORIZERS",
    "Backend",
    "PaletteMapper",
    "Requirements",
    "Sanitizer",
    "Stylizer",
    "Vectorizer",
    "load_backends",
    "registries",
]

#: the modules of the built-in backends; importing one registers its backend
BUILT_IN = (
    "v2v.stages.sanitize.classical",
    "v2v.stages.sanitize.grounded_sam_lama",
    "v2v.stages.stylize.classical",
    "v2v.stages.stylize.sdxl_controlnet",
    "v2v.stages.palette.mapping",
    "v2v.stages.vectorize.vtracer",
)


class Sanitizer(Backend):
    """A phase I backend: removes what the style guide forbids and finds the vehicle."""

    params: ClassVar[type[SanitizerParams]]

    @abstractmethod
    def run(self, photo: Photo, ctx: RunContext) -> CleanImage: ...


class Stylizer(Backend):
    """A phase II backend: turns the clean photo into flat regions and an edge map."""

    params: ClassVar[type[StylizerParams]]

    @abstractmethod
    def run(self, clean: CleanImage, ctx: RunContext) -> StyledImage: ...


class PaletteMapper(Backend):
    """A phase III backend: maps the styled image to palette indices (a label map)."""

    params: ClassVar[type[PaletteParams]]

    @abstractmethod
    def run(self, styled: StyledImage, palette: Palette, ctx: RunContext) -> PalettedImage: ...


class Vectorizer(Backend):
    """A phase IV backend: traces RGBA uint8 (H, W, 4) in palette colours into an SVG whose
    viewBox is the working size (``scale`` = how much larger ``rgba`` is); ``edges`` uint8
    (h, w), 0/255, at working size."""

    params: ClassVar[type[VectorizerParams]]

    @abstractmethod
    def run(
        self,
        rgba: NDArray[np.uint8],
        palette: Palette,
        edges: NDArray[np.uint8],
        ctx: RunContext,
        scale: float = 1.0,
    ) -> VectorArt: ...


def load_backends() -> None:
    """Import the built-in backends so they register themselves (light imports only: the GPU
    backends import torch when they are built, not when they register)."""
    for module in BUILT_IN:
        importlib.import_module(module)


SANITIZERS: Registry[Sanitizer] = Registry("phase1", "classical", load_backends)
STYLIZERS: Registry[Stylizer] = Registry("phase2", "classical", load_backends)
PALETTE_MAPPERS: Registry[PaletteMapper] = Registry("phase3", "ciede2000", load_backends)
VECTORIZERS: Registry[Vectorizer] = Registry("phase4", "vtracer", load_backends)


def registries() -> tuple[
    Registry[Sanitizer], Registry[Stylizer], Registry[PaletteMapper], Registry[Vectorizer]
]:
    """Every phase's registry, in pipeline order."""
    return SANITIZERS, STYLIZERS, PALETTE_MAPPERS, VECTORIZERS
