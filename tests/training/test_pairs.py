"""Pairs are found by stem or by order, and every problem is named before any work starts."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.training.conftest import write_pairs
from v2v.errors import InputError
from v2v.training import find_pairs


def test_pairs_match_by_stem_whatever_the_extension(tmp_path: Path) -> None:
    folder = write_pairs(tmp_path / "pairs", target_suffix=".jpg")
    pairs = find_pairs(folder)
    assert [p.name for p in pairs] == [f"car{i}" for i in range(10)]  # car2 before car10 order
    assert all(p.input_path.stem == p.target_path.stem for p in pairs)
    assert pairs[0].input_size == pairs[0].target_size == (96, 64)


def test_every_mismatch_is_named(tmp_path: Path) -> None:
    folder = write_pairs(tmp_path / "pairs", count=12)
    (folder / "targets" / "car3.png").rename(folder / "targets" / "car3-final.png")
    shutil.copy(folder / "inputs" / "car4.png", folder / "inputs" / "car4.jpg")
    with pytest.raises(InputError) as error:
        find_pairs(folder)
    message = str(error.value)
    assert "inputs/car3.png: no target targets/car3.*" in message
    assert "targets/car3-final.png: no input inputs/car3-final.*" in message
    assert "car4" in message and "same stem" in message


def test_pairing_by_order_names_the_unpaired_files(tmp_path: Path) -> None:
    folder = write_pairs(tmp_path / "pairs", count=11)
    for index, path in enumerate(sorted((folder / "targets").iterdir())):
        path.rename(folder / "targets" / f"drawing-{index:02d}.png")
    assert len(find_pairs(folder, pairing="order")) == 11
    (folder / "targets" / "drawing-10.png").unlink()
    with pytest.raises(
        InputError, match=r"11 inputs but 10 targets; unpaired by order: inputs/car10"
    ):
        find_pairs(folder, pairing="order")


def test_unreadable_and_non_image_files_are_named(tmp_path: Path) -> None:
    folder = write_pairs(tmp_path / "pairs", count=11)
    (folder / "targets" / "car5.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (folder / "inputs" / "notes.txt").write_text("shoot list")
    (folder / "inputs" / ".DS_Store").write_bytes(b"ignored")
    with pytest.raises(InputError) as error:
        find_pairs(folder)
    message = str(error.value)
    assert "targets/car5.png: the file is not a readable image" in message
    assert "inputs/notes.txt: not an image file" in message
    assert ".DS_Store" not in message


def test_a_set_below_the_minimum_is_refused_with_the_count(tmp_path: Path) -> None:
    folder = write_pairs(tmp_path / "pairs", count=9)
    with pytest.raises(InputError, match=r"only 9 pair\(s\) .* at least 10 are needed"):
        find_pairs(folder)
    assert len(find_pairs(folder, min_pairs=9)) == 9


def test_a_target_with_other_framing_is_refused(tmp_path: Path) -> None:
    folder = write_pairs(tmp_path / "pairs")
    square = np.full((64, 64, 3), 255, np.uint8)
    cv2.imwrite(str(folder / "targets" / "car7.png"), square)
    with pytest.raises(
        InputError, match=r"inputs/car7.png \(96×64\) and targets/car7.png \(64×64\)"
    ):
        find_pairs(folder)


def test_a_folder_without_inputs_or_targets_says_what_it_needs(tmp_path: Path) -> None:
    (tmp_path / "inputs").mkdir()
    with pytest.raises(InputError, match="has no targets/ folder"):
        find_pairs(tmp_path)
