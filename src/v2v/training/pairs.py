"""Finding and checking input → target pairs before any work starts.

A pairs folder holds ``inputs/`` (vehicle photos) and ``targets/`` (the illustrations drawn from
them). Pairing is by file stem (``inputs/car1.jpg`` ↔ ``targets/car1.png``) or, when asked, by
position in name order. Every problem is collected and reported by file name in one InputError:
unmatched files, duplicate stems, files that are not images or cannot be decoded, input/target
aspect ratios that differ, and sets smaller than ``min_pairs``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from v2v.config import InputConfig
from v2v.errors import InputError
from v2v.imaging import decode

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
_IGNORED = {"thumbs.db", "desktop.ini"}
_MAX_LISTED = 25


@dataclass(frozen=True)
class Pair:
    """One training example: the photo and its illustration, with their sizes (width, height)."""

    name: str
    input_path: Path
    target_path: Path
    input_size: tuple[int, int]
    target_size: tuple[int, int]


def find_pairs(
    folder: str | Path,
    pairing: str = "stem",
    min_pairs: int = 10,
    max_aspect_difference: float = 0.1,
    limits: InputConfig | None = None,
) -> list[Pair]:
    """The pairs of ``folder`` (with ``inputs/`` and ``targets/``), sorted by name.

    Raises InputError listing every problem by file name (nothing is trained on a partial set).
    """
    root = Path(folder).expanduser()
    inputs, targets = _listing(root)
    problems = _non_images(inputs) + _non_images(targets)
    inputs, targets = _images(inputs), _images(targets)
    if pairing == "stem":
        matched, mismatch = _by_stem(inputs, targets)
    elif pairing == "order":
        matched, mismatch = _by_order(inputs, targets)
    else:
        raise InputError(f"pairing {pairing!r} is unknown; use 'stem' or 'order'")
    problems += mismatch
    pairs, unreadable = _read_sizes(matched, limits or InputConfig(), max_aspect_difference)
    problems += unreadable
    if len(matched) < min_pairs:
        problems.append(
            f"only {len(matched)} pair(s) in {root}; at least {min_pairs} are needed "
            "(add pairs, or lower min_pairs)"
        )
    if problems:
        raise InputError(_report(root, problems))
    return pairs


def _listing(root: Path) -> tuple[list[Path], list[Path]]:
    missing = [name for name in ("inputs", "targets") if not (root / name).is_dir()]
    if missing:
        raise InputError(
            f"{root} has no {' and no '.join(f'{m}/' for m in missing)} folder; a pairs folder "
            "holds inputs/ (photos) and targets/ (illustrations) with matching file names"
        )
    return _files(root / "inputs"), _files(root / "targets")


def _files(folder: Path) -> list[Path]:
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.name.lower() not in _IGNORED
        ),
        key=_natural_key,
    )


def _natural_key(path: Path) -> list[object]:
    """'car2' before 'car10'."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def _label(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _non_images(paths: list[Path]) -> list[str]:
    return [
        f"{_label(p)}: not an image file (use {', '.join(IMAGE_SUFFIXES)})"
        for p in paths
        if p.suffix.lower() not in IMAGE_SUFFIXES
    ]


def _images(paths: list[Path]) -> list[Path]:
    return [p for p in paths if p.suffix.lower() in IMAGE_SUFFIXES]


def _by_stem(inputs: list[Path], targets: list[Path]) -> tuple[list[tuple[Path, Path]], list[str]]:
    problems: list[str] = []
    by_stem: list[dict[str, Path]] = [{}, {}]
    for side, paths in enumerate((inputs, targets)):
        for path in paths:
            other = by_stem[side].get(path.stem)
            if other is not None:
                problems.append(f"{_label(path)} and {other.name}: two files with the same stem")
            by_stem[side][path.stem] = path
    found_inputs, found_targets = by_stem
    for stem, path in found_inputs.items():
        if stem not in found_targets:
            problems.append(f"{_label(path)}: no target targets/{stem}.*")
    for stem, path in found_targets.items():
        if stem not in found_inputs:
            problems.append(f"{_label(path)}: no input inputs/{stem}.*")
    matched = [(found_inputs[s], found_targets[s]) for s in found_inputs if s in found_targets]
    return matched, problems


def _by_order(inputs: list[Path], targets: list[Path]) -> tuple[list[tuple[Path, Path]], list[str]]:
    problems = []
    if len(inputs) != len(targets):
        longer = inputs if len(inputs) > len(targets) else targets
        extra = ", ".join(_label(p) for p in longer[min(len(inputs), len(targets)) :])
        problems.append(
            f"{len(inputs)} inputs but {len(targets)} targets; unpaired by order: {extra}"
        )
    return list(zip(inputs, targets, strict=False)), problems


def _size(path: Path, limits: InputConfig) -> tuple[int, int]:
    """(width, height) after EXIF orientation; decodes fully with the pipeline's own checks."""
    return decode(path, limits).original_size


def _read_sizes(
    matched: list[tuple[Path, Path]], limits: InputConfig, max_aspect_difference: float
) -> tuple[list[Pair], list[str]]:
    """Decode every image fully (so a truncated file is found now, not mid-training)."""
    pairs, problems = [], []
    for input_path, target_path in matched:
        sizes = []
        for path in (input_path, target_path):
            try:
                sizes.append(_size(path, limits))
            except InputError as exc:
                problems.append(f"{_label(path)}: {exc}")
        if len(sizes) < 2:
            continue
        (iw, ih), (tw, th) = sizes
        difference = abs((iw / ih) / (tw / th) - 1.0)
        if difference > max_aspect_difference:
            problems.append(
                f"{_label(input_path)} ({iw}×{ih}) and {_label(target_path)} ({tw}×{th}): aspect "
                f"ratios differ by {difference:.0%} (max {max_aspect_difference:.0%}); the target "
                "must show the photo's framing"
            )
            continue
        pairs.append(Pair(input_path.stem, input_path, target_path, (iw, ih), (tw, th)))
    return pairs, problems


def _report(root: Path, problems: list[str]) -> str:
    shown = problems[:_MAX_LISTED]
    more = len(problems) - len(shown)
    tail = f"; and {more} more" if more > 0 else ""
    return f"the pairs in {root} cannot be used: " + "; ".join(shown) + tail
