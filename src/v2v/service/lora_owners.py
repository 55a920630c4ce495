"""LoRAs are owned like jobs: who may list, read, download, delete and use each one.

- a LoRA trained through the service belongs to the key that queued the training job (the id is
  chosen and recorded when the job is queued, before any file exists);
- a LoRA the operator copied into ``loras/`` has no owner: it is shared, every key may list and
  use it, only the admin scope may delete it;
- the admin scope (``ADMIN_KEY_IDS``; without keys, the local user) sees and deletes them all.

A card shown to anyone but the LoRA's owner leaves out the training file names; no card shows
the server's model folder.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from v2v.errors import InputError
from v2v.models.layout import resolve_model_dir
from v2v.service.db import LoraOwnerRow, utcnow
from v2v.service.deps import Services
from v2v.service.problems import ApiProblem
from v2v.service.security.auth import Client
from v2v.training import LoraInfo, get_lora, list_loras
from v2v.training.artifacts import check_id


def model_dir(services: Services) -> Path:
    """The model directory the workers use (the config's, else MODEL_VOLUME_PATH, else default)."""
    volume = services.settings.model_volume_path
    environ = {"MODEL_VOLUME_PATH": str(volume)} if volume is not None else dict(os.environ)
    return resolve_model_dir(services.base_config.models.dir, environ)


def lora_environ(services: Services) -> dict[str, str]:
    """The LoRA folder as the workers see it (``LORA_DIR``/``TRAIN_OUTPUT_ROOT``), {} for the
    model directory's ``loras/``."""
    folder = services.settings.lora_dir
    return {"LORA_DIR": str(folder)} if folder is not None else {}


def record_owner(services: Services, lora_id: str, owner: str, job_id: str) -> None:
    with services.db.session() as session:
        session.add(LoraOwnerRow(lora_id=lora_id, owner=owner, job_id=job_id, created_at=utcnow()))


def forget_owner(services: Services, lora_id: str) -> None:
    """Drop the owner recorded for a LoRA whose training job was never queued (refused)."""
    with services.db.session() as session:
        session.execute(delete(LoraOwnerRow).where(LoraOwnerRow.lora_id == lora_id))


def _owners(services: Services, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    with services.db.session() as session:
        rows = session.execute(
            select(LoraOwnerRow.lora_id, LoraOwnerRow.owner).where(LoraOwnerRow.lora_id.in_(ids))
        )
        return {lora_id: owner for lora_id, owner in rows}


def _may_see(client: Client, owner: str | None) -> bool:
    return owner is None or owner == client.owner or client.admin


def public_card(card: dict[str, Any] | None, own: bool) -> dict[str, Any] | None:
    """The card without the server's model folder, and without the training file names for
    anyone but the owner."""
    if card is None:
        return None
    shown = copy.deepcopy(card)
    if isinstance(shown.get("base_model"), dict):
        shown["base_model"].pop("folder", None)
    if not own and isinstance(shown.get("data"), dict):
        for field in ("train", "validation"):
            shown["data"].pop(field, None)
    return shown


def visible_loras(services: Services, client: Client) -> list[tuple[LoraInfo, bool]]:
    """(LoRA, the caller owns it) for each LoRA the caller may see, newest first."""
    found = list_loras(model_dir(services), lora_environ(services))
    owners = _owners(services, [info.id for info in found])
    return [
        (info, owners.get(info.id) == client.owner)
        for info in found
        if _may_see(client, owners.get(info.id))
    ]


def _not_found(lora_id: str) -> ApiProblem:
    return ApiProblem(
        404,
        "lora_not_found",
        f"there is no LoRA {lora_id!r} (for this API key); GET /api/v1/loras lists yours",
    )


def owned_lora(services: Services, client: Client, lora_id: str) -> tuple[LoraInfo, bool]:
    """(the LoRA, the caller owns it); 404 when it does not exist or is another key's."""
    try:
        info = get_lora(lora_id, model_dir(services), lora_environ(services))
    except InputError:
        raise _not_found(lora_id) from None
    owner = _owners(services, [info.id]).get(info.id)
    if not _may_see(client, owner):
        raise _not_found(lora_id)
    return info, owner == client.owner


def may_delete(services: Services, client: Client, lora_id: str) -> None:
    """403 for a shared LoRA unless the caller has the admin scope."""
    if client.admin:
        return
    if _owners(services, [lora_id]).get(lora_id) != client.owner:
        raise ApiProblem(
            403,
            "admin_scope_required",
            f"the LoRA {lora_id!r} is shared (put there by the operator); only an admin key "
            "(ADMIN_KEY_IDS) may delete it",
        )


def check_lora_choice(services: Services, client: Client, value: Any) -> None:
    """``phase2.lora.path`` per request: '' or the id of a LoRA the caller may use (422)."""
    if value == "":
        return
    try:
        lora_id = check_id(value) if isinstance(value, str) else None
    except InputError:
        lora_id = None
    if lora_id is None:
        raise ApiProblem(
            422,
            "config_error",
            "phase2.lora.path: give a LoRA id from GET /api/v1/loras (a path is not accepted)",
        )
    try:
        owned_lora(services, client, lora_id)
    except ApiProblem:
        raise ApiProblem(
            422,
            "config_error",
            f"phase2.lora.path: there is no LoRA {lora_id!r} for this API key; "
            "GET /api/v1/loras lists the ones you may use",
        ) from None
