"""The Bulk screen's words and helpers without a terminal: durations, summaries, previews, paths."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24notify.core.bulk_check import BulkCheck, BulkSpec, RowProblem, WarningCount
from b24notify.core.bulk_results import BulkProgress, BulkReport
from b24notify.tui.widgets.bulk_columns import DIALOG, IGNORED, ColumnMap, columns_text
from b24notify.tui.widgets.bulk_setup import complete_path
from b24notify.tui.widgets.bulk_text import (
    bot_of,
    check_summary,
    confirm_rows,
    count,
    duration,
    progress_text,
    rendered_of,
    report_text,
)


def make_check(**changes: Any) -> BulkCheck:
    values: dict[str, Any] = {
        "spec": BulkSpec("notice/short", Path("/data/people.csv")),
        "profile": "sandbox",
        "api": "v1",
        "method": "imbot.message.add",
        "data_format": "CSV, comma-separated",
        "columns": ("dialog_id", "text"),
        "ignored_columns": (),
        "template_hash": "t",
        "fingerprint": "f",
        "drain": 2.0,
        "burst": 50,
        "batch_size": 50,
        "rows": 120,
        "ready": 120,
        "to_send": 120,
    }
    values.update(changes)
    return BulkCheck(**values)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "?"),
        (0, "0.0 s"),
        (4.24, "4.2 s"),
        (59.94, "59.9 s"),
        (60, "1 min 00 s"),
        (185, "3 min 05 s"),
        (3600, "1 h 00 min"),
        (7830, "2 h 10 min"),
    ],
)
def test_duration(seconds: float | None, shown: str) -> None:
    assert duration(seconds) == shown


@pytest.mark.parametrize(("n", "shown"), [(0, "0 rows"), (1, "1 row"), (2500, "2,500 rows")])
def test_count(n: int, shown: str) -> None:
    assert count(n, "row") == shown


@pytest.mark.parametrize(
    ("changes", "phrases"),
    [
        ({}, ["120 rows: 120 ready, 0 with problems", "Ready: 120 messages", "3 batch calls"]),
        (
            {
                "ready": 118,
                "bad": 2,
                "to_send": 118,
                "problems": [RowProblem(7, 8, "dialog_id", "no dialog")],
            },
            ["2 with problems", "Nothing can be sent"],
        ),
        ({"cancelled": True}, ["stopped before the end", "check again"]),
        ({"rows": 0, "ready": 0, "to_send": 0}, ["no rows to send"]),
        ({"ignored_columns": ("note",)}, ["Ignored columns", "note"]),
        (
            {
                "warnings": {
                    "W_URL": WarningCount(3, RowProblem(2, 3, None, "x", "W_URL", "warning"))
                }
            },
            ["W_URL ×3", "first at row 2 (line 3)"],
        ),
        ({"duration": 75.0}, ["checked in 1 min 15 s"]),
    ],
    ids=["ready", "bad", "cancelled", "empty", "ignored", "warning", "slow"],
)
def test_check_summary(changes: dict[str, Any], phrases: list[str]) -> None:
    text = check_summary(make_check(**changes)).plain
    for phrase in phrases:
        assert phrase in text, text
    if "duration" not in changes:
        assert "checked in" not in text  # quick checks keep the screen steady


def test_the_estimate_follows_the_limits() -> None:
    # 120 rows = 3 batch calls; with a burst of 1 at 2/s the last two wait 1 s in all.
    rows = dict(confirm_rows(make_check(burst=1), "portal.example"))
    assert rows["Requests"] == "3 batch calls"
    assert rows["Time"] == "at least 1.0 s (2/s, burst 1)"
    assert rows["Profile"] == "sandbox (portal.example)"
    v2 = dict(confirm_rows(make_check(api="v2", batch_size=1, burst=100), "p"))
    assert v2["Requests"] == "120 requests"
    assert v2["Time"].startswith("at least 10.0 s")


def test_confirm_rows_name_earlier_runs_of_the_same_file() -> None:
    rows = dict(confirm_rows(make_check(), "p", ("r20261124-101010-abcd", "r20261123-101010-0000")))
    assert rows["Sent before"] == "this file went out as run r20261124-101010-abcd and 1 more"


@pytest.mark.parametrize(
    ("progress", "phrases", "absent"),
    [
        (BulkProgress("checking", checked=1500), ["1,500 read"], ["sent"]),
        (
            BulkProgress("sending", total=200, sent=100, failed=1, elapsed=2.0, eta=3.0),
            ["100 sent · 1 failed · 0 unknown of 200", "50.5 msg/s", "ETA 3.0 s"],
            [],
        ),
        (
            BulkProgress("waiting", total=10, sent=5, elapsed=1.0, eta=9.0, note="waiting"),
            ["ETA 9.0 s", "\nwaiting"],
            [],
        ),
        (BulkProgress("done", total=5, sent=5, elapsed=1.0, eta=0.0), ["5 sent"], ["ETA"]),
    ],
    ids=["checking", "sending", "waiting", "done"],
)
def test_progress_text(progress: BulkProgress, phrases: list[str], absent: list[str]) -> None:
    text = progress_text(progress).plain
    assert all(p in text for p in phrases), text
    assert not any(a in text for a in absent), text


@pytest.mark.parametrize(
    ("changes", "phrases"),
    [
        ({"refused": True}, ["Nothing was sent"]),
        (
            {"sent": 120, "run_counts": {"sent": 120}},
            ["Run r1 · complete", "120 sent · 0 failed · 0 unknown of 120 rows"],
        ),
        (
            {"sent": 50, "not_sent": 70, "cancelled": True, "run_counts": {"sent": 50}},
            ["stopped by you", "70 rows not sent yet", "The run now: 50 sent"],
        ),
        (
            {"sent": 110, "unknown": 10, "run_counts": {"sent": 110, "unknown": 10}},
            ["10 rows unknown", "never sent again unless you choose them"],
        ),
        (
            {"stopped": "the bot is not found (BOT_NOT_FOUND)"},
            ["Stopped: the bot is not found (BOT_NOT_FOUND)."],
        ),
        (
            {"failed": 2, "report_path": Path("/runs/r1-failed.csv"), "reported_rows": 2},
            ["Failed and unknown rows: /runs/r1-failed.csv"],
        ),
        (
            {"resumed": True, "skipped_sent": 100, "sent": 20, "run_counts": {"sent": 120}},
            ["Resumed run r1", "Skipped 100 rows sent earlier"],
        ),
    ],
    ids=["refused", "complete", "cancelled", "unknown", "stopped", "failed", "resumed"],
)
def test_report_text(changes: dict[str, Any], phrases: list[str]) -> None:
    report = BulkReport(check=make_check(), run_id="r1", duration=4.0, **changes)
    text = report_text(report).plain
    assert all(p in text for p in phrases), text


@pytest.mark.parametrize(
    ("params", "message", "attach", "bot"),
    [
        ({"BOT_ID": 7, "MESSAGE": "[b]Hi[/b]", "ATTACH": [{"MESSAGE": "a"}]}, "[b]Hi[/b]", True, 7),
        ({"botId": 9, "fields": {"message": "v2 text", "attach": None}}, "v2 text", False, 9),
        ({"MESSAGE": "", "BOT_ID": True}, "", False, None),
    ],
    ids=["v1", "v2", "no-bot"],
)
def test_a_preview_is_read_back_from_v1_or_v2_params(
    params: dict[str, Any], message: str, attach: bool, bot: int | None
) -> None:
    rendered = rendered_of(params)
    assert rendered.message == message
    assert (rendered.attach is not None) == attach
    assert bot_of(params) == bot


def test_columns_text_lists_each_use() -> None:
    found = ColumnMap(
        "CSV, comma-separated",
        (("dialog_id", DIALOG), ("Text", "text"), ("a_very_long_column_name", IGNORED)),
        "dialog_id",
        defaults=("important",),
        problem="people.csv has no column for the required variable 'x'.",
    )
    lines = columns_text(found).plain.splitlines()
    assert lines[0] == "Columns (CSV, comma-separated)"
    assert lines[1].split() == ["dialog_id", "→", "dialog"]
    assert lines[2].split() == ["Text", "→", "text", "(case)"]
    assert lines[3].split() == ["a_very_long_c…", "ignored"]
    assert lines[4].split() == ["defaults:", "important"]
    assert "required variable 'x'" in lines[5]


# ---- path completion -------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("people.csv", "rows.jsonl", "notes.md", ".hidden.csv", "Upper.TSV"):
        (tmp_path / name).write_text("x\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "march.csv").write_text("x\n")
    (tmp_path / "people").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("", None),
        ("r", "rows.jsonl"),
        ("peo", "people/"),  # a folder before a file
        ("people.", "people.csv"),
        ("people.csv", None),  # already complete
        ("d", "data/"),
        ("data", "data/"),
        ("data/", "data/march.csv"),
        ("data/m", "data/march.csv"),
        ("n", None),  # not a data file
        ("U", "Upper.TSV"),
        ("u", None),  # paths are case-sensitive
        (".h", ".hidden.csv"),
        ("missing/x", None),
        ("~", None),
    ],
)
def test_complete_path(folder: Path, typed: str, suggested: str | None) -> None:
    assert complete_path(typed) == suggested


def test_complete_path_in_an_absolute_folder(folder: Path) -> None:
    typed = f"{folder}{os.sep}data{os.sep}ma"
    assert complete_path(typed) == f"{folder}{os.sep}data{os.sep}march.csv"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("paths")
    for name in ("a.csv", "ab.jsonl", "b.txt", "c d.csv", "x.bin"):
        (root / name).write_text("x\n")
    (root / "sub").mkdir()
    (root / "sub" / "s.csv").write_text("x\n")
    return root


@settings(max_examples=200, deadline=None)
@given(typed=st.text(alphabet="abcdsux./ .-_", max_size=8))
def test_a_suggestion_extends_what_was_typed_and_exists(files: Path, typed: str) -> None:
    value = f"{files}{os.sep}{typed}"
    suggestion = complete_path(value)
    if suggestion is None:
        return
    assert suggestion.startswith(value) and suggestion != value
    target = Path(suggestion)
    assert target.exists()
    assert target.is_dir() == suggestion.endswith(os.sep)
