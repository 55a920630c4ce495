"""Receiving training pairs: every upload validated by content, every pair problem named, then
the set stored as one job input (an uncompressed zip), or a server-side folder referenced.

Uploaded files keep their file stems (pairing by stem needs them); the extension comes from the
content. Nothing is queued unless the whole set passes ``v2v.training.find_pairs``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from fastapi import UploadFile

from v2v.errors import InputError
from v2v.service.deps import Services
from v2v.service.problems import ApiProblem
from v2v.service.security.uploads import disk_full
from v2v.service.training_schemas import FOLDER_NAME, pair_folders, pairs_root
from v2v.training import TrainingParams, find_pairs
from v2v.training.bundle import pack_pairs

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _stem(filename: str | None) -> str:
    """The upload's file stem as a safe name (directory parts dropped)."""
    base = (filename or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return _UNSAFE.sub("_", stem).strip("._-")[:100] or "upload"


def _receive_side(
    services: Services, side: str, uploads: list[UploadFile], folder: Path
) -> list[str]:
    """Validate and store one side's uploads in ``folder/side``; returns the problems found."""
    problems: list[str] = []
    (folder / side).mkdir(parents=True)
    for upload in uploads:
        label = f"{side}/{upload.filename or 'upload'}"
        temp = services.files.temp_path()
        try:
            checked = services.check_upload(upload.file, temp)
        except ApiProblem as exc:
            if exc.status >= 500:  # the server's trouble (disk full, busy), not the file's
                raise
            problems.append(f"{label}: {exc.detail}")
            continue
        target = folder / side / f"{_stem(upload.filename)}.{checked.extension}"
        if target.exists():
            temp.unlink(missing_ok=True)
            problems.append(f"{label}: another upload has the same name")
            continue
        os.replace(temp, target)
    return problems


def _check_pairs(folder: Path, params: TrainingParams, services: Services, label: str) -> None:
    """422 naming every pair problem; ``label`` replaces the server path in the message."""
    try:
        find_pairs(
            folder,
            params.pairing,
            params.min_pairs,
            params.max_aspect_difference,
            services.base_config.input,
        )
    except InputError as exc:
        raise ApiProblem(422, "input_error", str(exc).replace(str(folder), label)) from None


def stage_uploads(
    services: Services,
    inputs: list[UploadFile],
    targets: list[UploadFile],
    params: TrainingParams,
) -> Path:
    """A zip of the validated pairs in the service's temp folder (the caller stores it)."""
    folder = services.files.temp_path()
    try:
        problems = _receive_side(services, "inputs", inputs, folder)
        problems += _receive_side(services, "targets", targets, folder)
        if problems:
            raise ApiProblem(
                422, "input_error", "the uploads cannot be used: " + "; ".join(problems)
            )
        _check_pairs(folder, params, services, "the upload")
        archive = services.files.temp_path(".zip")
        try:
            return pack_pairs(folder, archive)
        except OSError as exc:  # disk full: no half-written archive stays behind
            archive.unlink(missing_ok=True)
            raise disk_full(exc) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def stage_folder(services: Services, name: str, params: TrainingParams) -> Path:
    """A JSON reference to ``DATA_DIR/pairs/<name>`` after checking its pairs."""
    folder = pairs_root(services) / name
    if not FOLDER_NAME.match(name) or not folder.is_dir():
        known = ", ".join(pair_folders(services)) or "none yet"
        raise ApiProblem(
            422,
            "input_error",
            f"folder: {name!r} is not a folder in DATA_DIR/pairs/ (there: {known}); copy the "
            "pairs (inputs/, targets/) there on the server, or upload them",
        )
    _check_pairs(folder, params, services, f"pairs/{name}")
    reference = services.files.temp_path(".json")
    reference.write_text(json.dumps({"folder": str(folder)}), encoding="utf-8")
    return reference
