"""Throwaway Redis and PostgreSQL servers on loopback, in temporary folders, for one test session.

Both come from the distribution's packages (``apt-get install redis-server postgresql``); Debian
keeps ``initdb``/``pg_ctl`` in ``/usr/lib/postgresql/<version>/bin``, which is searched too.
PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres`` user (or
``nobody``).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from v2v.service.cluster import find_binary, free_port, postgres_owner


def _wait_for_port(port: int, process: subprocess.Popen[Any], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@contextlib.contextmanager
def redis_server(port: int | None = None) -> Iterator[str]:
    """Yields ``redis://127.0.0.1:<port>/0`` of a fresh, memory-only Redis (on a free port)."""
    binary = find_binary("redis-server")
    assert binary is not None
    folder = tempfile.mkdtemp(prefix="v2v-redis-")
    port = port or free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", folder]
    command += ["--save", "", "--appendonly", "no", "--loglevel", "warning"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Postgres:
    """A running cluster; :meth:`create_database` gives each test its own database."""

    port: int
    user: str = "v2v"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "t") -> str:
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        dsn = f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[Postgres]:
    """A throwaway cluster (trust authentication, loopback only, no fsync) on a free port."""
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    assert initdb is not None and pg_ctl is not None
    folder = tempfile.mkdtemp(prefix="v2v-pg-")
    owner = postgres_owner()
    if owner is not None:
        record = pwd.getpwnam(owner)
        os.chown(folder, record.pw_uid, record.pw_gid)
    data, port = os.path.join(folder, "data"), free_port()
    run: dict[str, Any] = {"check": True, "capture_output": True, "user": owner, "cwd": folder}
    subprocess.run(
        [initdb, "-D", data, "-U", "v2v", "--auth=trust", "--no-sync", "-E", "UTF8"], **run
    )
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    )
    log = os.path.join(folder, "server.log")
    subprocess.run([pg_ctl, "-D", data, "-o", options, "-l", log, "-w", "start"], **run)
    try:
        yield Postgres(port)
    finally:
        stop = [pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"]
        subprocess.run(stop, **{**run, "check": False})
        shutil.rmtree(folder, ignore_errors=True)
