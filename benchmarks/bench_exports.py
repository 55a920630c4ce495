"""Exports on real photos: every format written, read back, palette-checked; cut-out coverage.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_exports.py [--svgs DIR] [--samples DIR]

With ``--svgs``, the SVGs (and the ``NAME.json`` reports beside them, for the photo size and
palette) of an earlier ``v2v batch``/``v2v process --report`` run are used; otherwise each
sample photo is converted first (default settings). For each photo and each stacking it prints
the seconds each format took (300 mm wide; PNG at 150 dpi), checks each file with its
independent reader (tests/exports/readback.py) and that only palette colours appear, and for
the cut-out counts uncovered and doubly covered pixels at 4x (tests/exports/coverage.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/exports: the read-back helpers

from tests.exports.coverage import coverage  # noqa: E402
from tests.exports.readback import (  # noqa: E402
    ase_colors,
    dxf_facts,
    eps_facts,
    gpl_colors,
    off_palette_share,
    pdf_facts,
    png_image,
)
from v2v.color.palette import Palette  # noqa: E402
from v2v.exports import FORMATS, ExportOptions, export, read_svg  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "samples"


def colours_of(name: str, data: bytes) -> set[str]:
    """The colours a file paints, read back by an independent reader; PNG: the flat areas'
    off-palette share must be 0, so it returns nothing to compare."""
    if name == "pdf":
        facts = pdf_facts(data)
        assert facts.images == 0, "PDF has an image"
        return facts.fill_colors | facts.stroke_colors
    if name == "eps":
        facts = eps_facts(data)
        assert facts.images == 0
        return facts.fill_colors | facts.stroke_colors
    if name == "dxf":
        return set(dxf_facts(data).layers.values())
    if name == "ase":
        return {color for _, color in ase_colors(data)}
    if name == "gpl":
        return set(gpl_colors(data))
    if name == "svg":
        drawing = read_svg(data.decode())
        return drawing.colors()
    return set()


def inputs(args: argparse.Namespace) -> list[tuple[str, str, dict]]:
    if args.svgs:
        found = []
        for svg in sorted(Path(args.svgs).glob("*.svg")):
            report = svg.with_suffix(".json")
            data = json.loads(report.read_text()) if report.is_file() else {}
            found.append((svg.stem, svg.read_text(encoding="utf-8"), data))
        return found
    from v2v.pipeline import convert

    photos = [p for p in sorted(Path(args.samples).iterdir()) if p.suffix in {".jpg", ".png"}]
    out = []
    for photo in (p for p in photos if not p.name.endswith(".mask.png")):
        result = convert(photo)
        out.append((photo.stem, result.svg or "", result.report))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svgs", help="folder of v2v SVGs (+ NAME.json reports)")
    parser.add_argument("--samples", default=str(SAMPLES))
    args = parser.parse_args()
    times: dict[str, list[float]] = {f"{n}/{s}": [] for s in ("stacked", "cutout") for n in FORMATS}
    print(f"{'photo':44} {'stacking':8} {'uncov':>5} {'double':>6} {'silh%':>6} palette")
    for name, svg, report in inputs(args):
        palette = Palette.load(report["palette"]["colors"]) if report.get("palette") else None
        allowed = set(palette.colors) if palette else read_svg(svg).colors()
        size = report.get("input", {}).get("original_size")
        for stacking in ("stacked", "cutout"):
            bad = []
            for fmt in FORMATS:
                options = ExportOptions(fmt, "300mm", 150, stacking)
                started = time.perf_counter()
                data = export(svg, options, tuple(size) if size else None, palette)
                times[f"{fmt}/{stacking}"].append(time.perf_counter() - started)
                if not colours_of(fmt, data) <= allowed:
                    bad.append(fmt)
                if fmt == "png" and off_palette_share(png_image(data)[0], sorted(allowed)) > 0:
                    bad.append(fmt)
            cover = "" if stacking == "stacked" else coverage(read_svg(svg))
            counts = (
                f"{cover.uncovered:5d} {cover.doubly_covered:6d} "
                f"{100 * cover.silhouette_difference:6.3f}"
                if cover
                else f"{'':5} {'':6} {'':6}"
            )
            verdict = "ok" if not bad else "OFF: " + ",".join(bad)
            print(f"{name[:44]:44} {stacking:8} {counts} {verdict}")
    print("\nseconds to write (median / max over photos; 300 mm, PNG at 150 dpi = 1772 px wide)")
    for key, values in times.items():
        if values:
            print(f"  {key:14} {statistics.median(values):7.3f} {max(values):7.3f}")


if __name__ == "__main__":
    main()
