"""Warm cProfile of the pipeline: per-phase medians and the top functions by cumulative time.

    python -m benchmarks.profile_pipeline [FOLDER] [--photos 12] [--top 25]

One Pipeline, one untimed run first (models loaded), then ``--photos`` photos of FOLDER
(default ``../shared/devset``) under cProfile. Prints the load average with the figures: on a
shared machine they are noisy.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT.parent / "shared" / "devset")
    parser.add_argument("--photos", type=int, default=12)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    from v2v.imaging import list_images
    from v2v.pipeline import Pipeline

    photos = [p for p in list_images(args.folder) if not p.name.endswith(".mask.png")]
    photos = photos[: args.photos]
    pipeline = Pipeline()
    pipeline.run(photos[0])
    timings: dict[str, list[float]] = {}
    profile = cProfile.Profile()
    for path in photos:
        profile.enable()
        result = pipeline.run(path)
        profile.disable()
        for phase, seconds in result.report["timings"].items():
            timings.setdefault(phase, []).append(seconds)
    print(f"{len(photos)} photos, load average {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print(
        "median s/photo: "
        + ", ".join(f"{k} {statistics.median(v):.3f}" for k, v in timings.items())
    )
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(args.top)
    print(text.getvalue())


if __name__ == "__main__":
    main()
