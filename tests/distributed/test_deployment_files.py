"""compose.yaml and the Dockerfiles stay consistent with the code: every variable they set is a
setting (or a documented non-setting), their defaults make valid settings, and every command they
run exists. (Docker itself is not needed.)"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from v2v.service import load_settings
from v2v.service.jobs.celery_worker import build_parser
from v2v.service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
#: variables set for the containers that are not service settings, and who reads them
NOT_SETTINGS = {
    "AWS_ACCESS_KEY_ID": "s3fs/botocore (STORAGE_URL=s3://…)",
    "AWS_SECRET_ACCESS_KEY": "s3fs/botocore",
    "AWS_ENDPOINT_URL": "s3fs/botocore (MinIO and other S3-compatible stores)",
    "AWS_DEFAULT_REGION": "s3fs/botocore",
    "PYTHONDONTWRITEBYTECODE": "Python",
    "PYTHONUNBUFFERED": "Python",
    "PIP_NO_CACHE_DIR": "pip (build time)",
    "PIP_DISABLE_PIP_VERSION_CHECK": "pip (build time)",
    "DEBIAN_FRONTEND": "apt (build time)",
    "VIRTUAL_ENV": "the image's virtual environment",
    "PATH": "the shell",
}
REQUIRED = {"API_KEYS": "k" * 24, "REDIS_PASSWORD": "redis-pw", "POSTGRES_PASSWORD": "pg-pw"}
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)(?:(:?[-?])([^${}]*))?\}")


def interpolate(text: str, given: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}``, innermost first."""

    def one(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2) or "", match.group(3) or ""
        if name in given:
            return given[name]
        if operator.endswith("?"):
            raise KeyError(f"{name} must be set: {argument}")
        return argument if operator.endswith("-") else ""

    while (replaced := _VARIABLE.sub(one, text)) != text:
        text = replaced
    return text


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def _dockerfile(name: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "docker" / name).read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    found = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            found.append((instruction.upper(), arguments.strip()))
    return found


def _command(arguments: str) -> list[str]:
    return list(json.loads(arguments)) if arguments.startswith("[") else shlex.split(arguments)


def check_command(command: list[str]) -> None:
    """The program and its arguments exist in this code base (raises AssertionError)."""
    if command[:2] == ["python", "run.py"]:
        assert (ROOT / "run.py").is_file()
    elif command[:3] == ["python", "-m", "v2v.service.jobs.celery_worker"]:
        build_parser().parse_args(command[3:])
    elif command[0] == "v2v":
        import typer

        from v2v.cli import app

        group = typer.main.get_command(app)
        sub = group.commands.get(command[1])  # type: ignore[attr-defined]
        assert sub is not None, (
            f"`v2v {command[1]}` is not a CLI command: wire "
            "v2v.service.jobs.celery_worker.run_worker into the CLI as `v2v worker`"
        )
        sub.make_context(command[1], list(command[2:]))  # a wrong option raises UsageError
    else:
        raise AssertionError(f"unknown program in {command}")


@pytest.mark.parametrize("service", ["api", "worker"])
def test_compose_variables_are_settings_and_their_defaults_valid(
    compose: dict[str, Any], service: str
) -> None:
    environment: dict[str, Any] = compose["services"][service]["environment"]
    unknown = [n for n in environment if n.lower() not in Settings.model_fields]
    assert set(unknown) <= set(NOT_SETTINGS), f"not settings: {set(unknown) - set(NOT_SETTINGS)}"
    values = {
        name.lower(): interpolate(str(value), REQUIRED)
        for name, value in environment.items()
        if name not in NOT_SETTINGS
    }
    settings = load_settings(**values, _env_file=None)
    assert settings.executor == "celery"
    assert settings.database_url and settings.database_url.startswith("postgresql+psycopg://")
    assert settings.celery_broker_url == "redis://:redis-pw@redis:6379/0"
    assert settings.pipeline_config is not None
    assert (ROOT / "configs" / settings.pipeline_config.name).is_file()  # the images copy configs/


def test_compose_has_the_four_services_and_required_secrets(compose: dict[str, Any]) -> None:
    assert {"api", "worker", "redis", "postgres"} <= set(compose["services"])
    environment = compose["services"]["api"]["environment"]
    with pytest.raises(KeyError, match="API_KEYS must be set"):
        interpolate(str(environment["API_KEYS"]), {})
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD must be set"):
        interpolate(str(environment["DATABASE_URL"]), {})


def test_compose_commands_exist(compose: dict[str, Any]) -> None:
    services = compose["services"]
    check_command(services["api"]["command"])
    check_command(services["worker"]["command"])
    check_command(services["worker"]["healthcheck"]["test"][1:])  # after "CMD"


@pytest.mark.parametrize("name", ["Dockerfile.cpu", "Dockerfile.cuda"])
def test_dockerfiles_run_as_a_user_check_health_and_mount_models(name: str) -> None:
    instructions = _dockerfile(name)
    by_kind: dict[str, list[str]] = {}
    for instruction, arguments in instructions:
        by_kind.setdefault(instruction, []).append(arguments)
    assert by_kind["USER"][-1] not in {"root", "0"}
    assert "/health" in by_kind["HEALTHCHECK"][-1]
    environment = dict(pair.split("=", 1) for line in by_kind["ENV"] for pair in line.split())
    unknown = {n for n in environment if n.lower() not in Settings.model_fields} - set(NOT_SETTINGS)
    assert unknown == set(), f"{name} sets variables that are not settings: {unknown}"
    assert environment["MODEL_VOLUME_PATH"] in json.loads(by_kind["VOLUME"][-1])
    assert environment["DATA_DIR"] in json.loads(by_kind["VOLUME"][-1])
    assert by_kind["EXPOSE"][-1] == environment["PORT"]
    values = {k.lower(): v for k, v in environment.items() if k not in NOT_SETTINGS}
    load_settings(**values, _env_file=None)
    check_command(_command(by_kind["CMD"][-1]))
    assert any(a.startswith("run.py") for a in by_kind["COPY"])  # the API's entry point


#: packages of the images' extras that `make test` does not install, and why
NOT_IN_TEST_ENVIRONMENT = {
    "s3fs": "the [s3] extra (S3 storage); the tests use STORAGE_URL=file://, the same fsspec code",
}


def _run_lines(name: str) -> list[str]:
    return [arguments for instruction, arguments in _dockerfile(name) if instruction == "RUN"]


@pytest.mark.parametrize("name", ["Dockerfile.cpu", "Dockerfile.cuda"])
def test_dockerfile_install_steps_hold_outside_docker(name: str) -> None:
    """The image's install steps, checked here without Docker or network: every file it copies
    exists, every apt package it installs is known to apt, and every `pip install ".[extras]"`
    names extras of pyproject.toml whose requirements this test environment (built with the same
    extras) satisfies, with a Python the base image has."""
    import importlib.metadata
    import shutil
    import subprocess
    import tomllib

    from packaging.requirements import Requirement

    instructions = _dockerfile(name)
    for instruction, arguments in instructions:
        if instruction == "COPY" and not arguments.startswith("--from"):
            for source in shlex.split(arguments)[:-1]:
                assert (ROOT / source).exists(), f"{name} copies {source}, which does not exist"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    installs = [line for line in _run_lines(name) if re.search(r"pip install [\"']?\.", line)]
    assert installs, f"{name} never installs the package"
    for line in installs:
        wanted = re.search(r"\.\[([a-z0-9_,-]+)\]", line)
        names = wanted.group(1).split(",") if wanted else []
        for extra in names:
            assert extra in extras, f"{name} installs the extra [{extra}], which is not defined"
            for text in extras[extra]:
                requirement = Requirement(text)
                if requirement.name == project["name"]:
                    continue
                if requirement.marker is not None and not requirement.marker.evaluate():
                    continue
                if requirement.name in NOT_IN_TEST_ENVIRONMENT:
                    continue
                version = importlib.metadata.version(requirement.name)
                assert requirement.specifier.contains(version, prereleases=True), (
                    f"[{extra}] needs {requirement}, the tested environment has {version}"
                )
    apt = shutil.which("apt-cache")
    for line in _run_lines(name):
        for match in re.finditer(r"apt-get install ([^&|;]+)", line):
            packages = [p for p in match.group(1).split() if not p.startswith("-")]
            if apt is None:
                continue
            for package in packages:
                found = subprocess.run([apt, "show", package], capture_output=True, check=False)
                assert found.returncode == 0, f"{name}: apt does not know the package {package}"
    base = next(arguments for instruction, arguments in instructions if instruction == "FROM")
    image_python = re.search(r"python:(\d+\.\d+)", base)
    if image_python is not None:
        from packaging.specifiers import SpecifierSet

        assert SpecifierSet(project["requires-python"]).contains(image_python.group(1) + ".0")
