"""The training loop: epochs of steps, validation every epoch, early stopping, checkpoints every
``save_every`` steps, resume, and cancel checked before every step (so it stops within one step).

Validation loss uses fixed noise and fixed timesteps (``EVAL_TIMESTEPS``) on the VAE's mean
latents, so epochs compare like with like. The same measure on the training split before the first
step and after the last (``train_before`` / ``train_after``) says whether the LoRA fits the pairs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from v2v.context import RunContext
from v2v.errors import StageFailed
from v2v.stages.stylize.sdxl_controlnet import ControlNetConfig
from v2v.training.checkpoints import Checkpoints
from v2v.training.data import augment, batches_per_epoch, epoch_batches, plain, to_batch
from v2v.training.model import Components
from v2v.training.objective import Objective
from v2v.training.params import TrainingParams
from v2v.training.prepare import Sample
from v2v.training.status import Reporter

EVAL_TIMESTEPS = (100, 350, 600, 850)
MAX_GRAD_NORM = 1.0


@dataclass
class LoopState:
    """Where the run is. ``batch``: batches done in ``epoch`` (0-based). JSON/torch-safe values."""

    step: int = 0
    epoch: int = 0
    batch: int = 0
    loss_sum: float = 0.0
    loss_count: int = 0
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_before: float | None = None
    best_val: float = math.inf
    best_epoch: int = 0
    bad_epochs: int = 0
    stopped_early: bool = False


@dataclass
class LoopResult:
    lora: dict[str, Any]  # the best epoch's LoRA, peft names, CPU tensors
    state: LoopState
    train_after: float


class Trainer:
    """Runs the loop on prepared samples with loaded components."""

    def __init__(
        self,
        parts: Components,
        samples: tuple[list[Sample], list[Sample]],
        params: TrainingParams,
        controlnet: ControlNetConfig,
        ctx: RunContext,
        reporter: Reporter,
        checkpoints: tuple[Checkpoints, dict[str, Any], bool],
    ) -> None:
        import torch

        self.parts, self.params, self.ctx, self.reporter = parts, params, ctx, reporter
        self.train, self.val = samples
        self.checkpoints, self.fingerprint, self.save_on_cancel = checkpoints
        self.objective = Objective(parts, controlnet)
        self.optimizer = torch.optim.AdamW(
            parts.trainable(), lr=params.learning_rate, weight_decay=1e-2
        )
        fp16 = parts.autocast is torch.float16
        self.scaler = torch.amp.GradScaler("cuda") if fp16 else None
        self.sizes = [s.size for s in self.train]
        self.total_steps = batches_per_epoch(self.sizes, params.batch_size) * params.epochs
        self.best_lora: dict[str, Any] | None = None
        self.saved_step = -1

    def run(self, saved: dict[str, Any] | None) -> LoopResult:
        state = self._restore(saved) if saved is not None else LoopState()
        if state.train_before is None:
            state.train_before = self.fixed_loss(self.train)
        self.reporter.start_training(self.params.epochs, self.total_steps, state.step)
        while state.epoch < self.params.epochs and not state.stopped_early:
            self._epoch(state)
            self._validate(state)
        if self.best_lora is not None:
            self._load_lora(self.best_lora)
        return LoopResult(self.lora_state(), state, self.fixed_loss(self.train))

    def _epoch(self, state: LoopState) -> None:
        batches = epoch_batches(self.sizes, self.params.batch_size, self.params.seed, state.epoch)
        for position in range(state.batch, len(batches)):
            self._check_cancelled(state)
            loss = self._step(batches[position], state)
            state.step, state.batch = state.step + 1, position + 1
            state.loss_sum, state.loss_count = state.loss_sum + loss, state.loss_count + 1
            self.reporter.after_step(state.epoch + 1, state.step, loss)
            if state.step % self.params.save_every == 0:
                self._save(state)

    def _step(self, indices: list[int], state: LoopState) -> float:
        import torch

        p = self.params
        items = [
            augment(self.train[i], p.seed, state.epoch, i, p.flip, p.color_jitter) for i in indices
        ]
        batch = to_batch(items, self.parts.device)
        generator = torch.Generator().manual_seed(p.seed * 1_000_003 + state.step)
        latents = self.objective.latents(batch, generator)
        loss = self.objective.loss(latents, batch, generator)
        if not torch.isfinite(loss):
            raise StageFailed(
                f"the training loss became {loss.item()} at step {state.step + 1}; lower the "
                "learning rate, or use precision bf16 or fp32"
            )
        self._backward(loss)
        return float(loss.item())

    def _backward(self, loss: Any) -> None:
        import torch

        trainable = self.parts.trainable()
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(trainable, MAX_GRAD_NORM)
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, MAX_GRAD_NORM)
            self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)

    def _validate(self, state: LoopState) -> None:
        val = self.fixed_loss(self.val)
        state.train_loss.append(round(state.loss_sum / max(1, state.loss_count), 6))
        state.val_loss.append(round(val, 6))
        state.epoch, state.batch, state.loss_sum, state.loss_count = state.epoch + 1, 0, 0.0, 0
        if val < state.best_val:
            state.best_val, state.best_epoch, state.bad_epochs = val, state.epoch, 0
            self.best_lora = self.lora_state()
        else:
            state.bad_epochs += 1
        self.reporter.after_epoch(state.train_loss, state.val_loss)
        if self.params.patience and state.bad_epochs >= self.params.patience:
            state.stopped_early = True
            self.reporter.log(
                f"early stop: no better validation loss for {state.bad_epochs} epoch(s); "
                f"keeping epoch {state.best_epoch} (validation loss {state.best_val:.4f})"
            )

    def fixed_loss(self, samples: list[Sample]) -> float:
        """Mean loss over ``samples`` with fixed noise and EVAL_TIMESTEPS (no augmentation)."""
        import torch

        self.parts.unet.eval()
        losses = []
        timesteps = torch.tensor(EVAL_TIMESTEPS)
        with torch.no_grad():
            for index, sample in enumerate(samples):
                self.ctx.check_cancelled()
                batch = to_batch([plain(sample)] * len(EVAL_TIMESTEPS), self.parts.device)
                generator = torch.Generator().manual_seed(self.params.seed + 7919 * (index + 1))
                latents = self.objective.latents(_first(batch), None)
                latents = latents.expand(len(EVAL_TIMESTEPS), -1, -1, -1)
                losses.append(self.objective.loss(latents, batch, generator, timesteps).item())
        self.parts.unet.train()
        return float(sum(losses) / max(1, len(losses)))

    def lora_state(self) -> dict[str, Any]:
        from peft.utils import get_peft_model_state_dict

        state = get_peft_model_state_dict(self.parts.unet)
        return {name: tensor.detach().to("cpu", copy=True) for name, tensor in state.items()}

    def _load_lora(self, lora: dict[str, Any]) -> None:
        from peft.utils import set_peft_model_state_dict

        set_peft_model_state_dict(self.parts.unet, lora)

    def _check_cancelled(self, state: LoopState) -> None:
        if self.ctx.cancel_event.is_set() and self.save_on_cancel and state.step > 0:
            self._save(state)
        self.ctx.check_cancelled()

    def _save(self, state: LoopState) -> None:
        if state.step == self.saved_step:
            return
        self.checkpoints.save(
            {
                "version": 1,
                "step": state.step,
                "loop": asdict(state),
                "lora": self.lora_state(),
                "best_lora": self.best_lora,
                "optimizer": self.optimizer.state_dict(),
                "scaler": self.scaler.state_dict() if self.scaler is not None else None,
                "fingerprint": self.fingerprint,
            }
        )
        self.saved_step = state.step
        self.reporter.log(f"checkpoint at step {state.step}")

    def _restore(self, saved: dict[str, Any]) -> LoopState:
        self._load_lora(saved["lora"])
        self.optimizer.load_state_dict(saved["optimizer"])
        if self.scaler is not None and saved.get("scaler"):
            self.scaler.load_state_dict(saved["scaler"])
        self.best_lora = saved.get("best_lora")
        state = LoopState(**saved["loop"])
        self.saved_step = state.step
        self.reporter.log(f"resumed from the checkpoint at step {state.step}")
        return state


def _first(batch: Any) -> Any:
    """The batch's first target only (every eval batch repeats one sample)."""
    from v2v.training.data import Batch

    return Batch(batch.target[:1], batch.depth[:1], batch.canny[:1], batch.time_ids[:1])
