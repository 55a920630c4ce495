"""Phase III benchmark: CIEDE2000 mapping and speck removal on a 4096 × 4096 photo-like image.

    .venv/bin/python benchmarks/bench_palette.py [--image PHOTO] [--size 4096] [--palette default]

The image is a real sample photo (../shared/samples/ when present) upscaled bicubically and
lightly smoothed, so it has the hundreds of thousands of distinct colours of a real photo; without
samples a smooth synthetic scene with noise stands in. Prints wall and CPU seconds for the first
mapping (empty colour table), a second mapping (colour table warm) and speck removal at the
default ``phase3.min_area_percent``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.color.ciede2000 import clear_lookup_cache, map_image_to_palette, pack_rgb
from v2v.color.palette import Palette
from v2v.config import Phase3Config
from v2v.stages.palette.mapping import speck_min_area
from v2v.stages.palette.specks import remove_specks

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
DEFAULT_PHOTO = SAMPLES / "pypi-yolov5_bus_street_people.jpg"
T = TypeVar("T")


def photo_like(size: int, source: Path | None) -> NDArray[np.uint8]:
    """RGB uint8 (size, size, 3): a photo upscaled and smoothed, or a synthetic stand-in."""
    if source is not None and source.is_file():
        bgr = cv2.imread(str(source), cv2.IMREAD_COLOR)
        rgb = cv2.resize(bgr[..., ::-1], (size, size), interpolation=cv2.INTER_CUBIC)
    else:
        rng = np.random.default_rng(0)
        ramp = np.linspace(0, 255, size, dtype=np.float64)
        rgb = np.stack(
            [
                np.add.outer(ramp, ramp) / 2,
                np.add.outer(ramp, -ramp) / 2 + 128,
                np.tile(ramp, (size, 1)),
            ],
            axis=-1,
        )
        rgb = np.clip(rgb + rng.normal(0, 12, rgb.shape), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(cv2.GaussianBlur(rgb, (0, 0), 1.0))


def timed(label: str, work: Callable[[], T]) -> T:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<34} {seconds:7.2f} s wall {cpu_seconds:7.2f} s CPU")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", type=Path, default=DEFAULT_PHOTO)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--palette", default="default")
    parser.add_argument("--min-area-percent", type=float, default=Phase3Config().min_area_percent)
    args = parser.parse_args()
    palette = Palette.load(args.palette)
    image = photo_like(args.size, args.image)
    distinct = len(np.unique(pack_rgb(image)))
    source = args.image.name if args.image.is_file() else "synthetic"
    print(
        f"image {args.size}x{args.size} from {source}: {distinct} distinct colours; "
        f"palette {palette.name} ({len(palette)} colours)"
    )
    clear_lookup_cache()
    labels = timed("map, colour table empty", lambda: map_image_to_palette(image, palette))
    timed("map, colour table warm", lambda: map_image_to_palette(image, palette))
    min_area = speck_min_area(labels.size, args.min_area_percent)
    cleaned, removed = timed(
        f"speck removal (min area {min_area} px)", lambda: remove_specks(labels, min_area)
    )
    changed = np.count_nonzero(cleaned != labels) / labels.size
    print(f"specks removed: {removed} components, {100 * changed:.2f} % of pixels recoloured")


if __name__ == "__main__":
    main()
