"""``v2v models download NAME``: fetch one folder of the layout from the model hub.

Needs internet and huggingface_hub; never called by the tests.
"""

from __future__ import annotations

from pathlib import Path

from v2v.errors import BackendUnavailable, InputError, StageFailed
from v2v.models.layout import SPECS, resolve_model_dir


def download(
    name: str,
    model_dir: str | Path | None = None,
    revision: str | None = None,
    token: str | None = None,
) -> Path:
    """Download model ``name`` (a folder of the layout) into ``<model_dir>/<name>``; returns it.

    Raises InputError for an unknown name or a folder that cannot be downloaded (the message
    says how to fill it by hand), BackendUnavailable without huggingface_hub, StageFailed when
    the hub cannot be reached.
    """
    if name not in SPECS:
        raise InputError(f"unknown model {name!r}; known: {', '.join(SPECS)}")
    spec = SPECS[name]
    target = resolve_model_dir(model_dir) / name
    if spec.repo_id is None:
        raise InputError(f"{name} cannot be downloaded automatically: {spec.manual} into {target}")
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import HfHubHTTPError
    except ImportError:
        raise BackendUnavailable(
            "downloading models needs huggingface_hub: pip install 'vehicle-to-vector[gpu]'"
        ) from None
    target.mkdir(parents=True, exist_ok=True)
    try:
        snapshot_download(
            repo_id=spec.repo_id,
            revision=revision,
            local_dir=target,
            allow_patterns=list(spec.allow) if spec.allow else None,
            token=token,
        )
    except (HfHubHTTPError, OSError) as exc:
        raise StageFailed(
            f"downloading {spec.repo_id} into {target} failed ({exc}); check the "
            "network and, for gated models, HF_TOKEN"
        ) from None
    return target
