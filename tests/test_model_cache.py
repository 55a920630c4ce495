"""The saliency model's derived copy (input size made free) is cached, so a cold process does
not import the ``onnx`` package (issue 17), and a changed or damaged model is never reused."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from v2v.errors import BackendUnavailable
from v2v.stages.sanitize.runtime import SharedModel
from v2v.stages.sanitize.saliency import SaliencyModel


def tiny_saliency_model(path: Path, seed: int) -> Path:
    """A random one-layer 'saliency' network with a fixed 1×3×32×32 input, like u2netp's
    fixed 320×320 one: Conv 3→1 (3×3, padded) then Sigmoid."""
    weights = np.random.default_rng(seed).normal(0, 1, (1, 3, 3, 3)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
            helper.make_node("Sigmoid", ["c"], ["y"]),
        ],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 32, 32])],
        [numpy_helper.from_array(weights, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("V2V_CACHE_DIR", str(folder))
    return folder / "onnx"


def _look(model: SaliencyModel) -> np.ndarray:
    rgb = np.random.default_rng(1).integers(0, 255, (40, 50, 3), dtype=np.uint8)
    return model.probability(rgb, side=64)  # not the model's declared 32: the size is free


def test_the_free_size_model_is_cached_and_reused_without_the_onnx_package(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tiny_saliency_model(tmp_path / "tiny.onnx", seed=0)
    first = _look(SaliencyModel(path))
    assert len(list(cache.glob("tiny.*.onnx"))) == 1
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now fails
    again = _look(SaliencyModel(path))
    np.testing.assert_array_equal(first, again)


def test_without_a_cached_copy_the_onnx_package_is_needed(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The converse of the test above: it passes only because the cached copy was used."""
    path = tiny_saliency_model(tmp_path / "tiny.onnx", seed=0)
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(BackendUnavailable, match="onnx"):
        SaliencyModel(path)


def test_a_changed_model_gets_a_new_copy_and_the_stale_one_goes(
    tmp_path: Path, cache: Path
) -> None:
    path = tiny_saliency_model(tmp_path / "tiny.onnx", seed=0)
    before = _look(SaliencyModel(path))
    (stale,) = cache.glob("tiny.*.onnx")
    tiny_saliency_model(path, seed=7)  # other weights in the same file
    after = _look(SaliencyModel(path))
    (fresh,) = cache.glob("tiny.*.onnx")
    assert fresh != stale
    assert not np.array_equal(before, after)
    # the new weights' own result, as a process without a cache would compute it
    fresh.unlink()
    np.testing.assert_array_equal(after, _look(SaliencyModel(path)))


def test_a_damaged_cached_copy_is_derived_again(tmp_path: Path, cache: Path) -> None:
    path = tiny_saliency_model(tmp_path / "tiny.onnx", seed=0)
    expected = _look(SaliencyModel(path))
    (cached,) = cache.glob("tiny.*.onnx")
    cached.write_bytes(b"not a model")
    np.testing.assert_array_equal(expected, _look(SaliencyModel(path)))
    assert cached.read_bytes() != b"not a model"


def test_a_cache_that_cannot_be_written_costs_only_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("V2V_CACHE_DIR", str(blocker))
    path = tiny_saliency_model(tmp_path / "tiny.onnx", seed=0)
    assert _look(SaliencyModel(path)).shape == (40, 50)


def test_each_model_class_has_its_own_shared_instance() -> None:
    class One(SharedModel):
        pass

    class Two(SharedModel):
        pass

    assert One.shared() is One.shared()
    assert isinstance(Two.shared(), Two)
    assert One._shared is not Two._shared


def test_no_home_to_find_derives_in_memory_and_the_copy_is_readable_by_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from v2v.stages.sanitize import model_cache

    source = tmp_path / "m.onnx"
    source.write_bytes(b"model")

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(model_cache, "cache_dir", no_home)
    assert model_cache.derived_model(source, "k", lambda b: b + b"!") == b"model!"
    monkeypatch.undo()
    monkeypatch.setenv("V2V_CACHE_DIR", str(tmp_path / "cache"))
    model_cache.derived_model(source, "k", lambda b: b + b"!")
    (stored,) = (tmp_path / "cache" / "onnx").glob("m.k.*.onnx")
    assert stored.stat().st_mode & 0o777 == 0o644  # others may read it, only its owner write
