"""The send history: a write-ahead SQLite log of every send, with search, runs and export.

One row per send (:class:`SendRecord`). The row is committed as ``pending``
*before* the request leaves (:meth:`History.record_pending`) and completed by
:meth:`History.finish`; rows left ``pending`` by a crash become ``unknown`` at
the next start (:meth:`History.recover_pending`), so nothing is lost and nothing
is silently resent.

Concurrency: SQLite in WAL mode lets readers run beside one writer, across
threads and processes. A :class:`History` gives every thread its own connection
(opened on first use), so a search on the UI thread never waits behind a write
from a worker thread, and threads are coordinated exactly like other processes
(a bulk run), by SQLite's own locking: each write is one ``BEGIN IMMEDIATE``
transaction that waits up to ``busy_timeout`` for the write lock. Connections
are opened with ``check_same_thread=False`` only so that :meth:`History.close`
can close them all from one thread, and those of finished threads are closed
as new threads come (UI workers are short-lived threads).

Secrets never reach the file: callers pass masked params, and every value,
param and free text is scrubbed again here (:func:`scrub`).

The store lives here; behind it are ``history_schema`` (row types, tables,
migrations, FTS5), ``history_query`` (search and count SQL), ``history_rows``
(the fields of a new row and their stored form), ``history_secrets`` (scrubbing),
``history_owners`` (is a pending row's writer alive) and ``history_export``
(CSV/JSON/JSONL files, loaded when first used).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b24notify.core import history_owners, history_schema
from b24notify.core import history_query as hq
from b24notify.core.errors import HistoryError, UsageError
from b24notify.core.history_rows import INSERT_SQL, insert_args, optional_int, stored_json
from b24notify.core.history_schema import RunSummary, SendRecord
from b24notify.core.history_secrets import scrub, scrub_text
from b24notify.core.models import SendStatus

if TYPE_CHECKING:
    from b24notify.core.history_export import ExportFormat

__all__ = ["History", "RunSummary", "SendRecord", "scrub", "scrub_text"]

BUSY_TIMEOUT_S = 10.0
STALE_PENDING = timedelta(hours=1)
"""A pending row this old is recovered even if its process looks alive (pids get reused)."""

RECOVERED_NOTE = (
    "b24notify stopped before the portal answered; the message may or may not "
    "have been delivered. Check the chat before resending."
)
MAX_ERROR_DESCRIPTION = 4000
_DELETE_CHUNK = 5000
_EXPORT_PAGE = 1000

# --- the store -----------------------------------------------------------------------

_FINAL_STATUSES = ("sent", "failed", "unknown")


class History:
    """The history database at ``path``: write-ahead recording, search, runs, export.

    Opening creates the file and its folder, and brings the schema up to date.
    ``clock`` returns the current (aware) time; tests pass their own to write
    rows at chosen dates. ``fts`` forces full-text search off (``False``) or on
    where available; by default it is on when this SQLite build has FTS5, and
    substring (LIKE) search is used otherwise.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        clock: Callable[[], datetime] | None = None,
        fts: bool | None = None,
        busy_timeout: float = BUSY_TIMEOUT_S,
    ) -> None:
        self.path = Path(path).expanduser()
        self.owner = history_owners.new_owner()
        self.fts_enabled = False
        self._clock = clock or (lambda: datetime.now(UTC))
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._conns: dict[threading.Thread, sqlite3.Connection] = {}
        self._conns_lock = threading.Lock()
        self._closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                f"Cannot create the history folder {self.path.parent}: {exc.strerror or exc}."
            ) from None
        try:
            with self._errors("open"):
                conn = self._conn()
                self._ensure_wal(conn)
                history_schema.apply_migrations(conn)
                available = history_schema.fts5_available(conn)
                self.fts_enabled = available if fts is None else (fts and available)
                history_schema.ensure_fts(conn, self.fts_enabled)
        except BaseException:
            self.close()
            raise
        history_owners.mark_open(self.owner)

    def _ensure_wal(self, conn: sqlite3.Connection) -> None:
        """Switch a new file to WAL. Several processes creating the file at once can
        get "database is locked" at once from this switch (SQLite does not always
        wait on the busy handler for it), so it is retried until the busy timeout."""
        deadline = time.monotonic() + self._busy_timeout
        while True:
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @classmethod
    def default(cls) -> History:
        """The history at the standard location (``paths.history_file()``)."""
        from b24notify.core import paths

        return cls(paths.history_file())

    def __repr__(self) -> str:
        return f"History({str(self.path)!r})"

    # --- connections, transactions, errors ----------------------------------------

    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise HistoryError(f"The history at {self.path} is closed.")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        conn = sqlite3.connect(
            self.path,
            timeout=self._busy_timeout,
            isolation_level=None,  # autocommit; writes use explicit BEGIN IMMEDIATE
            check_same_thread=False,
        )
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000):d}")
            conn.execute("PRAGMA temp_store = MEMORY")
        except BaseException:
            conn.close()
            raise
        self._local.conn = conn
        with self._conns_lock:
            # UI workers run on short-lived threads: close what finished threads
            # left behind (idle: every transaction ends before a method returns).
            for thread in [t for t in self._conns if not t.is_alive()]:
                with suppress(sqlite3.Error):
                    self._conns.pop(thread).close()
            self._conns[threading.current_thread()] = conn
        return conn

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise HistoryError(self._describe(exc, action), detail=str(exc)) from None

    def _describe(self, exc: sqlite3.Error, action: str) -> str:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            why = f"it stayed busy with another write for over {self._busy_timeout:g} s"
        elif "not a database" in text or "malformed" in text:
            why = "the file is not a b24notify history database, or it is damaged"
        elif "readonly" in text:
            why = "the file is read-only"
        elif "unable to open" in text:
            why = "the file cannot be opened (check the path and its permissions)"
        elif "disk is full" in text:
            why = "the disk is full"
        else:
            why = str(exc)
        return f"Could not {action} the history at {self.path}: {why}."

    @contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._errors(action):
            conn = self._conn()
            # IMMEDIATE takes the write lock up front, so the busy timeout applies;
            # a deferred transaction that reads and then writes can fail at once
            # in WAL mode when another connection committed in between.
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _read(self, action: str = "read") -> Iterator[sqlite3.Connection]:
        with self._errors(action):
            yield self._conn()

    def _now(self) -> str:
        return hq.utc_iso(self._clock())

    def close(self) -> None:
        """Close every connection this History opened, in any thread. Idempotent."""
        if self._closed:
            return
        self._closed = True
        history_owners.mark_closed(self.owner)
        with self._conns_lock:
            conns, self._conns = list(self._conns.values()), {}
        for conn in conns:
            with suppress(sqlite3.Error):
                conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- write-ahead -----------------------------------------------------------------

    def record_pending(self, **fields: Any) -> int:
        """Commit a new ``pending`` row before the request leaves; returns its id.

        Fields (all optional): profile, portal (host; a URL is cut to its host),
        api ("v1"/"v2"), method, bot_id, dialog_id, template, template_hash,
        values (dict), params (dict, masked), message_text (plain text), run_id,
        row_number, note. Anything else is a :class:`UsageError`.
        """
        return self.record_pending_many([fields])[0]

    def record_pending_many(self, rows: Iterable[Mapping[str, Any]]) -> list[int]:
        """Commit many ``pending`` rows in one transaction; their ids, in input order."""
        with self._write("record sends in") as conn:
            # The time is taken under the write lock, so ids and times grow together.
            now = self._now()
            ids = []
            for row in rows:
                cursor = conn.execute(INSERT_SQL, insert_args(row, now, self.owner))
                ids.append(int(cursor.lastrowid or 0))
            return ids

    def finish(
        self,
        id: int,
        status: SendStatus,
        *,
        message_id: int | None = None,
        error_code: str | None = None,
        error_description: str | None = None,
        http_status: int | None = None,
        attempts: int | None = None,
        duration_ms: float | None = None,
    ) -> SendRecord:
        """Record a send's outcome (``sent``, ``failed`` or ``unknown``); returns the row.

        A ``pending`` row can be finished, and so can an ``unknown`` one (when the
        truth turns up later); a ``sent`` or ``failed`` one cannot: a resend is a
        new row.
        """
        if status not in _FINAL_STATUSES:
            raise UsageError(
                f"A send can only be finished as {', '.join(_FINAL_STATUSES)}, not {status!r}."
            )
        description = None
        if error_description:
            description = scrub_text(str(error_description))[:MAX_ERROR_DESCRIPTION]
        args = (
            status,
            self._now(),
            optional_int("message_id", message_id),
            scrub_text(str(error_code)) if error_code else None,
            description,
            optional_int("http_status", http_status),
            optional_int("attempts", attempts),
            float(duration_ms) if duration_ms is not None else None,
            id,
        )
        with self._write("update") as conn:
            current = self._status_of(conn, id)
            if current not in ("pending", "unknown"):
                raise HistoryError(
                    f"Send #{id} is already {current}; a resend is recorded as a new send."
                )
            conn.execute(
                """
                UPDATE sends SET status = ?, updated_at = ?, message_id = ?, error_code = ?,
                    error_description = ?, http_status = ?, attempts = coalesce(?, attempts),
                    duration_ms = ?, owner = NULL
                WHERE id = ?
                """,
                args,
            )
        return self._must_get(id)

    def _status_of(self, conn: sqlite3.Connection, id: int) -> str:
        row = conn.execute("SELECT status FROM sends WHERE id = ?", (id,)).fetchone()
        if row is None:
            raise HistoryError(f"Send #{id} is not in the history (deleted?).")
        return str(row[0])

    def recover_pending(self) -> list[int]:
        """Turn ``pending`` rows abandoned by a crash into ``unknown``; returns their ids.

        Call it at start. Rows still in flight in a live process (this one, or
        another such as a bulk run) are left alone unless pending for over an hour.
        """
        stale_before = hq.utc_iso(self._clock() - STALE_PENDING)
        with self._write("recover interrupted sends in") as conn:
            pending = conn.execute(
                "SELECT id, owner, updated_at FROM sends INDEXED BY sends_status "
                "WHERE status = 'pending' ORDER BY id"
            ).fetchall()
            alive: dict[str | None, bool] = {}
            ids = []
            for id_, owner, updated_at in pending:
                if owner not in alive:
                    alive[owner] = history_owners.owner_alive(owner)
                if not alive[owner] or updated_at < stale_before:
                    ids.append(int(id_))
            now = self._now()
            conn.executemany(
                "UPDATE sends SET status = 'unknown', updated_at = ?, owner = NULL, "
                "note = CASE WHEN coalesce(note, '') = '' THEN ? ELSE note || char(10) || ? END "
                "WHERE id = ? AND status = 'pending'",
                [(now, RECOVERED_NOTE, RECOVERED_NOTE, id_) for id_ in ids],
            )
        return ids

    def mark_edited(
        self,
        id: int,
        *,
        message_text: str | None = None,
        params: Mapping[str, Any] | None = None,
        values: Mapping[str, Any] | None = None,
        note: str | None = None,
    ) -> SendRecord:
        """Record that the sent message was edited on the portal, with its new content."""
        sets = ["edited_at = :now", "updated_at = :now"]
        args: dict[str, Any] = {"id": id, "now": self._now()}
        if message_text is not None:
            sets.append("message_text = :text")
            args["text"] = scrub_text(message_text)
        if params is not None:
            sets.append("params_json = :params")
            args["params"] = stored_json(params)
        if values is not None:
            sets.append("values_json = :values")
            args["values"] = stored_json(values)
        if note is not None:
            sets.append("note = :note")
            args["note"] = scrub_text(note)
        with self._write("update") as conn:
            self._check_on_portal(conn, id, "edited")
            conn.execute(f"UPDATE sends SET {', '.join(sets)} WHERE id = :id", args)
        return self._must_get(id)

    def mark_deleted(self, id: int, *, note: str | None = None) -> SendRecord:
        """Record that the sent message was deleted on the portal (the row stays)."""
        with self._write("update") as conn:
            self._check_on_portal(conn, id, "deleted")
            now = self._now()
            conn.execute(
                "UPDATE sends SET deleted_at = ?, updated_at = ?, note = coalesce(?, note) "
                "WHERE id = ?",
                (now, now, scrub_text(note) if note else None, id),
            )
        return self._must_get(id)

    def _check_on_portal(self, conn: sqlite3.Connection, id: int, what: str) -> None:
        status = self._status_of(conn, id)
        if status != "sent":
            raise HistoryError(
                f"Send #{id} was not delivered (status {status}), so it cannot be {what} "
                "on the portal."
            )
        deleted = conn.execute("SELECT deleted_at FROM sends WHERE id = ?", (id,)).fetchone()[0]
        if deleted:
            raise HistoryError(f"Send #{id} was already deleted on the portal.")

    def delete(self, ids: Iterable[int]) -> int:
        """Remove rows from the history (not from the portal); returns how many went."""
        wanted = list(dict.fromkeys(int(i) for i in ids))
        removed = 0
        with self._write("delete from") as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                removed += conn.execute(f"DELETE FROM sends WHERE id IN ({marks})", chunk).rowcount
        return removed

    def apply_retention(self, days: int | None) -> int:
        """Delete finished rows older than ``days`` days (None keeps all); returns the count.

        Works in chunks, each its own short transaction, so a large clean-up
        never holds up a send for long. Pending rows are never deleted.
        """
        if days is None:
            return 0
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise UsageError(f"History retention must be a whole number of days ≥ 1, not {days!r}.")
        cutoff = hq.utc_iso(self._clock() - timedelta(days=days))
        with self._read("apply retention to") as conn:
            bounds = hq.id_bounds(conn, hq.Filters(until=cutoff), None)
        if bounds is None:
            return 0
        removed = 0
        while True:
            with self._write("apply retention to") as conn:
                n = conn.execute(
                    "DELETE FROM sends WHERE id IN (SELECT id FROM sends WHERE id < ? "
                    "AND created_at < ? AND status <> 'pending' ORDER BY id LIMIT ?)",
                    (bounds[1], cutoff, _DELETE_CHUNK),
                ).rowcount
            removed += n
            if n < _DELETE_CHUNK:
                return removed

    # --- reading ------------------------------------------------------------------------

    def get(self, id: int) -> SendRecord | None:
        """The row with this id, or None."""
        with self._read() as conn:
            return hq.get(conn, id)

    def _must_get(self, id: int) -> SendRecord:
        record = self.get(id)
        if record is None:
            raise HistoryError(f"Send #{id} is not in the history (deleted?).")
        return record

    def search(
        self,
        text: str | None = None,
        template: str | None = None,
        dialog: str | None = None,
        status: str | Iterable[str] | None = None,
        since: datetime | date | str | None = None,
        until: datetime | date | str | None = None,
        run_id: str | None = None,
        limit: int = 50,
        before_id: int | None = None,
    ) -> list[SendRecord]:
        """Rows matching every given filter, newest first, at most ``limit``.

        For the next page pass the last row's id as ``before_id``. ``text`` is
        words, all required and prefix-matched, over message text, template,
        dialog and error code (any characters are safe). ``status`` is one
        status or several. ``since`` is inclusive and ``until`` exclusive; a
        plain date for ``until`` means through that day; naive times are local.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise UsageError(f"History page size must be a whole number ≥ 1, not {limit!r}.")
        f = hq.make_filters(
            text=text,
            template=template,
            dialog=dialog,
            status=status,
            since=since,
            until=until,
            run_id=run_id,
        )
        with self._read("search") as conn:
            return hq.search(conn, f, fts=self.fts_enabled, limit=limit, before_id=before_id)

    def iter_search(self, *, page_size: int = _EXPORT_PAGE, **filters: Any) -> Iterator[SendRecord]:
        """Every row matching ``filters`` (as for :meth:`search`), newest first, paged."""
        before: int | None = None
        while True:
            page = self.search(**filters, limit=page_size, before_id=before)
            yield from page
            if len(page) < page_size:
                return
            before = page[-1].id

    def count(
        self,
        text: str | None = None,
        template: str | None = None,
        dialog: str | None = None,
        status: str | Iterable[str] | None = None,
        since: datetime | date | str | None = None,
        until: datetime | date | str | None = None,
        run_id: str | None = None,
        *,
        at_most: int | None = None,
    ) -> int:
        """How many rows match. Counting stops at ``at_most`` when given (to show "10,000+").

        With no filter, or only a status, the answer comes from counters kept by
        triggers, so the status bar costs nothing at a million rows.
        """
        f = hq.make_filters(
            text=text,
            template=template,
            dialog=dialog,
            status=status,
            since=since,
            until=until,
            run_id=run_id,
        )
        with self._read("count") as conn:
            return hq.count(conn, f, fts=self.fts_enabled, at_most=at_most)

    def status_counts(self) -> dict[str, int]:
        """Rows per status over the whole history (all four keys; instant)."""
        with self._read("count") as conn:
            return hq.status_counts(conn)

    def recent_dialogs(self, limit: int = 20, *, prefix: str | None = None) -> list[str]:
        """Dialogs sent to, most recent first (for completion), optionally by prefix."""
        with self._read() as conn:
            return hq.recent_dialogs(conn, limit, prefix)

    def runs(self, limit: int = 20) -> list[RunSummary]:
        """The most recent bulk runs, newest first, with their rows by latest status."""
        with self._read() as conn:
            return hq.runs(conn, limit)

    def run_rows(self, run_id: str, *, latest: bool = True) -> list[SendRecord]:
        """A run's rows by row number: the latest attempt at each data row, or every attempt.

        What resuming needs: data rows whose latest attempt is ``sent`` or
        ``unknown`` are skipped, ``unknown`` ones listed for a decision.
        """
        with self._read() as conn:
            return hq.run_rows(conn, run_id, latest=latest)

    def run_status(self, run_id: str) -> dict[str, int]:
        """A run's data rows by the status of their latest attempt (all four keys)."""
        with self._read() as conn:
            return hq.run_status(conn, run_id)

    # --- export --------------------------------------------------------------------------

    def export(self, path: Path | str, fmt: ExportFormat = "csv", **filters: Any) -> int:
        """Write the rows matching ``filters`` (as for :meth:`search`) to ``path``; the count.

        Streams a page at a time, so memory stays flat at any size, into a temp
        file that replaces ``path`` only once complete. CSV is UTF-8 with a BOM
        so spreadsheets read non-Latin text, with ``values``/``params`` as JSON
        in their cells; ``json`` is one array, ``jsonl`` one object per line.
        """
        from b24notify.core.history_export import EXPORT_FORMATS, write_export

        if fmt not in EXPORT_FORMATS:
            raise UsageError(f"Unknown export format {fmt!r} (use csv, json or jsonl).")
        if "limit" in filters or "before_id" in filters:
            raise UsageError("Export takes filters only, not 'limit' or 'before_id'.")
        hq.make_filters(**filters)  # bad filters fail before a file is created
        return write_export(self.iter_search(**filters), path, fmt)
