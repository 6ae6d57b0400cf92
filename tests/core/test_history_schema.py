"""History schema: versioned migrations, upgrades of older files, the optional FTS index."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from b24notify.core.errors import HistoryError
from b24notify.core.history import History
from b24notify.core.history_schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    apply_migrations,
    ensure_fts,
    fts5_available,
    schema_version,
)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    c = sqlite3.connect(tmp_path / "history.sqlite3", isolation_level=None)
    yield c
    c.close()


def _tables(c: sqlite3.Connection) -> set[str]:
    return {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


# A stand-in for the next real migration, to prove old files are upgraded in place.
ADD_CHANNEL = Migration(
    "sends remember the channel",
    (
        "ALTER TABLE sends ADD COLUMN channel TEXT NOT NULL DEFAULT 'chat'",
        "CREATE INDEX sends_channel ON sends (channel)",
    ),
)


def test_a_new_file_gets_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with History(path):
        pass
    c = sqlite3.connect(path)
    try:
        assert schema_version(c) == SCHEMA_VERSION == len(MIGRATIONS)
        assert {"sends", "runs", "status_counts", "dialogs", "sends_fts"} <= _tables(c)
    finally:
        c.close()


def test_an_empty_version_0_file_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    sqlite3.connect(path).close()  # an empty database file: user_version 0
    with History(path) as h:
        assert h.record_pending(message_text="works") == 1


def test_an_older_file_is_upgraded_in_place_keeping_its_rows(
    tmp_path: Path, conn: sqlite3.Connection
) -> None:
    path = tmp_path / "history.sqlite3"
    assert apply_migrations(conn, MIGRATIONS) == [1]
    with History(path) as h:  # the app at version 1 writes a row
        id_ = h.record_pending(dialog_id="chat1", message_text="from version 1")
        h.finish(id_, "sent", message_id=9)

    newer = (*MIGRATIONS, ADD_CHANNEL)
    assert apply_migrations(conn, newer) == [2]
    assert schema_version(conn) == 2
    assert conn.execute("SELECT dialog_id, status, channel FROM sends").fetchall() == [
        ("chat1", "sent", "chat")
    ]
    # Applied once: running the list again changes nothing (and re-running
    # migration 1 would fail, since its tables exist).
    assert apply_migrations(conn, newer) == []
    # The version-1 code cannot open a version-2 file: it says so.
    with pytest.raises(HistoryError, match="schema version 2, newer than"):
        History(path)


def test_a_failing_migration_changes_nothing(conn: sqlite3.Connection) -> None:
    apply_migrations(conn, MIGRATIONS)
    broken = Migration("half done", ("CREATE TABLE half (x)", "ALTER TABLE nope ADD COLUMN y"))
    with pytest.raises(sqlite3.OperationalError):
        apply_migrations(conn, (*MIGRATIONS, broken))
    assert schema_version(conn) == 1
    assert "half" not in _tables(conn)
    assert not conn.in_transaction


def test_a_migration_can_be_code(conn: sqlite3.Connection) -> None:
    def backfill(c: sqlite3.Connection) -> None:
        c.execute("UPDATE sends SET note = 'migrated' WHERE note IS NULL")

    apply_migrations(conn, MIGRATIONS)
    conn.execute("INSERT INTO sends (created_at, updated_at, status) VALUES ('t', 't', 'sent')")
    apply_migrations(conn, (*MIGRATIONS, Migration("backfill notes", apply=backfill)))
    assert conn.execute("SELECT note FROM sends").fetchone() == ("migrated",)


def test_many_first_opens_at_once_migrate_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_and_write() -> None:
        try:
            start.wait()
            with History(path) as h:
                h.record_pending(message_text="hello")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_and_write) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with History(path) as h:
        assert h.count() == 6
        assert len(h.search(text="hello")) == 6


def test_fts_triggers_follow_availability(conn: sqlite3.Connection) -> None:
    assert fts5_available(conn)
    apply_migrations(conn, MIGRATIONS)

    def triggers() -> set[str]:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {r[0] for r in rows if r[0].startswith("sends_fts_")}

    ensure_fts(conn, True)
    assert triggers() == {"sends_fts_insert", "sends_fts_delete", "sends_fts_update"}
    ensure_fts(conn, False)  # a build without FTS5 must still be able to write
    assert triggers() == set()
    conn.execute(
        "INSERT INTO sends (created_at, updated_at, message_text) VALUES ('t', 't', 'x y')"
    )
    ensure_fts(conn, True)  # back: the index is rebuilt with the row written meanwhile
    assert conn.execute("SELECT rowid FROM sends_fts WHERE sends_fts MATCH 'y'").fetchall() == [
        (1,)
    ]


def test_foreign_keys_tie_sends_to_their_run(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with History(path) as h:
        h.record_pending(run_id="r1", template="t", profile="p")
        assert [r.run_id for r in h.runs()] == ["r1"]
    c = sqlite3.connect(path)
    try:
        c.execute("PRAGMA foreign_keys = ON")
        with pytest.raises(sqlite3.IntegrityError):
            c.execute("DELETE FROM runs WHERE run_id = 'r1'")
    finally:
        c.close()
