"""run_batch refuses a bad batch before it queues anything (no broker or database needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from v2v.errors import ConfigError, InputError
from v2v.service import load_settings
from v2v.service.jobs.fanout import BatchItem, run_batch


def test_bad_overrides_palettes_and_empty_batches_are_refused_first(tmp_path: Path) -> None:
    settings = load_settings(
        executor="celery",
        data_dir=tmp_path / "data",
        celery_broker_url="redis://127.0.0.1:1/0",  # never contacted
        _env_file=None,
    )
    photo = tmp_path / "car.png"
    with pytest.raises(ConfigError, match=r"phase3\.no_such_key"):
        run_batch([photo], tmp_path / "out", settings, overrides=["phase3.no_such_key=1"])
    with pytest.raises(ConfigError, match=r"key\.path=value"):
        run_batch([photo], tmp_path / "out", settings, overrides=["phase3"])
    with pytest.raises(InputError):
        run_batch([photo], tmp_path / "out", settings, palette="no-such-palette")
    with pytest.raises(InputError, match="no photos"):
        run_batch([], tmp_path / "out", settings)
    assert not (tmp_path / "data").exists()  # nothing was queued or stored


def test_summaries_match_the_local_batch_format() -> None:
    qa = {"silhouette_iou": 0.9, "passed": True}
    done = BatchItem("a.png", "id", ok=True, seconds=1.5, qa=qa)
    assert done.as_dict() == {
        "file": "a.png",
        "ok": True,
        "job_id": "id",
        "seconds": 1.5,
        "iou": 0.9,
        "qa_passed": True,
        "outputs": [],
    }
    assert BatchItem("b.png", error="corrupt").as_dict() == {
        "file": "b.png",
        "ok": False,
        "job_id": None,
        "error": "corrupt",
    }
