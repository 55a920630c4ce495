"""A cache of models derived from packaged ones, so that a cold process need not derive them.

The saliency model is loaded with its input size made free, which needs the ``onnx`` package:
importing it alone takes 0.6–0.9 s on the 2-core target, a third of a cold ``v2v process``'s
budget. The derived model is kept in ``V2V_CACHE_DIR`` (default ``$XDG_CACHE_HOME/v2v``, else
``~/.cache/v2v``), under ``onnx/``, named after the source model, the kind of change and the
source's sha256: a changed source model (an upgrade, a reinstall with other weights) gets a new
file and the stale one is removed. Writes are atomic (a temporary file, then a rename), so
processes that start at once never read half a file. A cache that cannot be written (read-only
home, full disk) costs only the time: the model is derived in memory each time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("v2v.cache")


def cache_dir() -> Path:
    """``V2V_CACHE_DIR``, else ``$XDG_CACHE_HOME/v2v``, else ``~/.cache/v2v``."""
    explicit = os.environ.get("V2V_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "v2v"


def derived_model(
    source: Path, kind: str, derive: Callable[[bytes], bytes], refresh: bool = False
) -> bytes:
    """``derive(source's bytes)``, read from the cache when it holds the result for this very
    source (same sha256) and ``kind``, else derived and stored. ``refresh`` derives and stores
    again (a cached copy that would not load). Raises OSError when ``source`` cannot be read."""
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:32]
    try:
        folder = cache_dir() / "onnx"
    except RuntimeError as exc:  # no home directory to find (``env -i``, an unnamed uid)
        log.warning("no cache folder (%s): set V2V_CACHE_DIR; derived in memory", exc)
        return derive(data)
    path = folder / f"{source.stem}.{kind}.{digest}.onnx"
    if not refresh:
        try:
            return path.read_bytes()
        except OSError:
            pass  # not cached yet (or unreadable): derive it
    derived = derive(data)
    _store(path, derived, f"{source.stem}.{kind}.*.onnx")
    return derived


def _store(path: Path, data: bytes, versions: str) -> None:
    """Write ``data`` to ``path`` atomically and remove the other files beside it that match
    the glob pattern ``versions`` (the stale versions of the same derived model)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                # mkstemp makes 0600: a cache warmed by another user (an image build, root)
                # must stay readable (reading the umask would briefly change it for every thread)
                os.fchmod(file.fileno(), 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        for stale in path.parent.glob(versions):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError as exc:
        log.warning(
            "cannot keep the derived model %s in the cache (%s); it is derived again in each "
            "process",
            path.name,
            exc,
        )
