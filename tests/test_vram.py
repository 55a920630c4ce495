"""MAX_VRAM_GB (``models.max_vram_gb``): the GPU config's computed need against the limit,
before any model loads. No GPU needed: the limits below are the test's numbers."""

from __future__ import annotations

import logging

import pytest

from v2v.config import GPU_CONFIG, load_config
from v2v.errors import ConfigError
from v2v.vram import need_gib


def test_within_the_limit_nothing_changes() -> None:
    config = load_config(GPU_CONFIG, environ={"MAX_VRAM_GB": "24"})
    assert config.models.max_vram_gb == 24
    assert config.phase2.cpu_offload is False and config.models.keep_loaded is True  # type: ignore[union-attr]


def test_above_the_need_offload_is_turned_on_and_said(caplog: pytest.LogCaptureFixture) -> None:
    both = need_gib(load_config(GPU_CONFIG), cpu_offload=False, keep_loaded=True)
    assert both == pytest.approx(14.9)  # docs/models.md: 14.4 GiB + the CUDA context
    with caplog.at_level(logging.WARNING, logger="v2v.vram"):
        config = load_config(GPU_CONFIG, environ={"MAX_VRAM_GB": "12"})
    assert config.phase2.cpu_offload is True and config.models.keep_loaded is True  # type: ignore[union-attr]
    assert "MAX_VRAM_GB=12" in caplog.text and "phase2.cpu_offload: true" in caplog.text


def test_then_phase1_is_released_before_phase2() -> None:
    config = load_config(GPU_CONFIG, environ={"MAX_VRAM_GB": "10.5"})
    assert config.phase2.cpu_offload is True and config.models.keep_loaded is False  # type: ignore[union-attr]


def test_below_every_way_it_is_refused_naming_the_setting_and_the_fix() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(GPU_CONFIG, environ={"MAX_VRAM_GB": "8"})
    message = str(caught.value)
    assert "MAX_VRAM_GB" in message and "8 GiB" in message and "10.3 GiB" in message
    assert "models.device: cpu" in message


def test_a_whole_image_decode_needs_more() -> None:
    tiled = load_config(GPU_CONFIG, environ={"MAX_VRAM_GB": "15"})
    assert tiled.phase2.cpu_offload is False  # type: ignore[union-attr]
    whole = tiled.with_overrides({"phase2.vae_tile": 0})  # a per-job override is checked too
    assert whole.phase2.cpu_offload is True  # type: ignore[union-attr]


def test_cpu_models_and_the_cpu_config_need_no_gpu_memory() -> None:
    assert load_config(environ={"MAX_VRAM_GB": "1"}).models.max_vram_gb == 1  # classical
    cpu = load_config(GPU_CONFIG, environ={"MAX_VRAM_GB": "1", "DEVICE": "cpu"})
    assert cpu.phase2.cpu_offload is False  # type: ignore[union-attr]


def test_todays_name_wins_and_bad_values_are_refused() -> None:
    both = load_config(GPU_CONFIG, environ={"MAX_VRAM_GB": "8", "V2V_MODELS__MAX_VRAM_GB": "40"})
    assert both.models.max_vram_gb == 40
    with pytest.raises(ConfigError, match="max_vram_gb"):
        load_config(GPU_CONFIG, environ={"MAX_VRAM_GB": "lots"})
