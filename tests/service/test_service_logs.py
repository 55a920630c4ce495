"""`python run.py` (what `make run` starts) tells a person, first, which address to open, and logs
readable lines on a terminal; piped into a file or a log collector it writes JSON lines."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the service needs the 'server' extra")

from v2v.service.logs import resolve_format
from v2v.service.server import ui_address
from v2v.service.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_is_readable_on_a_terminal_and_json_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert resolve_format("auto") == "console"
    assert resolve_format("json") == "json"
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert resolve_format("auto") == "json"
    assert resolve_format("console") == "console"


def test_the_address_to_open_is_one_this_machine_can_reach() -> None:
    def address(**values: object) -> str:
        return ui_address(load_settings(_env_file=None, **values))

    assert address(port=8123) == "http://127.0.0.1:8123/ui"
    assert address(host="0.0.0.0", port=80, api_keys="k" * 20) == "http://127.0.0.1:80/ui"
    assert address(host="::1") == "http://[::1]:8000/ui"
    assert address(ui_enabled=False) == "http://127.0.0.1:8000/docs"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _first_line(tmp_path: Path, on_terminal: bool) -> str:
    """The first line `python run.py` writes to stderr (a terminal, or a pipe)."""
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "DATA_DIR": str(tmp_path / "data")}
    env.update({"MIN_FREE_DISK_MB": "0", "LOG_LEVEL": "info"})
    env.pop("LOG_FORMAT", None)
    reader, writer = pty.openpty() if on_terminal else os.pipe()
    process = subprocess.Popen(
        [sys.executable, "run.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=writer
    )
    os.close(writer)
    text = b""
    try:
        deadline = time.monotonic() + 60
        while b"\n" not in text and time.monotonic() < deadline:
            if select.select([reader], [], [], 0.5)[0]:
                text += os.read(reader, 4096)
    finally:
        process.terminate()
        process.wait(30)
        os.close(reader)
    return text.decode("utf-8", "replace").splitlines()[0].strip()


def test_run_py_says_first_where_to_open_the_ui(tmp_path: Path) -> None:
    line = _first_line(tmp_path / "tty", on_terminal=True)
    assert line.startswith("v2v: open http://127.0.0.1:") and "/ui for the web UI" in line
    record = json.loads(_first_line(tmp_path / "pipe", on_terminal=False))
    assert record["event"] == "service_address" and record["url"].endswith("/ui")
