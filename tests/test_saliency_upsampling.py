"""The saliency model's derived copy upsamples by constant factors instead of sizes read at run
time, so onnxruntime keeps its fast blocked layout through the decoder (issue 17); it must see
what the packaged network sees, at every side a look uses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from v2v.stages.sanitize.saliency import SaliencyModel


def decoder_like_model(path: Path, side: int, ratio_from_shape: bool = True) -> Path:
    """A random two-scale network shaped like u2netp's decoder, declared at ``side`` × ``side``:
    conv, 2× max-pool, conv, upsampled (bilinear, ``pytorch_half_pixel``) to the size of the
    first conv's output read from its shape, concatenated with it, 1×1 conv, sigmoid. With
    ``ratio_from_shape`` False the upsampling goes to a fixed 24 × 24 instead, whatever the
    input (a ratio that holds at one size only)."""
    rng = np.random.default_rng(3)
    weights = {
        "w1": rng.normal(0, 1, (4, 3, 3, 3)),
        "w2": rng.normal(0, 1, (4, 4, 3, 3)),
        "w3": rng.normal(0, 1, (1, 8, 1, 1)),
        "starts": np.array([2]),
        "ends": np.array([4]),
        "fixed": np.array([24, 24]),
    }
    initializers = [
        numpy_helper.from_array(v.astype(np.float32 if k.startswith("w") else np.int64), k)
        for k, v in weights.items()
    ]
    target = "hw" if ratio_from_shape else "fixed"
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("MaxPool", ["c"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p", "w2"], ["q"], pads=[1, 1, 1, 1]),
        helper.make_node("Shape", ["c"], ["shape"]),
        helper.make_node("Slice", ["shape", "starts", "ends"], ["hw"]),
        helper.make_node("Shape", ["q"], ["qshape"]),
        helper.make_node("Slice", ["qshape", "zero", "starts"], ["nc"]),
        helper.make_node("Concat", ["nc", target], ["sizes"], axis=0),
        helper.make_node(
            "Resize",
            ["q", "", "", "sizes"],
            ["u"],
            mode="linear",
            coordinate_transformation_mode="pytorch_half_pixel",
        ),
        helper.make_node("Concat", ["c", "u"] if ratio_from_shape else ["u", "u"], ["cat"], axis=1),
        helper.make_node("Conv", ["cat", "w3"], ["o"]),
        helper.make_node("Sigmoid", ["o"], ["y"]),
    ]
    initializers.append(numpy_helper.from_array(np.array([0], np.int64), "zero"))
    out_side = side if ratio_from_shape else 24
    graph = helper.make_graph(
        nodes,
        "decoder",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, side, side])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, out_side, out_side])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("V2V_CACHE_DIR", str(folder))
    return folder / "onnx"


def _run(session: ort.InferenceSession, x: np.ndarray) -> np.ndarray:
    result: np.ndarray = session.run(None, {session.get_inputs()[0].name: x})[0]
    return result


@pytest.mark.parametrize("side", [32, 64, 96])
def test_the_derived_model_sees_what_the_network_sees_at_every_side(
    tmp_path: Path, cache: Path, side: int
) -> None:
    derived = SaliencyModel(decoder_like_model(tmp_path / "declared.onnx", 32))
    reference = ort.InferenceSession(
        str(decoder_like_model(tmp_path / f"at{side}.onnx", side)),
        providers=["CPUExecutionProvider"],
    )
    x = np.random.default_rng(side).normal(0, 1, (1, 3, side, side)).astype(np.float32)
    np.testing.assert_allclose(_run(derived._session, x), _run(reference, x), atol=1e-5)
    (copy,) = cache.glob("declared.*.onnx")
    ops = [node.op_type for node in onnx.load(str(copy)).graph.node]
    assert "Resize" in ops and "Shape" not in ops  # constant factors, no shape arithmetic


def test_a_ratio_that_holds_at_one_size_only_is_left_as_it_was(tmp_path: Path, cache: Path) -> None:
    path = decoder_like_model(tmp_path / "fixed.onnx", 32, ratio_from_shape=False)
    SaliencyModel(path)
    (copy,) = cache.glob("fixed.*.onnx")
    assert "Shape" in [node.op_type for node in onnx.load(str(copy)).graph.node]


def test_a_look_at_a_side_the_network_cannot_halve_five_times_is_refused(tmp_path: Path) -> None:
    model = SaliencyModel(decoder_like_model(tmp_path / "declared.onnx", 32))
    rgb = np.zeros((40, 50, 3), np.uint8)
    assert model.probability(rgb, side=64).shape == (40, 50)
    with pytest.raises(ValueError, match="multiple of 32"):
        model.probability(rgb, side=100)
