"""Palettes: built-ins, custom YAML and hex lists, and validation messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from v2v.color.palette import Palette, normalize_hex
from v2v.errors import InputError

PRIMARY_15 = [
    "#000000",
    "#FFFFFF",
    "#FF0000",
    "#00FF00",
    "#0000FF",
    "#FFFF00",
    "#FF00FF",
    "#00FFFF",
    "#808080",
    "#FFA500",
    "#800080",
    "#FFC0CB",
    "#A52A2A",
    "#008080",
    "#FFD700",
]


def test_builtin_primary_15_is_exactly_the_style_guide_list() -> None:
    palette = Palette.load("primary-15")
    assert palette.colors == tuple(PRIMARY_15)
    assert palette.name == "primary-15"
    assert palette.rgb[2].tolist() == [255, 0, 0]


def test_builtin_default_is_the_style_guides_15_colours_with_a_dark_outline_colour() -> None:
    palette = Palette.load(None)
    assert palette.name == "default"
    assert len(palette) == 15 and len(palette.names) == 15
    assert len(set(palette.colors)) == 15
    assert palette.colors == Palette.load("primary-15").colors  # the original's palette
    assert palette.darkest() == "#000000" and palette.names[0] == "Black"
    assert palette.lab.shape == (15, 3) and palette.rgb.dtype == np.uint8
    assert {"default", "designer", "primary-15"} <= set(Palette.builtin_names())
    designer = Palette.load("designer")  # the earlier default, still there by name
    assert designer.darkest() == "#15181C" and designer.names[0] == "Jet (tyres, outlines)"


def test_custom_palette_from_yaml_mapping(tmp_path: Path) -> None:
    path = tmp_path / "brand.yaml"
    path.write_text(
        'name: brand\ncolors:\n  - {hex: "#112233", name: Ink}\n  - "#abcdef"\n  - "ff8800"\n',
        encoding="utf-8",
    )
    palette = Palette.load(str(path))
    assert palette.name == "brand"
    assert palette.colors == ("#112233", "#ABCDEF", "#FF8800")
    assert palette.names[0] == "Ink"
    assert Palette.load(path) == palette


def test_custom_palette_from_yaml_list_is_named_after_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mono.yml"
    path.write_text('- "#000000"\n- "#FFFFFF"\n', encoding="utf-8")
    palette = Palette.load(str(path))
    assert palette.name == "mono" and palette.colors == ("#000000", "#FFFFFF")


def test_custom_palette_from_hex_lists() -> None:
    assert Palette.load("#000000, #ffffff,#FF0000").colors == ("#000000", "#FFFFFF", "#FF0000")
    assert Palette.load(["000000", "ffffff"]).colors == ("#000000", "#FFFFFF")
    assert "#ff0000" in Palette.load("primary-15")
    assert Palette.load("primary-15").index("#ff0000") == 2


@pytest.mark.parametrize("count", [1, 65])
def test_palette_size_is_2_to_64(count: int) -> None:
    colors = [f"#{value:06X}" for value in range(count)]
    with pytest.raises(InputError, match=f"{count} colours; a palette needs 2 to 64"):
        Palette.from_hex_list(colors)


@pytest.mark.parametrize("count", [2, 64])
def test_palette_size_limits_are_inclusive(count: int) -> None:
    assert len(Palette.from_hex_list([f"#{value:06X}" for value in range(count)])) == count


def test_duplicates_are_rejected_naming_the_colour_and_entries() -> None:
    with pytest.raises(InputError, match=r"#FF0000 twice \(entries 1 and 3\)"):
        Palette.from_hex_list(["#FF0000", "#00FF00", "#ff0000"])


@pytest.mark.parametrize("bad", ["#GG0000", "#FFF", "red", "#12345678"])
def test_bad_hex_is_rejected_naming_the_value(bad: str) -> None:
    with pytest.raises(InputError, match=f"'{bad}' is not valid hex"):
        Palette.from_hex_list(["#000000", bad])
    with pytest.raises(InputError, match="#RRGGBB"):
        normalize_hex(bad)


def test_yaml_number_instead_of_quoted_hex_is_rejected_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "unquoted.yaml"
    path.write_text("colors:\n  - 000000\n  - FFFFFF\n", encoding="utf-8")
    with pytest.raises(InputError, match="colour 0 is not a string; quote hex colours"):
        Palette.load(str(path))


def test_unquoted_name_with_a_comma_is_caught(tmp_path: Path) -> None:
    """In a YAML flow mapping an unquoted comma splits the name into a stray key."""
    path = tmp_path / "comma.yaml"
    path.write_text(
        'colors:\n  - {hex: "#000000", name: Jet (tyres, outlines)}\n  - {hex: "#FFFFFF"}\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"unknown keys \['outlines\)'\].*quote a name"):
        Palette.load(str(path))


def test_unreadable_or_malformed_palette_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read palette file"):
        Palette.load(str(tmp_path / "missing.yaml"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("colors: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        Palette.load(str(broken))
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("name: x\n", encoding="utf-8")
    with pytest.raises(InputError, match="'colors' list"):
        Palette.load(str(wrong))


def test_unknown_name_lists_the_builtins() -> None:
    with pytest.raises(InputError, match=r"unknown palette 'neon'.*default, designer, primary-15"):
        Palette.load("neon")


def test_index_of_a_foreign_colour_names_it() -> None:
    with pytest.raises(InputError, match="#123456 is not in the palette 'primary-15'"):
        Palette.load("primary-15").index("#123456")
