"""The preprocessing gallery of a training run (the original's ``preprocessing-gallery``):
for each pair, the photo, phase I's output, the depth and Canny control images and the target,
as PNGs of at most ``LONG_SIDE`` px, with ``gallery.json`` indexing them. Written pair by pair
while the run prepares, so a run that stops (a photo without a vehicle) still shows what phase I
made of each photo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from v2v.imaging import encode_png, resize_long_side

LONG_SIDE = 512
INDEX = "gallery.json"
#: the original's gallery keys
KINDS = ("raw_inputs", "phase1_outputs", "phase2_depth", "phase2_edge", "targets")


class Gallery:
    """Writes the gallery into ``folder`` (created when the first pair arrives)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.entries: list[dict[str, Any]] = []

    def add(
        self,
        name: str,
        images: dict[str, NDArray[np.uint8]],
        attempts: int,
        parameters: dict[str, float],
    ) -> None:
        """``images``: by KINDS key, RGB (h, w, 3) or grey (h, w) uint8."""
        self.folder.mkdir(parents=True, exist_ok=True)
        index = len(self.entries) + 1
        entry: dict[str, Any] = {"pair": name, "phase1_attempts": attempts}
        entry["phase1_parameters"] = parameters
        for kind in KINDS:
            if kind not in images:
                continue
            file = f"gallery-{kind.replace('_', '-')}-{index:04d}.png"
            pixels = np.ascontiguousarray(images[kind])
            small = (
                pixels
                if max(pixels.shape[:2]) <= LONG_SIDE
                else resize_long_side(pixels, LONG_SIDE)
            )
            (self.folder / file).write_bytes(encode_png(small))
            entry[kind] = file
        self.entries.append(entry)
        (self.folder / INDEX).write_text(json.dumps(self.entries, indent=2), encoding="utf-8")

    @property
    def files(self) -> list[str]:
        """Every file written, the index last."""
        names = [e[k] for e in self.entries for k in KINDS if k in e]
        return [*names, INDEX] if self.entries else []
