"""The local model directory: one folder per model, checked without importing torch.

Layout (``MODEL_VOLUME_PATH``, default ``~/.cache/v2v/models``)::

    grounding-dino/     transformers GroundingDINO (config.json, weights, processor, tokenizer)
    sam/                transformers SamModel + SamProcessor
    lama/               big-lama as TorchScript (*.pt / *.jit) or ONNX (*.onnx)
    birefnet/           BiRefNet as ONNX (*.onnx) or transformers (config.json + code)
    depth/              transformers depth model (Depth Anything V2, DPT, ...)
    sdxl/               diffusers SDXL base (model_index.json, unet/, vae/, text_encoder*/, ...)
    controlnet-depth/   diffusers ControlNetModel (config.json + weights)
    controlnet-canny/   diffusers ControlNetModel
    realesrgan/         an ESRGAN-family .pth/.safetensors (RealESRGAN_x4plus_anime_6B.pth)
    loras/              optional style LoRAs (*.safetensors or folders), chosen by name
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from v2v.errors import InputError, WeightsMissing

ENV_VAR = "MODEL_VOLUME_PATH"
DEFAULT_DIR = Path("~/.cache/v2v/models")
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".onnx", ".jit", ".ckpt")


@dataclass(frozen=True)
class ModelSpec:
    """One folder of the model directory.

    ``markers``: alternatives; the folder is usable when any glob matches a file (recursive).
    ``repo_id``/``allow``: what ``download`` fetches from the model hub (None: manual only).
    """

    name: str
    description: str
    needed_by: tuple[str, ...]
    markers: tuple[str, ...]
    repo_id: str | None = None
    allow: tuple[str, ...] | None = None
    optional: bool = False
    manual: str = ""


SPECS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "grounding-dino",
            "GroundingDINO open-set detector (transformers)",
            ("grounded-sam-lama",),
            ("config.json",),
            "IDEA-Research/grounding-dino-base",
        ),
        ModelSpec(
            "sam",
            "Segment Anything (transformers SamModel)",
            ("grounded-sam-lama",),
            ("config.json",),
            "facebook/sam-vit-huge",
        ),
        ModelSpec(
            "lama",
            "big-lama inpainting, TorchScript or ONNX",
            ("grounded-sam-lama",),
            ("*.pt", "*.jit", "*.onnx"),
            "Carve/LaMa-ONNX",
            ("lama_fp32.onnx",),
        ),
        ModelSpec(
            "birefnet",
            "BiRefNet vehicle mask, ONNX or transformers",
            ("grounded-sam-lama", "sdxl-controlnet"),
            ("*.onnx", "config.json"),
            "onnx-community/BiRefNet-ONNX",
            ("onnx/model.onnx", "*.json"),
        ),
        ModelSpec(
            "depth",
            "monocular depth for the depth ControlNet (transformers)",
            ("sdxl-controlnet",),
            ("config.json",),
            "depth-anything/Depth-Anything-V2-Small-hf",
        ),
        ModelSpec(
            "sdxl",
            "Stable Diffusion XL base (diffusers)",
            ("sdxl-controlnet",),
            ("model_index.json",),
            "stabilityai/stable-diffusion-xl-base-1.0",
            ("*.json", "*.txt", "*/*.fp16.safetensors"),
        ),
        ModelSpec(
            "controlnet-depth",
            "SDXL depth ControlNet (diffusers)",
            ("sdxl-controlnet",),
            ("config.json",),
            "diffusers/controlnet-depth-sdxl-1.0",
            ("*.json", "*.fp16.safetensors"),
        ),
        ModelSpec(
            "controlnet-canny",
            "SDXL Canny ControlNet (diffusers)",
            ("sdxl-controlnet",),
            ("config.json",),
            "diffusers/controlnet-canny-sdxl-1.0",
            ("*.json", "*.fp16.safetensors"),
        ),
        ModelSpec(
            "realesrgan",
            "ESRGAN-family upscaler (.pth/.safetensors)",
            ("phase3.upscale.method=spandrel",),
            ("*.pth", "*.safetensors"),
            manual="copy RealESRGAN_x4plus_anime_6B.pth from the Real-ESRGAN releases",
        ),
        ModelSpec(
            "loras",
            "style LoRAs, chosen with phase2.lora.path",
            ("sdxl-controlnet",),
            ("*.safetensors", "*/*.safetensors"),
            optional=True,
            manual="train one with `v2v train` or copy a .safetensors LoRA",
        ),
    )
}


@dataclass(frozen=True)
class ModelStatus:
    """What ``list_models``/``verify`` found for one folder. ``problem`` is '' when usable."""

    name: str
    folder: Path
    present: bool
    needed_by: tuple[str, ...]
    optional: bool
    files: int
    size_bytes: int
    problem: str

    @property
    def ok(self) -> bool:
        return self.present and not self.problem


def resolve_model_dir(
    configured: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The model directory: the configured path, else ``$MODEL_VOLUME_PATH``, else the default."""
    env = os.environ if environ is None else environ
    chosen = configured or env.get(ENV_VAR) or DEFAULT_DIR
    return Path(chosen).expanduser()


#: where LoRAs are kept when not in ``<model dir>/loras``: today's name, then the original's
LORA_ENV_VARS = ("LORA_DIR", "TRAIN_OUTPUT_ROOT")


def resolve_lora_dir(
    model_dir: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The LoRA folder: ``$LORA_DIR``, else the original's ``$TRAIN_OUTPUT_ROOT``, else
    ``loras/`` in the model directory."""
    env = os.environ if environ is None else environ
    for name in LORA_ENV_VARS:
        if env.get(name):
            return Path(env[name]).expanduser()
    return resolve_model_dir(model_dir, env) / "loras"


def fill_hint(name: str, model_dir: Path) -> str:
    """The sentence that tells a user how to fill one folder."""
    spec = SPECS[name]
    how = f"`v2v models download {name}`" if spec.repo_id else spec.manual
    return f"fill it with {how} (or copy the files into {model_dir / name}); see docs/models.md"


def require(name: str, model_dir: str | Path | None = None) -> Path:
    """The folder of model ``name``; raises WeightsMissing naming the folder and the fix."""
    if name not in SPECS:
        raise InputError(f"unknown model folder {name!r}; known: {', '.join(SPECS)}")
    root = resolve_model_dir(model_dir)
    folder = root / name
    problem = _problem(SPECS[name], folder)
    if problem:
        needed = ", ".join(SPECS[name].needed_by)
        raise WeightsMissing(
            f"model '{name}' is missing: {problem} (needed by {needed}); " + fill_hint(name, root)
        )
    return folder


def find_weights(folder: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Files under ``folder`` matching any glob, sorted, recursively."""
    found = {p for pattern in patterns for p in folder.rglob(pattern) if p.is_file()}
    return sorted(found)


def _problem(spec: ModelSpec, folder: Path) -> str:
    if not folder.is_dir():
        return f"folder {folder} does not exist"
    if not find_weights(folder, spec.markers):
        return f"{folder} has no {' or '.join(spec.markers)}"
    return ""


def _status(spec: ModelSpec, root: Path, deep: bool) -> ModelStatus:
    folder = root / spec.name
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    problem = _problem(spec, folder)
    if not problem and deep:
        problem = _integrity_problem(spec, folder, files)
    return ModelStatus(
        spec.name,
        folder,
        folder.is_dir(),
        spec.needed_by,
        spec.optional,
        len(files),
        sum(p.stat().st_size for p in files),
        problem,
    )


def _integrity_problem(spec: ModelSpec, folder: Path, files: list[Path]) -> str:
    for path in files:
        if path.suffix == ".json":
            try:
                json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return f"{path} is not valid JSON"
        if path.suffix in _WEIGHT_SUFFIXES and path.stat().st_size == 0:
            return f"{path} is empty"
    if not any(p.suffix in _WEIGHT_SUFFIXES for p in files):
        return f"{folder} has no weight file ({', '.join(_WEIGHT_SUFFIXES)})"
    if spec.name == "sdxl":
        index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
        for component, value in index.items():
            if (
                isinstance(value, list)
                and value[0] is not None
                and not (folder / component).is_dir()
            ):
                return f"{folder / component} is missing (listed in model_index.json)"
    return ""


def list_models(model_dir: str | Path | None = None) -> list[ModelStatus]:
    """Every folder of the layout: present or not, file count, size (fast, no file reads)."""
    root = resolve_model_dir(model_dir)
    return [_status(spec, root, deep=False) for spec in SPECS.values()]


def verify(
    model_dir: str | Path | None = None, names: tuple[str, ...] | list[str] | None = None
) -> list[ModelStatus]:
    """Like ``list_models`` but also parses every JSON file and checks weights are non-empty
    and SDXL's components exist. ``names`` limits the check (unknown names raise InputError)."""
    root = resolve_model_dir(model_dir)
    unknown = [n for n in names or () if n not in SPECS]
    if unknown:
        raise InputError(f"unknown model folder(s) {', '.join(unknown)}; known: {', '.join(SPECS)}")
    chosen = [SPECS[n] for n in names] if names else list(SPECS.values())
    return [_status(spec, root, deep=True) for spec in chosen]
