"""Pipeline stages. Each phase has a registry of backends; the config names the backend.

Contracts (see v2v.artefacts for shapes and dtypes):
- phase I  ``Sanitizer(config: Phase1Config).run(photo: Photo, ctx) -> CleanImage``
- phase II ``Stylizer(config: Phase2Config).run(clean: CleanImage, ctx) -> StyledImage``
- phase III ``v2v.stages.palette.map_to_palette(styled, palette, config: Phase3Config, ctx)
  -> PalettedImage``
- phase IV ``Vectorizer(config: Phase4Config).run(rgba, palette, edges, ctx) -> VectorArt``
"""

from __future__ import annotations

from typing import Any, Protocol

from v2v.artefacts import CleanImage, Photo, StyledImage
from v2v.context import RunContext
from v2v.registry import Registry


class Sanitizer(Protocol):
    def run(self, photo: Photo, ctx: RunContext) -> CleanImage: ...


class Stylizer(Protocol):
    def run(self, clean: CleanImage, ctx: RunContext) -> StyledImage: ...


SANITIZERS: Registry[Any] = Registry("phase1")
STYLIZERS: Registry[Any] = Registry("phase2")


def load_backends() -> None:
    """Import the built-in backends so they register themselves (light imports only: the GPU
    backends import torch when they are built, not when they register)."""
    from v2v.stages.sanitize import classical as _sanitize  # noqa: F401
    from v2v.stages.sanitize import grounded_sam_lama as _sanitize_gpu  # noqa: F401
    from v2v.stages.stylize import classical as _stylize  # noqa: F401
    from v2v.stages.stylize import sdxl_controlnet as _stylize_gpu  # noqa: F401


def create_backend(registry: Registry[type], phase_config: Any, models: Any) -> Any:
    """Build the backend ``phase_config.backend`` names. Backends that load weights declare
    ``uses_models = True`` and also get the ``models`` section (directory, device, precision)."""
    cls: Any = registry.get(phase_config.backend)
    if getattr(cls, "uses_models", False):
        return cls(phase_config, models)
    return cls(phase_config)
