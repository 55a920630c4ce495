"""The LoRA card (JSON beside the weights), the data summary, and the run fingerprint that a
checkpoint must match to be resumed."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from v2v import __version__
from v2v.training.pairs import Pair
from v2v.training.params import TrainingParams
from v2v.training.prepare import Sample

if TYPE_CHECKING:
    from v2v.training.loop import LoopResult
    from v2v.training.model import Components
    from v2v.training.run import TrainingRun

CARD_VERSION = 1


def data_summary(
    pairs: list[Pair], train: list[Sample], val: list[Sample], params: TrainingParams
) -> dict[str, Any]:
    """What the LoRA was trained on: pair names, split, sizes, vehicle coverage."""
    every = train + val
    sizes: dict[str, int] = {}
    for sample in every:
        key = "{}x{}".format(*sample.size)
        sizes[key] = sizes.get(key, 0) + 1
    coverage = [s.vehicle_fraction for s in every]
    return {
        "pairs": len(pairs),
        "pairing": params.pairing,
        "train": [s.name for s in train],
        "validation": [s.name for s in val],
        "training_sizes": sizes,
        "vehicle_fraction": {
            "min": round(min(coverage), 4),
            "mean": round(sum(coverage) / len(coverage), 4),
        },
    }


def fingerprint(
    params: TrainingParams, caption: str, resolution: int, summary: dict[str, Any]
) -> dict[str, Any]:
    """What a resumed run must share with the checkpoint (epochs, patience and the checkpoint
    interval may change)."""
    return {
        "rank": params.rank,
        "alpha": params.alpha,
        "learning_rate": params.learning_rate,
        "batch_size": params.batch_size,
        "seed": params.seed,
        "flip": params.flip,
        "color_jitter": params.color_jitter,
        "precision": params.precision,
        "caption": caption,
        "trigger_init": params.trigger_init,
        "resolution": resolution,
        "train": summary["train"],
        "validation": summary["validation"],
    }


def base_model(folder: Path) -> dict[str, Any]:
    """Which SDXL the LoRA was trained on: folder, model_index name, UNet weight file sizes."""
    index: dict[str, Any] = {}
    try:
        index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        index = {}
    weights = sorted((folder / "unet").glob("*.safetensors"))
    return {
        "folder": str(folder),
        "name": index.get("_name_or_path") or folder.name,
        "diffusers_version": index.get("_diffusers_version"),
        "unet_weights": {p.name: p.stat().st_size for p in weights},
    }


def build_card(
    lora_id: str,
    run: TrainingRun,
    parts: Components,
    outcome: LoopResult,
    summary: dict[str, Any],
    seconds: float,
) -> dict[str, Any]:
    state, params, stylize = outcome.state, run.params, run.stylize
    return {
        "card_version": CARD_VERSION,
        "id": lora_id,
        "name": params.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "v2v_version": __version__,
        "format": "diffusers SDXL UNet LoRA (peft), safetensors",
        "base_model": base_model(parts.base),
        "trigger": params.trigger,
        "trigger_init": params.trigger_init,
        "caption": run.caption,
        "usage": f"phase2.lora.path: {lora_id} (the trigger is appended to phase2.prompt)",
        "parameters": params.model_dump(mode="json"),
        "resolution": run.resolution,
        "controlnet": stylize.controlnet.model_dump(mode="json"),
        "device": parts.device,
        "weights_dtype": str(parts.weight_dtype).replace("torch.", ""),
        "autocast": str(parts.autocast).replace("torch.", "") if parts.autocast else None,
        "loss": {
            "train": state.train_loss,
            "validation": state.val_loss,
            "train_before": round(state.train_before or 0.0, 6),
            "train_after": round(outcome.train_after, 6),
            "best_epoch": state.best_epoch,
            "best_validation": round(state.best_val, 6) if math.isfinite(state.best_val) else None,
            "stopped_early": state.stopped_early,
        },
        "steps": state.step,
        "epochs_run": len(state.train_loss),
        "duration_seconds": round(seconds, 1),
        "data": summary,
    }
