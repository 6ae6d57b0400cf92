"""SQL for history search and counts: filters, safe FTS5 match expressions, keyset pages.

Every page query is ``… AND id < :before ORDER BY id DESC LIMIT :n`` driven by
an index whose order is already id order (SQLite appends the rowid to each
index entry), so a page costs O(n) whatever the table size and never uses
OFFSET. The driving index is chosen here, not by the planner (``INDEXED BY``),
so plans stay the same on a fresh database, after ``ANALYZE`` and at a million
rows; a test checks them with ``EXPLAIN QUERY PLAN``.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from b24notify.core.errors import UsageError
from b24notify.core.history_schema import (
    RECORD_COLUMNS,
    STATUSES,
    RunSummary,
    SendRecord,
)

MAX_ID = 2**63 - 1
SELECT_LIST = ", ".join(f"s.{c}" for c in RECORD_COLUMNS)
TEXT_COLUMNS = ("message_text", "template", "dialog_id", "error_code")


def utc_iso(moment: datetime) -> str:
    """``moment`` as the stored timestamp form: UTC, microseconds, ``Z`` (sorts as text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_utc_iso(value: datetime | date | str, *, name: str, end_of_day: bool = False) -> str:
    """A filter bound as a stored timestamp.

    Naive datetimes and plain dates are local time, as the user typed them. A
    plain date given as an exclusive upper bound (``end_of_day``) means "through
    that day", so ``until=2024-05-31`` includes the 31st.
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise UsageError(
                f"History filter '{name}' is not a date or time: {value!r} "
                "(use YYYY-MM-DD or an ISO-8601 time)."
            ) from None
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        day = value + timedelta(days=1) if end_of_day else value
        return utc_iso(datetime.combine(day, time()))
    raise UsageError(f"History filter '{name}' must be a date, a datetime or a string.")


@dataclass(frozen=True)
class Filters:
    """Validated search filters; timestamps already in stored form."""

    text: str | None = None
    template: str | None = None
    dialog: str | None = None
    statuses: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    run_id: str | None = None

    @property
    def only_statuses(self) -> bool:
        """True when the filter is nothing but a status set (answered from counters)."""
        return not (
            self.text or self.template or self.dialog or self.since or self.until or self.run_id
        )


def make_filters(
    *,
    text: str | None = None,
    template: str | None = None,
    dialog: str | None = None,
    status: str | Iterable[str] | None = None,
    since: datetime | date | str | None = None,
    until: datetime | date | str | None = None,
    run_id: str | None = None,
) -> Filters:
    """Check and normalise the public filter arguments (one clear error per bad value)."""
    if status is None:
        statuses: tuple[str, ...] = ()
    elif isinstance(status, str):
        statuses = (status,)
    else:
        statuses = tuple(dict.fromkeys(status))
    for value in statuses:
        if value not in STATUSES:
            raise UsageError(
                f"Unknown send status {value!r} in the history filter "
                f"(use one of: {', '.join(STATUSES)})."
            )
    if text:
        # Control characters are never typed on purpose, and a NUL would end the
        # LIKE pattern early (matching everything): they count as spaces.
        text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return Filters(
        text=text if text and text.strip() else None,
        template=template or None,
        dialog=str(dialog) if dialog not in (None, "") else None,
        statuses=statuses,
        since=to_utc_iso(since, name="since") if since is not None else None,
        until=to_utc_iso(until, name="until", end_of_day=True) if until is not None else None,
        run_id=run_id or None,
    )


# --- text ----------------------------------------------------------------------


def _has_token_char(chunk: str) -> bool:
    # FTS5's unicode61 tokenizer keeps letters, numbers and private-use characters
    # and treats everything else as a separator; a chunk without any of them would
    # be an empty phrase, which matches nothing.
    return any(
        unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "Co" for ch in chunk
    )


@dataclass(frozen=True)
class TextQuery:
    """A user's search text split into an FTS5 expression and LIKE substrings."""

    fts: str | None
    like: tuple[str, ...]


def text_query(text: str, *, fts: bool) -> TextQuery:
    """Turn arbitrary typed text into a query that can never be an FTS5 syntax error.

    Each whitespace-separated chunk must match (AND). With FTS, a chunk becomes a
    quoted phrase with a prefix star (``"incid"*``), so operators, quotes,
    ``*``, ``-``, ``NEAR`` or column names in the text are just text; chunks with
    no letter or digit (an emoji, ``#``) fall back to a substring match. Without
    FTS every chunk is a case-insensitive substring match.
    """
    chunks = text.split()
    if not fts:
        return TextQuery(None, tuple(chunks))
    phrases = []
    like = []
    for chunk in chunks:
        if _has_token_char(chunk):
            phrases.append('"' + chunk.replace('"', '""') + '"*')
        else:
            like.append(chunk)
    return TextQuery(" ".join(phrases) or None, tuple(like))


def like_pattern(chunk: str) -> str:
    """``chunk`` as a LIKE pattern matching it anywhere (``%``, ``_`` and ``\\`` escaped)."""
    escaped = chunk.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- SQL -----------------------------------------------------------------------


@dataclass
class Query:
    """A SELECT under construction: FROM clause, conditions and their parameters."""

    source: str
    order_column: str
    conditions: list[str]
    params: list[Any]

    def where(self) -> str:
        return " AND ".join(self.conditions) if self.conditions else "1"


def _driving_index(f: Filters) -> str | None:
    # The most selective indexed equality filter drives the query; status has
    # four values, so it drives only when nothing better is given.
    if f.run_id:
        return "sends_run"
    if f.dialog:
        return "sends_dialog"
    if f.template:
        return "sends_template"
    if len(f.statuses) == 1:
        return "sends_status"
    return None


def _column_phrase(column: str, value: str) -> str | None:
    # A dialog or template filter joins the MATCH as a column filter, so FTS5
    # intersects the doclists itself instead of the join testing every match.
    if not _has_token_char(value):
        return None
    return f'{column} : "' + value.replace('"', '""') + '"'


def build(
    f: Filters,
    text: TextQuery | None,
    *,
    lo: int,
    hi: int,
    status: str | None = None,
) -> Query:
    """The FROM/WHERE for rows matching ``f`` with ``lo <= id < hi``.

    ``status`` overrides ``f.statuses`` with a single value (one branch of a
    multi-status page, which is answered as a union of single-status pages).
    With an FTS expression the full-text index always drives, evaluated once:
    it yields matching rowids newest first and the join checks the remaining
    filters (exactly: a column filter in the MATCH only narrows).
    """
    statuses = (status,) if status is not None else f.statuses
    conditions: list[str] = []
    params: list[Any] = []
    if text is not None and text.fts is not None:
        match = [text.fts]
        if f.dialog and (phrase := _column_phrase("dialog_id", f.dialog)):
            match.append(phrase)
        if f.template and (phrase := _column_phrase("template", f.template)):
            match.append(phrase)
        source = "sends_fts CROSS JOIN sends AS s ON s.id = sends_fts.rowid"
        order = "sends_fts.rowid"
        conditions += ["sends_fts MATCH ?", "sends_fts.rowid >= ?", "sends_fts.rowid < ?"]
        params += [" AND ".join(match), lo, hi]
    else:
        index = _driving_index(Filters(None, f.template, f.dialog, statuses, run_id=f.run_id))
        source = f"sends AS s INDEXED BY {index}" if index else "sends AS s"
        order = "s.id"
        conditions += ["s.id >= ?", "s.id < ?"]
        params += [lo, hi]
    if f.run_id:
        conditions.append("s.run_id = ?")
        params.append(f.run_id)
    if f.dialog:
        conditions.append("s.dialog_id = ?")
        params.append(f.dialog)
    if f.template:
        conditions.append("s.template = ?")
        params.append(f.template)
    if len(statuses) == 1:
        conditions.append("s.status = ?")
        params.append(statuses[0])
    elif statuses:
        conditions.append(f"s.status IN ({', '.join('?' * len(statuses))})")
        params += list(statuses)
    if f.since:
        conditions.append("s.created_at >= ?")
        params.append(f.since)
    if f.until:
        conditions.append("s.created_at < ?")
        params.append(f.until)
    for chunk in text.like if text is not None else ():
        alternatives = " OR ".join(f"s.{c} LIKE ? ESCAPE '\\'" for c in TEXT_COLUMNS)
        conditions.append(f"({alternatives})")
        params += [like_pattern(chunk)] * len(TEXT_COLUMNS)
    return Query(source, order, conditions, params)


def page_sql(
    f: Filters, text: TextQuery | None, *, lo: int, hi: int, limit: int
) -> tuple[str, list[Any]]:
    """One page of full rows, newest first."""
    if len(f.statuses) > 1 and _driving_index(f) is None and (text is None or text.fts is None):
        # ``status IN (…) ORDER BY id DESC`` would sort every matching row; a union
        # of one newest-first page per status sorts at most len(statuses) pages.
        branches = []
        params: list[Any] = []
        for status in f.statuses:
            q = build(f, text, lo=lo, hi=hi, status=status)
            branches.append(
                f"SELECT * FROM (SELECT s.id FROM {q.source} WHERE {q.where()} "
                f"ORDER BY {q.order_column} DESC LIMIT ?)"
            )
            params += [*q.params, limit]
        sql = (
            f"SELECT {SELECT_LIST} FROM sends AS s WHERE s.id IN ({' UNION ALL '.join(branches)}) "
            "ORDER BY s.id DESC LIMIT ?"
        )
        return sql, [*params, limit]
    q = build(f, text, lo=lo, hi=hi)
    sql = (
        f"SELECT {SELECT_LIST} FROM {q.source} WHERE {q.where()} "
        f"ORDER BY {q.order_column} DESC LIMIT ?"
    )
    return sql, [*q.params, limit]


def count_sql(
    f: Filters, text: TextQuery | None, *, lo: int, hi: int, at_most: int | None
) -> tuple[str, list[Any]]:
    """Count matching rows, stopping at ``at_most`` when given."""
    q = build(f, text, lo=lo, hi=hi)
    inner = f"SELECT 1 FROM {q.source} WHERE {q.where()}"
    params = list(q.params)
    if at_most is not None:
        inner += " LIMIT ?"
        params.append(at_most)
    return f"SELECT count(*) FROM ({inner})", params


# --- reads -----------------------------------------------------------------------
# Each takes a connection; History supplies it and maps sqlite errors.


def get(conn: sqlite3.Connection, id: int) -> SendRecord | None:
    """The row with this id, or None."""
    row = conn.execute(f"SELECT {SELECT_LIST} FROM sends AS s WHERE s.id = ?", (id,)).fetchone()
    return SendRecord.from_row(row) if row else None


def _first_id(conn: sqlite3.Connection, sql: str, arg: Any) -> int | None:
    row = conn.execute(sql, (arg,)).fetchone()
    return int(row[0]) if row else None


def id_bounds(
    conn: sqlite3.Connection, f: Filters, before_id: int | None
) -> tuple[int, int] | None:
    """The id range ``[lo, hi)`` that can hold matches, or None when nothing can match.

    Date bounds become id bounds through the created_at index (ids grow with
    time), so a date range narrows whatever index drives to an id range; the
    created_at conditions stay in the query to keep it exact. A run's rows sit
    in a narrow id span, so a run filter bounds a text search the same way.
    """
    lo, hi = 0, MAX_ID if before_id is None else int(before_id)
    if f.since:
        first = _first_id(
            conn,
            "SELECT id FROM sends INDEXED BY sends_created WHERE created_at >= ? "
            "ORDER BY created_at, id LIMIT 1",
            f.since,
        )
        if first is None:
            return None
        lo = first
    if f.until:
        last = _first_id(
            conn,
            "SELECT id FROM sends INDEXED BY sends_created WHERE created_at < ? "
            "ORDER BY created_at DESC, id DESC LIMIT 1",
            f.until,
        )
        if last is None:
            return None
        hi = min(hi, last + 1)
    if f.run_id:
        sql = "SELECT id FROM sends INDEXED BY sends_run WHERE run_id = ? ORDER BY id {} LIMIT 1"
        first = _first_id(conn, sql.format("ASC"), f.run_id)
        last = _first_id(conn, sql.format("DESC"), f.run_id)
        if first is None or last is None:
            return None
        lo, hi = max(lo, first), min(hi, last + 1)
    return (lo, hi) if lo < hi else None


def search(
    conn: sqlite3.Connection, f: Filters, *, fts: bool, limit: int, before_id: int | None
) -> list[SendRecord]:
    """One page of rows matching ``f``, newest first, older than ``before_id``."""
    bounds = id_bounds(conn, f, before_id)
    if bounds is None:
        return []
    tq = text_query(f.text, fts=fts) if f.text else None
    sql, params = page_sql(f, tq, lo=bounds[0], hi=bounds[1], limit=limit)
    return [SendRecord.from_row(row) for row in conn.execute(sql, params)]


def count(conn: sqlite3.Connection, f: Filters, *, fts: bool, at_most: int | None) -> int:
    """How many rows match ``f`` (at most ``at_most``); status-only from the counters."""
    if f.only_statuses:
        wanted = f.statuses or STATUSES
        marks = ", ".join("?" * len(wanted))
        total = conn.execute(
            f"SELECT coalesce(sum(n), 0) FROM status_counts WHERE status IN ({marks})", wanted
        ).fetchone()[0]
        return int(min(total, at_most) if at_most is not None else total)
    bounds = id_bounds(conn, f, None)
    if bounds is None:
        return 0
    tq = text_query(f.text, fts=fts) if f.text else None
    sql, params = count_sql(f, tq, lo=bounds[0], hi=bounds[1], at_most=at_most)
    return int(conn.execute(sql, params).fetchone()[0])


def status_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per status over the whole history, from the trigger-kept counters."""
    counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    counts.update(
        {status: int(n) for status, n in conn.execute("SELECT status, n FROM status_counts")}
    )
    return counts


def recent_dialogs(conn: sqlite3.Connection, limit: int, prefix: str | None) -> list[str]:
    """Dialogs sent to, most recent first, optionally starting with ``prefix``."""
    sql = "SELECT dialog_id FROM dialogs"
    params: list[Any] = []
    if prefix:
        sql += " WHERE dialog_id LIKE ? ESCAPE '\\'"
        params.append(like_pattern(prefix)[1:])  # anchored at the start
    sql += " ORDER BY last_id DESC LIMIT ?"
    params.append(limit)
    return [row[0] for row in conn.execute(sql, params)]


# The latest attempt at each data row of a run (a resumed run adds a new attempt
# for a failed row). The covering index (run_id, row_number, status) yields the
# groups in order, so this reads index entries only; the bare ``status`` comes
# from each group's max(id) row. Rows without a number each stand alone.
_LATEST_IN_RUN = """
    SELECT status, max(id) AS id FROM sends INDEXED BY sends_run_rows
    WHERE run_id = ? AND row_number IS NOT NULL GROUP BY row_number
    UNION ALL
    SELECT status, id FROM sends INDEXED BY sends_run_rows
    WHERE run_id = ? AND row_number IS NULL
"""


def run_status(conn: sqlite3.Connection, run_id: str) -> dict[str, int]:
    """A run's data rows by the status of their latest attempt (all four keys)."""
    counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    rows = conn.execute(
        f"SELECT status, count(*) FROM ({_LATEST_IN_RUN}) GROUP BY status", (run_id, run_id)
    )
    counts.update({status: int(n) for status, n in rows})
    return counts


def run_rows(conn: sqlite3.Connection, run_id: str, *, latest: bool) -> list[SendRecord]:
    """A run's rows by row number: the latest attempt at each data row, or every attempt."""
    if latest:
        sql = (
            f"SELECT {SELECT_LIST} FROM sends AS s WHERE s.id IN "
            f"(SELECT id FROM ({_LATEST_IN_RUN})) ORDER BY s.row_number, s.id"
        )
        args: tuple[str, ...] = (run_id, run_id)
    else:
        sql = (
            f"SELECT {SELECT_LIST} FROM sends AS s INDEXED BY sends_run_rows "
            "WHERE s.run_id = ? ORDER BY s.row_number, s.id"
        )
        args = (run_id,)
    return [SendRecord.from_row(row) for row in conn.execute(sql, args)]


def runs(conn: sqlite3.Connection, limit: int) -> list[RunSummary]:
    """The most recent runs, newest first, each with its rows by latest status."""
    rows = conn.execute(
        "SELECT run_id, created_at, template, profile FROM runs ORDER BY seq DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [
        RunSummary(run_id, created_at, template, profile, counts=run_status(conn, run_id))
        for run_id, created_at, template, profile in rows
    ]
