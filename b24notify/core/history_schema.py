"""The history's data: the row types, the table layout, its migrations and the FTS5 index.

Migrations are applied in order, each inside one write transaction that also
bumps ``PRAGMA user_version``; version N means ``MIGRATIONS[:N]`` have run. To
change the schema, append a new migration: never edit one that has shipped,
because existing databases have already run it.

The FTS5 index is not a migration: some SQLite builds lack FTS5, and a database
may move between builds. :func:`ensure_fts` runs at every open and either keeps
the index and its sync triggers in place (rebuilding it when the triggers were
missing, i.e. rows were written without it) or drops the triggers so writes keep
working on a build without FTS5.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from b24notify.core.errors import HistoryError
from b24notify.core.models import SendStatus

STATUSES: tuple[SendStatus, ...] = ("pending", "sent", "failed", "unknown")


@dataclass(frozen=True, slots=True)
class SendRecord:
    """One send as stored: what, to whom, when, and with what result.

    Times are UTC ISO-8601 strings with microseconds and a ``Z``
    (``2024-05-01T12:34:56.123456Z``): readable in exports, and they sort as
    text. ``values`` and ``params`` are the variable values and the request
    params with every secret masked.
    """

    id: int
    created_at: str
    updated_at: str
    profile: str
    portal: str
    api: str
    method: str
    bot_id: int | None
    dialog_id: str
    template: str
    template_hash: str
    values: dict[str, Any]
    params: dict[str, Any]
    message_text: str
    status: SendStatus
    message_id: int | None
    error_code: str | None
    error_description: str | None
    http_status: int | None
    attempts: int
    duration_ms: float | None
    run_id: str | None
    row_number: int | None
    note: str | None
    edited_at: str | None = None
    deleted_at: str | None = None

    @property
    def created(self) -> datetime:
        """``created_at`` as an aware UTC datetime."""
        return datetime.fromisoformat(self.created_at)

    @property
    def finished(self) -> bool:
        """True once the send has an outcome (anything but ``pending``)."""
        return self.status != "pending"

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready data (the export's row shape)."""
        return asdict(self)

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> SendRecord:
        """A record from a row selected with ``RECORD_COLUMNS`` in that order."""
        data = dict(zip(RECORD_COLUMNS, row, strict=True))
        data["values"] = json.loads(data.pop("values_json") or "{}")
        data["params"] = json.loads(data.pop("params_json") or "{}")
        return cls(**data)


RECORD_FIELDS = tuple(f.name for f in fields(SendRecord))
# The sends columns behind SendRecord, in field order (JSON kept as text).
RECORD_COLUMNS = tuple(
    {"values": "values_json", "params": "params_json"}.get(name, name) for name in RECORD_FIELDS
)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A bulk run: when it started, from which template, and its rows by latest status."""

    run_id: str
    created_at: str
    template: str
    profile: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Data rows in the run (each counted once, by its latest attempt)."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class Migration:
    """One schema step: a short description and the statements (or a function) that apply it."""

    description: str
    statements: Sequence[str] = ()
    apply: Callable[[sqlite3.Connection], None] | None = None

    def run(self, conn: sqlite3.Connection) -> None:
        for statement in self.statements:
            conn.execute(statement)
        if self.apply is not None:
            self.apply(conn)


# Migration 1: the initial schema.
#
# - ``id`` is AUTOINCREMENT so an id is never reused after a delete: ids are what
#   the UI, bulk resume and keyset paging hold on to, and "newest first" is id order.
# - Every filter column has a plain index; SQLite appends the rowid to each index
#   entry, so ``col = ? AND id < ? ORDER BY id DESC LIMIT n`` walks the index
#   backwards and stops after n rows, whatever the table size.
# - ``status_counts``, ``dialogs`` and ``runs`` are kept by triggers so the status
#   bar counts, dialog completion and the run list never scan the sends table.
_V1 = Migration(
    "initial schema",
    (
        """
        CREATE TABLE runs (
            seq INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            template TEXT NOT NULL DEFAULT '',
            profile TEXT NOT NULL DEFAULT ''
        )
        """,
        """
        CREATE TABLE sends (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            profile TEXT NOT NULL DEFAULT '',
            portal TEXT NOT NULL DEFAULT '',
            api TEXT NOT NULL DEFAULT 'v1',
            method TEXT NOT NULL DEFAULT '',
            bot_id INTEGER,
            dialog_id TEXT NOT NULL DEFAULT '',
            template TEXT NOT NULL DEFAULT '',
            template_hash TEXT NOT NULL DEFAULT '',
            values_json TEXT NOT NULL DEFAULT '{}',
            params_json TEXT NOT NULL DEFAULT '{}',
            message_text TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'failed', 'unknown')),
            message_id INTEGER,
            error_code TEXT,
            error_description TEXT,
            http_status INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0,
            duration_ms REAL,
            run_id TEXT REFERENCES runs (run_id),
            row_number INTEGER,
            note TEXT,
            edited_at TEXT,
            deleted_at TEXT,
            owner TEXT
        )
        """,
        "CREATE INDEX sends_status ON sends (status)",
        "CREATE INDEX sends_dialog ON sends (dialog_id)",
        "CREATE INDEX sends_template ON sends (template)",
        "CREATE INDEX sends_created ON sends (created_at)",
        "CREATE INDEX sends_run ON sends (run_id) WHERE run_id IS NOT NULL",
        # Covering index for a run's progress: latest status per data row, read
        # from the index alone. Partial, so single sends don't pay for it.
        """
        CREATE INDEX sends_run_rows ON sends (run_id, row_number, status)
        WHERE run_id IS NOT NULL
        """,
        """
        CREATE TABLE status_counts (
            status TEXT PRIMARY KEY,
            n INTEGER NOT NULL
        ) WITHOUT ROWID
        """,
        """
        INSERT INTO status_counts (status, n)
        VALUES ('pending', 0), ('sent', 0), ('failed', 0), ('unknown', 0)
        """,
        """
        CREATE TABLE dialogs (
            dialog_id TEXT PRIMARY KEY,
            last_id INTEGER NOT NULL,
            uses INTEGER NOT NULL
        ) WITHOUT ROWID
        """,
        "CREATE INDEX dialogs_last ON dialogs (last_id)",
        # The run row must exist before the send row that references it.
        """
        CREATE TRIGGER sends_run_parent BEFORE INSERT ON sends
        WHEN new.run_id IS NOT NULL
        BEGIN
            INSERT OR IGNORE INTO runs (run_id, created_at, template, profile)
            VALUES (new.run_id, new.created_at, new.template, new.profile);
        END
        """,
        """
        CREATE TRIGGER sends_after_insert AFTER INSERT ON sends
        BEGIN
            UPDATE status_counts SET n = n + 1 WHERE status = new.status;
            INSERT INTO dialogs (dialog_id, last_id, uses)
            SELECT new.dialog_id, new.id, 1 WHERE new.dialog_id <> ''
            ON CONFLICT (dialog_id) DO UPDATE SET last_id = excluded.last_id, uses = uses + 1;
        END
        """,
        # A deleted send takes its dialog (for completion) and its run along once
        # nothing else refers to them, so deleting history really forgets.
        """
        CREATE TRIGGER sends_after_delete AFTER DELETE ON sends
        BEGIN
            UPDATE status_counts SET n = n - 1 WHERE status = old.status;
            DELETE FROM dialogs WHERE dialog_id = old.dialog_id
                AND NOT EXISTS (SELECT 1 FROM sends WHERE dialog_id = old.dialog_id);
            DELETE FROM runs WHERE old.run_id IS NOT NULL AND run_id = old.run_id
                AND NOT EXISTS (SELECT 1 FROM sends WHERE run_id = old.run_id);
        END
        """,
        """
        CREATE TRIGGER sends_after_status AFTER UPDATE OF status ON sends
        WHEN old.status <> new.status
        BEGIN
            UPDATE status_counts SET n = n - 1 WHERE status = old.status;
            UPDATE status_counts SET n = n + 1 WHERE status = new.status;
        END
        """,
    ),
)

MIGRATIONS: tuple[Migration, ...] = (_V1,)
"""Every schema step in order; ``user_version`` N means the first N have been applied."""

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The database's ``PRAGMA user_version``."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def apply_migrations(
    conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS
) -> list[int]:
    """Bring the database up to ``len(migrations)``; returns the versions applied.

    Each step runs in its own ``BEGIN IMMEDIATE`` transaction and re-reads the
    version inside it, so two processes opening a new database at once apply
    every step exactly once. ``conn`` must be in autocommit mode.
    """
    applied: list[int] = []
    target = len(migrations)
    current = schema_version(conn)
    if current > target:
        raise HistoryError(
            f"History database is at schema version {current}, newer than this version "
            f"of b24notify understands ({target}); upgrade b24notify to open it."
        )
    while current < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(conn)
            if current < target:
                migrations[current].run(conn)
                current += 1
                # PRAGMA takes no parameters; ``current`` is an int we computed.
                conn.execute(f"PRAGMA user_version = {current:d}")
                applied.append(current)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return applied


# --- full-text search ------------------------------------------------------------

FTS_COLUMNS = ("message_text", "template", "dialog_id", "error_code")

_FTS_TABLE = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS sends_fts USING fts5(
    {", ".join(FTS_COLUMNS)},
    content = 'sends', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
)
"""

_NEW = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
_OLD = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
_COLS = ", ".join(FTS_COLUMNS)

# External-content FTS5: the index stores no copy of the text, and these triggers
# keep it in step with ``sends`` inside the same transaction as each write.
_FTS_TRIGGERS = {
    "sends_fts_insert": f"""
        CREATE TRIGGER sends_fts_insert AFTER INSERT ON sends BEGIN
            INSERT INTO sends_fts (rowid, {_COLS}) VALUES (new.id, {_NEW});
        END
    """,
    "sends_fts_delete": f"""
        CREATE TRIGGER sends_fts_delete AFTER DELETE ON sends BEGIN
            INSERT INTO sends_fts (sends_fts, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD});
        END
    """,
    "sends_fts_update": f"""
        CREATE TRIGGER sends_fts_update AFTER UPDATE OF {_COLS} ON sends BEGIN
            INSERT INTO sends_fts (sends_fts, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD});
            INSERT INTO sends_fts (rowid, {_COLS}) VALUES (new.id, {_NEW});
        END
    """,
}


def fts5_available(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite build (or a loaded extension) provides FTS5."""
    try:
        conn.execute("SELECT fts5_source_id()").fetchone()
    except sqlite3.OperationalError:
        return False
    return True


def ensure_fts(conn: sqlite3.Connection, enabled: bool) -> None:
    """Keep the FTS index in sync with ``sends`` (enabled) or detach it (disabled).

    Missing triggers mean rows may have been written without the index (a
    database created on a build without FTS5, or opened with search disabled),
    so the index is rebuilt from ``sends`` when they are put back.
    """
    if _fts_in_wanted_state(conn, enabled):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have done the work while this one waited for the lock.
        if _fts_in_wanted_state(conn, enabled):
            conn.execute("COMMIT")
            return
        for name in _fts_triggers_present(conn):
            conn.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        if enabled:
            conn.execute(_FTS_TABLE)
            for ddl in _FTS_TRIGGERS.values():
                conn.execute(ddl)
            conn.execute("INSERT INTO sends_fts (sends_fts) VALUES ('rebuild')")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _fts_triggers_present(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sends_fts_%'"
    )
    return {row[0] for row in rows}


def _fts_in_wanted_state(conn: sqlite3.Connection, enabled: bool) -> bool:
    present = _fts_triggers_present(conn)
    return present == set(_FTS_TRIGGERS) if enabled else not present
