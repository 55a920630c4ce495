"""Loading transformers models and processors from local folders (never from the hub)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from v2v.errors import WeightsMissing
from v2v.models.runtime import Runtime, is_out_of_memory, require_modules


def processor_options() -> dict[str, Any]:
    """transformers 5 picks torchvision-backed image processors when torchvision is installed;
    without it, ask for the PIL ones explicitly (same results, no warning)."""
    if importlib.util.find_spec("torchvision") is None:
        return {"backend": "pil"}
    return {}


def load_processor(folder: Path, backend: str) -> Any:
    """``AutoProcessor`` (or image processor) saved in ``folder``; local files only."""
    (transformers,) = require_modules(backend, "transformers")
    try:
        return transformers.AutoProcessor.from_pretrained(
            folder, local_files_only=True, **processor_options()
        )
    except (OSError, ValueError) as exc:
        raise WeightsMissing(
            f"{folder}: cannot load the processor/tokenizer files ({exc}); the folder must hold "
            "what save_pretrained writes (preprocessor_config.json, tokenizer files); "
            "see docs/models.md"
        ) from None


def load_model(
    auto_class: str, folder: Path, runtime: Runtime, backend: str, trust_remote_code: bool = False
) -> Any:
    """A transformers model by Auto class name, on the runtime's device and dtype, in eval mode.

    A folder with its own model code (``trust_remote_code``) may fail in any way when that code
    was written for another transformers release; every such failure but out-of-memory becomes
    WeightsMissing naming the folder, the transformers version and the fix.
    """
    (transformers,) = require_modules(backend, "transformers")
    cls = getattr(transformers, auto_class)
    try:
        model = cls.from_pretrained(
            folder, local_files_only=True, dtype=runtime.dtype, trust_remote_code=trust_remote_code
        )
    except (OSError, ValueError) as exc:
        raise WeightsMissing(
            f"{folder}: cannot load the model ({exc}); the folder must hold config.json and the "
            "weights written by save_pretrained; see docs/models.md"
        ) from None
    except Exception as exc:
        if not trust_remote_code or is_out_of_memory(exc):
            raise
        raise WeightsMissing(
            f"{folder}: the model code shipped in this folder does not run under transformers "
            f"{transformers.__version__} ({type(exc).__name__}: {exc}); use the ONNX export "
            "instead (v2v models download birefnet) or a folder whose code supports this "
            "transformers release"
        ) from None
    return model.to(runtime.device).eval()


def image_inputs(inputs: Any, runtime: Runtime) -> Any:
    """Move a processor's BatchFeature to the device; floating tensors take the model's dtype."""
    moved = {}
    for key, value in inputs.items():
        if hasattr(value, "to"):
            value = value.to(runtime.device)
            if value.is_floating_point():
                value = value.to(runtime.dtype)
        moved[key] = value
    return moved
