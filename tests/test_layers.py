"""Imports point down: stages and the shared libraries never reach up to the pipeline, QA, the
service, training or the CLI; the service's job layer never imports its HTTP routes (a worker
process does not even load FastAPI); routes/ holds routers only, and no router imports another;
no module imports another module's private name; the CLI package's modules form no cycle.

The checks read the source with ``ast``: every ``import``/``from … import`` (at the top, inside
functions or under ``TYPE_CHECKING``, relative ones resolved), ``importlib.import_module("…")``
and ``"module:function"`` strings such as the worker's runner path."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "v2v"
UPPER = ("v2v.pipeline", "v2v.qa", "v2v.service", "v2v.training", "v2v.cli")
#: flat CLI modules (v2v/cli_*.py, before the v2v/cli/ package) would count as the CLI too
UPPER_PREFIXES = ("v2v.cli_",)
LOWER = ("stages", "color", "svg", "models")
_TARGET = re.compile(r"^v2v(\.\w+)+:\w+$")  # "v2v.service.jobs.runner:run_task"


def module_of(path: Path, root: Path = SRC) -> tuple[str, bool]:
    """(dotted module name, is a package) of a file under ``root`` (the ``v2v`` folder)."""
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if package else parts), package


def _absolute(node: ast.ImportFrom, module: str, package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def imported(path: Path, root: Path = SRC) -> set[str]:
    """Every module (and ``module.name``) that ``path`` imports or names for a dynamic import."""
    module, package = module_of(path, root) if path.is_relative_to(root) else ("", False)
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, package)
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _TARGET.match(node.value)
        ):
            names.add(node.value.partition(":")[0])
    names.discard("")
    return names


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module"
    return isinstance(func, ast.Name) and func.id in {"import_module", "__import__"}


def inside(name: str, packages: tuple[str, ...], prefixes: tuple[str, ...] = ()) -> bool:
    dotted = tuple(p + "." for p in packages)
    return name in packages or name.startswith(dotted) or name.startswith(prefixes)


def offending(
    folder: str,
    forbidden: tuple[str, ...],
    prefixes: tuple[str, ...] = (),
    root: Path = SRC,
) -> list[str]:
    found = []
    for path in sorted((root / folder).rglob("*.py")):
        for name in sorted(imported(path, root)):
            if inside(name, forbidden, prefixes):
                found.append(f"{path.relative_to(root)} imports {name}")
    return found


@pytest.mark.parametrize("folder", LOWER)
def test_lower_layers_do_not_import_upper_ones(folder: str) -> None:
    assert offending(folder, UPPER, UPPER_PREFIXES) == []


def test_the_job_layer_does_not_import_routes() -> None:
    assert offending("service/jobs", ("v2v.service.routes",)) == []


def test_no_router_imports_another() -> None:
    assert offending("service/routes", ("v2v.service.routes",)) == []


def test_routes_holds_routers_only() -> None:
    """Every module in service/routes/ defines ``router``; helpers live beside the layer that
    owns them (service/forms.py, service/training_schemas.py, …)."""
    not_routers = []
    for path in sorted((SRC / "service" / "routes").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigned = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        if path.name != "__init__.py" and "router" not in assigned:
            not_routers.append(path.name)
    assert not_routers == []


def private_imports(root: Path = SRC) -> list[str]:
    """``from v2v.x import _name`` where ``v2v.x`` is another module (a private name crossing)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        module, package = module_of(path, root)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _absolute(node, module, package)
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private and source.startswith(root.name) and source != module:
                    found.append(f"{path.relative_to(root)} imports {source}.{alias.name}")
    return found


def test_no_private_name_crosses_modules() -> None:
    assert private_imports() == []


def test_a_worker_loads_neither_fastapi_nor_a_router() -> None:
    """The worker's own modules (the runner, the worker loop, training execution, the Celery
    worker) import without the HTTP layer: a worker process stays small and cannot reach a route."""
    pytest.importorskip("celery")
    script = (
        "import sys\n"
        "import v2v.service.jobs.runner, v2v.service.jobs.worker_loop\n"
        "import v2v.service.jobs.training_run, v2v.service.jobs.celery_worker\n"
        "loaded = [m for m in sys.modules if m == 'fastapi' or m.startswith(("
        "'fastapi.', 'v2v.service.routes', 'v2v.service.app'))]\n"
        "print(sorted(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "v2v"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_the_checker_sees_upward_imports_of_every_form(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "stages/__init__.py": "",
            "stages/guard.py": "def f():\n    from v2v.qa import run_checks\n",
            "stages/sub/__init__.py": "from ...pipeline import Pipeline\n",
            "stages/sub/lazy.py": "import importlib\nimportlib.import_module('v2v.training.run')\n",
            "stages/sub/flat.py": "import v2v.cli_commands\n",
            "stages/fine.py": "from v2v.geometry import silhouette_iou\nfrom . import guard\n",
            "service/jobs/run.py": "RUNNER = 'v2v.service.routes.training:run'\n",
        },
    )
    assert offending("stages", UPPER, UPPER_PREFIXES, root) == [
        "stages/guard.py imports v2v.qa",
        "stages/guard.py imports v2v.qa.run_checks",
        "stages/sub/__init__.py imports v2v.pipeline",
        "stages/sub/__init__.py imports v2v.pipeline.Pipeline",
        "stages/sub/flat.py imports v2v.cli_commands",
        "stages/sub/lazy.py imports v2v.training.run",
    ]
    assert offending("service/jobs", ("v2v.service.routes",), root=root) == [
        "service/jobs/run.py imports v2v.service.routes.training"
    ]


def test_the_checker_sees_a_private_name_crossing(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "models/sdxl.py": "def _variant():\n    pass\n",
            "training/model.py": "from v2v.models.sdxl import _variant\n",
            "training/run.py": "from .model import __doc__\n",
        },
    )
    assert private_imports(root) == ["training/model.py imports v2v.models.sdxl._variant"]


def import_graph(package: Path, root: Path = SRC) -> dict[str, set[str]]:
    """Which modules of ``package`` each of its modules imports (``from p.m import x`` is an
    import of ``p.m``, and of ``p.m.x`` when that is a module)."""
    modules = {module_of(path, root)[0]: path for path in package.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = imported(path, root)
        graph[name] = {m for m in modules if m in found and m != name}
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
    # the package's __init__ composes the app; its modules never import it back
    assert sorted(m for m, ns in graph.items() if "v2v.cli" in ns) == ["v2v.cli.__main__"]


def test_the_checkers_see_a_cycle(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "cli/__init__.py": "from v2v.cli import a\n",
            "cli/a.py": "def f():\n    from . import _x\n",
        },
    )
    graph = import_graph(root / "cli", root)
    assert graph == {"v2v.cli": {"v2v.cli.a"}, "v2v.cli.a": {"v2v.cli"}}
    assert cycles(graph) == [["v2v.cli", "v2v.cli.a", "v2v.cli"]]
    assert private_imports(root) == ["cli/a.py imports v2v.cli._x"]
