"""Convert a folder of photos and write a contact sheet (``index.html``): photo vs SVG + QA.

Usage: ``python -m v2v.demo examples out``.
"""

from __future__ import annotations

import html
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from v2v.errors import V2VError
from v2v.imaging import list_images
from v2v.pipeline import Pipeline

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vehicle-to-vector — contact sheet</title>
<style>
body {{ font: 15px/1.4 system-ui, sans-serif; margin: 2rem; color: #15181C; background: #F4F5F7; }}
h1 {{ font-weight: 600; }}
.limits {{ font-size: 13px; color: #3B4149; padding-left: 1.2rem; }}
.row {{ display: grid; grid-template-columns: 1fr 1fr 18rem; gap: 1rem; background: #fff;
        padding: 1rem; margin-bottom: 1rem; border-radius: 8px; align-items: center; }}
.row img {{ width: 100%; height: auto; background:
  repeating-conic-gradient(#eee 0 25%, #fff 0 50%) 0 0 / 20px 20px; }}
dl {{ display: grid; grid-template-columns: auto 1fr; gap: .2rem .8rem; margin: 0; }}
dt {{ color: #6E7681; }} .fail {{ color: #C8202F; }} .ok {{ color: #2F7D3B; }}
.swatch {{ display: inline-block; width: 1em; height: 1em; border: 1px solid #999;
           vertical-align: middle; }}
</style></head><body>
<h1>vehicle-to-vector — contact sheet</h1>
<p>Palette <b>{palette}</b>: {swatches}</p>
{rows}
</body></html>
"""


def _figures(report: dict[str, Any]) -> str:
    qa = report["qa"]
    status = (
        '<span class="ok">passed</span>'
        if qa["passed"]
        else '<span class="fail">' + html.escape("; ".join(qa["failures"])) + "</span>"
    )
    items = {
        "QA": status,
        "silhouette IoU": qa.get("silhouette_iou", "n/a"),
        "palette": f"{qa.get('palette_compliance', 0):.0%}",
        "strokes": f"{qa.get('stroke_compliance', 0):.0%}",
        "paths": report["phases"]["phase4"].get("paths", "n/a"),
        "seconds": report["timings"].get("total"),
        "removed": html.escape(_counted(r["kind"] for r in report["removed"]) or "nothing"),
    }
    limits = "".join(f"<li>{html.escape(line)}</li>" for line in report["not_removed"])
    figures = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items.items())
    return (
        f"<div><dl>{figures}</dl><details><summary>not removable here</summary>"
        f'<ul class="limits">{limits}</ul></details></div>'
    )


def _counted(kinds: Any) -> str:
    """'text ×5, licence_plate' from a sequence of kinds."""
    from collections import Counter

    return ", ".join(f"{k} ×{n}" if n > 1 else k for k, n in Counter(kinds).items())


def build(source_dir: Path, out_dir: Path, say: Callable[[str], object] = lambda line: None) -> int:
    """Convert every photo of ``source_dir`` into ``out_dir``; returns the number of failures.
    ``say`` gets one line per photo and the sheet's path (the command writes them out)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pipeline = Pipeline()
    rows, failures = [], 0
    for path in list_images(source_dir):
        try:
            result = pipeline.run(path)
        except V2VError as exc:
            failures += 1
            rows.append(
                f'<div class="row"><b>{html.escape(path.name)}</b>'
                f'<span class="fail">{html.escape(str(exc))}</span></div>'
            )
            continue
        # photos go to photos/: a .png photo must not be overwritten by its preview
        (out_dir / "photos").mkdir(exist_ok=True)
        shutil.copyfile(path, out_dir / "photos" / path.name)
        result.save(
            out_dir / f"{path.stem}.svg",
            out_dir / f"{path.stem}.preview.png",
            out_dir / f"{path.stem}.json",
        )
        rows.append(
            f'<div class="row"><img src="photos/{html.escape(path.name)}" alt="photo">'
            f'<img src="{html.escape(path.stem)}.svg" alt="SVG">'
            f"{_figures(result.report)}</div>"
        )
        say(
            f"{path.name}: {result.art.path_count if result.art else 0} paths, "
            f"{result.report['timings']['total']:.2f} s"
        )
    swatches = " ".join(
        f'<span class="swatch" style="background:{c}" title="{c}"></span>'
        for c in pipeline.palette.colors
    )
    page = PAGE.format(palette=pipeline.palette.name, swatches=swatches, rows="\n".join(rows))
    (out_dir / "index.html").write_text(page, encoding="utf-8")
    say(f"contact sheet: {out_dir / 'index.html'}")
    return failures


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    source = Path(args[0]) if args else Path("examples")
    out = Path(args[1]) if len(args) > 1 else Path("out")
    return 1 if build(source, out, lambda line: sys.stdout.write(line + "\n")) else 0


if __name__ == "__main__":
    sys.exit(main())
