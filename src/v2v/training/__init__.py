"""Style LoRA training from input → target pairs (needs the ``train`` extra for training itself).

Light to import: the functions that train import torch, diffusers and peft when called.

Library API (the CLI's ``v2v train`` / ``v2v lora`` and the service's training routes use these)::

    train_lora(pairs_dir, params=None, config=None, *, ctx=None, checkpoint_dir=None,
               resume=False, on_status=None) -> TrainingResult
    find_pairs(folder, pairing="stem", min_pairs=10, max_aspect_difference=0.1, limits=None)
        -> list[Pair]
    parse_params(values: dict | None) -> TrainingParams          # ConfigError naming bad fields
    list_loras(model_dir=None) -> list[LoraInfo]
    get_lora(lora_id, model_dir=None) -> LoraInfo                # .path is the file to download
    delete_lora(lora_id, model_dir=None) -> LoraInfo
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from v2v.training.artifacts import LoraInfo, delete_lora, get_lora, list_loras
from v2v.training.pairs import Pair, find_pairs
from v2v.training.params import TrainingParams, parse_params
from v2v.training.status import TrainingStatus

if TYPE_CHECKING:
    from v2v.training.run import TrainingResult, train_lora

__all__ = [
    "LoraInfo",
    "Pair",
    "TrainingParams",
    "TrainingResult",
    "TrainingStatus",
    "delete_lora",
    "find_pairs",
    "get_lora",
    "list_loras",
    "parse_params",
    "train_lora",
]


def __getattr__(name: str) -> Any:
    if name in ("train_lora", "TrainingResult"):
        from v2v.training import run

        return getattr(run, name)
    raise AttributeError(f"module 'v2v.training' has no attribute {name!r}")
