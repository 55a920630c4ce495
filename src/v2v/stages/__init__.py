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
    """Import the built-in backends so they register themselves (light imports only)."""
    from v2v.stages.sanitize import classical as _sanitize  # noqa: F401
    from v2v.stages.stylize import classical as _stylize  # noqa: F401
