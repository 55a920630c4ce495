"""Contact sheets for judging drawings by eye: one row per photo, photo | before | after.

    .venv/bin/python -m benchmarks.contact_sheet BEFORE AFTER OUT [--rows 6] [--width 340]

``BEFORE`` and ``AFTER`` are folders of renders named ``FOLDER__PHOTO.png`` as
``benchmarks.bench_drawing --save DIR`` writes them (``DIR/PALETTE/after``; run it once on
each tree or commit to compare). The photo is read from ``../shared/FOLDER/``; transparent
pixels are shown on grey. Writes ``OUT/sheet_N.png`` with ``--rows`` rows each, the row's
name in red at its top left. A render missing on one side is a white box.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

SHARED = Path(__file__).resolve().parents[2] / "shared"
BACKDROP = 200  # grey behind transparent pixels
Image = NDArray[np.uint8]


def _load(path: Path | None, width: int) -> Image:
    image = None if path is None else cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        return np.full((width * 3 // 4, width, 3), 255, np.uint8)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        alpha = image[..., 3:4].astype(np.float64) / 255.0
        image = (image[..., :3] * alpha + BACKDROP * (1 - alpha)).astype(np.uint8)
    height = max(1, round(image.shape[0] * width / image.shape[1]))
    return np.asarray(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA), np.uint8)


def _photo(name: str) -> Path | None:
    folder, _, stem = Path(name).stem.partition("__")
    found = [
        p for p in sorted((SHARED / folder).glob(f"{stem}.*")) if not p.name.endswith(".mask.png")
    ]
    return found[0] if found else None


def _row(name: str, before: Path, after: Path, width: int) -> Image:
    cells = [_load(_photo(name), width), _load(before / name, width), _load(after / name, width)]
    height = max(c.shape[0] for c in cells)
    white = (255, 255, 255)
    cells = [
        cv2.copyMakeBorder(c, 0, height - c.shape[0], 0, 4, cv2.BORDER_CONSTANT, value=white)
        for c in cells
    ]
    row = np.hstack(cells)
    cv2.putText(row, Path(name).stem[:60], (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 255), 1)
    return np.asarray(cv2.copyMakeBorder(row, 0, 4, 0, 0, cv2.BORDER_CONSTANT, value=white))


def sheets(before: Path, after: Path, out: Path, rows: int, width: int) -> list[Path]:
    """Write the sheets; returns their paths."""
    names = sorted({p.name for p in before.glob("*.png")} | {p.name for p in after.glob("*.png")})
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for start in range(0, len(names), rows):
        chunk = [_row(name, before, after, width) for name in names[start : start + rows]]
        wide = max(r.shape[1] for r in chunk)
        chunk = [
            cv2.copyMakeBorder(r, 0, 0, 0, wide - r.shape[1], cv2.BORDER_CONSTANT, value=255)
            for r in chunk
        ]
        path = out / f"sheet_{start // rows + 1}.png"
        cv2.imwrite(str(path), np.vstack(chunk))
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=6, help="photos per sheet")
    parser.add_argument("--width", type=int, default=340, help="px per picture")
    args = parser.parse_args()
    written = sheets(args.before, args.after, args.out, args.rows, args.width)
    print(f"{len(written)} sheets in {args.out}")


if __name__ == "__main__":
    main()
