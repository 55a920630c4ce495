"""The README stays true: every service setting and every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from v2v.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_environment_variable_is_in_the_readme() -> None:
    settings = pytest.importorskip("v2v.service.settings")
    missing = [n.upper() for n in settings.Settings.model_fields if f"`{n.upper()}`" not in README]
    assert not missing, f"document these settings in README.md: {missing}"


def test_every_cli_command_is_in_the_readme() -> None:
    commands = [
        c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands
    ]
    groups = [g.name for g in app.registered_groups]
    missing = [n for n in [*commands, *groups] if f"v2v {n}" not in README]
    assert not missing, f"document these commands in README.md: {missing}"


def test_the_two_commands_are_documented() -> None:
    assert "make run" in README and "make test" in README
