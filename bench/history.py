"""Benchmark: the send history at 1,000,000 rows, each query as a ratio to a plain page read.

Builds a realistic history in a temp dir (one transaction, ``executemany``),
then times what the history screen does: open + first page, the next page,
text search, filters and counts. Each figure is the median over several runs,
and the ratio to a reference measured in the same run on the same table:
``SELECT * FROM sends ORDER BY id DESC LIMIT 50`` on a bare connection. The
product target (§12) is ≤ 100 ms for opening the screen and for a search.

    uv run python bench/history.py [--rows 1000000] [--repeat 15]

Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from b24notify.core.history import History

TEMPLATES = [
    ("incident/opened", "Incident #{n} opened: {a} {b} is degraded in {region}. Severity {sev}."),
    ("incident/update", "Incident #{n} update: engineers are {a} the {b}; next update in {m} min."),
    ("incident/resolved", "Incident #{n} resolved: {b} in {region} is back to normal."),
    (
        "maintenance/window",
        "Planned maintenance of {b} on {day} from {h}:00 to {h2}:00 ({region}).",
    ),
    ("ticket/resolved", "Your ticket #{n} is resolved: {a} {b}. Reply to reopen it."),
    ("ticket/waiting", "Ticket #{n} is waiting for your answer about the {b}."),
    ("escalation", "Escalation: ticket #{n} ({sev}) needs a {a} engineer for {b}."),
    ("release/notes", "Release {n}: {a} {b} and faster {region} reports."),
    ("billing/reminder", "Invoice #{n} for {b} is due on {day}."),
    ("onboarding/welcome", "Welcome to the {b} team! Your mentor will reach out {day}."),
]
WORDS_A = [
    "investigating",
    "restarting",
    "migrating",
    "monitoring",
    "patching",
    "scaling",
    "rolling back",
    "upgrading",
    "replacing",
    "rebuilding",
    "senior",
    "network",
    "storage",
    "database",
    "improved",
    "fixed",
    "reworked",
    "simplified",
]
WORDS_B = [
    "database cluster",
    "payment gateway",
    "mail relay",
    "VPN concentrator",
    "CRM sync",
    "telephony bridge",
    "file storage",
    "search index",
    "SSO provider",
    "backup job",
    "reporting service",
    "mobile push",
    "webhook queue",
    "warehouse API",
    "helpdesk portal",
    "сервер телефонии",
    "почтовый шлюз",
    "база данных",
]
REGIONS = ["eu-west", "eu-central", "us-east", "ap-south", "Москва", "Almaty", "São Paulo"]
SEVERITIES = ["low", "medium", "high", "critical"]
ERRORS = [
    ("QUERY_LIMIT_EXCEEDED", "Too many requests", 503),
    ("DIALOG_ID_EMPTY", "Dialog ID can't be empty", 400),
    ("ACCESS_DENIED", "Access denied", 403),
    ("ATTACH_ERROR", "Incorrect attach params", 400),
]


def generate(rows: int, seed: int = 24) -> Iterator[tuple[Any, ...]]:
    """Rows for ``sends`` spread over the last year, oldest first (ids grow with time)."""
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=365)
    step = timedelta(days=365) / rows
    dialogs = [f"chat{rng.randrange(1, 100_000)}" for _ in range(3000)] + [
        str(rng.randrange(1, 5000)) for _ in range(2000)
    ]
    run_id: str | None = None
    run_left = 0
    row_number = 0
    for i in range(rows):
        if run_left == 0 and rng.random() < 0.002:
            run_id, run_left, row_number = f"run-{i:07d}", rng.randrange(200, 5000), 0
        template, text = TEMPLATES[rng.randrange(len(TEMPLATES))]
        message = text.format(
            n=rng.randrange(10_000, 99_999),
            a=rng.choice(WORDS_A),
            b=rng.choice(WORDS_B),
            region=rng.choice(REGIONS),
            sev=rng.choice(SEVERITIES),
            m=rng.choice((15, 30, 60)),
            day=f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            h=(h := rng.randrange(0, 22)),
            h2=h + 2,
        )
        roll = rng.random()
        status = "sent" if roll < 0.95 else "failed" if roll < 0.985 else "unknown"
        error = ERRORS[rng.randrange(len(ERRORS))] if status == "failed" else (None, None, None)
        dialog = dialogs[min(int(rng.paretovariate(1.2)) - 1, len(dialogs) - 1)]
        if rng.random() < 0.7:
            dialog = rng.choice(dialogs)
        at = (start + step * i).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        in_run = run_left > 0
        if in_run:
            run_left -= 1
            row_number += 1
        params = {"BOT_ID": 7, "DIALOG_ID": dialog, "MESSAGE": message, "CLIENT_ID": "<client-id>"}
        yield (
            at,
            at,
            "main",
            "example.bitrix24.com",
            "v1",
            "imbot.message.add",
            7,
            dialog,
            template,
            "sha256:0f3a",
            json.dumps({"ticket": i}),
            json.dumps(params, ensure_ascii=False),
            message,
            status,
            i + 1_000_000 if status == "sent" else None,
            error[0],
            error[1],
            error[2],
            1,
            180.0 + (i % 400),
            run_id if in_run else None,
            row_number if in_run else None,
        )


INSERT = """
    INSERT INTO sends (
        created_at, updated_at, profile, portal, api, method, bot_id, dialog_id, template,
        template_hash, values_json, params_json, message_text, status, message_id, error_code,
        error_description, http_status, attempts, duration_ms, run_id, row_number
    ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def build(path: Path, rows: int) -> dict[str, float]:
    """Create the schema, load ``rows`` rows in one transaction, then build the FTS index."""
    timings: dict[str, float] = {}
    History(path, fts=False).close()  # schema only; the index is built in one go below
    t0 = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    # Throwaway data: no journal (a WAL would write every page twice) and a large
    # page cache, since five indexes take their keys in random order. The
    # History under test runs as in the app: WAL, SQLite's default cache.
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    conn.execute("BEGIN")
    conn.executemany(INSERT, generate(rows))
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    timings["load rows"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    History(path).close()  # FTS available: builds the index from the rows
    timings["build FTS index"] = time.perf_counter() - t0
    return timings


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm the page cache and the statement cache, as a screen in use would be
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.sqlite3"
        print(f"building {args.rows:,} rows in {path} …", flush=True)
        for name, seconds in build(path, args.rows).items():
            print(f"  {name:<18} {seconds:6.1f} s")
        print(f"  file size          {path.stat().st_size / 1e6:6.0f} MB")

        raw = sqlite3.connect(path)
        reference = median_ms(
            lambda: raw.execute("SELECT * FROM sends ORDER BY id DESC LIMIT 50").fetchall(),
            args.repeat,
        )

        def open_first_page() -> None:
            with History(path) as fresh:
                fresh.search(limit=50)

        h = History(path)
        middle = h.search(limit=1)[0].id // 2
        dialog = h.recent_dialogs(1)[0]
        run = h.runs(1)[0].run_id
        cases: list[tuple[str, Callable[[], object]]] = [
            ("open + first page", open_first_page),
            ("first page", lambda: h.search()),
            ("next page (keyset, mid-table)", lambda: h.search(before_id=middle)),
            ("text: common word 'incident'", lambda: h.search(text="incident")),
            ("text: typing 'incid'", lambda: h.search(text="incid")),
            ("text: two words 'payment resolved'", lambda: h.search(text="payment resolved")),
            ("text: rare 'VPN critical Almaty'", lambda: h.search(text="VPN critical Almaty")),
            ("text: Cyrillic 'телефонии'", lambda: h.search(text="телефонии")),
            ("text: error code 'ACCESS_DENIED'", lambda: h.search(text="ACCESS_DENIED")),
            ("text + status failed", lambda: h.search(text="gateway", status="failed")),
            ("text + dialog", lambda: h.search(text="ticket", dialog=dialog)),
            ("status: failed", lambda: h.search(status="failed")),
            ("status: failed + unknown", lambda: h.search(status=["failed", "unknown"])),
            ("dialog filter", lambda: h.search(dialog=dialog)),
            ("template filter", lambda: h.search(template="billing/reminder")),
            (
                "date range: a week, 3 months ago",
                lambda: h.search(
                    since=datetime.now(UTC) - timedelta(days=97),
                    until=datetime.now(UTC) - timedelta(days=90),
                ),
            ),
            ("run filter", lambda: h.search(run_id=run)),
            ("count: all", lambda: h.count()),
            ("count: status failed", lambda: h.count(status="failed")),
            ("count: dialog", lambda: h.count(dialog=dialog)),
            ("count: text, at most 1000", lambda: h.count(text="incident", at_most=1000)),
            ("recent dialogs", lambda: h.recent_dialogs(20)),
            ("runs (20, with counts)", lambda: h.runs(20)),
        ]
        print(f"\nreference: SELECT * FROM sends ORDER BY id DESC LIMIT 50 = {reference:.3f} ms")
        print(f"\n{'operation':<38} {'median ms':>10} {'× reference':>12}")
        print("-" * 62)
        for name, fn in cases:
            ms = median_ms(fn, args.repeat)
            print(f"{name:<38} {ms:>10.2f} {ms / reference:>12.1f}")
        h.close()
        raw.close()


if __name__ == "__main__":
    main()
