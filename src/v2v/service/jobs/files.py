"""Where a job's files live inside the data directory, and safe lookups for downloads.

Layout::

    DATA_DIR/jobs/<job id>/input.<jpg|png|webp>   the upload (removed when the job ends)
    DATA_DIR/jobs/<job id>/out/<name>             results: result.svg, preview.png, report.json,
                                                  intermediate_*.png, phase outputs
    DATA_DIR/jobs/<job id>/run-<lease>/<name>     what one run writes while it runs; its results
                                                  move to out/ only in the same transaction that
                                                  records them under the run's lease, so a run
                                                  that lost its lease writes nothing into out/
                                                  (training runs write into out/ directly: their
                                                  gallery is shown while they run)
    DATA_DIR/tmp/<host>-<pid>/                    uploads being received, one folder per server
                                                  process (a start-up removes only its own and
                                                  those of processes that no longer exist;
                                                  housekeeping removes what no process has
                                                  written for an hour, on any host)
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import time
import uuid
from pathlib import Path

import psutil

from v2v.service.jobs.messages import Task
from v2v.service.jobs.records import JobRecord

_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
_PROCESS_FOLDER = re.compile(r"^.+-\d+$")
_HOST = socket.gethostname()[:60].replace("/", "_")


_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,120}\.(svg|png|json)$")
MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json"}


def valid_job_id(job_id: str) -> bool:
    return bool(_JOB_ID.match(job_id))


def valid_file_name(name: str) -> bool:
    """Only plain names such as ``result.svg``: no separators, no ``..``, known extensions."""
    return bool(_FILE_NAME.match(name))


class JobFiles:
    """Paths of job files under ``data_dir``; never follows names outside it."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir.resolve()
        self.jobs = self.root / "jobs"
        self.tmp_root = self.root / "tmp"

    @property
    def tmp(self) -> Path:
        """This process's folder for uploads being received."""
        return self.tmp_root / f"{_HOST}-{os.getpid()}"

    def prepare(self) -> None:
        """Create the folders and remove uploads left half-received by processes that ended
        (never those of sibling server processes still receiving theirs)."""
        self.jobs.mkdir(parents=True, exist_ok=True)
        if self.tmp_root.is_dir():
            for entry in self.tmp_root.iterdir():
                host, _, pid = entry.name.rpartition("-")
                mine = host == _HOST and pid.isdigit()
                if mine and int(pid) != os.getpid() and psutil.pid_exists(int(pid)):
                    continue
                if not mine and entry.is_dir() and _PROCESS_FOLDER.match(entry.name):
                    continue  # another machine's process (a shared DATA_DIR)
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def remove_abandoned_uploads(self, max_age_seconds: float) -> list[str]:
        """Remove files in ``tmp/`` not written for ``max_age_seconds`` (an upload being
        received is written to all the time), in the folders of every process on every host
        sharing this DATA_DIR, and the folders of other processes left empty. Returns the
        removed paths, relative to ``tmp/``. Jobs' files are never touched: an upload becomes a
        job's only once moved into ``jobs/``."""
        removed: list[str] = []
        if not self.tmp_root.is_dir():
            return removed
        cutoff = time.time() - max_age_seconds
        for folder in self.tmp_root.iterdir():
            idle = False
            with contextlib.suppress(FileNotFoundError):
                idle = folder.lstat().st_mtime < cutoff  # before its files go (that touches it)
            entries = list(folder.iterdir()) if folder.is_dir() else [folder]
            for entry in entries:
                with contextlib.suppress(FileNotFoundError):
                    if entry.lstat().st_mtime < cutoff:
                        if entry.is_dir() and not entry.is_symlink():
                            shutil.rmtree(entry, ignore_errors=True)
                        else:
                            entry.unlink(missing_ok=True)
                        removed.append(str(entry.relative_to(self.tmp_root)))
            host, _, pid = folder.name.rpartition("-")
            alive_here = host == _HOST and pid.isdigit() and psutil.pid_exists(int(pid))
            if idle and folder.is_dir() and not alive_here:
                with contextlib.suppress(OSError):  # not empty, or gone: fine
                    folder.rmdir()
        return removed

    def job_dir(self, job_id: str) -> Path:
        if not valid_job_id(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.jobs / job_id

    def out_dir(self, job_id: str) -> Path:
        return self.job_dir(job_id) / "out"

    def run_dir(self, job_id: str, lease: str) -> Path:
        """The private output folder of the run holding ``lease``."""
        if not _JOB_ID.match(lease):
            raise ValueError("not a lease token")
        return self.job_dir(job_id) / f"run-{lease}"

    def adopt_outputs(self, job_id: str, lease: str, names: list[str]) -> None:
        """Make the run's files the job's results: its folder replaces ``out`` (one rename on
        the same file system). Call only while the run's lease is being recorded."""
        source, out = self.run_dir(job_id, lease), self.out_dir(job_id)
        if not source.is_dir():
            return  # moved by an earlier try of the same write
        if out.exists():  # set aside first: a file rmtree cannot remove must not block the move
            old = out.with_name(f"out.old-{uuid.uuid4().hex}")
            os.replace(out, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(source, out)

    def drop_run(self, job_id: str, lease: str) -> None:
        """Remove what a run that no longer holds the job wrote (its own folder only)."""
        shutil.rmtree(self.run_dir(job_id, lease), ignore_errors=True)

    def temp_path(self, suffix: str = "") -> Path:
        folder = self.tmp
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)  # busy now: a sweep (on any host) leaves a folder touched lately alone
        return folder / f"{uuid.uuid4().hex}{suffix}"

    def store_input(self, job_id: str, temp: Path, extension: str) -> Path:
        """Move a received upload into the job's folder (same file system: atomic rename)."""
        folder = self.job_dir(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"input.{extension}"
        os.replace(temp, target)
        return target

    def input_path(self, job_id: str) -> Path | None:
        folder = self.job_dir(job_id)
        found = sorted(folder.glob("input.*")) if folder.is_dir() else []
        return found[0] if found else None

    def task_for(self, job: JobRecord, pipeline_config: str | None) -> Task | None:
        """The worker's task for ``job`` (its upload, its output folder, its parameters), or
        None when the upload is gone."""
        source = self.input_path(job.id)
        if source is None:
            return None
        lease = job.lease if job.kind != "train" else None
        folder = str(self.run_dir(job.id, lease) if lease else self.out_dir(job.id))
        params, correlation_id = job.params, job.correlation_id
        return Task(job.id, job.kind, str(source), folder, params, correlation_id, pipeline_config)

    def remove_input(self, job_id: str) -> None:
        path = self.input_path(job_id)
        if path is not None:
            path.unlink(missing_ok=True)

    def clear_outputs(self, job_id: str) -> None:
        """Remove the results and every run's folder (call only while holding the job)."""
        shutil.rmtree(self.out_dir(job_id), ignore_errors=True)
        folder = self.job_dir(job_id)
        if folder.is_dir():
            for run in [*folder.glob("run-*"), *folder.glob("out.old-*")]:
                shutil.rmtree(run, ignore_errors=True)

    def remove(self, job_id: str) -> None:
        shutil.rmtree(self.job_dir(job_id), ignore_errors=True)

    def download(self, job_id: str, name: str, recorded: list[str]) -> Path | None:
        """The path of a result file of the job, or None when it is not one of its results."""
        if not valid_file_name(name) or name not in recorded:
            return None
        path = (self.out_dir(job_id) / name).resolve()
        if not path.is_relative_to(self.jobs) or not path.is_file():
            return None
        return path

    def orphans(self, known: set[str]) -> list[str]:
        """Job folders that have no job in the store (left by a deletion that was interrupted)."""
        if not self.jobs.is_dir():
            return []
        return [p.name for p in self.jobs.iterdir() if p.is_dir() and p.name not in known]
