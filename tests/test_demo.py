"""``make demo``: the contact sheet shows each photo beside its SVG, with the QA figures."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tests.conftest import draw_car
from v2v.demo import build


def test_contact_sheet_keeps_png_photos_apart_from_their_previews(tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    photo = cv2.cvtColor(draw_car(384, 240), cv2.COLOR_RGB2BGR)
    cv2.imwrite(str(source / "car.png"), photo)
    assert build(source, out) == 0
    page = (out / "index.html").read_text()
    assert 'src="photos/car.png"' in page and 'src="car.svg"' in page
    assert "silhouette IoU" in page
    assert np.array_equal(cv2.imread(str(out / "photos" / "car.png")), photo)
    assert (out / "car.preview.png").is_file() and (out / "car.svg").is_file()
