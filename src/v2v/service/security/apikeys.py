"""API keys: made with ``v2v keys``, stored as SHA-256 hashes, compared in constant time.

Keys come from three places (all active at once):

- the database (``v2v keys create NAME``): keys look like ``v2v_<8 hex id>_<43 random chars>``;
- ``API_KEYS``: comma-separated keys in the environment;
- ``API_KEYS_FILE``: one key per line, or ``sha256:<hex>`` of a key; ``#`` starts a comment.

A key is random (256 bits), so a plain SHA-256 is a safe hash for it (no password stretching is
needed). Only the hash is stored; the key is shown once, when created.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update

from v2v.errors import ConfigError
from v2v.service.db import ApiKeyRow, Database, utcnow

_DB_KEY = re.compile(r"^v2v_([0-9a-f]{8})_[A-Za-z0-9_-]{20,}$")
_TOUCH_SECONDS = 60.0  # how often last_used_at is written for one key
_CACHE_SECONDS = 5.0  # how long "are keys configured?" is cached


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CreatedKey:
    """A new key. ``key`` is shown once; only its hash is stored."""

    id: str
    name: str
    key: str
    created_at: datetime


@dataclass(frozen=True)
class ApiKeyInfo:
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _read_key_file(path: Path) -> list[str]:
    """Hashes of the keys in the file (lines: a key, or sha256:<64 hex>)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"API_KEYS_FILE {path} cannot be read: {exc.strerror}") from None
    hashes = []
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("sha256:"):
            digest = line.removeprefix("sha256:").lower()
            if not re.fullmatch(r"[0-9a-f]{64}", digest):
                raise ConfigError(f"API_KEYS_FILE {path}:{number}: sha256: needs 64 hex digits")
            hashes.append(digest)
        elif len(line) < 16:
            raise ConfigError(f"API_KEYS_FILE {path}:{number}: a key needs at least 16 characters")
        else:
            hashes.append(hash_key(line))
    return hashes


class KeyRing:
    """Answers "is a key configured?" and "whose key is this?" for the auth dependency."""

    def __init__(self, database: Database, env_keys: list[str], key_file: Path | None) -> None:
        self.db = database
        for key in env_keys:
            if len(key) < 16:
                raise ConfigError("API_KEYS: every key needs at least 16 characters")
        self.static_hashes = [hash_key(k) for k in env_keys]
        if key_file is not None:
            self.static_hashes += _read_key_file(key_file)
        self._lock = threading.Lock()
        self._cached: tuple[float, bool] = (0.0, False)
        self._touched: dict[str, float] = {}

    def configured(self) -> bool:
        """True when any key exists (then every API request needs one)."""
        if self.static_hashes:
            return True
        now = time.monotonic()
        with self._lock:
            stamp, value = self._cached
            if now - stamp < _CACHE_SECONDS:
                return value
        with self.db.session() as session:
            count = session.scalar(
                select(func.count()).select_from(ApiKeyRow).where(ApiKeyRow.revoked_at.is_(None))
            )
        with self._lock:
            self._cached = (now, bool(count))
        return bool(count)

    def identify(self, presented: str) -> str | None:
        """The owner id for a valid key (``key:<id>`` or ``static:<hash prefix>``), else None."""
        digest = hash_key(presented)
        match = _DB_KEY.match(presented)
        if match:
            with self.db.session() as session:
                row = session.get(ApiKeyRow, match.group(1))
                stored = row.key_hash if row is not None and row.revoked_at is None else "0" * 64
            if hmac.compare_digest(stored, digest):
                self._touch(match.group(1))
                return f"key:{match.group(1)}"
        found = None
        for stored in self.static_hashes:  # no early exit: the time does not depend on the match
            if hmac.compare_digest(stored, digest):
                found = stored
        return f"static:{found[:12]}" if found else None

    def _touch(self, key_id: str) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._touched.get(key_id, -_TOUCH_SECONDS) < _TOUCH_SECONDS:
                return
            self._touched[key_id] = now
        with self.db.session() as session:
            session.execute(
                update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=utcnow())
            )


def create_key(database: Database, name: str) -> CreatedKey:
    name = name.strip()
    if not name or len(name) > 128:
        raise ConfigError("an API key needs a name of 1 to 128 characters (who or what uses it)")
    key_id = secrets.token_hex(4)
    key = f"v2v_{key_id}_{secrets.token_urlsafe(32)}"
    now = utcnow()
    with database.session() as session:
        while session.get(ApiKeyRow, key_id) is not None:  # 1 in 4 billion; still checked
            key_id = secrets.token_hex(4)
            key = f"v2v_{key_id}_{secrets.token_urlsafe(32)}"
        session.add(ApiKeyRow(id=key_id, name=name, key_hash=hash_key(key), created_at=now))
    return CreatedKey(key_id, name, key, now)


def list_keys(database: Database) -> list[ApiKeyInfo]:
    with database.session() as session:
        rows = session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)).all()
        return [ApiKeyInfo(r.id, r.name, r.created_at, r.last_used_at, r.revoked_at) for r in rows]


def revoke_key(database: Database, key_id: str) -> bool:
    """Revoke a key by id; False when there is no active key with that id."""
    with database.session() as session:
        result = session.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
