"""Checkpoints of a training run: ``step-<n>.pt`` files in one folder, newest two kept.

A checkpoint holds everything the loop needs to continue exactly where it stopped: the LoRA and
optimizer (and fp16 grad scaler) states, the step, epoch and batch position, the loss history,
the early-stopping state with the best LoRA so far, and a fingerprint of the parameters and data
that must not change between the run and its resumption. Files are written to a temporary name
and renamed, so a crash mid-write never leaves a truncated "latest" checkpoint.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from v2v.errors import InputError

_NAME = re.compile(r"^step-(\d{8})\.pt$")
KEEP = 2


class Checkpoints:
    """The checkpoint folder of one run."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def files(self) -> list[Path]:
        """Checkpoint files, oldest first."""
        if not self.folder.is_dir():
            return []
        found = [p for p in self.folder.iterdir() if _NAME.match(p.name)]
        return sorted(found, key=lambda p: p.name)

    def save(self, state: dict[str, Any]) -> Path:
        import torch

        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"step-{int(state['step']):08d}.pt"
        partial = path.with_suffix(".partial")
        torch.save(state, partial)
        os.replace(partial, path)
        for old in self.files()[:-KEEP]:
            old.unlink(missing_ok=True)
        return path

    def latest(self) -> dict[str, Any] | None:
        """The newest checkpoint's state, or None when there is none."""
        import torch

        files = self.files()
        if not files:
            return None
        try:
            state: dict[str, Any] = torch.load(files[-1], map_location="cpu", weights_only=True)
        except (OSError, RuntimeError, ValueError) as exc:
            raise InputError(
                f"checkpoint {files[-1]} cannot be read ({exc}); delete it to resume from the "
                "one before, or start without resume"
            ) from None
        return state

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def check_fingerprint(saved: dict[str, Any], current: dict[str, Any], folder: Path) -> None:
    """InputError naming what differs between the checkpoint's run and this one."""
    changed = [
        f"{key}: {saved.get(key)!r} then, {value!r} now"
        for key, value in current.items()
        if saved.get(key) != value
    ]
    if changed:
        raise InputError(
            f"the checkpoint in {folder} belongs to a different run ({'; '.join(changed)}); "
            "resume with the same pairs and parameters, or start without resume"
        )
