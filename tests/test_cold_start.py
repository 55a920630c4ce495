"""Cold start: commands load only what they use (issue 17).

Each check runs in a fresh interpreter and reads its ``sys.modules`` afterwards, so a module
imported at the top of any file on the path (``v2v/__init__``, the CLI modules, the config)
shows up here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: never needed to print help or list palettes: the models' runtimes, the service, the stages
#: that run photos, and the pipeline itself
HEAVY = (
    "onnxruntime",
    "onnx",
    "torch",
    "rapidocr",
    "skimage",
    "fastapi",
    "sqlalchemy",
    "celery",
    "v2v.service",
    "v2v.pipeline",
    "v2v.qa",
    "v2v.stages.sanitize",
    "v2v.stages.stylize",
    "v2v.stages.palette",
    "v2v.stages.vectorize",
    "v2v.models.onnx",
    # the export writers: the help lists the formats without importing them
    "v2v.exports.drawing",
    "v2v.exports.cutout",
    "shapely",
)

_SCRIPT = """
import json, runpy, sys
sys.argv = ["v2v", *json.loads(sys.argv[1])]
try:
    runpy.run_module("v2v", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_after(code: str, *args: str) -> tuple[object, set[str]]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(list(args))],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return answer["code"], set(answer["modules"])


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n in modules or any(m.startswith(n + ".") for m in modules))


@pytest.mark.parametrize("args", [("--help",), ("palettes",)], ids=["help", "palettes"])
def test_light_commands_import_no_model_runtime_service_or_pipeline(args: tuple[str, ...]) -> None:
    code, modules = _modules_after(_SCRIPT, *args)
    assert code in (0, None)
    assert "v2v.cli" in modules  # the command really ran
    assert _loaded(modules, HEAVY) == []


def test_import_v2v_alone_loads_no_third_party_library() -> None:
    script = (
        "import json, sys\nimport v2v\nassert v2v.__version__\n"
        "print(json.dumps({'code': 0, 'modules': sorted(sys.modules)}))"
    )
    _, modules = _modules_after(script)
    assert _loaded(modules, ("numpy", "cv2", "pydantic", "lxml", "PIL", "v2v.config")) == []


def test_public_names_still_resolve_on_first_use() -> None:
    import v2v

    assert v2v.Pipeline.__name__ == "Pipeline"
    assert callable(v2v.convert)
    assert issubclass(v2v.InputError, v2v.V2VError)
    assert set(v2v.__all__) <= set(dir(v2v))
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = v2v.nothing_here  # type: ignore[attr-defined]
