"""The optional SQLite state file: messages, next message id and OAuth tokens outlive restarts."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from b24notify.core.errors import ConfigError
from b24notify.sandbox.messages import StoredMessage

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, kind TEXT NOT NULL, expires_at REAL NOT NULL
);
"""


@dataclass
class Saved:
    """What a state file held when opened."""

    messages: list[StoredMessage] = field(default_factory=list)
    next_id: int | None = None
    access: dict[str, float] = field(default_factory=dict)
    refresh: dict[str, float] = field(default_factory=dict)


class StateFile:
    """Write-through storage; every change is committed at once (one sandbox per file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ConfigError(
                    f"The sandbox state file {path} was written by a newer b24notify "
                    f"(schema {version}); use another file.",
                    path=str(path),
                )
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except (sqlite3.Error, OSError) as err:
            raise ConfigError(
                f"The sandbox state file {path} cannot be used: {err}.", path=str(path)
            ) from None

    def load(self) -> Saved:
        with self._lock:
            saved = Saved()
            for (data,) in self._db.execute("SELECT data FROM messages ORDER BY id"):
                saved.messages.append(StoredMessage.from_record(json.loads(data)))
            row = self._db.execute("SELECT value FROM meta WHERE key = 'next_id'").fetchone()
            saved.next_id = int(row[0]) if row else None
            for token, kind, expires_at in self._db.execute(
                "SELECT token, kind, expires_at FROM tokens"
            ):
                (saved.access if kind == "access" else saved.refresh)[token] = expires_at
            return saved

    def save_message(self, message: StoredMessage, next_id: int) -> None:
        data = json.dumps(message.to_record(), ensure_ascii=False)
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO messages (id, data) VALUES (?, ?)", (message.id, data)
            )
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_id', ?)", (str(next_id),)
            )

    def clear_messages(self) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM messages")

    def save_tokens(self, access: dict[str, float], refresh: dict[str, float]) -> None:
        rows = [(t, "access", e) for t, e in access.items()]
        rows += [(t, "refresh", e) for t, e in refresh.items()]
        with self._lock, self._db:
            self._db.execute("DELETE FROM tokens")
            self._db.executemany(
                "INSERT INTO tokens (token, kind, expires_at) VALUES (?, ?, ?)", rows
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()
