"""Where job files live when workers run on other machines: a shared directory or object storage.

``STORAGE_URL`` selects it:

- empty (the default): :class:`~v2v.service.jobs.files.JobFiles` on ``DATA_DIR``. With several
  machines, mount one shared directory (NFS, a Kubernetes ReadWriteMany volume) at the same
  ``DATA_DIR`` on the API and every worker.
- an fsspec URL (``s3://bucket/v2v``, ``gs://…``, ``file:///mnt/shared/v2v``):
  :class:`RemoteJobFiles`. The layout under the URL is the one under ``DATA_DIR``
  (``jobs/<id>/input.<ext>``, ``jobs/<id>/out/<name>``); ``DATA_DIR`` becomes a local cache.
  S3 credentials and endpoint come from the usual ``AWS_*`` variables (``AWS_ACCESS_KEY_ID``,
  ``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL`` for MinIO and other S3-compatible stores).

Download URLs do not change: the API fetches a result into its cache on the first download.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from v2v.errors import ConfigError
from v2v.service.jobs.files import JobFiles, valid_file_name
from v2v.service.settings import Settings


class RemoteJobFiles(JobFiles):
    """Job files in an fsspec file system; the local ``data_dir`` holds copies being used."""

    def __init__(self, data_dir: Path, url: str) -> None:
        super().__init__(data_dir)
        self.url = url
        self.fs, root = _open(url)
        self.remote_root = root.rstrip("/")

    def remote(self, job_id: str, *parts: str) -> str:
        """The remote path of a job's folder (or a file in it)."""
        self.job_dir(job_id)  # validates the id: no path tricks reach the remote store
        return "/".join([self.remote_root, "jobs", job_id, *parts])

    def _put(self, local: Path, remote: str) -> None:
        self.fs.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
        self.fs.put_file(str(local), remote)

    def _get(self, remote: str, local: Path) -> bool:
        """Copy a remote file to ``local`` (atomically); False when it does not exist."""
        local.parent.mkdir(parents=True, exist_ok=True)
        partial = local.with_name(f".{local.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            self.fs.get_file(remote, str(partial))
        except FileNotFoundError:
            partial.unlink(missing_ok=True)
            return False
        os.replace(partial, local)
        return True

    def _rm(self, remote: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            if self.fs.exists(remote):
                self.fs.rm(remote, recursive=True)

    def store_input(self, job_id: str, temp: Path, extension: str) -> Path:
        local = super().store_input(job_id, temp, extension)
        self._put(local, self.remote(job_id, local.name))
        return local

    def input_path(self, job_id: str) -> Path | None:
        """The local copy of the upload, fetched from the store when this machine has none."""
        local = super().input_path(job_id)
        if local is not None:
            return local
        found = sorted(self.fs.glob(self.remote(job_id, "input.*")))
        if not found:
            return None
        name = found[0].rsplit("/", 1)[-1]
        target = self.job_dir(job_id) / name
        return target if self._get(found[0], target) else None

    def remove_input(self, job_id: str) -> None:
        super().remove_input(job_id)
        for path in self.fs.glob(self.remote(job_id, "input.*")):
            self._rm(path)

    def clear_outputs(self, job_id: str) -> None:
        super().clear_outputs(job_id)
        self._rm(self.remote(job_id, "out"))

    def remove(self, job_id: str) -> None:
        super().remove(job_id)
        self._rm(self.remote(job_id))

    def stage_run(self, job_id: str, lease: str, names: list[str]) -> None:
        """Upload a run's result files into its own remote folder (``run-<lease>/``), before its
        result is recorded: the slow part, done without holding the job's row."""
        folder = self.run_dir(job_id, lease)
        for name in names:
            self._put(folder / name, self.remote(job_id, folder.name, name))

    def adopt_run(self, job_id: str, lease: str, names: list[str]) -> None:
        """Move a staged run's files to the job's remote results (moves inside the store, no
        upload; called while the result is recorded under the run's lease)."""
        folder = self.run_dir(job_id, lease).name
        self.fs.makedirs(self.remote(job_id, "out"), exist_ok=True)
        for name in names:
            source = self.remote(job_id, folder, name)
            if self.fs.exists(source):  # gone when an earlier try of the same write moved it
                self.fs.mv(source, self.remote(job_id, "out", name))
        self._rm(self.remote(job_id, folder))

    def drop_run(self, job_id: str, lease: str) -> None:
        super().drop_run(job_id, lease)
        self._rm(self.remote(job_id, self.run_dir(job_id, lease).name))

    def download(self, job_id: str, name: str, recorded: list[str]) -> Path | None:
        if valid_file_name(name) and name in recorded:
            local = self.out_dir(job_id) / name
            if not local.is_file():
                self._get(self.remote(job_id, "out", name), local)
        return super().download(job_id, name, recorded)


def _open(url: str) -> tuple[Any, str]:
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise ConfigError(
            "STORAGE_URL needs fsspec: pip install 'vehicle-to-vector[distributed]'"
        ) from None
    try:
        filesystem, root = url_to_fs(url)
    except ImportError as exc:
        raise ConfigError(
            f"STORAGE_URL={url!r} needs a package that is not installed ({exc}); for s3:// "
            "pip install 'vehicle-to-vector[s3]'"
        ) from None
    except ValueError as exc:
        raise ConfigError(f"STORAGE_URL={url!r} is not a storage URL fsspec knows: {exc}") from None
    return filesystem, str(root)


def make_job_files(settings: Settings) -> JobFiles:
    """Job files for these settings: remote storage when ``STORAGE_URL`` is set, else DATA_DIR."""
    if settings.storage_url:
        return RemoteJobFiles(settings.data_dir, settings.storage_url)
    return JobFiles(settings.data_dir)


def stage_run_outputs(files: JobFiles, job_id: str, lease: str, names: list[str]) -> None:
    """Upload a run's results into its own remote folder (no-op on a shared DATA_DIR)."""
    if isinstance(files, RemoteJobFiles):
        files.stage_run(job_id, lease, names)


def adopt_run_outputs(files: JobFiles, job_id: str, lease: str, names: list[str]) -> None:
    """Make a staged run's results the job's results, locally and in the remote store."""
    files.adopt_outputs(job_id, lease, names)
    if isinstance(files, RemoteJobFiles):
        files.adopt_run(job_id, lease, names)


def release_local_copy(files: JobFiles, job_id: str) -> None:
    """Drop a worker's local copies of a job's files once the remote store has them."""
    if isinstance(files, RemoteJobFiles):
        shutil.rmtree(files.job_dir(job_id), ignore_errors=True)
