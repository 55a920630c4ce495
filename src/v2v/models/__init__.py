"""The local model directory and the runtime of the neural backends.

Light to import (no torch): layout, status and the download command. The loaders
(``v2v.models.grounding``, ``lama``, ``birefnet``, ``depth``, ``sdxl``, ``esrgan``) and the cache
(``v2v.models.runtime``) import torch when they are used.

CLI helpers::

    list_models(model_dir=None) -> list[ModelStatus]
    verify(model_dir=None, names=None) -> list[ModelStatus]
    download(name, model_dir=None, revision=None, token=None) -> Path
"""

from __future__ import annotations

from v2v.models.download import download
from v2v.models.layout import (
    DEFAULT_DIR,
    ENV_VAR,
    SPECS,
    ModelSpec,
    ModelStatus,
    list_models,
    require,
    resolve_model_dir,
    verify,
)

__all__ = [
    "DEFAULT_DIR",
    "ENV_VAR",
    "SPECS",
    "ModelSpec",
    "ModelStatus",
    "download",
    "list_models",
    "require",
    "resolve_model_dir",
    "verify",
]
