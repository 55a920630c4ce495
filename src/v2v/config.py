"""Pipeline configuration: strict pydantic models, loaded from YAML + environment + overrides.

Precedence (later wins): the YAML file (``configs/default.yaml`` unless another is given),
environment variables ``V2V_<SECTION>__<KEY>`` (e.g. ``V2V_PHASE3__MIN_AREA_PERCENT=0.05``),
then per-call overrides (``{"phase3.min_area_percent": 0.05}`` or
``["phase3.min_area_percent=0.05"]``).
Everything is validated once, at load; errors name the key path and the allowed values.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
)

from v2v.errors import ConfigError
from v2v.models.params import GroundedSamLamaConfig, ModelsConfig, SdxlControlNetConfig

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
DEFAULT_CONFIG = CONFIG_DIR / "default.yaml"
ENV_PREFIX = "V2V_"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- input ------------------------------------------------------------------------------------


class InputConfig(Strict):
    work_long_side: int = Field(
        1024, ge=128, le=4096, description="long side of the working image, px"
    )
    max_bytes: int = Field(50 * 1024 * 1024, ge=1024, le=500 * 1024 * 1024)
    max_pixels: int = Field(
        100_000_000, ge=10_000, le=400_000_000, description="decompression-bomb guard"
    )


# -- phase I ----------------------------------------------------------------------------------


class VehicleMaskConfig(Strict):
    enabled: bool = True
    threshold: float = Field(
        0.5, gt=0.0, lt=1.0, description="saliency probability that counts as vehicle"
    )
    refine: bool = Field(
        True,
        description="second, zoomed-in saliency look with edge snapping "
        "(GrabCut inside a hint box that saliency misses)",
    )
    cut_occluders: bool = Field(
        True, description="cut thin, tall parts below the vehicle's ground line (legs, posts)"
    )
    remove_people: bool = Field(
        True,
        description="remove people standing in front of the vehicle (legs cut below its ground "
        "line with a face above them) and paint the vehicle's colours behind them; needs "
        "cut_occluders",
    )
    fill_holes: bool = True


class TextRemovalConfig(Strict):
    enabled: bool = True
    min_score: float = Field(0.5, ge=0.0, le=1.0, description="text detector box score")
    padding: float = Field(
        0.25, ge=0.0, le=2.0, description="box growth, as a fraction of its height"
    )
    detect_long_side: int = Field(1024, ge=256, le=4096)


class InpaintConfig(Strict):
    method: Literal["telea", "navier-stokes"] = "telea"
    radius: int = Field(5, ge=1, le=50)
    dilation: int = Field(5, ge=0, le=51, description="mask dilation kernel, px")


class Phase1Config(Strict):
    enabled: bool = True
    backend: Literal["classical"] = "classical"
    vehicle_mask: VehicleMaskConfig = VehicleMaskConfig()
    text_removal: TextRemovalConfig = TextRemovalConfig()
    inpaint: InpaintConfig = InpaintConfig()


# -- phase II ---------------------------------------------------------------------------------


class DeshineConfig(Strict):
    bilateral_diameter: int = Field(9, ge=1, le=31)
    sigma_color: float = Field(75.0, gt=0, le=300)
    sigma_space: float = Field(75.0, gt=0, le=300)
    clahe_clip: float = Field(2.0, gt=0, le=40)
    clahe_tiles: int = Field(8, ge=1, le=64)


class EdgesConfig(Strict):
    enabled: bool = True
    low: int = Field(100, ge=0, le=1000)
    high: int = Field(200, ge=0, le=1000)


class FlattenConfig(Strict):
    enabled: bool = True
    resolution: int = Field(
        512, ge=64, le=4096, description="long side of the vehicle crop while segmenting, px"
    )
    spatial_radius: int = Field(
        6, ge=1, le=64, description="mean-shift spatial window, px at the flattening resolution"
    )
    color_radius: float = Field(16.0, gt=0, le=128, description="mean-shift colour window")
    superpixels: int = Field(
        600, ge=10, le=10_000, description="over-segmentation of the vehicle before merging"
    )
    merge_delta_e: float = Field(
        7.0, gt=0, le=50, description="neighbouring regions closer than this ΔE00 merge"
    )
    min_region_percent: float = Field(
        0.15,
        ge=0.0,
        le=20.0,
        description="regions below this % of the vehicle merge into a neighbour",
    )
    remove_highlights: bool = Field(
        True, description="lighter, paler patches of a paint colour (glare) take the paint colour"
    )
    smoothness: float = Field(
        4.0, ge=0.0, le=20.0, description="boundary smoothing (Gaussian sigma), px at working size"
    )
    wheels: bool = Field(True, description="draw side-view wheels as round tyre and hub discs")
    grey_chrome: bool = Field(
        True, description="weakly tinted patches among greys (warm-lit chrome, glass) turn grey"
    )
    glass: bool = Field(
        True, description="mosaics of light and dark grey reflections in a window become one tone"
    )


class Phase2Config(Strict):
    enabled: bool = True
    backend: Literal["classical"] = "classical"
    deshine: DeshineConfig = DeshineConfig()
    edges: EdgesConfig = EdgesConfig()
    flatten: FlattenConfig = FlattenConfig()


# -- phase III --------------------------------------------------------------------------------


class UpscaleConfig(Strict):
    enabled: bool = False
    factor: int = Field(2, ge=2, le=4)
    method: Literal["lanczos", "realesrgan", "spandrel"] = "lanczos"


class Phase3Config(Strict):
    enabled: bool = True
    upscale: UpscaleConfig = UpscaleConfig()
    remove_specks: bool = True
    min_area_percent: float = Field(
        0.05, ge=0.0, le=10.0, description="specks: components under this % of the vehicle area"
    )


# -- phase IV ---------------------------------------------------------------------------------


class StrokeConfig(Strict):
    enabled: bool = True
    width: float = Field(2.0, gt=0, le=20)
    color: str = Field(
        "auto", description="'auto' = the palette's darkest colour, or a palette hex"
    )

    @field_validator("color")
    @classmethod
    def _color(cls, value: str) -> str:
        from v2v.color.palette import normalize_hex
        from v2v.errors import InputError

        if value == "auto":
            return value
        try:
            return normalize_hex(value)
        except InputError as exc:
            raise ValueError(f"{exc}; or use 'auto'") from None


class VtracerConfig(Strict):
    mode: Literal["spline", "polygon"] = "spline"
    filter_speckle: int = Field(4, ge=0, le=128)
    corner_threshold: int = Field(60, ge=0, le=180)
    length_threshold: float = Field(4.0, ge=3.5, le=10.0)
    splice_threshold: int = Field(45, ge=0, le=180)
    max_iterations: int = Field(10, ge=1, le=50)
    path_precision: int = Field(2, ge=0, le=8)


class CenterlineConfig(Strict):
    min_length: int = Field(12, ge=2, le=1000, description="shortest centerline kept, px")
    simplify: float = Field(1.0, ge=0.0, le=10.0, description="Douglas-Peucker tolerance, px")


class Phase4Config(Strict):
    enabled: bool = True
    strategy: Literal["A", "B"] = "A"
    background: Literal["transparent", "white"] = "transparent"
    min_path_area: float = Field(
        16.0,
        ge=0.0,
        le=10_000.0,
        description="paths below this area (px² of the working image) are removed",
    )
    stroke: StrokeConfig = StrokeConfig()
    vtracer: VtracerConfig = VtracerConfig()
    centerline: CenterlineConfig = CenterlineConfig()


# -- QA and output ----------------------------------------------------------------------------


class QAConfig(Strict):
    enabled: bool = True
    policy: Literal["warn", "retry", "fail"] = "warn"
    min_silhouette_iou: float = Field(0.85, ge=0.0, le=1.0)
    max_detail_loss: float = Field(0.03, ge=0.0, le=1.0)
    check_text: bool = Field(True, description="run the text detector on the rendered SVG")
    max_retries: int = Field(1, ge=0, le=5)


class OutputConfig(Strict):
    preview_long_side: int = Field(2048, ge=64, le=8192)


def _backend_tag(value: Any) -> str:
    """The ``backend`` of a phase section (dict or model); a section without one is classical."""
    if isinstance(value, dict):
        return str(value.get("backend", "classical"))
    return str(getattr(value, "backend", "classical"))


class Config(Strict):
    seed: int = Field(42, ge=0, le=2**32 - 1)
    palette: str = Field(
        "default", description="built-in name, .yaml path or comma-separated hex list"
    )
    input: InputConfig = InputConfig()
    models: ModelsConfig = ModelsConfig()
    phase1: Annotated[
        Annotated[Phase1Config, Tag("classical")]
        | Annotated[GroundedSamLamaConfig, Tag("grounded-sam-lama")],
        Discriminator(_backend_tag),
    ] = Phase1Config()
    phase2: Annotated[
        Annotated[Phase2Config, Tag("classical")]
        | Annotated[SdxlControlNetConfig, Tag("sdxl-controlnet")],
        Discriminator(_backend_tag),
    ] = Phase2Config()
    phase3: Phase3Config = Phase3Config()
    phase4: Phase4Config = Phase4Config()
    qa: QAConfig = QAConfig()
    output: OutputConfig = OutputConfig()

    def with_overrides(self, overrides: Mapping[str, Any] | Iterable[str]) -> Config:
        """A new, validated config with dotted-key overrides applied."""
        data = self.model_dump()
        _apply_overrides(data, _parse_overrides(overrides), source="override")
        return _validate(data, source="override")


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


def _parse_overrides(overrides: Mapping[str, Any] | Iterable[str]) -> dict[str, Any]:
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
    for dotted, value in overrides.items():
        keys = dotted.split(".")
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


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if (name.startswith(ENV_PREFIX) and "__" in name) or name in {"V2V_SEED", "V2V_PALETTE"}:
            dotted = name[len(ENV_PREFIX) :].lower().replace("__", ".")
            out[dotted] = _parse_value(value)
    return out


def load_config(
    path: str | Path | None = None,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Load and validate the configuration. Raises ConfigError naming the key path."""
    path = Path(path) if path is not None else DEFAULT_CONFIG
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path}: the top level must be a mapping of sections")
    _validate(data, source=str(path))
    data = _validate(data, source=str(path)).model_dump()
    env = _env_overrides(os.environ if environ is None else environ)
    if env:
        _apply_overrides(data, env, source="environment")
        _validate(data, source="environment")
    if overrides:
        _apply_overrides(data, _parse_overrides(overrides), source="override")
    return _validate(data, source="override" if overrides else str(path))
