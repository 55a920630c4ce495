"""``train_lora``: a style LoRA from a folder of input → target pairs, start to finish.

1. check the pairs (every problem named, before any work);
2. phase I + phase II preprocessors on every input (control images), targets resized to match;
3. load SDXL for training (trigger token installed, caption encoded);
4. the loop (validation every epoch, early stopping, checkpoints, resume, cancel);
5. the LoRA file and its card registered under a new id in ``loras/``.

Temporary files (staging, checkpoints when no ``checkpoint_dir`` is given) live in one temporary
folder that is removed however the run ends.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from v2v.config import Config, load_config
from v2v.context import RunContext
from v2v.models.runtime import CACHE, Runtime, require_modules
from v2v.models.tokens import caption
from v2v.stages.stylize.sdxl_controlnet import SdxlControlNetConfig
from v2v.training.artifacts import LoraInfo, new_id, save_lora
from v2v.training.card import build_card, data_summary, fingerprint
from v2v.training.checkpoints import Checkpoints, check_fingerprint
from v2v.training.data import split
from v2v.training.gallery import Gallery
from v2v.training.model import BACKEND, TRAIN_MODULES, load_components
from v2v.training.pairs import find_pairs
from v2v.training.params import TrainingParams
from v2v.training.prepare import prepare_samples
from v2v.training.status import PREPARE_SHARE, Reporter, TrainingStatus


@dataclass(frozen=True)
class TrainingResult:
    """The registered LoRA (``lora.id`` selects it: ``phase2.lora.path``) and its card."""

    lora: LoraInfo
    card: dict[str, Any]
    status: TrainingStatus


def stylize_config(config: Config) -> SdxlControlNetConfig:
    """The phase II settings training must match: the config's when it uses the SDXL backend,
    else that backend's defaults (prompt, resolution, ControlNet weights, de-shine, Canny)."""
    if isinstance(config.phase2, SdxlControlNetConfig):
        return config.phase2
    return SdxlControlNetConfig(backend="sdxl-controlnet")


def train_lora(
    pairs_dir: str | Path,
    params: TrainingParams | None = None,
    config: Config | None = None,
    *,
    ctx: RunContext | None = None,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    on_status: Callable[[TrainingStatus], None] | None = None,
    work_dir: str | Path | None = None,
    lora_id: str | None = None,
    gallery_dir: str | Path | None = None,
) -> TrainingResult:
    """Train a style LoRA on the pairs in ``pairs_dir`` (``inputs/`` + ``targets/``).

    ``checkpoint_dir``: where checkpoints go and stay after a failure or cancel, so that
    ``resume=True`` continues from the newest one (removed after success). Without it they live
    in the run's temporary folder, created in ``work_dir`` (default: the system's temporary
    folder) and removed however the run ends. ``lora_id``: the id to register the LoRA under
    (the service chooses it when the job is queued, to record its owner); default: a new one
    from ``params.name``. ``gallery_dir``: where to keep the preprocessing gallery (each pair's
    photo, phase I output, control images and target: ``training.gallery``). Raises InputError
    (pairs, checkpoint), ConfigError, BackendUnavailable/WeightsMissing, StageFailed, Cancelled.
    """
    params = params or TrainingParams()
    config = config or load_config()
    ctx = ctx or RunContext(seed=params.seed)
    reporter = Reporter(on_status, ctx)
    started = time.perf_counter()
    pairs = find_pairs(
        pairs_dir, params.pairing, params.min_pairs, params.max_aspect_difference, config.input
    )
    reporter.stage("checking", 0.01, f"{len(pairs)} pairs found (paired by {params.pairing})")
    require_modules(BACKEND, *TRAIN_MODULES)
    runtime = Runtime.from_config(config.models, BACKEND)
    with tempfile.TemporaryDirectory(prefix="v2v-train-", dir=work_dir) as temp:
        persistent = checkpoint_dir is not None
        folder = Path(checkpoint_dir) if checkpoint_dir is not None else Path(temp) / "ckpt"
        checkpoints = Checkpoints(folder)
        if not resume:
            checkpoints.clear()
        saved = checkpoints.latest()
        context = TrainingRun(params, config, runtime, ctx, reporter, lora_id)
        context.gallery = Gallery(Path(gallery_dir)) if gallery_dir is not None else None
        result = context.run(pairs, checkpoints, saved, persistent, Path(temp), started)
    if persistent:
        checkpoints.clear()
    return result


class TrainingRun:
    """The numbered steps, sharing the run's settings."""

    def __init__(
        self,
        params: TrainingParams,
        config: Config,
        runtime: Runtime,
        ctx: RunContext,
        reporter: Reporter,
        lora_id: str | None = None,
    ) -> None:
        self.params, self.config, self.runtime = params, config, runtime
        self.lora_id = lora_id or new_id(params.name)
        self.ctx, self.reporter = ctx, reporter
        self.stylize = stylize_config(config)
        self.resolution = params.resolution or self.stylize.resolution
        self.caption = caption(params.style_prompt or self.stylize.prompt, params.trigger)
        self.gallery: Gallery | None = None

    def run(
        self,
        pairs: list[Any],
        checkpoints: Checkpoints,
        saved: dict[str, Any] | None,
        persistent: bool,
        temp: Path,
        started: float,
    ) -> TrainingResult:
        from v2v.training.loop import Trainer

        # 2. phase I + phase II preprocessors
        train, val, summary = self._samples(pairs)
        identity = fingerprint(self.params, self.caption, self.resolution, summary)
        if saved is not None:
            check_fingerprint(saved["fingerprint"], identity, checkpoints.folder)
        # 3. models: free the inference cache (phase I, depth, any SDXL pipeline) first
        CACHE.release()
        self.reporter.stage("loading", PREPARE_SHARE * 0.9, "loading SDXL for training")
        parts = load_components(self.runtime, self.params, self.caption)
        # 4. the loop
        trainer = Trainer(
            parts,
            (train, val),
            self.params,
            self.stylize.controlnet,
            self.ctx,
            self.reporter,
            (checkpoints, identity, persistent),
        )
        outcome = trainer.run(saved)
        # 5. the artifact
        self.ctx.check_cancelled()
        self.reporter.stage("saving", 0.99, "saving the LoRA")
        card = build_card(
            self.lora_id, self, parts, outcome, summary, time.perf_counter() - started
        )
        adapter = parts.unet.peft_config["default"].to_dict()
        info = save_lora(outcome.lora, adapter, card, temp / "staging", self.runtime.model_dir)
        self.reporter.lora_id = info.id
        self.reporter.stage("done", 1.0, f"LoRA {info.id} saved in loras/")
        return TrainingResult(info, card, self.reporter.snapshot())

    def _samples(self, pairs: list[Any]) -> tuple[list[Any], list[Any], dict[str, Any]]:
        """(train samples, validation samples, data summary)."""
        samples = prepare_samples(
            pairs,
            self.config,
            self.stylize,
            self.resolution,
            self.runtime,
            self.ctx,
            self.reporter,
            self.params.phase1_attempts,
            self.gallery,
        )
        train, val = split(samples, self.params.validation_split, self.params.seed)
        return train, val, data_summary(pairs, train, val, self.params)
