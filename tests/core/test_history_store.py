"""History store: write-ahead recording, outcomes, secrets, edits, deletes, retention, export."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24notify.core import paths
from b24notify.core.errors import HistoryError, UsageError
from b24notify.core.history import History, SendRecord, scrub
from b24notify.core.history_schema import RECORD_FIELDS


class Clock:
    """A settable time source for History(clock=...)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def history(tmp_path: Path, clock: Clock) -> Iterator[History]:
    with History(tmp_path / "h" / "history.sqlite3", clock=clock) as h:
        yield h


def send(h: History, **over: Any) -> int:
    fields: dict[str, Any] = {
        "profile": "main",
        "portal": "example.bitrix24.com",
        "api": "v1",
        "method": "imbot.message.add",
        "bot_id": 7,
        "dialog_id": "chat42",
        "template": "incident/opened",
        "template_hash": "abc123",
        "values": {"ticket": 42},
        "params": {"BOT_ID": 7, "DIALOG_ID": "chat42", "MESSAGE": "Incident #42"},
        "message_text": "Incident #42",
    }
    fields.update(over)
    return h.record_pending(**fields)


# --- write-ahead -------------------------------------------------------------------


def test_pending_row_is_committed_before_record_pending_returns(history: History) -> None:
    id_ = send(history)
    # Another connection (as another process would) already sees the row.
    other = sqlite3.connect(history.path)
    try:
        row = other.execute("SELECT status, dialog_id FROM sends WHERE id = ?", (id_,)).fetchone()
    finally:
        other.close()
    assert row == ("pending", "chat42")


def test_finish_records_the_outcome(history: History, clock: Clock) -> None:
    id_ = send(history)
    created = history.get(id_)
    assert created is not None and created.status == "pending" and not created.finished
    clock.advance(seconds=2)
    done = history.finish(
        id_, "sent", message_id=19880117, http_status=200, attempts=2, duration_ms=123.4
    )
    assert done.status == "sent" and done.finished
    assert (done.message_id, done.http_status, done.attempts, done.duration_ms) == (
        19880117,
        200,
        2,
        123.4,
    )
    assert done.created_at == created.created_at
    assert done.updated_at > done.created_at
    assert done.created == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert history.get(id_) == done


def test_failed_outcome_keeps_code_and_description(history: History) -> None:
    id_ = send(history)
    done = history.finish(
        id_,
        "failed",
        error_code="DIALOG_ID_EMPTY",
        error_description="Dialog ID can't be empty",
        http_status=400,
    )
    assert (done.error_code, done.error_description, done.http_status) == (
        "DIALOG_ID_EMPTY",
        "Dialog ID can't be empty",
        400,
    )


def test_huge_error_description_is_truncated(history: History) -> None:
    id_ = send(history)
    done = history.finish(id_, "unknown", error_description="<html>" + "x" * 50_000)
    assert done.error_description is not None and len(done.error_description) == 4000


@pytest.mark.parametrize(
    ("first", "then", "allowed"),
    [
        ("sent", "failed", False),
        ("failed", "sent", False),
        ("unknown", "sent", True),
        ("unknown", "failed", True),
    ],
)
def test_which_outcomes_can_be_corrected(
    history: History, first: str, then: str, allowed: bool
) -> None:
    id_ = send(history)
    history.finish(id_, first)  # type: ignore[arg-type]
    if allowed:
        assert history.finish(id_, then).status == then  # type: ignore[arg-type]
    else:
        with pytest.raises(HistoryError, match=f"#{id_} is already {first}"):
            history.finish(id_, then)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda h: h.finish(1, "pending"), UsageError, "only be finished as"),
        (lambda h: h.finish(999, "sent"), HistoryError, "#999 is not in the history"),
        (lambda h: h.record_pending(dialog="chat1"), UsageError, "Unknown history field 'dialog'"),
        (lambda h: h.record_pending(api="v3"), UsageError, "'api' must be 'v1' or 'v2'"),
        (lambda h: h.record_pending(bot_id="seven"), UsageError, "'bot_id' must be a whole"),
        (lambda h: h.search(limit=0), UsageError, "page size"),
        (lambda h: h.search(status="done"), UsageError, "Unknown send status 'done'"),
        (lambda h: h.search(since="yesterday"), UsageError, "'since' is not a date"),
        (lambda h: h.apply_retention(0), UsageError, "retention"),
        (lambda h: h.export("x.xml", "xml"), UsageError, "Unknown export format"),
        (lambda h: h.mark_deleted(999), HistoryError, "#999 is not in the history"),
    ],
)
def test_bad_calls_get_one_clear_sentence(
    history: History, call: Any, error: type[Exception], message: str
) -> None:
    send(history)
    with pytest.raises(error, match=message) as info:
        call(history)
    assert "\n" not in str(info.value)


def test_record_pending_many_is_one_transaction(history: History) -> None:
    rows = [{"dialog_id": f"chat{i}", "run_id": "r1", "row_number": i} for i in range(1, 6)]
    ids = history.record_pending_many(rows)
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert [history.get(i).dialog_id for i in ids] == [r["dialog_id"] for r in rows]  # type: ignore[union-attr]
    # A bad row anywhere means nothing of the batch is written.
    with pytest.raises(UsageError):
        history.record_pending_many([{"dialog_id": "chat9"}, {"bogus": 1}])
    assert history.count() == 5


def test_portal_is_reduced_to_its_host(history: History) -> None:
    id_ = send(history, portal="https://example.bitrix24.com:8443/rest/1/abcdefsecret/")
    record = history.get(id_)
    assert record is not None and record.portal == "example.bitrix24.com:8443"


# --- recovery (in process; the crash of another process is in test_history_process) ----


def test_recover_pending_leaves_rows_of_an_open_history_alone(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    sender = History(path)
    id_ = send(sender)
    with History(path) as starter:
        assert starter.recover_pending() == []
        assert starter.get(id_).status == "pending"  # type: ignore[union-attr]
        sender.close()  # the sender goes away without finishing: abandoned
        assert starter.recover_pending() == [id_]
        record = starter.get(id_)
        assert record is not None and record.status == "unknown"
        assert record.note is not None and "Check the chat before resending" in record.note
        assert starter.recover_pending() == []


def test_a_pending_row_older_than_an_hour_is_recovered_even_if_its_owner_lives(
    tmp_path: Path, clock: Clock
) -> None:
    with History(tmp_path / "h.sqlite3", clock=clock) as h:
        id_ = send(h)
        assert h.recover_pending() == []
        clock.advance(hours=2)
        assert h.recover_pending() == [id_]


# --- secrets --------------------------------------------------------------------------

SECRETS = [
    "S3cretClientId77",
    "BotTok3nValue88",
    "AccessTok3n99",
    "RefreshTok3n11",
    "ClientS3cret22",
    "whcode5ecret33",
    "AuthTok3n44",
]


def _assert_no_secret_in(folder: Path) -> None:
    files = [p for p in folder.iterdir() if p.is_file()]
    assert files
    for file in files:
        data = file.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, f"{secret} found in {file.name}"


def test_no_secret_reaches_the_database_file(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    hook = "https://example.bitrix24.com/rest/1/whcode5ecret33/"
    with History(folder / "history.sqlite3") as h:
        id_ = h.record_pending(
            portal=hook,
            dialog_id="chat1",
            params={
                "CLIENT_ID": "S3cretClientId77",
                "fields": {"message": "hi", "botToken": "BotTok3nValue88"},
                "batch": [{"Auth": "AuthTok3n44"}, {"ACCESS_TOKEN": "AccessTok3n99"}],
                "url": hook + "imbot.message.add",
            },
            values={"refresh-token": "RefreshTok3n11", "Client_Secret": "ClientS3cret22"},
            message_text=f"see {hook}",
            note=f"called {hook}",
        )
        h.finish(id_, "failed", error_description=f"POST {hook}imbot.message.add failed")
        record = h.get(id_)
        assert (folder / "history.sqlite3-wal").exists()
        _assert_no_secret_in(folder)  # the write-ahead log while open
        h.export(folder / "out.csv")
        h.export(folder / "out.json", "json")
    _assert_no_secret_in(folder)  # the database after the checkpoint, and the exports
    assert record is not None
    assert record.portal == "example.bitrix24.com"
    assert record.params["CLIENT_ID"] == "<client-id>"
    assert record.params["fields"]["botToken"] == "<bot-token>"
    assert record.params["batch"] == [
        {"Auth": "<access-token>"},
        {"ACCESS_TOKEN": "<access-token>"},
    ]
    assert (
        record.params["url"]
        == "https://example.bitrix24.com/rest/1/<webhook-code>/imbot.message.add"
    )
    assert record.values == {"refresh-token": "<refresh-token>", "Client_Secret": "<client-secret>"}
    assert "<webhook-code>" in record.message_text
    assert record.note is not None and "<webhook-code>" in record.note
    assert record.error_description is not None and "<webhook-code>" in record.error_description


@pytest.mark.parametrize(
    ("key", "mask"),
    [
        ("CLIENT_ID", "<client-id>"),
        ("client_id", "<client-id>"),
        ("clientId", "<client-id>"),
        ("botToken", "<bot-token>"),
        ("BOT_TOKEN", "<bot-token>"),
        ("auth", "<access-token>"),
        ("AUTH", "<access-token>"),
        ("access_token", "<access-token>"),
        ("refresh_token", "<refresh-token>"),
        ("client_secret", "<client-secret>"),
    ],
)
def test_secret_keys_are_masked_in_any_case(key: str, mask: str) -> None:
    assert scrub({"a": [{key: "value"}]}) == {"a": [{key: mask}]}


@pytest.mark.parametrize("key", ["MESSAGE", "DIALOG_ID", "author", "authority", "token_count"])
def test_ordinary_keys_are_kept(key: str) -> None:
    assert scrub({key: "value"}) == {key: "value"}


_SECRET_KEYS = st.sampled_from(
    ["CLIENT_ID", "clientId", "botToken", "bot_token", "auth", "Access_Token", "REFRESH_TOKEN"]
)
_json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | _SECRET_KEYS, inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(data=_json_like, key=_SECRET_KEYS, secret=st.text(min_size=1, max_size=20))
def test_scrub_removes_a_secret_wherever_it_is_nested(data: Any, key: str, secret: str) -> None:
    marker = f"§{secret}§"  # cannot occur in the generated data by chance
    planted = {"outer": [data, {"x": {key: marker}}]}
    assert marker not in json.dumps(scrub(planted), ensure_ascii=False)


# --- edits, deletes, retention ------------------------------------------------------------


def test_mark_edited_and_deleted(history: History) -> None:
    id_ = send(history)
    history.finish(id_, "sent", message_id=5)
    edited = history.mark_edited(
        id_, message_text="Incident #42 (fixed)", params={"MESSAGE": "x", "CLIENT_ID": "zz"}
    )
    assert edited.edited_at is not None and edited.message_text == "Incident #42 (fixed)"
    assert edited.params == {"MESSAGE": "x", "CLIENT_ID": "<client-id>"}
    assert [r.id for r in history.search(text="fixed")] == [id_]
    deleted = history.mark_deleted(id_, note="removed by request")
    assert deleted.deleted_at is not None and deleted.note == "removed by request"
    with pytest.raises(HistoryError, match="already deleted"):
        history.mark_deleted(id_)
    with pytest.raises(HistoryError, match="already deleted"):
        history.mark_edited(id_)


@pytest.mark.parametrize("status", ["pending", "failed", "unknown"])
def test_only_a_delivered_message_can_be_edited_or_deleted(history: History, status: str) -> None:
    id_ = send(history)
    if status != "pending":
        history.finish(id_, status)  # type: ignore[arg-type]
    with pytest.raises(HistoryError, match=f"not delivered \\(status {status}\\)"):
        history.mark_edited(id_)
    with pytest.raises(HistoryError, match="not delivered"):
        history.mark_deleted(id_)


def test_delete_forgets_rows_dialogs_and_counts(history: History) -> None:
    a = send(history, dialog_id="chat1")
    b = send(history, dialog_id="chat2")
    c = send(history, dialog_id="chat2")
    history.finish(a, "sent")
    assert history.recent_dialogs() == ["chat2", "chat1"]
    assert history.delete([a, b, a, 12345]) == 2
    assert history.get(a) is None and history.get(b) is None
    assert history.recent_dialogs() == ["chat2"]
    assert history.status_counts() == {"pending": 1, "sent": 0, "failed": 0, "unknown": 0}
    assert history.count() == 1 and history.get(c) is not None


def test_retention_deletes_finished_rows_older_than_the_limit(
    history: History, clock: Clock
) -> None:
    now = clock.now
    ids = {}
    for age in (100, 50, 31, 29, 1):
        clock.now = now - timedelta(days=age)
        ids[age] = send(history, message_text=f"{age} days old")
        if age != 50:
            history.finish(ids[age], "sent")
    clock.now = now
    assert history.apply_retention(None) == 0
    assert history.apply_retention(30) == 2  # 100 and 31; the pending one at 50 stays
    left = {r.id for r in history.search()}
    assert left == {ids[50], ids[29], ids[1]}
    assert history.apply_retention(30) == 0
    assert history.count() == 3


def test_retention_works_in_chunks_over_many_rows(history: History, clock: Clock) -> None:
    clock.advance(days=-400)
    ids = history.record_pending_many([{"dialog_id": str(i % 50)} for i in range(12_000)])
    conn = sqlite3.connect(history.path)  # finish them all at once: finish() per row is slow
    try:
        with conn:
            conn.execute("UPDATE sends SET status = 'sent'")
    finally:
        conn.close()
    clock.advance(days=400)
    keep = send(history)
    assert history.apply_retention(365) == len(ids)
    assert [r.id for r in history.search()] == [keep]
    assert history.status_counts()["sent"] == 0


# --- export ------------------------------------------------------------------------------


def _filled(h: History) -> list[SendRecord]:
    a = send(h, message_text='Quote " comma , newline\nend', values={"d": "2025-01-01"})
    h.finish(a, "sent", message_id=1, duration_ms=12.5, attempts=1)
    b = send(h, dialog_id="42", message_text="Сервер недоступен ☃", run_id="r1", row_number=3)
    h.finish(b, "failed", error_code="ACCESS_DENIED", error_description="No", http_status=403)
    send(h, template="ticket/resolved", message_text="=cmd|' /C calc'!A0")
    return h.search()


def _from_csv(row: dict[str, str]) -> dict[str, Any]:
    types = {f: t for f, t in SendRecord.__annotations__.items()}
    out: dict[str, Any] = {}
    for name, text in row.items():
        kind = str(types[name])
        if name in ("values", "params"):
            out[name] = json.loads(text)
        elif text == "" and "None" in kind:
            out[name] = None
        elif kind.startswith("int"):
            out[name] = int(text)
        elif kind.startswith("float"):
            out[name] = float(text)
        else:
            out[name] = text
    return out


def test_export_csv_round_trips(history: History, tmp_path: Path) -> None:
    records = _filled(history)
    target = tmp_path / "export.csv"
    assert history.export(target) == 3
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read UTF-8
    with target.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(RECORD_FIELDS)
    assert [SendRecord(**_from_csv(r)) for r in rows] == records


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_export_json_round_trips(history: History, tmp_path: Path, fmt: str) -> None:
    records = _filled(history)
    target = tmp_path / f"export.{fmt}"
    assert history.export(target, fmt) == 3  # type: ignore[arg-type]
    text = target.read_text(encoding="utf-8")
    data = json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines()]
    assert [SendRecord(**d) for d in data] == records


def test_export_applies_filters_and_handles_no_rows(history: History, tmp_path: Path) -> None:
    _filled(history)
    assert history.export(tmp_path / "failed.json", "json", status="failed") == 1
    assert json.loads((tmp_path / "failed.json").read_text())[0]["error_code"] == "ACCESS_DENIED"
    assert history.export(tmp_path / "none.json", "json", text="nothingmatches") == 0
    assert json.loads((tmp_path / "none.json").read_text()) == []


def test_export_pages_through_more_rows_than_a_page(history: History, tmp_path: Path) -> None:
    ids = history.record_pending_many([{"dialog_id": str(i)} for i in range(2500)])
    assert history.export(tmp_path / "all.jsonl", "jsonl") == 2500
    lines = (tmp_path / "all.jsonl").read_text().splitlines()
    assert [json.loads(x)["id"] for x in lines] == ids[::-1]


def test_failed_export_leaves_no_partial_file(history: History, tmp_path: Path) -> None:
    send(history)
    with pytest.raises(HistoryError, match="Could not export the history to"):
        history.export(tmp_path / "missing-dir" / "out.csv")
    assert list(tmp_path.glob("**/*.tmp")) == []


# --- opening, closing, threads ------------------------------------------------------------


def test_default_location_is_under_the_b24notify_home() -> None:
    with History.default() as h:
        assert h.path == paths.history_file()
        assert h.path.exists()


def test_open_creates_folders_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "history.sqlite3"
    with History(path) as h:
        send(h)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_a_file_that_is_not_a_history_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(HistoryError) as info:
        History(path)
    assert str(path) in str(info.value)
    assert "not a b24notify history database" in str(info.value)


def test_a_folder_that_cannot_be_created_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HistoryError, match="Cannot create the history folder"):
        History(blocker / "sub" / "history.sqlite3")


def test_a_write_that_waits_too_long_for_the_lock_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with History(path, busy_timeout=0.2) as h:
        blocker = sqlite3.connect(path, isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            with pytest.raises(HistoryError, match=r"busy with another write for over 0\.2 s"):
                send(h)
            assert h.search() == []  # reads go on beside a writer
            blocker.execute("ROLLBACK")
        finally:
            blocker.close()
        assert send(h) == 1  # and writing works again once the lock is free


def test_a_directory_in_place_of_the_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "history.sqlite3").mkdir()
    with pytest.raises(HistoryError, match="cannot be opened \\(check the path"):
        History(tmp_path / "history.sqlite3")


def test_closed_history_refuses_work(tmp_path: Path) -> None:
    h = History(tmp_path / "h.sqlite3")
    h.close()
    h.close()
    with pytest.raises(HistoryError, match="is closed"):
        h.search()


def test_each_thread_reads_and_writes_through_its_own_connection(history: History) -> None:
    errors: list[BaseException] = []
    ids: list[int] = []

    def worker() -> None:
        try:
            ids.append(send(history))
            history.search(text="incident")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.id for r in history.search()) == sorted(ids)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_threads_that_come_and_go_do_not_leak_connections(history: History) -> None:
    def handles() -> int:
        fds = Path("/proc/self/fd").iterdir()
        return sum(str(history.path) in os.path.realpath(fd) for fd in fds)

    def one_page() -> None:
        history.search(text="incident")

    send(history)
    one_page()
    before = handles()
    for _ in range(40):  # like a UI that runs each search in a fresh worker thread
        t = threading.Thread(target=one_page)
        t.start()
        t.join()
    assert handles() <= before + 3  # at most the last thread's connection is still open


_op = st.one_of(
    st.tuples(st.just("record"), st.sampled_from(["chat1", "chat2", "7"])),
    st.tuples(st.just("finish"), st.sampled_from(["sent", "failed", "unknown"])),
    st.tuples(st.just("delete"), st.integers(0, 30)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(_op, max_size=25))
def test_counters_always_match_the_rows(tmp_path: Path, ops: list[tuple[str, Any]]) -> None:
    path = tmp_path / f"{abs(hash(tuple(ops)))}.sqlite3"
    with History(path) as h:
        for op, arg in ops:
            if op == "record":
                send(h, dialog_id=arg)
            elif op == "finish":
                pending = h.search(status="pending", limit=1)
                if pending:
                    h.finish(pending[0].id, arg)
            else:
                h.delete([arg])
        conn = sqlite3.connect(path)
        try:
            actual = dict(conn.execute("SELECT status, count(*) FROM sends GROUP BY status"))
            dialogs = {r[0] for r in conn.execute("SELECT DISTINCT dialog_id FROM sends")}
        finally:
            conn.close()
        assert {k: v for k, v in h.status_counts().items() if v} == actual
        assert h.count() == sum(actual.values())
        assert set(h.recent_dialogs(100)) == dialogs
    path.unlink()
