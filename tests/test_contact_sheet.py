"""The contact-sheet tool puts each photo beside its two drawings, row by row."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from benchmarks.contact_sheet import sheets


def test_each_photo_gets_a_row_with_its_before_and_after_drawings(tmp_path: Path) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    before.mkdir()
    after.mkdir()
    red = np.zeros((30, 40, 4), np.uint8)
    red[5:25, 5:35] = (0, 0, 255, 255)  # BGRA: an opaque red block on transparency
    for index in range(3):
        cv2.imwrite(str(before / f"nowhere__photo{index}.png"), red)
    cv2.imwrite(str(after / "nowhere__photo0.png"), red[..., [0, 2, 1, 3]])  # green, no red
    written = sheets(before, after, tmp_path / "out", rows=2, width=80)
    assert [p.name for p in written] == ["sheet_1.png", "sheet_2.png"]
    first = cv2.imread(str(written[0]))
    assert first.shape[0] > 2 * 60 and first.shape[1] == 3 * (80 + 4)
    row = first[: 60 + 4]
    before_cell, after_cell = row[20:50, 84 + 10 : 84 + 70], row[20:50, 168 + 10 : 168 + 70]
    assert (before_cell[..., 2] > 200).mean() > 0.5  # the red drawing
    assert (after_cell[..., 1] > 200).mean() > 0.5  # the green one beside it
    assert (first[:60, 4:40] == 255).all(axis=-1).mean() > 0.9  # no photo: a white box
