"""Imports point down: stages and the shared libraries never reach up to the pipeline, QA, the
service, training or the CLI; the service's job layer never imports its HTTP routes; the CLI
package's modules form no cycle and import no private name from each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "v2v"
UPPER = ("v2v.pipeline", "v2v.qa", "v2v.service", "v2v.training", "v2v.cli")


def imported(path: Path) -> set[str]:
    """Every module name ``path`` imports, at the top or inside functions (a relative import
    as ``.`` plus its text, which the CLI test refuses)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.ImportFrom) and node.module:
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


def module_name(path: Path, root: Path) -> str:
    """``root/v2v/cli/common.py`` → ``v2v.cli.common`` (a package's ``__init__``: its name)."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path, root: Path = SRC.parent) -> dict[str, set[str]]:
    """Which modules of ``package`` each of its modules imports (``from p.m import x`` is an
    import of ``p.m``, and of ``p.m.x`` when that is a module)."""
    modules = {module_name(path, root): path for path in package.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = imported(path)
        graph[name] = {m for m in modules if m in found and m != name}
        graph[name] |= {n for n in found if n.startswith(".")}  # relative: reported as is
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle of ``graph``, each as the path that closes it."""
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            found.append([*path[path.index(node) :], node])
            return
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            visit(target, [*path, node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return found


def test_the_cli_package_has_no_import_cycle() -> None:
    graph = import_graph(SRC / "cli")
    assert graph["v2v.cli"] >= {"v2v.cli.process", "v2v.cli.batch", "v2v.cli.models"}
    assert cycles(graph) == []
    relative = sorted(f"{m} imports {n}" for m, ns in graph.items() for n in ns if n[0] == ".")
    assert relative == []
    # the package's __init__ composes the app; its modules never import it back
    assert sorted(m for m, ns in graph.items() if "v2v.cli" in ns) == ["v2v.cli.__main__"]


def test_the_cli_modules_share_no_private_name() -> None:
    private = []
    for path in sorted((SRC / "cli").rglob("*.py")):
        for name in sorted(imported(path)):
            if name.startswith("v2v.") and name.rsplit(".", 1)[-1].startswith("_"):
                private.append(f"{path.relative_to(SRC)} imports {name}")
    assert private == []


def test_the_checkers_see_a_cycle_and_a_private_import(tmp_path: Path) -> None:
    package = tmp_path / "v2v" / "cli"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from v2v.cli import a\n", encoding="utf-8")
    (package / "a.py").write_text("def f():\n    from v2v.cli import _x\n", encoding="utf-8")
    graph = import_graph(package, tmp_path)
    assert graph == {"v2v.cli": {"v2v.cli.a"}, "v2v.cli.a": {"v2v.cli"}}
    assert cycles(graph) == [["v2v.cli", "v2v.cli.a", "v2v.cli"]]
    assert "v2v.cli._x" in imported(package / "a.py")
