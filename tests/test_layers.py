"""Imports point down: stages and the shared libraries never reach up to the pipeline, QA, the
service, training or the CLI; the service's job layer never imports its HTTP routes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "v2v"
UPPER = ("v2v.pipeline", "v2v.qa", "v2v.service", "v2v.training", "v2v.cli")


def imported(path: Path) -> set[str]:
    """Every module name ``path`` imports, at the top or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((SRC / folder).rglob("*.py")):
        for name in sorted(imported(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(SRC)} imports {name}")
    return found


@pytest.mark.parametrize("folder", ["stages", "color", "svg", "models"])
def test_lower_layers_do_not_import_upper_ones(folder: str) -> None:
    assert offending(folder, UPPER) == []


def test_the_job_layer_does_not_import_routes() -> None:
    assert offending("service/jobs", ("v2v.service.routes",)) == []


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from v2v.qa import run_checks\n", encoding="utf-8")
    assert "v2v.qa.run_checks" in imported(module)
