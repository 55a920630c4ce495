"""Every registered backend and whether it can run here: the one source of ``v2v backends``,
the API's ``/api/v1/backends`` and ``/api/v1/capabilities``.

Availability comes from what each backend declares (``requirements``): the Python packages it
imports when built, and the folders of the model directory it loads.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from v2v.registry import Backend
from v2v.stages import registries

if TYPE_CHECKING:
    from v2v.config import Config
    from v2v.models.layout import ModelStatus


@dataclass(frozen=True)
class BackendStatus:
    """One backend of one phase. ``missing_packages``: Python modules it needs that are not
    installed (from ``extra``); ``missing_models``: its model folders that are absent or
    incomplete. ``selected``: the config given to ``catalog`` names it."""

    phase: str
    name: str
    description: str
    selected: bool
    needs_gpu: bool
    missing_packages: tuple[str, ...]
    missing_models: tuple[str, ...]
    extra: str

    @property
    def available(self) -> bool:
        return not self.missing_packages and not self.missing_models

    @property
    def reason(self) -> str:
        """Why it cannot run, with the fix ('' when it can)."""
        reasons = []
        if self.missing_packages:
            reasons.append(
                f"Python packages missing: {', '.join(self.missing_packages)} "
                f"(pip install 'vehicle-to-vector[{self.extra}]')"
            )
        if self.missing_models:
            reasons.append(
                f"model folders missing or incomplete: {', '.join(self.missing_models)} "
                "(fill them with `v2v models download NAME` in MODEL_VOLUME_PATH; "
                "`v2v models list` shows each folder)"
            )
        return "; ".join(reasons)

    def to_dict(self) -> dict[str, Any]:
        """The API's shape (``/api/v1/capabilities`` ``backends``)."""
        return {
            "phase": self.phase,
            "name": self.name,
            "description": self.description,
            "selected": self.selected,
            "needs_gpu": self.needs_gpu,
            "available": self.available,
            "reason": self.reason,
        }


def catalog(
    config: Config | None = None, models: Sequence[ModelStatus] | None = None
) -> list[BackendStatus]:
    """Every backend of every phase, in pipeline order then by name. ``config`` marks the
    selected ones (none without it); ``models`` are the model folders' statuses
    (``v2v.models.layout.list_models``; listed here from MODEL_VOLUME_PATH when None and a
    backend needs models)."""
    found: list[BackendStatus] = []
    for registry in registries():
        chosen = str(getattr(config, registry.phase).backend) if config is not None else None
        for cls in registry:
            if cls.requirements.models and models is None:
                from v2v.models.layout import list_models

                models = list_models()
            found.append(_status(registry.phase, cls, cls.name == chosen, models or ()))
    return found


def _status(
    phase: str, cls: type[Backend], selected: bool, models: Sequence[ModelStatus]
) -> BackendStatus:
    needs = cls.requirements
    return BackendStatus(
        phase=phase,
        name=cls.name,
        description=cls.summary(),
        selected=selected,
        needs_gpu=needs.gpu,
        missing_packages=tuple(p for p in needs.packages if importlib.util.find_spec(p) is None),
        missing_models=tuple(
            s.name for s in models if s.name in needs.models and not s.optional and not s.ok
        ),
        extra=needs.extra,
    )
