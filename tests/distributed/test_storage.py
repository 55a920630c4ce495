"""Job files on shared storage (fsspec): an API machine and a worker machine with separate disks."""

from __future__ import annotations

from pathlib import Path

import pytest

from v2v.errors import ConfigError
from v2v.service import load_settings
from v2v.service.jobs.files import JobFiles
from v2v.service.storage import (
    RemoteJobFiles,
    adopt_run_outputs,
    make_job_files,
    release_local_copy,
    stage_run_outputs,
)

JOB = "0123456789abcdef0123456789abcdef"
LEASE = "fedcba9876543210fedcba9876543210"


def _publish(worker: RemoteJobFiles, name: str, data: bytes) -> None:
    """What a run does: write into its own folder, upload it, adopt it as the job's results."""
    folder = worker.run_dir(JOB, LEASE)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    stage_run_outputs(worker, JOB, LEASE, [name])
    adopt_run_outputs(worker, JOB, LEASE, [name])


@pytest.fixture
def machines(tmp_path: Path) -> tuple[RemoteJobFiles, RemoteJobFiles, Path]:
    shared = tmp_path / "bucket"
    url = f"file://{shared}"
    return RemoteJobFiles(tmp_path / "api", url), RemoteJobFiles(tmp_path / "worker", url), shared


def test_an_upload_reaches_the_worker_and_its_result_reaches_the_api(
    machines: tuple[RemoteJobFiles, RemoteJobFiles, Path], tmp_path: Path
) -> None:
    api, worker, shared = machines
    api.prepare()
    upload = api.temp_path(".png")
    upload.write_bytes(b"photo")
    api.store_input(JOB, upload, "png")
    assert (shared / "jobs" / JOB / "input.png").read_bytes() == b"photo"

    source = worker.input_path(JOB)  # the worker's disk has no copy: fetched
    assert source is not None and source.read_bytes() == b"photo"
    assert source.is_relative_to(worker.root)
    _publish(worker, "result.svg", b"<svg/>")
    assert not (shared / "jobs" / JOB / f"run-{LEASE}").exists()  # moved into out/
    worker.remove_input(JOB)
    release_local_copy(worker, JOB)
    assert not worker.job_dir(JOB).exists()
    assert not (shared / "jobs" / JOB / "input.png").exists()

    path = api.download(JOB, "result.svg", ["result.svg"])
    assert path is not None and path.read_text() == "<svg/>"
    assert path.is_relative_to(api.root)  # served from the API's cache, same URL as before
    assert api.download(JOB, "preview.png", ["result.svg"]) is None  # not a recorded result
    assert api.download(JOB, "../../x.svg", ["../../x.svg"]) is None


def test_removing_a_job_removes_its_remote_files(
    machines: tuple[RemoteJobFiles, RemoteJobFiles, Path],
) -> None:
    api, worker, shared = machines
    _publish(worker, "preview.png", b"png")
    worker.clear_outputs(JOB)
    assert not (shared / "jobs" / JOB / "out").exists()
    _publish(worker, "preview.png", b"png")  # published again, then the whole job is deleted
    api.remove(JOB)
    assert not (shared / "jobs" / JOB).exists()
    assert api.download(JOB, "preview.png", ["preview.png"]) is None


def test_job_ids_that_are_not_ids_never_reach_the_store(
    machines: tuple[RemoteJobFiles, RemoteJobFiles, Path],
) -> None:
    api, _, _ = machines
    with pytest.raises(ValueError, match="not a job id"):
        api.remote("../../etc")


def test_settings_select_the_storage(tmp_path: Path) -> None:
    local = make_job_files(load_settings(data_dir=tmp_path, _env_file=None))
    assert type(local) is JobFiles
    remote = make_job_files(
        load_settings(
            data_dir=tmp_path,
            executor="celery",
            storage_url=f"file://{tmp_path}/shared",
            _env_file=None,
        )
    )
    assert isinstance(remote, RemoteJobFiles)
    with pytest.raises(ConfigError, match="STORAGE_URL is for EXECUTOR=celery"):
        load_settings(storage_url="s3://bucket/v2v", _env_file=None)
    with pytest.raises(ConfigError, match="STORAGE_URL='nosuch://x'"):
        RemoteJobFiles(tmp_path, "nosuch://x")
