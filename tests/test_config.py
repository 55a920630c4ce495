"""Configuration: strict validation, key paths in errors, env and per-call overrides."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from v2v.color.palette import Palette
from v2v.config import DEFAULT_CONFIG, Config, load_config
from v2v.errors import ConfigError, InputError
from v2v.yaml_files import load_strict


def _keys(data: dict, prefix: str = "") -> set[str]:
    out = set()
    for key, value in data.items():
        path = f"{prefix}{key}"
        out |= _keys(value, path + ".") if isinstance(value, dict) else {path}
    return out


def test_default_yaml_lists_exactly_the_model_keys() -> None:
    in_file = _keys(yaml.safe_load(DEFAULT_CONFIG.read_text()))
    in_model = _keys(Config().model_dump())
    assert in_file == in_model


SHIPPED_YAML = sorted(DEFAULT_CONFIG.parent.glob("*.yaml")) + sorted(
    DEFAULT_CONFIG.parent.glob("palettes/*.yaml")
)


@pytest.mark.parametrize("path", SHIPPED_YAML, ids=lambda p: p.name)
def test_shipped_yaml_has_no_duplicate_keys(path: Path) -> None:
    """A key written twice in a mapping: yaml keeps the last silently, so an edit to the first
    would do nothing (default.yaml and gpu.yaml each had one)."""
    assert load_strict(path.read_text()) is not None


def test_a_key_written_twice_in_a_users_config_is_named_with_both_lines(tmp_path: Path) -> None:
    """PyYAML would keep the second value and drop the first without a word."""
    path = tmp_path / "mine.yaml"
    path.write_text("qa:\n  policy: fail\nphase1:\n  enabled: true\nqa:\n  max_retries: 1\n")
    with pytest.raises(ConfigError, match=r"'qa' appears twice .*lines 1 and 5.*keep one"):
        load_config(path, environ={})
    path.write_text("qa: {policy: fail, policy: retry}\n")
    with pytest.raises(ConfigError, match=r"'policy' appears twice"):
        load_config(path, environ={})


def test_a_key_written_twice_in_a_palette_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "brand.yaml"
    path.write_text("name: brand\ncolors: ['#000000', '#ffffff']\nname: other\n")
    with pytest.raises(InputError, match=r"palette file .*'name' appears twice"):
        Palette.from_yaml(path)


def test_default_yaml_values_equal_model_defaults() -> None:
    assert load_config(environ={}) == Config()


def test_unknown_key_is_rejected_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("phase3:\n  min_area_pecent: 0.1\n")
    with pytest.raises(ConfigError, match=r"phase3\.min_area_pecent: unknown key"):
        load_config(bad, environ={})


def test_out_of_range_value_names_key_and_limit() -> None:
    with pytest.raises(ConfigError, match=r"phase3\.min_area_percent: .*less than or equal to 10"):
        load_config(overrides=["phase3.min_area_percent=50"], environ={})


def test_literal_error_lists_allowed_values() -> None:
    with pytest.raises(ConfigError, match=r"qa\.policy: .*'warn', 'retry' or 'fail'"):
        load_config(overrides={"qa.policy": "sometimes"}, environ={})


def test_override_of_unknown_key_lists_known_keys() -> None:
    with pytest.raises(ConfigError, match=r"phase4\.strok: unknown key; known keys here: .*stroke"):
        load_config(overrides=["phase4.strok=1"], environ={})


def test_override_syntax_error() -> None:
    with pytest.raises(ConfigError, match=r"key\.path=value"):
        load_config(overrides=["phase4.stroke.width"], environ={})


def test_overrides_are_typed_and_applied() -> None:
    config = load_config(
        overrides=["phase3.min_area_percent=0.2", "phase1.enabled=false", "phase4.strategy=B"],
        environ={},
    )
    assert config.phase3.min_area_percent == pytest.approx(0.2)
    assert config.phase1.enabled is False
    assert config.phase4.strategy == "B"


def test_environment_overrides_then_call_overrides_win() -> None:
    env = {"V2V_PHASE3__MIN_AREA_PERCENT": "0.3", "V2V_QA__POLICY": "fail"}
    config = load_config(environ=env)
    assert config.phase3.min_area_percent == pytest.approx(0.3)
    assert config.qa.policy == "fail"
    config = load_config(environ=env, overrides={"phase3.min_area_percent": 0.1})
    assert config.phase3.min_area_percent == pytest.approx(0.1)


def test_bad_environment_value_names_the_source() -> None:
    with pytest.raises(ConfigError, match=r"environment.*qa\.policy"):
        load_config(environ={"V2V_QA__POLICY": "nope"})


def test_stroke_colour_must_be_hex_or_auto() -> None:
    with pytest.raises(ConfigError, match=r"phase4\.stroke\.color: .*#RRGGBB"):
        load_config(overrides={"phase4.stroke.color": "blackish"}, environ={})
    assert (
        load_config(overrides={"phase4.stroke.color": "#15181c"}, environ={}).phase4.stroke.color
        == "#15181C"
    )


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.yaml", environ={})
    broken = tmp_path / "broken.yaml"
    broken.write_text("phase1: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken, environ={})
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("42\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(scalar, environ={})


def test_config_is_immutable() -> None:
    config = Config()
    with pytest.raises(Exception, match=re.compile("frozen", re.I)):
        config.seed = 1  # type: ignore[misc]


def test_the_original_device_and_precision_variables_set_the_model_options() -> None:
    config = load_config(environ={"DEVICE": "CPU", "PRECISION": "fp32"})
    assert config.models.device == "cpu" and config.models.precision == "fp32"
    both = load_config(environ={"DEVICE": "cpu", "V2V_MODELS__DEVICE": "cuda"})
    assert both.models.device == "cuda"  # today's name wins
    with pytest.raises(ConfigError, match=r"models\.device"):
        load_config(environ={"DEVICE": "tpu"})


def test_disable_xformers_is_read_as_a_boolean(monkeypatch: pytest.MonkeyPatch) -> None:
    from v2v.models.sdxl import env_flag

    for value, disabled in (
        ("0", False),
        ("false", False),
        ("", False),
        ("1", True),
        ("yes", True),
    ):
        monkeypatch.setenv("DISABLE_XFORMERS", value)
        assert env_flag("DISABLE_XFORMERS") is disabled, value


def test_the_original_values_of_device_and_precision_are_understood() -> None:
    config = load_config(environ={"DEVICE": "cuda:0", "PRECISION": "float16"})
    assert config.models.device == "cuda" and config.models.precision == "fp16"
