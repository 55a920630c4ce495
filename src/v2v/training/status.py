"""What a training run reports while it works: stage, progress, epoch/step, losses, ETA, log.

The run hands a :class:`TrainingStatus` snapshot to its ``on_status`` callback after every step,
epoch and stage change (the CLI prints it; the service writes it where the job's status route reads
it) and mirrors the overall progress into the RunContext as phase ``"train"``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from v2v.context import RunContext

#: share of the whole run's progress before the first training step (checks, phase I/II, loading)
PREPARE_SHARE = 0.1
LOG_LINES = 200


@dataclass(frozen=True)
class TrainingStatus:
    """One snapshot. Losses are per completed epoch (validation: fixed noise and timesteps)."""

    stage: str
    progress: float
    epoch: int = 0
    epochs: int = 0
    step: int = 0
    total_steps: int = 0
    last_loss: float | None = None
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    eta_seconds: float | None = None
    log: list[str] = field(default_factory=list)
    lora_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


StatusCallback = Callable[[TrainingStatus], None]


class Reporter:
    """Keeps the run's counters, last log lines and step timing; emits snapshots."""

    def __init__(self, on_status: StatusCallback | None, ctx: RunContext) -> None:
        self.on_status = on_status
        self.ctx = ctx
        self.lines: deque[str] = deque(maxlen=LOG_LINES)
        self.stage_name = "checking"
        self.progress = 0.0
        self.epoch = self.epochs = self.step = self.total_steps = 0
        self.first_step = 0
        self.last_loss: float | None = None
        self.train_loss: list[float] = []
        self.val_loss: list[float] = []
        self.lora_id: str | None = None
        self._step_clock: float | None = None
        self._seconds_per_step: float | None = None

    def log(self, message: str) -> None:
        stamp = datetime.now(UTC).strftime("%H:%M:%S")
        self.lines.append(f"[{stamp}] {message}")
        self.emit()

    def stage(self, name: str, progress: float, message: str) -> None:
        self.stage_name, self.progress = name, max(self.progress, progress)
        self.log(message)

    def start_training(self, epochs: int, total_steps: int, first_step: int) -> None:
        self.epochs, self.total_steps = epochs, total_steps
        self.step = self.first_step = first_step
        self.stage_name = "training"
        self._step_clock = time.perf_counter()

    def after_step(self, epoch: int, step: int, loss: float) -> None:
        now = time.perf_counter()
        if self._step_clock is not None and step > self.first_step:
            done = step - self.first_step
            self._seconds_per_step = (now - self._step_clock) / done
        self.epoch, self.step, self.last_loss = epoch, step, loss
        share = step / max(1, self.total_steps)
        self.progress = PREPARE_SHARE + (0.98 - PREPARE_SHARE) * share
        self.emit()

    def after_epoch(self, train: list[float], val: list[float]) -> None:
        self.train_loss, self.val_loss = list(train), list(val)
        self.log(
            f"epoch {len(train)}/{self.epochs}: train loss {train[-1]:.4f}, "
            f"validation loss {val[-1]:.4f}"
        )

    def eta_seconds(self) -> float | None:
        if self._seconds_per_step is None or self.stage_name != "training":
            return None
        return round(self._seconds_per_step * max(0, self.total_steps - self.step), 1)

    def snapshot(self, last_lines: int = 50) -> TrainingStatus:
        return TrainingStatus(
            stage=self.stage_name,
            progress=round(self.progress, 4),
            epoch=self.epoch,
            epochs=self.epochs,
            step=self.step,
            total_steps=self.total_steps,
            last_loss=self.last_loss,
            train_loss=list(self.train_loss),
            val_loss=list(self.val_loss),
            eta_seconds=self.eta_seconds(),
            log=list(self.lines)[-last_lines:],
            lora_id=self.lora_id,
        )

    def emit(self) -> None:
        status = self.snapshot()
        message = self.lines[-1].split("] ", 1)[-1] if self.lines else self.stage_name
        if self.stage_name == "training" and self.last_loss is not None:
            message = f"step {self.step}/{self.total_steps}, loss {self.last_loss:.4f}"
        self.ctx.report("train", status.progress, message)
        if self.on_status is not None:
            self.on_status(status)
