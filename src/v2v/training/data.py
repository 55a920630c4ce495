"""Splitting, batching and augmenting prepared samples. Deterministic: every random choice comes
from a generator seeded with (seed, epoch, index), so a resumed run sees the same data as an
uninterrupted one.

Augmentation: a horizontal flip (p = 0.5) applied to the target and both control images together
(the control images are the input photo's), and a slight colour jitter of the target
(brightness, contrast, saturation each × U(1 − j, 1 + j)).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from v2v.training.prepare import Sample


@dataclass(frozen=True)
class Augmented:
    """target: float32 (h, w, 3) in [0, 1]; depth, canny: uint8 (h, w)."""

    target: NDArray[np.float32]
    depth: NDArray[np.uint8]
    canny: NDArray[np.uint8]


def split(samples: list[Sample], fraction: float, seed: int) -> tuple[list[Sample], list[Sample]]:
    """(train, validation): a seeded shuffle; at least one sample on each side."""
    order = np.random.default_rng([seed, 0]).permutation(len(samples))
    count = min(len(samples) - 1, max(1, round(len(samples) * fraction)))
    validation = sorted(int(i) for i in order[:count])
    chosen = set(validation)
    train = [s for i, s in enumerate(samples) if i not in chosen]
    return train, [samples[i] for i in validation]


def epoch_batches(
    sizes: list[tuple[int, int]], batch_size: int, seed: int, epoch: int
) -> list[list[int]]:
    """Sample indices in batches for one epoch. Samples of different (w, h) never share a batch
    (aspect buckets); the order is a seeded shuffle of samples and then of batches."""
    rng = np.random.default_rng([seed, 1, epoch])
    buckets: dict[tuple[int, int], list[int]] = {}
    for index in rng.permutation(len(sizes)):
        buckets.setdefault(sizes[int(index)], []).append(int(index))
    batches = [
        members[start : start + batch_size]
        for members in buckets.values()
        for start in range(0, len(members), batch_size)
    ]
    return [batches[int(i)] for i in rng.permutation(len(batches))]


def batches_per_epoch(sizes: list[tuple[int, int]], batch_size: int) -> int:
    counts: dict[tuple[int, int], int] = {}
    for size in sizes:
        counts[size] = counts.get(size, 0) + 1
    return sum(-(-n // batch_size) for n in counts.values())


def augment(
    sample: Sample, seed: int, epoch: int, index: int, flip: bool, jitter: float
) -> Augmented:
    """The sample as seen in this epoch (same seed, epoch and index: same result)."""
    rng = np.random.default_rng([seed, 2, epoch, index])
    flipped = flip and bool(rng.random() < 0.5)
    target = sample.target.astype(np.float32) / 255.0
    depth, canny = sample.depth, sample.canny
    if flipped:
        target, depth, canny = target[:, ::-1], depth[:, ::-1], canny[:, ::-1]
    if jitter > 0:
        target = color_jitter(target, rng.uniform(1 - jitter, 1 + jitter, size=3))
    return Augmented(
        np.ascontiguousarray(target, np.float32),
        np.ascontiguousarray(depth),
        np.ascontiguousarray(canny),
    )


def plain(sample: Sample) -> Augmented:
    """The sample without augmentation (validation)."""
    return Augmented(sample.target.astype(np.float32) / 255.0, sample.depth, sample.canny)


def color_jitter(rgb: NDArray[np.float32], factors: NDArray[np.float64]) -> NDArray[np.float32]:
    """Brightness, contrast and saturation of RGB float (h, w, 3) in [0, 1], each × its factor."""
    brightness, contrast, saturation = (float(f) for f in factors)
    out = rgb * brightness
    out = (out - out.mean()) * contrast + out.mean()
    grey = out @ np.array([0.299, 0.587, 0.114], np.float32)
    out = (out - grey[..., None]) * saturation + grey[..., None]
    return np.clip(out, 0.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class Batch:
    """Tensors on the device: target (B, 3, h, w) in [-1, 1] (the VAE's range); depth and canny
    (B, 3, h, w) in [0, 1] (what the ControlNet pipeline feeds its nets); time ids (B, 6)."""

    target: Any
    depth: Any
    canny: Any
    time_ids: Any


def to_batch(items: list[Augmented], device: str) -> Batch:
    import torch

    def grey3(images: list[NDArray[np.uint8]]) -> Any:
        stacked = np.stack(images).astype(np.float32) / 255.0
        return torch.from_numpy(stacked)[:, None].expand(-1, 3, -1, -1).contiguous().to(device)

    target = torch.from_numpy(np.stack([i.target for i in items])).permute(0, 3, 1, 2)
    height, width = items[0].depth.shape
    # SDXL micro-conditioning as the pipeline sends it: original size, crop (0, 0), target size
    time_ids = torch.tensor(
        [[height, width, 0, 0, height, width]] * len(items), dtype=torch.float32
    )
    return Batch(
        (target * 2.0 - 1.0).contiguous().to(device),
        grey3([i.depth for i in items]),
        grey3([i.canny for i in items]),
        time_ids.to(device),
    )
