"""Moving a pairs folder as one file, and writing a run's status where another process reads it.

- ``pack_pairs``/``unpack_pairs``: ``inputs/`` and ``targets/`` in an uncompressed zip (the
  service stores an uploaded set as one job input); unpacking accepts only the two folders and
  plain file names, so a crafted archive cannot write elsewhere.
- ``StatusFile``: an ``on_status`` callback that writes each snapshot as JSON (atomically, at
  most every ``interval`` seconds except stage changes) for the service's status route.
"""

from __future__ import annotations

import json
import os
import re
import time
import zipfile
from pathlib import Path
from typing import Any

from v2v.errors import InputError
from v2v.training.status import TrainingStatus

_MEMBER = re.compile(r"^(inputs|targets)/[A-Za-z0-9][A-Za-z0-9._ -]{0,150}$")


def pack_pairs(folder: Path, archive: Path) -> Path:
    """Zip ``folder/inputs/*`` and ``folder/targets/*`` (stored, not compressed: images are)."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as bundle:
        for side in ("inputs", "targets"):
            for path in sorted((folder / side).iterdir()):
                if path.is_file():
                    bundle.write(path, f"{side}/{path.name}")
    return archive


def unpack_pairs(archive: Path, folder: Path) -> Path:
    """Extract a pairs archive into ``folder``; InputError for any other member."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.namelist()
            bad = [m for m in members if not _MEMBER.match(m)]
            if bad:
                raise InputError(
                    f"the pairs archive holds entries outside inputs/ and targets/: {bad[:5]}"
                )
            for side in ("inputs", "targets"):
                (folder / side).mkdir(parents=True, exist_ok=True)
            for member in members:
                (folder / member).write_bytes(bundle.read(member))
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"the pairs archive {archive.name} cannot be read ({exc})") from None
    return folder


class StatusFile:
    """``on_status`` callback writing ``path`` (JSON of :class:`TrainingStatus`)."""

    def __init__(self, path: Path, interval: float = 0.5) -> None:
        self.path = path
        self.interval = interval
        self.last_write = 0.0
        self.last_stage = ""
        self.latest: TrainingStatus | None = None

    def __call__(self, status: TrainingStatus) -> None:
        self.latest = status
        now = time.monotonic()
        if status.stage != self.last_stage or now - self.last_write >= self.interval:
            self.write(status)

    def write(self, status: TrainingStatus | None = None) -> None:
        status = status or self.latest
        if status is None:
            return
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(status.to_dict()), encoding="utf-8")
        os.replace(partial, self.path)
        self.last_write, self.last_stage = time.monotonic(), status.stage


def read_status(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path`` (a status file or a card), or None when there is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def status_from_card(card: dict[str, Any]) -> dict[str, Any]:
    """A finished run's status rebuilt from its LoRA card (when the status file is elsewhere)."""
    loss, steps = card.get("loss") or {}, int(card.get("steps") or 0)
    return {
        "stage": "done",
        "progress": 1.0,
        "epoch": int(card.get("epochs_run") or 0),
        "epochs": int((card.get("parameters") or {}).get("epochs") or 0),
        "step": steps,
        "total_steps": steps,
        "train_loss": list(loss.get("train") or []),
        "val_loss": list(loss.get("validation") or []),
        "lora_id": card.get("id"),
    }
