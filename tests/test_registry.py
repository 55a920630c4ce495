"""The registries: what each backend declares is what the config, the model directory and the
catalog use."""

from __future__ import annotations

from typing import Literal

import pytest

from v2v.config import Config, Phase4Config, load_config
from v2v.models.layout import SPECS
from v2v.stages import VECTORIZERS, Requirements, registries
from v2v.stages.catalog import catalog
from v2v.stages.vectorize.vtracer import VtracerVectorizer


def test_each_backend_declares_the_model_folders_the_model_directory_lists_for_it() -> None:
    for registry in registries():
        for cls in registry:
            listed = {s.name for s in SPECS.values() if cls.name in s.needed_by and not s.optional}
            assert set(cls.requirements.models) == listed, cls.name


def test_every_built_in_backend_is_a_config_value_with_its_own_parameters() -> None:
    for registry in registries():
        for cls in registry:
            config = load_config(overrides={f"{registry.phase}.backend": cls.name})
            section = getattr(config, registry.phase)
            assert type(section) is cls.params
            assert Config.model_validate(config.model_dump()) == config


def test_a_backend_whose_parameters_name_another_backend_is_refused() -> None:
    class Mislabelled(VtracerVectorizer):
        name = "mislabelled"

    with pytest.raises(ValueError, match="defaults to 'vtracer'"):
        VECTORIZERS.register(Mislabelled)
    with pytest.raises(ValueError, match="registered twice"):
        VECTORIZERS.register(VtracerVectorizer)


def test_a_backend_change_starts_the_section_from_the_new_backends_defaults() -> None:
    gpu = load_config(overrides=["phase2.steps=5", "phase2.backend=sdxl-controlnet"])
    assert gpu.phase2.backend == "sdxl-controlnet" and gpu.phase2.model_dump()["steps"] == 5
    back = gpu.with_overrides({"phase2.backend": "classical", "phase2.enabled": False})
    assert back.phase2 == load_config(overrides=["phase2.enabled=false"]).phase2


class NeedsAPackageParams(Phase4Config):
    backend: Literal["needs-a-package"] = "needs-a-package"


class NeedsAPackage(VtracerVectorizer):
    """CPU: needs a package nobody has."""

    name = "needs-a-package"
    params = NeedsAPackageParams
    requirements = Requirements(packages=("no_such_mod",))


def test_the_catalog_marks_the_selected_backends_and_says_why_one_cannot_run() -> None:
    VECTORIZERS.register(NeedsAPackage)
    try:
        found = {(b.phase, b.name): b for b in catalog(load_config(), models=[])}
    finally:
        VECTORIZERS.unregister("needs-a-package")
    assert {key for key, b in found.items() if b.selected} == {
        ("phase1", "classical"),
        ("phase2", "classical"),
        ("phase3", "ciede2000"),
        ("phase4", "vtracer"),
    }
    missing = found[("phase4", "needs-a-package")]
    assert not missing.available
    assert missing.reason == (
        "Python packages missing: no_such_mod (pip install 'vehicle-to-vector[gpu]')"
    )


def test_the_config_and_the_registries_do_not_import_the_model_code() -> None:
    from tests.test_layers import SRC, imported

    for module in (
        "config.py",
        "config_sections.py",
        "config_phase1.py",
        "config_phase2.py",
        "config_phase4.py",
        "registry.py",
    ):
        found = [m for m in imported(SRC / module) if m.startswith("v2v.models")]
        assert found == [], module
    stages = [m for m in imported(SRC / "stages" / "__init__.py") if m.startswith("v2v.models")]
    assert stages == []
