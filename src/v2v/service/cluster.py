"""A whole distributed installation on this machine, without Docker: ``make cluster``.

``python -m v2v.service.cluster up [--workers 2] [--port 8000]`` starts, each in its own process
group, with throwaway data under ``data/cluster/``:

- Redis (the Celery broker) and PostgreSQL (the job store) from the system's packages
  (``apt-get install redis-server postgresql``), on free loopback ports; PostgreSQL never runs
  as root (as root its folder belongs to the ``postgres`` user, or ``nobody``);
- the schema migrations (``python -m v2v.service.migrate upgrade``);
- the API (``python run.py``, ``EXECUTOR=celery``) and N ``v2v worker --device cpu`` processes,
  all sharing ``data/cluster/data`` as ``DATA_DIR``;

waits until ``/ready`` counts every worker, then prints the URLs, the variables in use and where
the logs are. ``python -m v2v.service.cluster down`` stops them all and removes ``data/cluster``.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

FOLDER = Path("data/cluster")
STATE = "cluster.json"


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def find_binary(name: str) -> str | None:
    """The program, or None; PostgreSQL's from the newest /usr/lib/postgresql/N/bin (Debian
    keeps the real ones there; those on PATH may be wrappers that need a system cluster)."""
    versioned = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0,
    )
    return versioned[-1] if versioned else shutil.which(name)


def _binary(name: str) -> str:
    found = find_binary(name)
    if found is None:
        raise SystemExit(
            f"error: {name} is not installed; on Debian/Ubuntu: apt-get install -y "
            "redis-server postgresql"
        )
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_port(port: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.3):
            return
        time.sleep(0.1)
    raise SystemExit(f"error: nothing listens on 127.0.0.1:{port} after {seconds:.0f} s")


def postgres_owner() -> str | None:
    """Who runs PostgreSQL: None = this user; as root a system user (it refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise SystemExit("error: running as root and there is no 'postgres' or 'nobody' user")


def _start(command: list[str], log: Path, env: dict[str, str]) -> int:
    with log.open("ab") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    return process.pid


def _postgres(folder: Path) -> tuple[int, dict[str, str]]:
    """initdb + start; returns the port and what ``down`` needs to stop it."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    owner = postgres_owner()
    folder = folder.resolve()
    folder.mkdir(parents=True)
    if owner is not None:
        record = pwd.getpwnam(owner)
        os.chown(folder, record.pw_uid, record.pw_gid)
    data, port = folder / "data", free_port()
    run: dict[str, object] = {"check": True, "capture_output": True, "user": owner, "cwd": folder}
    subprocess.run([initdb, "-D", str(data), "-U", "v2v", "--auth=trust", "-E", "UTF8"], **run)  # type: ignore[call-overload]
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    start = [pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w"]
    subprocess.run([*start, "start"], **run)  # type: ignore[call-overload]
    createdb = [_binary("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "v2v", "v2v"]
    subprocess.run(createdb, **run)  # type: ignore[call-overload]
    return port, {"pg_ctl": pg_ctl, "data": str(data), "owner": owner or ""}


def up(workers: int, port: int, config: str) -> int:
    if (FOLDER / STATE).exists():
        _say(f"a cluster is already running here ({FOLDER / STATE}); stop it: make cluster-down")
        return 1
    shutil.rmtree(FOLDER, ignore_errors=True)
    logs = FOLDER / "logs"
    logs.mkdir(parents=True)
    redis_port = free_port()
    redis = [_binary("redis-server"), "--port", str(redis_port), "--bind", "127.0.0.1"]
    redis += ["--dir", str(FOLDER.resolve()), "--save", "", "--appendonly", "no"]
    state: dict[str, object] = {"redis": _start(redis, logs / "redis.log", dict(os.environ))}
    _wait_port(redis_port)
    (FOLDER / STATE).write_text(json.dumps(state))
    try:
        pg_port, state["postgres"] = _postgres(FOLDER / "pg")
    except subprocess.CalledProcessError as exc:
        down()
        detail = (exc.stderr or b"").decode(errors="replace")[-500:]
        raise SystemExit(f"error: PostgreSQL did not start: {detail}") from None
    variables = {
        "EXECUTOR": "celery",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DATABASE_URL": f"postgresql+psycopg://v2v@127.0.0.1:{pg_port}/v2v",
        "DATA_DIR": str((FOLDER / "data").resolve()),
        "PIPELINE_CONFIG": str(Path(config).resolve()),
        "LOG_FORMAT": "json",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": "1",
    }
    env = {**os.environ, **variables}
    (FOLDER / STATE).write_text(json.dumps(state))
    migrate = [sys.executable, "-m", "v2v.service.migrate", "upgrade"]
    if subprocess.run(migrate, env=env, capture_output=True).returncode != 0:
        down()
        raise SystemExit("error: the migrations failed: python -m v2v.service.migrate upgrade")
    pids = [_start([sys.executable, "run.py"], logs / "api.log", env)]
    for index in range(workers):
        command = [sys.executable, "-m", "v2v.cli", "worker", "--device", "cpu"]
        pids.append(_start(command, logs / f"worker-{index + 1}.log", env))
    state["processes"] = pids
    (FOLDER / STATE).write_text(json.dumps(state))
    _wait_ready(port, workers)
    _say(f"v2v cluster: API http://127.0.0.1:{port}  (UI /ui, docs /docs, /ready, /metrics)")
    _say(f"  {workers} worker(s); logs in {logs}/; stop everything: make cluster-down")
    _say("  variables in use (the same for API and workers):")
    for key, value in variables.items():
        _say(f"    {key}={value}")
    return 0


def _wait_ready(port: int, workers: int, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    body = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as answer:
                body = answer.read().decode()
                if f"{workers} Celery worker" in body:
                    return
        except OSError as exc:
            body = str(exc)
        time.sleep(0.5)
    down()
    raise SystemExit(f"error: the cluster was not ready after {seconds:.0f} s ({body[:300]})")


def _stop_group(pid: int, seconds: float = 15.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            os.killpg(pid, 0)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.2)
        os.killpg(pid, signal.SIGKILL)


def down() -> int:
    path = FOLDER / STATE
    if not path.exists():
        _say("no cluster is running here")
        return 0
    state = json.loads(path.read_text())
    for pid in reversed(state.get("processes", [])):
        _stop_group(int(pid))
    postgres = state.get("postgres")
    if postgres:
        stop = [postgres["pg_ctl"], "-D", postgres["data"], "-m", "fast", "-w", "stop"]
        subprocess.run(stop, capture_output=True, user=postgres["owner"] or None, check=False)
    if "redis" in state:
        _stop_group(int(state["redis"]))
    shutil.rmtree(FOLDER, ignore_errors=True)
    _say("v2v cluster stopped; data/cluster removed")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m v2v.service.cluster")
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--workers", type=int, default=2, help="v2v worker processes (CPU)")
    parser.add_argument("--port", type=int, default=8000, help="the API's port")
    parser.add_argument("--config", default="configs/default.yaml", help="PIPELINE_CONFIG")
    args = parser.parse_args(argv)
    if args.action == "down":
        return down()
    return up(max(1, args.workers), args.port, args.config)


if __name__ == "__main__":
    raise SystemExit(main())
