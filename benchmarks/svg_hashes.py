"""Hash every shared photo's SVG, to prove a pure speed-up changes no output.

    PYTHONPATH=TREE/src python -m benchmarks.svg_hashes OUT.json [FOLDER ...]
    python -m benchmarks.svg_hashes --compare BEFORE.json AFTER.json

One ``Pipeline`` (default config and palette), every photo of ``../shared/samples`` and
``../shared/devset`` (not the ``.mask.png`` files): the sha256 of its SVG, of its phase-I
vehicle mask, its CPU seconds and, where the photo has a true mask, the silhouette IoU. Run it
with each tree's ``src`` on PYTHONPATH, then ``--compare`` the two files: it prints the photos
whose SVG or mask differ and the IoU of each photo before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = (ROOT.parent / "shared" / "samples", ROOT.parent / "shared" / "devset")


def measure(out: Path, folders: list[Path]) -> None:
    from v2v.bench import truth_iou
    from v2v.imaging import list_images
    from v2v.pipeline import Pipeline

    pipeline = Pipeline()
    rows: dict[str, dict[str, object]] = {}
    for folder in folders:
        for path in list_images(folder):
            if path.name.endswith(".mask.png"):
                continue
            started = time.process_time()
            result = pipeline.run(path, preview=False)
            cpu = time.process_time() - started
            iou = truth_iou(result, path)
            mask = result.clean.vehicle_mask
            rows[f"{folder.name}/{path.name}"] = {
                "svg": hashlib.sha256((result.svg or "").encode()).hexdigest(),
                "mask": hashlib.sha256(mask.tobytes()).hexdigest(),
                "iou": None if iou is None else round(iou, 4),
                "cpu_s": round(cpu, 3),
            }
            print(path.name, rows[f"{folder.name}/{path.name}"], flush=True)
    out.write_text(json.dumps(rows, indent=1))


def compare(before_path: Path, after_path: Path) -> None:
    before = json.loads(before_path.read_text())
    after = json.loads(after_path.read_text())
    names = sorted(set(before) | set(after))
    svg_same = sum(before.get(n, {}).get("svg") == after.get(n, {}).get("svg") for n in names)
    mask_same = sum(before.get(n, {}).get("mask") == after.get(n, {}).get("mask") for n in names)
    print(f"{len(names)} photos: SVG identical {svg_same}, mask identical {mask_same}")
    for name in names:
        old, new = before.get(name, {}), after.get(name, {})
        if old.get("svg") != new.get("svg") or old.get("iou") != new.get("iou"):
            print(
                f"  {name}: iou {old.get('iou')} -> {new.get('iou')}"
                f"{'' if old.get('mask') == new.get('mask') else ' (mask differs)'}"
            )
    for label, rows in (("before", before), ("after", after)):
        ious = [r["iou"] for r in rows.values() if r.get("iou") is not None]
        cpu = [r["cpu_s"] for r in rows.values()]
        if ious:
            print(
                f"{label}: IoU median {statistics.median(ious):.4f} min {min(ious):.4f} "
                f"({len(ious)} photos); CPU s/photo median {statistics.median(cpu):.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("folders", type=Path, nargs="*")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
    elif args.out:
        measure(args.out, args.folders or list(FOLDERS))
    else:
        parser.error("give OUT.json, or --compare BEFORE AFTER")


if __name__ == "__main__":
    main()
