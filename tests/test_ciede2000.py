"""CIEDE2000 against Sharma, Wu & Dalal (2005), and exact nearest-palette mapping."""

from __future__ import annotations

import numpy as np
import pytest

from v2v.color.ciede2000 import (
    clear_lookup_cache,
    delta_e_2000,
    map_image_to_palette,
    map_pixels_to_palette,
    nearest_palette_indices,
    rgb_to_lab,
)
from v2v.color.palette import Palette

# Table 1 of Sharma, Wu & Dalal, Color Res. Appl. 30(1):21-30, 2005:
# pair, L1, a1, b1, L2, a2, b2, ΔE00 (4 decimals). Pairs 7-16 probe the hue-angle rules
# (neutral colours, hue differences of about 180°), 17-24 the weighting functions.
SHARMA_PAIRS = """
 1  50.0000   2.6772  -79.7751  50.0000   0.0000  -82.7485   2.0425
 2  50.0000   3.1571  -77.2803  50.0000   0.0000  -82.7485   2.8615
 3  50.0000   2.8361  -74.0200  50.0000   0.0000  -82.7485   3.4412
 4  50.0000  -1.3802  -84.2814  50.0000   0.0000  -82.7485   1.0000
 5  50.0000  -1.1848  -84.8006  50.0000   0.0000  -82.7485   1.0000
 6  50.0000  -0.9009  -85.5211  50.0000   0.0000  -82.7485   1.0000
 7  50.0000   0.0000    0.0000  50.0000  -1.0000    2.0000   2.3669
 8  50.0000  -1.0000    2.0000  50.0000   0.0000    0.0000   2.3669
 9  50.0000   2.4900   -0.0010  50.0000  -2.4900    0.0009   7.1792
10  50.0000   2.4900   -0.0010  50.0000  -2.4900    0.0010   7.1792
11  50.0000   2.4900   -0.0010  50.0000  -2.4900    0.0011   7.2195
12  50.0000   2.4900   -0.0010  50.0000  -2.4900    0.0012   7.2195
13  50.0000  -0.0010    2.4900  50.0000   0.0009   -2.4900   4.8045
14  50.0000  -0.0010    2.4900  50.0000   0.0010   -2.4900   4.8045
15  50.0000  -0.0010    2.4900  50.0000   0.0011   -2.4900   4.7461
16  50.0000   2.5000    0.0000  50.0000   0.0000   -2.5000   4.3065
17  50.0000   2.5000    0.0000  73.0000  25.0000  -18.0000  27.1492
18  50.0000   2.5000    0.0000  61.0000  -5.0000   29.0000  22.8977
19  50.0000   2.5000    0.0000  56.0000 -27.0000   -3.0000  31.9030
20  50.0000   2.5000    0.0000  58.0000  24.0000   15.0000  19.4535
21  50.0000   2.5000    0.0000  50.0000   3.1736    0.5854   1.0000
22  50.0000   2.5000    0.0000  50.0000   3.2972    0.0000   1.0000
23  50.0000   2.5000    0.0000  50.0000   1.8634    0.5757   1.0000
24  50.0000   2.5000    0.0000  50.0000   3.2592    0.3350   1.0000
25  60.2574 -34.0099   36.2677  60.4626 -34.1751   39.4387   1.2644
26  63.0109 -31.0961   -5.8663  62.8187 -29.7946   -4.0864   1.2630
27  61.2901   3.7196   -5.3901  61.4292   2.2480   -4.9620   1.8731
28  35.0831 -44.1164    3.7933  35.0232 -40.0716    1.5901   1.8645
29  22.7233  20.0904  -46.6940  23.0331  14.9730  -42.5619   2.0373
30  36.4612  47.8580   18.3852  36.2715  50.5065   21.2231   1.4146
31  90.8027  -2.0831    1.4410  91.1528  -1.6435    0.0447   1.4441
32  90.9257  -0.5406   -0.9208  88.6381  -0.8985   -0.7239   1.5381
33   6.7747  -0.2908   -2.4247   5.8714  -0.0985   -2.2286   0.6377
34   2.0776   0.0795   -1.1350   0.9033  -0.0636   -0.5514   0.9082
"""
TABLE = np.array([[float(v) for v in line.split()] for line in SHARMA_PAIRS.strip().splitlines()])
LAB1, LAB2, EXPECTED = TABLE[:, 1:4], TABLE[:, 4:7], TABLE[:, 7]


def test_table_has_all_34_pairs() -> None:
    assert TABLE.shape == (34, 8)
    assert list(TABLE[:, 0].astype(int)) == list(range(1, 35))


@pytest.mark.parametrize("pair", range(34))
def test_published_pairs(pair: int) -> None:
    got = delta_e_2000(LAB1[pair], LAB2[pair])
    assert round(float(got), 4) == EXPECTED[pair], f"pair {pair + 1}"


def test_published_pairs_vectorised_and_symmetric() -> None:
    forward = delta_e_2000(LAB1, LAB2)
    backward = delta_e_2000(LAB2, LAB1)
    np.testing.assert_allclose(forward, EXPECTED, atol=5e-5)
    np.testing.assert_allclose(forward, backward, rtol=0, atol=1e-12)


def test_hue_rule_pairs_differ_where_the_paper_says() -> None:
    """Pairs 9/10 vs 11/12 differ only by 1e-4 in b2, across the 180° hue rule."""
    got = delta_e_2000(LAB1[8:12], LAB2[8:12])
    assert abs(got[0] - got[1]) < 1e-4
    assert got[2] - got[1] > 0.04


def test_identity_is_zero_and_broadcasting_gives_a_matrix() -> None:
    rng = np.random.default_rng(1)
    lab = rgb_to_lab(rng.integers(0, 256, (50, 3), dtype=np.uint8))
    assert np.all(delta_e_2000(lab, lab) == 0.0)
    matrix = delta_e_2000(lab[:, None, :], lab[None, :7, :])
    assert matrix.shape == (50, 7)
    np.testing.assert_allclose(np.diag(matrix[:7]), 0.0)
    np.testing.assert_allclose(matrix[:7, :7], matrix[:7, :7].T, atol=1e-12)


def test_parametric_weights_scale_the_lightness_term() -> None:
    pure_lightness = delta_e_2000([50.0, 0.0, 0.0], [60.0, 0.0, 0.0])
    halved = delta_e_2000([50.0, 0.0, 0.0], [60.0, 0.0, 0.0], kL=2.0)
    assert halved == pytest.approx(pure_lightness / 2)


def test_rgb_to_lab_matches_reference_values_and_skimage() -> None:
    from skimage.color import rgb2lab

    known = np.array([[255, 255, 255], [0, 0, 0], [255, 0, 0], [0, 0, 255]], dtype=np.uint8)
    lab = rgb_to_lab(known)
    np.testing.assert_allclose(lab[0], [100.0, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(lab[1], [0.0, 0.0, 0.0], atol=1e-9)
    greys = rgb_to_lab(np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1))
    np.testing.assert_allclose(greys[:, 1:], 0.0, atol=1e-9)
    np.testing.assert_allclose(lab[2], [53.24, 80.09, 67.20], atol=0.01)
    np.testing.assert_allclose(lab[3], [32.30, 79.19, -107.86], atol=0.01)
    rng = np.random.default_rng(2)
    colors = rng.integers(0, 256, (2000, 3), dtype=np.uint8)
    np.testing.assert_allclose(rgb_to_lab(colors), rgb2lab(colors), atol=0.01)
    assert rgb_to_lab(colors.reshape(40, 50, 3)).shape == (40, 50, 3)


def _brute_force(rgb: np.ndarray, palette: Palette) -> np.ndarray:
    lab = rgb_to_lab(rgb)
    return np.array([int(np.argmin(delta_e_2000(color, palette.lab))) for color in lab])


@pytest.mark.parametrize("name", ["default", "primary-15"])
def test_nearest_equals_brute_force_argmin(name: str) -> None:
    palette = Palette.load(name)
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (3000, 3), dtype=np.uint8)
    expected = _brute_force(rgb, palette)
    np.testing.assert_array_equal(nearest_palette_indices(rgb, palette.lab, workers=1), expected)
    np.testing.assert_array_equal(nearest_palette_indices(rgb, palette.lab, workers=2), expected)


def test_mapping_is_ciede2000_not_rgb_distance() -> None:
    """A colour whose RGB-nearest and ΔE00-nearest palette colours differ maps by ΔE00."""
    palette = Palette.load("primary-15")
    rng = np.random.default_rng(4)
    rgb = rng.integers(0, 256, (5000, 3), dtype=np.uint8)
    by_rgb = np.argmin(
        ((rgb[:, None, :].astype(float) - palette.rgb[None].astype(float)) ** 2).sum(-1), axis=1
    )
    by_delta_e = nearest_palette_indices(rgb, palette.lab)
    assert np.mean(by_rgb != by_delta_e) > 0.05


def test_map_image_equals_brute_force_and_counts_distinct_colours() -> None:
    clear_lookup_cache()
    palette = Palette.load("default")
    rng = np.random.default_rng(5)
    colors = rng.integers(0, 256, (400, 3), dtype=np.uint8)
    image = colors[rng.integers(0, 400, (60, 80))]
    labels = map_image_to_palette(image, palette)
    assert labels.dtype == np.int16 and labels.shape == (60, 80)
    expected = _brute_force(image.reshape(-1, 3), palette).reshape(60, 80)
    np.testing.assert_array_equal(labels, expected)
    again = map_image_to_palette(image, palette)  # served from the palette's colour table
    np.testing.assert_array_equal(again, expected)
    _, distinct = map_pixels_to_palette(image.reshape(-1, 3), palette)
    assert distinct == len(np.unique(image.reshape(-1, 3), axis=0))


@pytest.mark.parametrize("name", ["default", "primary-15"])
def test_pure_palette_colours_map_to_themselves(name: str) -> None:
    palette = Palette.load(name)
    image = np.repeat(palette.rgb[None, :, :], 3, axis=0)
    expected = np.tile(np.arange(len(palette)), (3, 1))
    np.testing.assert_array_equal(map_image_to_palette(image, palette), expected)


def test_palettes_do_not_share_cached_answers() -> None:
    first = Palette.from_hex_list(["#000000", "#FFFFFF"])
    second = Palette.from_hex_list(["#FFFFFF", "#000000"])
    image = np.array([[[10, 10, 10], [250, 250, 250]]], dtype=np.uint8)
    np.testing.assert_array_equal(map_image_to_palette(image, first), [[0, 1]])
    np.testing.assert_array_equal(map_image_to_palette(image, second), [[1, 0]])


def test_bad_input_is_rejected() -> None:
    palette = Palette.load("default")
    with pytest.raises(ValueError, match="uint8"):
        map_image_to_palette(np.zeros((4, 4, 3), dtype=np.float32), palette)
    with pytest.raises(ValueError, match="uint8"):
        rgb_to_lab(np.zeros((4, 4), dtype=np.uint8))
