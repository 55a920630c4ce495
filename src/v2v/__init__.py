"""vehicle-to-vector: vehicle photos → palette-locked, style-guide SVG illustrations.

Public API::

    import v2v
    result = v2v.convert("car.jpg", palette="primary-15")
    result.save("car.svg", png_path="car.png")
    print(result.report["qa"])

The names below are imported on first use (PEP 562), so ``import v2v`` alone (and every
command that needs only a part of the package, such as ``v2v --help`` or ``v2v palettes``)
does not load the pipeline, OpenCV, the renderer or the stages.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name → the module that defines it
_EXPORTS = {
    "Box": "v2v.artefacts",
    "CleanImage": "v2v.artefacts",
    "PalettedImage": "v2v.artefacts",
    "Photo": "v2v.artefacts",
    "StyledImage": "v2v.artefacts",
    "VectorArt": "v2v.artefacts",
    "Palette": "v2v.color.palette",
    "Config": "v2v.config",
    "load_config": "v2v.config",
    "RunContext": "v2v.context",
    "BackendUnavailable": "v2v.errors",
    "Cancelled": "v2v.errors",
    "ConfigError": "v2v.errors",
    "InputError": "v2v.errors",
    "QualityCheckFailed": "v2v.errors",
    "StageFailed": "v2v.errors",
    "V2VError": "v2v.errors",
    "WeightsMissing": "v2v.errors",
    "Pipeline": "v2v.pipeline",
    "Result": "v2v.pipeline",
    "convert": "v2v.pipeline",
}

if TYPE_CHECKING:
    from v2v.artefacts import Box, CleanImage, PalettedImage, Photo, StyledImage, VectorArt
    from v2v.color.palette import Palette
    from v2v.config import Config, load_config
    from v2v.context import RunContext
    from v2v.errors import (
        BackendUnavailable,
        Cancelled,
        ConfigError,
        InputError,
        QualityCheckFailed,
        StageFailed,
        V2VError,
        WeightsMissing,
    )
    from v2v.pipeline import Pipeline, Result, convert


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'v2v' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next look-up is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "BackendUnavailable",
    "Box",
    "Cancelled",
    "CleanImage",
    "Config",
    "ConfigError",
    "InputError",
    "Palette",
    "PalettedImage",
    "Photo",
    "Pipeline",
    "QualityCheckFailed",
    "Result",
    "RunContext",
    "StageFailed",
    "StyledImage",
    "V2VError",
    "VectorArt",
    "WeightsMissing",
    "__version__",
    "convert",
    "load_config",
]
