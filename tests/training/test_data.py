"""Augmentation keeps input and target aligned; split and batches are seeded and complete."""

from __future__ import annotations

import numpy as np

from v2v.training.data import augment, batches_per_epoch, color_jitter, epoch_batches, split
from v2v.training.prepare import Sample


def sample(name: str = "car", width: int = 16, height: int = 8) -> Sample:
    target = np.zeros((height, width, 3), np.uint8)
    target[:, : width // 4] = (200, 30, 40)  # a red stripe on the left
    depth = np.zeros((height, width), np.uint8)
    depth[:, : width // 4] = 255
    canny = np.zeros((height, width), np.uint8)
    canny[:, width // 4] = 255
    return Sample(name, target, depth, canny, 0.5)


def test_a_flip_mirrors_the_target_and_both_control_images_together() -> None:
    seen = set()
    for epoch in range(12):
        view = augment(sample(), seed=3, epoch=epoch, index=0, flip=True, jitter=0.0)
        left = bool(view.target[:, 0, 0].mean() > 0.5)
        assert left == bool(view.depth[:, 0].mean() > 127)  # depth follows the target
        assert bool(view.canny[:, 4].any()) == left and bool(view.canny[:, 11].any()) != left
        seen.add(left)
    assert seen == {True, False}  # both orientations occur
    again = augment(sample(), seed=3, epoch=5, index=0, flip=True, jitter=0.05)
    assert np.array_equal(again.target, augment(sample(), 3, 5, 0, True, 0.05).target)


def test_colour_jitter_is_slight_and_off_when_zero() -> None:
    rgb = np.random.default_rng(0).random((8, 8, 3)).astype(np.float32)
    assert np.allclose(color_jitter(rgb, np.ones(3)), rgb, atol=1e-6)
    jittered = color_jitter(rgb, np.array([1.05, 0.95, 1.05]))
    assert 0 < np.abs(jittered - rgb).mean() < 0.06
    view = augment(sample(), seed=1, epoch=0, index=0, flip=False, jitter=0.0)
    assert np.array_equal(view.target, sample().target / np.float32(255))


def test_split_keeps_one_sample_on_each_side_and_depends_on_the_seed() -> None:
    samples = [sample(f"car{i}") for i in range(10)]
    train, val = split(samples, 0.2, seed=42)
    assert len(train) == 8 and len(val) == 2
    assert {s.name for s in train} | {s.name for s in val} == {s.name for s in samples}
    assert split(samples, 0.2, seed=42)[1] == val
    assert any(split(samples, 0.2, seed=s)[1] != val for s in range(1, 6))
    assert len(split(samples[:2], 0.05, seed=0)[1]) == 1


def test_batches_cover_every_sample_once_and_never_mix_sizes() -> None:
    sizes = [(64, 40)] * 5 + [(40, 64)] * 3
    batches = epoch_batches(sizes, batch_size=2, seed=0, epoch=1)
    assert sorted(i for b in batches for i in b) == list(range(8))
    assert all(len({sizes[i] for i in b}) == 1 for b in batches)
    assert len(batches) == batches_per_epoch(sizes, 2) == 5
    assert epoch_batches(sizes, 2, 0, 1) == batches != epoch_batches(sizes, 2, 0, 2)


def test_precision_keeps_trainable_weights_fp32_and_autocasts_only_on_cuda() -> None:
    from types import SimpleNamespace

    import pytest

    from v2v.errors import BackendUnavailable
    from v2v.training.model import precision_dtypes

    def fake_torch(bf16: bool) -> SimpleNamespace:
        cuda = SimpleNamespace(is_bf16_supported=lambda: bf16)
        return SimpleNamespace(float32="fp32", float16="fp16", bfloat16="bf16", cuda=cuda)

    assert precision_dtypes(fake_torch(True), "cpu", "bf16") == ("fp32", None)
    assert precision_dtypes(fake_torch(True), "cuda", "auto") == ("bf16", "bf16")
    assert precision_dtypes(fake_torch(False), "cuda", "auto") == ("fp16", "fp16")
    assert precision_dtypes(fake_torch(True), "cuda", "fp32") == ("fp32", None)
    with pytest.raises(BackendUnavailable, match="no bfloat16"):
        precision_dtypes(fake_torch(False), "cuda", "bf16")
