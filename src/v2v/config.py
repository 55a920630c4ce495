"""Pipeline configuration: strict pydantic models, loaded from YAML + environment + overrides.

Precedence (later wins): the YAML file (``configs/default.yaml`` unless another is given),
environment variables ``V2V_<SECTION>__<KEY>`` (e.g. ``V2V_PHASE3__MIN_AREA_PERCENT=0.05``),
then per-call overrides (``{"phase3.min_area_percent": 0.05}`` or
``["phase3.min_area_percent=0.05"]``).
Everything is validated once, at load; errors name the key path and the allowed values.
A file in the original system's format is translated onto ``configs/gpu.yaml`` first
(``original_config.py``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, SerializeAsAny, ValidationError

from v2v.config_detector import DetectorConfig
from v2v.config_phase1 import (
    InpaintConfig,
    Phase1Config,
    TextRemovalConfig,
    VehicleMaskConfig,
)
from v2v.config_phase2 import DeshineConfig, EdgesConfig, FlattenConfig, Phase2Config
from v2v.config_phase3 import MaterialsConfig, Phase3Config, UpscaleConfig
from v2v.config_phase4 import (
    CenterlineConfig,
    Phase4Config,
    StrokeConfig,
    VectorizerParams,
    VtracerConfig,
)
from v2v.config_sections import (
    BackendParams,
    InputConfig,
    ModelsConfig,
    OutputConfig,
    PaletteParams,
    QAConfig,
    SanitizerParams,
    Strict,
    StylizerParams,
)
from v2v.errors import ConfigError
from v2v.original_config import is_original, translate
from v2v.stages import PALETTE_MAPPERS, SANITIZERS, STYLIZERS, VECTORIZERS, registries
from v2v.yaml_files import load_strict

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
DEFAULT_CONFIG = CONFIG_DIR / "default.yaml"
GPU_CONFIG = CONFIG_DIR / "gpu.yaml"
ENV_PREFIX = "V2V_"
log = logging.getLogger("v2v.config")

__all__ = [
    "CONFIG_DIR",
    "DEFAULT_CONFIG",
    "BackendParams",
    "CenterlineConfig",
    "Config",
    "DeshineConfig",
    "DetectorConfig",
    "EdgesConfig",
    "FlattenConfig",
    "InpaintConfig",
    "InputConfig",
    "MaterialsConfig",
    "ModelsConfig",
    "OutputConfig",
    "PaletteParams",
    "Phase1Config",
    "Phase2Config",
    "Phase3Config",
    "Phase4Config",
    "QAConfig",
    "SanitizerParams",
    "Strict",
    "StrokeConfig",
    "StylizerParams",
    "TextRemovalConfig",
    "UpscaleConfig",
    "VectorizerParams",
    "VehicleMaskConfig",
    "VtracerConfig",
    "load_config",
    "parse_overrides",
]


class Config(Strict):
    seed: int = Field(42, ge=0, le=2**32 - 1)
    palette: str = Field(
        "default", description="built-in name, .yaml path or comma-separated hex list"
    )
    input: InputConfig = InputConfig()
    models: ModelsConfig = ModelsConfig()
    # each phase section is the ``params`` of the backend its ``backend`` key names, for every
    # backend registered (v2v.stages); the phase's base class types what the pipeline reads
    phase1: Annotated[SerializeAsAny[SanitizerParams], SANITIZERS.validator()] = Phase1Config()
    phase2: Annotated[SerializeAsAny[StylizerParams], STYLIZERS.validator()] = Phase2Config()
    phase3: Annotated[SerializeAsAny[PaletteParams], PALETTE_MAPPERS.validator()] = Phase3Config()
    phase4: Annotated[SerializeAsAny[VectorizerParams], VECTORIZERS.validator()] = Phase4Config()
    qa: QAConfig = QAConfig()
    output: OutputConfig = OutputConfig()

    def with_overrides(self, overrides: Mapping[str, Any] | Iterable[str]) -> Config:
        """A new, validated config with dotted-key overrides applied."""
        data = self.model_dump()
        _apply_overrides(data, parse_overrides(overrides), source="override")
        return _within_vram(_validate(data, source="override"))


# -- loading ----------------------------------------------------------------------------------


def _format_error(exc: ValidationError, source: str) -> str:
    parts = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "(root)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; see configs/default.yaml for every key)"
        got = err.get("input")
        shown = (
            "" if err["type"] == "extra_forbidden" or isinstance(got, dict) else f" (got {got!r})"
        )
        parts.append(f"{path}: {msg}{shown}")
    return f"invalid configuration ({source}): " + "; ".join(parts)


def _validate(data: Mapping[str, Any], source: str) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, source)) from None


def _parse_value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def parse_overrides(overrides: Mapping[str, Any] | Iterable[str] | None) -> dict[str, Any]:
    """``key.path=value`` strings (values read as YAML) or a mapping → a dict of overrides."""
    if overrides is None:
        return {}
    if isinstance(overrides, Mapping):
        return dict(overrides)
    parsed: dict[str, Any] = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"override {item!r} is not of the form key.path=value")
        parsed[key.strip()] = _parse_value(value.strip())
    return parsed


def _apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any], source: str) -> None:
    """Set each dotted key in ``data``. A phase's ``backend`` is set first and, when it names
    another backend, the section starts again from that backend's defaults (the old backend's
    parameters do not apply to it); the section's ``enabled`` is kept."""
    ordered = sorted(overrides.items(), key=lambda item: not _is_backend_key(item[0]))
    for dotted, value in ordered:
        keys = dotted.split(".")
        section = data.get(keys[0])
        if _is_backend_key(dotted) and isinstance(section, dict) and "backend" in section:
            if value != section["backend"]:
                data[keys[0]] = _fresh_section(keys[0], value, section.get("enabled", True))
            continue
        node: Any = data
        for depth, key in enumerate(keys[:-1]):
            child = node.get(key) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                where = ".".join(keys[: depth + 1])
                raise ConfigError(
                    f"invalid configuration ({source}): {where}: unknown section in key {dotted!r}"
                )
            node = child
        if keys[-1] not in node:
            raise ConfigError(
                f"invalid configuration ({source}): {dotted}: unknown key; known keys here: "
                + ", ".join(sorted(node))
            )
        if isinstance(node[keys[-1]], dict) and isinstance(value, dict):
            node[keys[-1]] = {**node[keys[-1]], **value}
        else:
            node[keys[-1]] = value


def _is_backend_key(dotted: str) -> bool:
    return dotted.count(".") == 1 and dotted.endswith(".backend")


def _fresh_section(phase: str, backend: Any, enabled: Any) -> dict[str, Any]:
    """Phase section of ``backend`` with its defaults (just the two keys when the backend is
    unknown: validation then names the allowed ones)."""
    section = {"enabled": enabled, "backend": backend}
    registry = {r.phase: r for r in registries()}.get(phase)
    if registry is None or backend not in registry.names():
        return section
    try:
        return registry.get(backend).params.model_validate(section).model_dump()
    except ValidationError:
        return section


#: the original system's environment variables → today's config keys (docs/compatibility.md)
ORIGINAL_ENV = {
    "DEVICE": "models.device",
    "PRECISION": "models.precision",
    "MAX_VRAM_GB": "models.max_vram_gb",
}


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if (name.startswith(ENV_PREFIX) and "__" in name) or name in {"V2V_SEED", "V2V_PALETTE"}:
            dotted = name[len(ENV_PREFIX) :].lower().replace("__", ".")
            out[dotted] = _parse_value(value)
    for name, dotted in ORIGINAL_ENV.items():
        if name not in environ:
            continue
        if dotted in out:
            log.warning("%s is set as well as V2V_%s; the latter wins", name, _env_name(dotted))
            continue
        out[dotted] = _original_value(environ[name])
    return out


def _original_value(text: str) -> str:
    """The original's values in today's words: float16/float32 → fp16/fp32, cuda:N → cuda (the
    device index is the worker's: ``v2v worker --device cuda:N``)."""
    value = text.strip().lower()
    value = {"float16": "fp16", "float32": "fp32", "bfloat16": "bf16"}.get(value, value)
    return "cuda" if value.startswith("cuda:") else value


def _env_name(dotted: str) -> str:
    return dotted.upper().replace(".", "__")


def _read(path: Path) -> Any:
    try:
        return load_strict(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None


def load_config(
    path: str | Path | None = None,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Load and validate the configuration. Raises ConfigError naming the key path."""
    path = Path(path) if path is not None else DEFAULT_CONFIG
    data = _read(path)
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path}: the top level must be a mapping of sections")
    if is_original(data):
        translation = translate(data, str(path))
        data = _validate(_read(GPU_CONFIG), source=str(GPU_CONFIG)).model_dump()
        _apply_overrides(data, translation.overrides, source=f"{path} (original format)")
    config = _validate(data, source=str(path))
    # each later source is applied to the validated result of the ones before, so an error
    # names the source that brought it in
    env = _env_overrides(os.environ if environ is None else environ)
    if env:
        data = config.model_dump()
        _apply_overrides(data, env, source="environment")
        config = _validate(data, source="environment")
    # with_overrides applies the VRAM limit itself
    return config.with_overrides(overrides) if overrides else _within_vram(config)


def _within_vram(config: Config) -> Config:
    """``models.max_vram_gb`` enforced before any model loads (``v2v.vram``)."""
    from v2v.vram import apply_limit

    changes = apply_limit(config)
    if not changes:
        return config
    data = config.model_dump()
    _apply_overrides(data, changes, source="MAX_VRAM_GB")
    return _validate(data, source="MAX_VRAM_GB")
