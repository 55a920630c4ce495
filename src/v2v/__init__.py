"""vehicle-to-vector: vehicle photos → palette-locked, style-guide SVG illustrations.

Public API::

    import v2v
    result = v2v.convert("car.jpg", palette="primary-15")
    result.save("car.svg", png_path="car.png")
    print(result.report["qa"])
"""

from __future__ import annotations

__version__ = "0.1.0"

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
