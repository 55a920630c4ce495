"""Trained LoRAs in the model directory's ``loras/`` folder: save, list, look up, delete.

Each LoRA is two files under one id: ``loras/<id>.safetensors`` (diffusers' SDXL LoRA format:
``unet.*`` keys with peft's ``lora_adapter_metadata``, so rank and alpha survive loading) and
``loras/<id>.json``, its card (base model, trigger, parameters, loss history, data summary). The
id is what ``phase2.lora.path`` takes. Files are staged in a temporary folder and renamed into
``loras/``, the card last, so a listing never sees half a LoRA.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from v2v.errors import InputError, WeightsMissing
from v2v.models.layout import resolve_lora_dir
from v2v.models.tokens import card_path

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
SUFFIX = ".safetensors"


@dataclass(frozen=True)
class LoraInfo:
    """One LoRA in ``loras/``. ``card`` is None for a LoRA not trained here."""

    id: str
    path: Path
    size_bytes: int
    modified: datetime
    card: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "file": self.path.name,
            "size_bytes": self.size_bytes,
            "modified": self.modified.isoformat(),
            "card": self.card,
        }


def loras_dir(
    model_dir: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """``$LORA_DIR`` (or the original's ``$TRAIN_OUTPUT_ROOT``), else ``<model dir>/loras``."""
    return resolve_lora_dir(model_dir, environ)


def new_id(name: str) -> str:
    """A fresh id: the name as a lowercase slug plus 8 random hex digits."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "style"
    return f"{slug}-{uuid.uuid4().hex[:8]}"


def check_id(lora_id: str) -> str:
    if not _ID.match(lora_id):
        raise InputError(
            f"{lora_id!r} is not a LoRA id (lowercase letters, digits, '.', '-', '_'); "
            "`v2v lora list` shows the ids"
        )
    return lora_id


def list_loras(
    model_dir: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> list[LoraInfo]:
    """Every ``*.safetensors`` in ``loras/`` (trained here or copied in), newest first."""
    folder = loras_dir(model_dir, environ)
    if not folder.is_dir():
        return []
    found = [_info(p) for p in folder.glob(f"*{SUFFIX}") if p.is_file() and _ID.match(p.stem)]
    return sorted(found, key=lambda info: (info.modified, info.id), reverse=True)


def get_lora(
    lora_id: str, model_dir: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> LoraInfo:
    """The LoRA with this id; InputError naming the folder when there is none."""
    path = loras_dir(model_dir, environ) / f"{check_id(lora_id)}{SUFFIX}"
    if not path.is_file():
        raise InputError(
            f"there is no LoRA {lora_id!r} in {path.parent}; `v2v lora list` shows the ids"
        )
    return _info(path)


def delete_lora(
    lora_id: str, model_dir: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> LoraInfo:
    """Remove the LoRA file and its card; returns what was removed."""
    info = get_lora(lora_id, model_dir, environ)
    info.path.unlink(missing_ok=True)
    card_path(info.path).unlink(missing_ok=True)
    return info


def _info(path: Path) -> LoraInfo:
    stat = path.stat()
    card = None
    card_file = card_path(path)
    if card_file.is_file():
        try:
            card = json.loads(card_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            card = {"error": f"the card {card_file.name} is not readable JSON"}
    modified = datetime.fromtimestamp(stat.st_mtime, UTC)
    return LoraInfo(path.stem, path, stat.st_size, modified, card)


def save_lora(
    unet_lora: dict[str, Any],
    adapter_config: dict[str, Any],
    card: dict[str, Any],
    staging: Path,
    model_dir: str | Path | None = None,
) -> LoraInfo:
    """Write ``<id>.safetensors`` and ``<id>.json`` (``card["id"]``) into ``loras/``.

    ``unet_lora``: peft state dict of the UNet (``...lora_A.weight`` names, CPU tensors);
    ``adapter_config``: the peft ``LoraConfig`` as a dict (rank, alpha, targets).
    """
    from diffusers import StableDiffusionXLPipeline
    from diffusers.utils import convert_state_dict_to_diffusers

    lora_id = check_id(str(card["id"]))
    folder = loras_dir(model_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging.mkdir(parents=True, exist_ok=True)
        StableDiffusionXLPipeline.save_lora_weights(
            staging,
            unet_lora_layers=convert_state_dict_to_diffusers(unet_lora),
            weight_name=f"{lora_id}{SUFFIX}",
            unet_lora_adapter_metadata=adapter_config,
        )
        (staging / f"{lora_id}.json").write_text(json.dumps(card, indent=2), encoding="utf-8")
        os.replace(staging / f"{lora_id}{SUFFIX}", folder / f"{lora_id}{SUFFIX}")
        os.replace(staging / f"{lora_id}.json", folder / f"{lora_id}.json")
    except OSError as exc:
        raise WeightsMissing(
            f"cannot write the LoRA into {folder} ({exc.strerror or exc}); the "
            "LoRA folder must be writable (LORA_DIR, else loras/ in MODEL_VOLUME_PATH)"
        ) from None
    return _info(folder / f"{lora_id}{SUFFIX}")
