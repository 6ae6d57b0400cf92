"""History search: filters, keyset paging, full-text and fallback text search, counts, plans."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24notify.core import history_query as hq
from b24notify.core.history import History, SendRecord

START = datetime(2025, 1, 1, 0, 0, tzinfo=UTC)
TEMPLATES = ["incident/opened", "incident/resolved", "ticket/resolved", "maintenance"]
DIALOGS = ["chat1", "chat22", "42", "7"]
MESSAGES = [
    "Incident #{i} opened: database cluster degraded",
    "Incident #{i} resolved, all systems normal",
    "Your ticket {i} is resolved — merci, café offert",
    "Maintenance window tonight: Сервер телефонии будет недоступен",
    "Payment gateway timeout; 50% of requests fail",
    "Escalation [b]#{i}[/b] for user_name john_doe",
]
STATUS_CYCLE = ["sent", "sent", "failed", "sent", "unknown", "sent", "pending"]
ROWS = 140


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def populate(h: History, clock: Clock) -> list[SendRecord]:
    """ROWS sends, one an hour from START, cycling templates, dialogs, texts and statuses."""
    for i in range(ROWS):
        clock.now = START + timedelta(hours=i)
        id_ = h.record_pending(
            dialog_id=DIALOGS[i % len(DIALOGS)],
            template=TEMPLATES[i % len(TEMPLATES)],
            message_text=MESSAGES[i % len(MESSAGES)].format(i=i),
            run_id=f"run{i // 50}" if i >= 50 else None,
            row_number=(i % 50) + 1 if i >= 50 else None,
        )
        status = STATUS_CYCLE[i % len(STATUS_CYCLE)]
        if status == "failed":
            h.finish(id_, "failed", error_code="ACCESS_DENIED" if i % 2 else "DIALOG_ID_EMPTY")
        elif status != "pending":
            h.finish(id_, status)  # type: ignore[arg-type]
    clock.now = START + timedelta(hours=ROWS)
    return h.search(limit=10_000)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[History, list[SendRecord]]]:
    clock = Clock()
    path = tmp_path_factory.mktemp("search") / "history.sqlite3"
    with History(path, clock=clock) as h:
        records = populate(h, clock)
        yield h, records


@pytest.fixture(scope="module")
def like_dataset(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[History, list[SendRecord]]]:
    clock = Clock()
    path = tmp_path_factory.mktemp("like") / "history.sqlite3"
    with History(path, clock=clock, fts=False) as h:
        records = populate(h, clock)
        yield h, records


# --- a reference model of the text rules, to compare the database against ----------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", _fold(text))


def fts_matches(record: SendRecord, query: str) -> bool:
    """Every chunk is a phrase whose last token is a prefix, in one of the text columns."""
    columns = [record.message_text, record.template, record.dialog_id, record.error_code or ""]
    for chunk in _chunks(query):
        words = _tokens(chunk)
        if not words:
            if not any(chunk.lower() in c.lower() for c in columns):
                return False
            continue
        found = False
        for column in columns:
            toks = _tokens(column)
            for start in range(len(toks) - len(words) + 1):
                window = toks[start : start + len(words)]
                if window[:-1] == words[:-1] and window[-1].startswith(words[-1]):
                    found = True
        if not found:
            return False
    return True


def like_matches(record: SendRecord, query: str) -> bool:
    columns = [record.message_text, record.template, record.dialog_id, record.error_code or ""]
    return all(
        any(_ascii_lower(chunk) in _ascii_lower(c) for c in columns) for chunk in _chunks(query)
    )


def _chunks(query: str) -> list[str]:
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in query).split()


def _ascii_lower(text: str) -> str:
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def all_pages(h: History, page: int, **filters: Any) -> list[SendRecord]:
    out: list[SendRecord] = []
    before = None
    while True:
        rows = h.search(**filters, limit=page, before_id=before)
        assert len(rows) <= page
        out += rows
        if len(rows) < page:
            return out
        before = rows[-1].id


def _local(hours: int) -> datetime:
    return (START + timedelta(hours=hours)).astimezone()


FILTERS: list[tuple[str, dict[str, Any], Callable[[SendRecord], bool]]] = [
    ("everything", {}, lambda r: True),
    ("template", {"template": "incident/opened"}, lambda r: r.template == "incident/opened"),
    ("dialog", {"dialog": "42"}, lambda r: r.dialog_id == "42"),
    ("dialog as int-like", {"dialog": "7"}, lambda r: r.dialog_id == "7"),
    ("status", {"status": "failed"}, lambda r: r.status == "failed"),
    (
        "two statuses",
        {"status": ["failed", "unknown"]},
        lambda r: r.status in ("failed", "unknown"),
    ),
    ("run", {"run_id": "run1"}, lambda r: r.run_id == "run1"),
    (
        "since+until",
        {"since": START + timedelta(hours=30), "until": START + timedelta(hours=80)},
        lambda r: START + timedelta(hours=30) <= r.created < START + timedelta(hours=80),
    ),
    (
        "naive local times",
        {"since": _local(10).replace(tzinfo=None), "until": _local(20).replace(tzinfo=None)},
        lambda r: START + timedelta(hours=10) <= r.created < START + timedelta(hours=20),
    ),
    (
        "iso strings",
        {"since": "2025-01-02T00:00:00Z", "until": "2025-01-03T12:00:00+00:00"},
        lambda r: (
            datetime(2025, 1, 2, tzinfo=UTC) <= r.created < datetime(2025, 1, 3, 12, tzinfo=UTC)
        ),
    ),
    ("text", {"text": "resolved"}, lambda r: fts_matches(r, "resolved")),
    (
        "text+status",
        {"text": "incident", "status": "sent"},
        lambda r: fts_matches(r, "incident") and r.status == "sent",
    ),
    (
        "text+dialog",
        {"text": "resolved", "dialog": "chat22"},
        lambda r: fts_matches(r, "resolved") and r.dialog_id == "chat22",
    ),
    (
        "text+template",
        {"text": "incident", "template": "incident/resolved"},
        lambda r: fts_matches(r, "incident") and r.template == "incident/resolved",
    ),
    (
        "text+run+statuses",
        {"text": "ticket", "run_id": "run0", "status": ["sent", "pending"]},
        lambda r: (
            fts_matches(r, "ticket") and r.run_id == "run0" and r.status in ("sent", "pending")
        ),
    ),
    (
        "text+dates",
        {"text": "payment", "since": START + timedelta(hours=20)},
        lambda r: fts_matches(r, "payment") and r.created >= START + timedelta(hours=20),
    ),
    (
        "all filters",
        {
            "text": "incident",
            "template": "incident/opened",
            "dialog": "chat1",
            "status": "sent",
            "since": START,
            "until": START + timedelta(days=30),
        },
        lambda r: (
            fts_matches(r, "incident")
            and (r.template, r.dialog_id, r.status) == ("incident/opened", "chat1", "sent")
        ),
    ),
    ("nothing", {"dialog": "chat999"}, lambda r: False),
    ("empty date range", {"since": START + timedelta(days=99)}, lambda r: False),
    ("unknown run", {"run_id": "nope"}, lambda r: False),
]


@pytest.mark.parametrize(("name", "filters", "expect"), FILTERS, ids=[f[0] for f in FILTERS])
@pytest.mark.parametrize("page", [1, 7, 50])
def test_keyset_pages_return_every_match_once_newest_first(
    dataset: tuple[History, list[SendRecord]],
    name: str,
    filters: dict[str, Any],
    expect: Callable[[SendRecord], bool],
    page: int,
) -> None:
    h, records = dataset
    wanted = [r.id for r in records if expect(r)]
    got = [r.id for r in all_pages(h, page, **filters)]
    assert got == wanted
    assert h.count(**filters) == len(wanted)
    assert h.count(**filters, at_most=3) == min(3, len(wanted))


def test_the_reference_data_has_what_the_table_needs(
    dataset: tuple[History, list[SendRecord]],
) -> None:
    _, records = dataset
    assert len(records) == ROWS
    assert {r.status for r in records} == {"pending", "sent", "failed", "unknown"}
    assert [r.id for r in records] == sorted((r.id for r in records), reverse=True)


def test_a_plain_date_until_means_through_that_day(
    dataset: tuple[History, list[SendRecord]],
) -> None:
    h, records = dataset
    day = START.astimezone().date() + timedelta(days=2)
    got = {r.id for r in h.search(since=day, until=day, limit=1000)}
    wanted = {r.id for r in records if r.created.astimezone().date() == day}
    assert got == wanted and len(wanted) == 24
    assert h.search(since=day.isoformat(), until=day.isoformat(), limit=1000) == h.search(
        since=day, until=day, limit=1000
    )


TEXT_CASES = [
    "incident",
    "INCIDENT",
    "incid",
    "incident resolved",
    "resolved incident",
    "cafe",
    "café",
    "Сервер",
    "телефон",
    "ACCESS_DENIED",
    "access_denied",
    "dialog_id_empty",
    "user_name",
    "chat22",
    "ticket/resolved",
    "#12",
    "50%",
    "[b]",
    "—",
    "zzz",
]


@pytest.mark.parametrize("query", TEXT_CASES)
def test_full_text_search_follows_the_word_prefix_rules(
    dataset: tuple[History, list[SendRecord]], query: str
) -> None:
    h, records = dataset
    assert h.fts_enabled
    got = [r.id for r in h.search(text=query, limit=1000)]
    assert got == [r.id for r in records if fts_matches(r, query)]


@pytest.mark.parametrize("query", TEXT_CASES)
def test_without_fts_text_search_is_a_substring_match(
    like_dataset: tuple[History, list[SendRecord]], query: str
) -> None:
    h, records = like_dataset
    assert not h.fts_enabled
    got = [r.id for r in h.search(text=query, limit=1000)]
    assert got == [r.id for r in records if like_matches(r, query)]
    assert h.count(text=query) == len(got)


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ('"incident', "incident"),
        ('incident"', "incident"),
        ('""', None),
        ("incid*", "incident"),
        ("*", None),
        ("-incident", "incident"),
        ("incident -resolved", "incident resolved"),
        ("NOT", None),
        ("incident AND", None),
        ("incident OR resolved", None),
        ("NEAR(incident resolved)", None),  # the phrases "near incident" and "resolved"
        ("message_text:incident", "message text incident"),
        ("{template}: incident", None),
        ("^incident", "incident"),
        ("(incident", "incident"),
        ("incident)", "incident"),
        ("\\", None),
        ("'; DROP TABLE sends; --", None),
        ("%", None),
        ("_", None),
        ("😀", None),
        ("日本語", None),
        ("\x00", None),
        ("a\u0301", None),
    ],
)
def test_fts_syntax_in_the_text_is_just_text(
    dataset: tuple[History, list[SendRecord]], query: str, finds: str | None
) -> None:
    h, records = dataset
    got = [r.id for r in h.search(text=query, limit=1000)]
    assert got == [r.id for r in records if fts_matches(r, query)]
    if finds is not None:
        assert got == [r.id for r in h.search(text=finds, limit=1000)]
    h.count(text=query)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=40))
def test_any_text_is_a_valid_query(
    dataset: tuple[History, list[SendRecord]],
    like_dataset: tuple[History, list[SendRecord]],
    query: str,
) -> None:
    for h, _ in (dataset, like_dataset):
        rows = h.search(text=query, limit=5)
        assert len(rows) <= 5
        assert h.count(text=query, at_most=5) >= len(rows)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(st.sampled_from(_tokens(" ".join(MESSAGES + TEMPLATES))), min_size=1, max_size=3)
)
def test_words_from_the_data_match_like_the_reference(
    dataset: tuple[History, list[SendRecord]], words: list[str]
) -> None:
    h, records = dataset
    query = " ".join(words)
    assert [r.id for r in h.search(text=query, limit=1000)] == [
        r.id for r in records if fts_matches(r, query)
    ]


# --- counts, completion, search index upkeep -------------------------------------------------


def test_counts(dataset: tuple[History, list[SendRecord]]) -> None:
    h, records = dataset
    by_status = {s: sum(r.status == s for r in records) for s in hq.STATUSES}
    assert h.status_counts() == by_status
    assert h.count() == ROWS
    assert h.count(status="failed") == by_status["failed"]
    assert h.count(status=["failed", "unknown"]) == by_status["failed"] + by_status["unknown"]
    assert h.count(at_most=10) == 10


def test_recent_dialogs_newest_first_with_prefix(dataset: tuple[History, list[SendRecord]]) -> None:
    h, records = dataset
    order = list(dict.fromkeys(r.dialog_id for r in records))
    assert h.recent_dialogs() == order
    assert h.recent_dialogs(2) == order[:2]
    assert h.recent_dialogs(prefix="chat") == [d for d in order if d.startswith("chat")]
    assert h.recent_dialogs(prefix="%") == []


def test_search_sees_edits_and_forgets_deleted_rows(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        a = h.record_pending(message_text="original wording", dialog_id="chat1")
        b = h.record_pending(message_text="original too", dialog_id="chat2")
        h.finish(a, "sent")
        h.mark_edited(a, message_text="corrected wording")
        assert [r.id for r in h.search(text="original")] == [b]
        assert [r.id for r in h.search(text="corrected")] == [a]
        h.finish(b, "failed", error_code="KEYBOARD_ERROR")
        assert [r.id for r in h.search(text="keyboard_error")] == [b]
        h.delete([b])
        assert h.search(text="original") == []
        assert h.count(text="orig") == 0


def test_text_index_is_rebuilt_after_rows_were_written_without_it(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with History(path) as h:
        first = h.record_pending(message_text="written with the index")
    with History(path, fts=False) as h:
        assert not h.fts_enabled
        second = h.record_pending(message_text="written without the index")
        assert [r.id for r in h.search(text="without")] == [second]
    with History(path) as h:
        assert h.fts_enabled
        assert [r.id for r in h.search(text="written")] == [second, first]
        assert [r.id for r in h.search(text="without")] == [second]


# --- query plans: every page is an index walk, never a scan or a sort of the table ------------

PLAN_CASES: list[tuple[str, dict[str, Any]]] = [
    ("first page", {}),
    ("next page", {"before_id": 500}),
    ("text", {"text": "incident"}),
    ("text, two words", {"text": "incident resolved"}),
    ("text + status", {"text": "incident", "status": "failed"}),
    ("text + two statuses", {"text": "incident", "status": ["failed", "unknown"]}),
    ("text + dialog", {"text": "incident", "dialog": "chat1"}),
    ("text + run", {"text": "incident", "run_id": "run1"}),
    ("status", {"status": "failed"}),
    ("dialog", {"dialog": "chat1"}),
    ("template", {"template": "incident/opened"}),
    ("run", {"run_id": "run1"}),
    ("dialog + status", {"dialog": "chat1", "status": "failed"}),
    ("dates", {"since": START, "until": START + timedelta(days=1)}),
    ("dates + status", {"since": START, "status": "unknown"}),
]


def _plan(conn: sqlite3.Connection, sql: str, params: list[Any]) -> list[str]:
    return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


@pytest.fixture(params=["fresh", "analyzed"])
def plan_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sqlite3.Connection]:
    path = tmp_path / "plans.sqlite3"
    clock = Clock()
    with History(path, clock=clock) as h:
        if request.param == "analyzed":
            populate(h, clock)
    conn = sqlite3.connect(path)
    if request.param == "analyzed":
        conn.execute("ANALYZE")  # statistics must not tempt the planner into a scan
    yield conn
    conn.close()


@pytest.mark.parametrize(("name", "filters"), PLAN_CASES, ids=[c[0] for c in PLAN_CASES])
def test_pages_and_counts_use_an_index_not_a_table_scan(
    plan_db: sqlite3.Connection, name: str, filters: dict[str, Any]
) -> None:
    before = filters.pop("before_id", None)
    f = hq.make_filters(**filters)
    text = hq.text_query(f.text, fts=True) if f.text else None
    sql, params = hq.page_sql(f, text, lo=0, hi=before or hq.MAX_ID, limit=50)
    page_plan = _plan(plan_db, sql, params)
    sql, params = hq.count_sql(f, text, lo=0, hi=hq.MAX_ID, at_most=10_000)
    count_plan = _plan(plan_db, sql, params)
    for plan in (page_plan, count_plan):
        scans = [step for step in plan if re.match(r"SCAN (s|sends)\b", step)]
        assert scans == [], plan
        assert any(
            "USING INDEX" in step
            or "USING COVERING INDEX" in step
            or "INTEGER PRIMARY KEY" in step
            or "VIRTUAL TABLE INDEX" in step
            for step in plan
        ), plan
    # A sort would cost O(matches); only the multi-status union sorts, at most
    # one page per status.
    sorts = [step for step in page_plan if "TEMP B-TREE FOR ORDER BY" in step]
    if isinstance(filters.get("status"), list) and "text" not in filters:
        assert len(sorts) <= 1
    else:
        assert sorts == [], page_plan


def test_date_bounds_and_run_lookups_use_indexes(plan_db: sqlite3.Connection) -> None:
    for sql in (
        "SELECT id FROM sends INDEXED BY sends_created WHERE created_at >= ? "
        "ORDER BY created_at, id LIMIT 1",
        "SELECT id FROM sends INDEXED BY sends_run WHERE run_id = ? ORDER BY id DESC LIMIT 1",
    ):
        plan = _plan(plan_db, sql, ["x"])
        assert all("SEARCH" in step for step in plan) and not any("TEMP" in s for s in plan), plan


def test_text_search_is_driven_by_the_fts_index(plan_db: sqlite3.Connection) -> None:
    f = hq.make_filters(text="incident", dialog="chat1")
    sql, params = hq.page_sql(f, hq.text_query("incident", fts=True), lo=0, hi=hq.MAX_ID, limit=50)
    plan = _plan(plan_db, sql, params)
    assert "VIRTUAL TABLE INDEX" in plan[0] and "sends_fts" in plan[0], plan
    assert 'dialog_id : "chat1"' in params[0]


def test_date_filters_accept_dates_datetimes_and_strings() -> None:
    as_date = hq.make_filters(since=date(2025, 1, 2), until=date(2025, 1, 2))
    assert as_date.since is not None and as_date.until is not None
    assert as_date.since < as_date.until
    aware = hq.make_filters(since=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert aware.since == "2025-01-02T03:04:05.000000Z"
    assert hq.make_filters(since="2025-01-02T03:04:05Z").since == aware.since
