"""History after the user audit: an unreadable file, confirmations, marking unknown sends."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from conftest import sandbox_profile
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from test_history import fill_history, open_history
from textual.widgets import DataTable, Input, Select, Static
from tui_support import SIZE, click, ready, sandbox_messages, wait_for

from b24notify.core import history_query, paths, when
from b24notify.core.config import Config
from b24notify.core.errors import UsageError
from b24notify.core.history import History
from b24notify.core.models import Draft, SendOptions
from b24notify.core.service import Service
from b24notify.tui.app import B24Commands, B24NotifyApp
from b24notify.tui.screens.dialogs import ConfirmDialog, ErrorDialog
from b24notify.tui.screens.history import HistoryScreen
from b24notify.tui.widgets.history_detail import detail
from b24notify.tui.widgets.history_export import ExportDialog, check_target
from b24notify.tui.widgets.history_filters import FilterChip, FilterDialog, resolve_filters
from b24notify.tui.widgets.key_bar import KeyBar

NOW = datetime(2025, 3, 3, 18, 0)
NOT_A_DAY = "not a date or a time; type 2025-03-01, 2025-03-01 14:00, yesterday or -2h."


def plain(renderable: Any, width: int = 100) -> str:
    console = Console(width=width, color_system=None)
    with console.capture() as out:
        console.print(renderable)
    return out.get()


async def dismiss_errors(pilot: Any) -> int:
    """Close every error modal on top; how many there were."""
    closed = 0
    while isinstance(pilot.app.screen, ErrorDialog):
        pilot.app.screen.dismiss()
        closed += 1
        await pilot.pause()
    return closed


async def test_an_unreadable_history_file_leaves_an_empty_history_that_says_why(
    sandbox_app: Any,
) -> None:
    target = paths.history_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(os.urandom(5000))
    config = Config(profiles={"sandbox": sandbox_profile()}, default_profile="sandbox")
    service = Service(config, transport_factory=lambda p: httpx.ASGITransport(app=sandbox_app))
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        await dismiss_errors(pilot)  # the start-up housekeeping's own report
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen_of("history"), HistoryScreen))
        screen = app.screen_of("history")
        assert isinstance(screen, HistoryScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorDialog))
        assert "not a b24notify history" in str(app.screen.query_one("#dialog-message").render())
        assert await dismiss_errors(pilot) == 1
        await wait_for(pilot, lambda: screen.load_error is not None)
        assert app.is_running and isinstance(app.screen, HistoryScreen)
        assert screen.query_one(DataTable).row_count == 0
        assert "could not be read" in str(screen.query_one("#history-count", Static).render())
        assert "not a b24notify history" in str(screen.query_one("#detail-body", Static).render())
        # Loading again says nothing new: the modal was shown once.
        screen.reload()
        await pilot.pause(0.3)
        await wait_for(pilot, lambda: not screen._busy)
        assert not isinstance(app.screen, ErrorDialog)
        assert screen.load_error is not None


async def test_delete_and_resend_ask_even_when_compose_sends_do_not(
    make_service: Callable[..., Service], sandbox_app: Any
) -> None:
    service = make_service(confirm_send=False)
    sent = fill_history(service.history, 1)  # one "sent" row, message 5000
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_history(pilot)
        screen.query_one(DataTable).focus()
        for key, title in (("d", "Delete message 5000"), ("r", f"Send #{sent[0]} again")):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            dialog = app.screen
            assert isinstance(dialog, ConfirmDialog) and dialog.title_text.startswith(title)
            await pilot.press("escape")  # "no": nothing leaves
            await wait_for(pilot, lambda: app.screen is screen)
        await pilot.pause(0.2)
        assert sandbox_messages(sandbox_app) == []
        record = service.history.get(sent[0])
        assert record is not None and record.deleted_at is None
        assert service.history.count() == 1


def one_send(history: History, status: str) -> int:
    """A finished (or still pending) send in ``status``."""
    (hid,) = fill_history(history, 1)  # a "sent" row
    if status == "sent":
        return hid
    hid = history.record_pending(profile="sandbox", dialog_id="chat1", template="notice/short")
    if status != "pending":
        history.finish(hid, cast(Any, status))
    return hid


@pytest.mark.parametrize(
    ("start", "to", "error"),
    [
        ("unknown", "sent", None),
        ("unknown", "failed", None),
        ("unknown", "unknown", "marked as sent or failed only"),
        ("unknown", "pending", "marked as sent or failed only"),
        ("sent", "failed", "is sent, not unknown"),
        ("failed", "sent", "is failed, not unknown"),
        ("pending", "sent", "is pending, not unknown"),
    ],
)
def test_mark_outcome_settles_unknown_sends_only(
    service: Service, start: str, to: str, error: str | None
) -> None:
    hid = one_send(service.history, start)
    if error is None:
        record = service.mark_outcome(hid, cast(Any, to))
        assert record.status == to
        assert service.history.get(hid) == record
        return
    with pytest.raises(UsageError, match=error):
        service.mark_outcome(hid, cast(Any, to))
    stored = service.history.get(hid)
    assert stored is not None and stored.status == start


def test_mark_outcome_of_a_missing_send_says_so(service: Service) -> None:
    with pytest.raises(UsageError, match="No history row with id 99"):
        service.mark_outcome(99, "sent")


def palette_titles(app: B24NotifyApp) -> set[str]:
    return {title for title, _help, _run in B24Commands(app.screen, None)._commands()}


@pytest.mark.parametrize("status", ["sent", "failed"])
async def test_an_unknown_send_can_be_marked_after_a_confirmation(
    make_service: Callable[..., Service], tmp_path: Path, status: str
) -> None:
    history = History(tmp_path / "h.sqlite3")
    ids = fill_history(history, 3)  # newest first: unknown, failed, sent
    app = B24NotifyApp(make_service(history=history))
    key = "s" if status == "sent" else "f"
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_history(pilot)
        screen.query_one(DataTable).focus()
        await pilot.pause()
        assert screen.selected_id() == ids[2]
        assert {"Mark as sent", "Mark as failed"} <= palette_titles(app)
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.title_text == f"Mark send #{ids[2]} as {status}?"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.records.get(ids[2], None) is not None)
        await wait_for(pilot, lambda: screen.records[ids[2]].status == status)
        stored = history.get(ids[2])
        assert stored is not None and stored.status == status
        assert screen.selected_id() == ids[2]  # the row stays selected, its detail redrawn
        assert f"#{ids[2]}  {status}" in plain(screen.detail_view)
        assert any(f"marked as {status}" in n.message for n in app._notifications)
        # Settled: the actions are gone, for keys and the palette alike.
        assert "Mark as sent" not in palette_titles(app)
        await pilot.press("s")
        await pilot.pause(0.2)
        assert app.screen is screen


async def test_resending_an_unknown_send_warns_that_it_may_be_in_the_chat(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history = History(tmp_path / "h.sqlite3")
    ids = fill_history(history, 3)  # newest: unknown; then failed
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_history(pilot)
        screen.query_one(DataTable).focus()
        await pilot.pause()
        messages = []
        for _row in ids[:2]:  # the unknown row, then the failed one
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            dialog = app.screen
            assert isinstance(dialog, ConfirmDialog)
            messages.append(dialog.message)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is screen)
            await pilot.press("down")
        assert "may already be in the chat" in messages[0]
        assert messages[1] == ""


async def test_a_delete_names_the_message_and_the_chat(
    make_service: Callable[..., Service], sandbox_app: Any
) -> None:
    service = make_service()
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        outcome = await service.send(
            Draft(template="notice/short", values={"text": "Hi"}, options=SendOptions("chat42"))
        )
        assert outcome.message_id is not None
        screen = await open_history(pilot)
        screen.query_one(DataTable).focus()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")
        expected = f"Deleted message {outcome.message_id} in chat42 on the portal."
        await wait_for(pilot, lambda: any(n.message == expected for n in app._notifications))


@pytest.mark.parametrize("size", [(80, 24), SIZE])
async def test_the_count_line_sits_above_the_key_bar(
    make_service: Callable[..., Service], tmp_path: Path, size: tuple[int, int]
) -> None:
    history = History(tmp_path / "h.sqlite3")
    fill_history(history, 5)
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        screen = await open_history(pilot)
        await pilot.pause()
        count = screen.query_one("#history-count", Static).region
        bar = screen.query_one(KeyBar).region
        assert count.height == 1 and bar.height >= 1
        assert count.bottom <= bar.y  # not under the key bar
        assert count.y >= screen.query_one("#history-main").region.bottom
        assert "5 of 5 sends shown" in str(screen.query_one("#history-count", Static).render())


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (
            {"status": "sent", "message_id": 1001, "http_status": 200},
            ['{"result": 1001}', "HTTP 200"],
        ),
        (
            {
                "status": "failed",
                "error_code": "ACCESS_DENIED",
                "error_description": "Client ID not specified",
                "http_status": 401,
            },
            [
                '{"error": "ACCESS_DENIED", "error_description": "Client ID not specified"}',
                "HTTP 401",
            ],
        ),
        ({"status": "unknown"}, ["No answer (the request left; see the chat)."]),
        ({"status": "sent"}, ["Marked as sent by hand: no answer was recorded."]),
        ({}, ["No answer yet"]),
    ],
)
def test_the_detail_shows_the_response_as_recorded(
    tmp_path: Path, outcome: dict[str, Any], expected: list[str]
) -> None:
    history = History(tmp_path / "h.sqlite3")
    hid = history.record_pending(profile="sandbox", dialog_id="chat42", params={"MESSAGE": "Hi"})
    if outcome:
        history.finish(hid, **outcome)
    record = history.get(hid)
    assert record is not None
    text = plain(detail(record), width=120)
    section = text.split("Response (as recorded)", 1)[1].split("As sent", 1)[0]
    assert all(e in section for e in expected), section
    for wrong in ("result", "error_description"):
        if not any(wrong in e for e in expected):
            assert wrong not in section


def dated_history(path: Path) -> tuple[History, list[int]]:
    """Four sends over three days (noon UTC): (template, dialog, day, status)."""
    now = [datetime(2025, 3, 1, 12, tzinfo=UTC)]
    history = History(path, clock=lambda: now[0])
    ids = []
    for template, dialog, day, status in (
        ("a/one", "chat1", 1, "sent"),
        ("b/two", "chat2", 2, "failed"),
        ("a/one", "chat2", 3, "sent"),
        ("a/one", "chat2", 3, "failed"),
    ):
        now[0] = datetime(2025, 3, day, 12, tzinfo=UTC)
        hid = history.record_pending(profile="sandbox", template=template, dialog_id=dialog)
        history.finish(hid, cast(Any, status))
        ids.append(hid)
    return history, ids


async def set_in_dialog(pilot: Any, values: dict[str, str], now: datetime = NOW) -> None:
    """Open the filter dialog with ctrl+l, type ``values`` over the fields, Apply (at ``now``)."""
    app = pilot.app
    await pilot.press("ctrl+l")
    dialog = await wait_for(pilot, lambda: isinstance(app.screen, FilterDialog) and app.screen)
    dialog.clock = lambda: now
    for key, value in values.items():
        app.screen.query_one(f"#history-filter-{key}", Input).value = value
    await click(pilot, "#apply")


def chips(screen: HistoryScreen) -> list[str]:
    return [str(c.render()).strip() for c in screen.query(FilterChip)]


async def test_template_dialog_and_date_filters_combine_and_clear_by_chip(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    history, ids = dated_history(tmp_path / "h.sqlite3")
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_history(pilot)

        async def shown(expected: list[int]) -> None:
            await wait_for(pilot, lambda: screen.order == expected and not screen._busy)

        await set_in_dialog(pilot, {"template": "a/one"})
        await shown([ids[3], ids[2], ids[0]])
        assert chips(screen) == ["Template a/one ×"]
        await set_in_dialog(pilot, {"dialog": "chat2"})
        await shown([ids[3], ids[2]])
        screen.query_one("#history-status", Select).value = "sent"  # with the status too
        await shown([ids[2]])
        screen.query_one("#history-status", Select).value = ""
        await set_in_dialog(pilot, {"template": "", "since": "2025-03-02", "until": "2025-03-02"})
        await shown([ids[1]])
        assert chips(screen) == ["Dialog chat2 ×", "Since 2025-03-02 ×", "Until 2025-03-02 ×"]
        assert "1 of 1 matching" in str(screen.query_one("#history-count", Static).render())
        # A chip's click drops that filter only.
        await click(pilot, screen.query(FilterChip)[2])
        await shown([ids[3], ids[2], ids[1]])
        assert screen.extra == {"dialog": "chat2", "since": "2025-03-02"}
        # Days and times may be typed relative to now; the chips show the day named.
        await set_in_dialog(pilot, {"since": "yesterday", "until": "-1d"})
        await shown([ids[1]])
        assert chips(screen) == ["Dialog chat2 ×", "Since 2025-03-02 ×", "Until 2025-03-02 ×"]
        # Esc drops them all.
        screen.query_one(DataTable).focus()
        await pilot.press("escape")
        await shown(list(reversed(ids)))
        assert chips(screen) == []


@pytest.mark.parametrize(
    ("values", "sentence"),
    [
        ({"since": "1.3.2025"}, f"Since '1.3.2025': {NOT_A_DAY}"),
        ({"until": "2025-02-30"}, f"Until '2025-02-30': {NOT_A_DAY}"),
        ({"since": "-3x"}, "Since '-3x': x is not a unit (min, h, d or w)."),
        ({"since": "2025-03-02", "until": "2025-03-01"}, "Until is before Since"),
        ({"since": "2025-03-02 10:00", "until": "2025-03-02 10:00"}, "Until is before Since"),
    ],
)
async def test_a_bad_date_is_named_and_nothing_changes(
    make_service: Callable[..., Service], tmp_path: Path, values: dict[str, str], sentence: str
) -> None:
    history, ids = dated_history(tmp_path / "h.sqlite3")
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_history(pilot)
        await set_in_dialog(pilot, values)
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        assert sentence in str(dialog.query_one("#history-filter-error", Static).render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.extra == {} and len(screen.order) == len(ids)


@given(st.text(max_size=12))
@settings(max_examples=200)
def test_a_bound_is_resolved_to_what_history_reads_or_named(text: str) -> None:
    values, problem = resolve_filters({"since": text} if text.strip() else {}, NOW)
    if problem is not None:
        key, sentence = problem
        assert key == "since" and sentence.startswith("Since ") and sentence.endswith(".")
        return
    if text.strip():
        bound = values["since"]
        assert history_query.make_filters(since=bound).since  # History reads it as it is
        assert when.absolute(bound, "datetime", NOW) is None, "a fixed moment"


async def test_export_asks_where_and_in_which_format_and_says_where_it_went(
    make_service: Callable[..., Service], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history, ids = dated_history(tmp_path / "h.sqlite3")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    app = B24NotifyApp(make_service(history=history))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_history(pilot)
        screen.query_one(DataTable).focus()
        await set_in_dialog(pilot, {"dialog": "chat2"})
        await wait_for(pilot, lambda: len(screen.order) == 3 and not screen._busy)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
        dialog = app.screen
        path_field = dialog.query_one("#history-export-path", Input)
        assert Path(path_field.value).parent == work and path_field.value.endswith(".csv")
        dialog.query_one("#history-export-format", Select).value = "json"
        await wait_for(pilot, lambda: path_field.value.endswith(".json"))
        path_field.value = str(tmp_path / "missing" / "out.json")
        await click(pilot, "#export")
        await pilot.pause()
        error = str(dialog.query_one("#history-export-error", Static).render())
        assert error == f"The folder {tmp_path / 'missing'} does not exist."
        path_field.value = str(work / "out.json")
        path_field.focus()
        await pilot.press("enter")
        expected = f"Exported 3 sends to {work / 'out.json'}."
        await wait_for(pilot, lambda: any(n.message == expected for n in app._notifications))
        rows = json.loads((work / "out.json").read_text(encoding="utf-8"))
        assert [row["id"] for row in rows] == [ids[3], ids[2], ids[1]]  # the filter applied
        assert not (paths.data_dir() / "exports").exists()


def test_check_target_puts_a_stamped_file_in_a_folder(tmp_path: Path) -> None:
    path, why = check_target(str(tmp_path), "jsonl")
    assert why == "" and path is not None
    assert path.parent == tmp_path and path.name.startswith("history-") and path.suffix == ".jsonl"
    assert check_target("  ", "csv") == (None, "Type the file to write.")
